package org.convkit.plugins.support;

import ij.CompositeImage;
import ij.ImagePlus;
import ij.ImageStack;
import ij.gui.Roi;
import ij.process.ColorProcessor;
import ij.process.FloatProcessor;
import ij.process.ImageProcessor;
import org.convkit.core.image.Region;

import java.awt.Rectangle;
import java.util.function.BiConsumer;

/** 32-bit copies of any ImageJ image, for commands whose {@code output=32-bit} makes a new image. */
public final class FloatCopies {
	private FloatCopies() {}

	/**
	 * A 32-bit copy: every plane when {@code allPlanes}, else only the current one. RGB planes become three
	 * channels (red, green, blue) so that per-channel results keep their sign and range.
	 */
	public static ImagePlus of(ImagePlus source, boolean allPlanes) {
		ImageStack in = source.getStack();
		boolean rgb = source.getBitDepth() == 24;
		int first = allPlanes ? 1 : source.getCurrentSlice();
		int last = allPlanes ? in.getSize() : first;
		ImageStack out = new ImageStack(source.getWidth(), source.getHeight());
		for (int i = first; i <= last; i++) {
			ImageProcessor ip = in.getProcessor(i);
			String label = in.getSliceLabel(i);
			if (rgb) {
				ColorProcessor cp = (ColorProcessor) ip;
				String[] names = {"red", "green", "blue"};
				for (int c = 0; c < 3; c++)
					out.addSlice(label == null ? names[c] : label + " " + names[c], cp.toFloat(c, null));
			} else {
				out.addSlice(label, ip.convertToFloatProcessor());
			}
		}
		String title = source.getTitle().replaceFirst("\\.[A-Za-z0-9]+$", "") + "-32bit";
		ImagePlus result = new ImagePlus(title, out);
		result.setCalibration(source.getCalibration().copy());
		result.getCalibration().disableDensityCalibration();
		int channels = allPlanes ? source.getNChannels() : 1;
		int slices = allPlanes ? source.getNSlices() : 1;
		int frames = allPlanes ? source.getNFrames() : 1;
		if (rgb) channels *= 3;
		if (channels * slices * frames == out.getSize() && (channels > 1 || slices > 1 || frames > 1)) {
			result.setDimensions(channels, slices, frames);
			if (channels > 1) result = new CompositeImage(result, IJ_GRAYSCALE);
			result.setOpenAsHyperStack(slices > 1 || frames > 1 || channels > 1);
		}
		if (source.getRoi() != null) result.setRoi((Roi) source.getRoi().clone());
		return result;
	}

	private static final int IJ_GRAYSCALE = ij.IJ.GRAYSCALE;

	/** Runs {@code op} on the selection's bounds; pixels outside a non-rectangular selection are restored. */
	public static void filterInsideRoi(FloatProcessor fp, Roi roi, BiConsumer<FloatProcessor, Region> op) {
		if (roi == null || !roi.isArea()) {
			op.accept(fp, Region.whole(fp.getWidth(), fp.getHeight()));
			return;
		}
		Rectangle r = roi.getBounds().intersection(new Rectangle(0, 0, fp.getWidth(), fp.getHeight()));
		if (r.isEmpty()) return;
		ImageProcessor mask = roi.getMask();
		if (mask != null) fp.snapshot();
		op.accept(fp, new Region(r.x, r.y, r.width, r.height));
		if (mask != null) {
			fp.setRoi(r);
			fp.reset(mask);
			fp.resetRoi();
		}
	}
}
