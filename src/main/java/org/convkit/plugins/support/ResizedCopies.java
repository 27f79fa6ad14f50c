package org.convkit.plugins.support;

import ij.CompositeImage;
import ij.IJ;
import ij.ImagePlus;
import ij.ImageStack;
import ij.measure.Calibration;
import ij.process.ColorProcessor;
import ij.process.FloatProcessor;
import ij.process.ImageProcessor;
import org.convkit.core.filter.WindowGrid;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;

/**
 * The result of a command whose output has another size than its input (pooling; a strided or Valid kernel): a
 * new image of gx.out × gy.out made plane by plane (in parallel) from 32-bit copies of the planes, like the
 * in-place filters see them (8/16-bit as raw values, RGB per channel). Same type: converted back as ImageJ's
 * PlugInFilterRunner does after CONVERT_TO_FLOAT (rounded, clamped); 32-bit: kept (RGB becomes three channels).
 * Hyperstack dimensions, slice labels, the LUT and the spatial calibration (pixel size × stride, origin moved to
 * the first output pixel's window) follow the input. A selection is not used.
 */
public final class ResizedCopies {
	/** One plane's result: gx.out × gy.out values from gx.size × gy.size values; must be thread-safe. */
	public interface PlaneFilter {
		float[] apply(float[] pixels);
	}

	private ResizedCopies() {}

	/**
	 * The new image (not shown), or null when Esc stopped it.
	 *
	 * @param allPlanes every plane, or only the current one
	 * @param float32   32-bit output; otherwise the input's type
	 */
	public static ImagePlus create(ImagePlus source, boolean allPlanes, boolean float32, WindowGrid gx,
			WindowGrid gy, PlaneFilter filter, String titleSuffix) {
		ImageStack in = source.getStack();
		boolean rgb = source.getBitDepth() == 24;
		int first = allPlanes ? 1 : source.getCurrentSlice(), n = allPlanes ? in.getSize() : 1;
		int channelsPerPlane = rgb && float32 ? 3 : 1;
		ImageProcessor[] out = new ImageProcessor[n * channelsPerPlane];
		AtomicBoolean cancelled = new AtomicBoolean();
		AtomicInteger done = new AtomicInteger();
		IntStream.range(0, n).parallel().forEach(p -> {
			if (cancelled.get() || IJ.escapePressed()) {
				cancelled.set(true);
				return;
			}
			ImageProcessor ip = in.getProcessor(first + p);
			if (rgb) {
				ColorProcessor color = float32 ? null : new ColorProcessor(gx.out, gy.out);
				for (int c = 0; c < 3; c++) {
					FloatProcessor r = result(ip.toFloat(c, null), gx, gy, filter);
					if (float32) out[p * 3 + c] = r;
					else color.setPixels(c, r);
				}
				if (!float32) out[p] = color;
			} else {
				FloatProcessor r = result(ip.toFloat(0, null), gx, gy, filter);
				if (float32) out[p] = r;
				else {
					ImageProcessor typed = ip.createProcessor(gx.out, gy.out);
					typed.setPixels(0, r);
					out[p] = typed;
				}
			}
			IJ.showProgress(done.incrementAndGet(), n);
		});
		IJ.showProgress(1.0);
		if (cancelled.get()) return null;
		return assemble(source, allPlanes, float32, rgb, first, out, gx, gy, titleSuffix);
	}

	private static FloatProcessor result(FloatProcessor plane, WindowGrid gx, WindowGrid gy, PlaneFilter filter) {
		float[] r = filter.apply((float[]) plane.getPixels());
		if (r.length != gx.out * gy.out) throw new IllegalStateException("the plane filter gave " + r.length
				+ " values for " + gx.out + "x" + gy.out);
		return new FloatProcessor(gx.out, gy.out, r);
	}

	private static ImagePlus assemble(ImagePlus source, boolean allPlanes, boolean float32, boolean rgb, int first,
			ImageProcessor[] planes, WindowGrid gx, WindowGrid gy, String titleSuffix) {
		ImageStack in = source.getStack();
		ImageStack stack = new ImageStack(gx.out, gy.out);
		String[] names = {"red", "green", "blue"};
		int per = planes.length / (allPlanes ? in.getSize() : 1);
		for (int i = 0; i < planes.length; i++) {
			String label = in.getSliceLabel(first + i / per);
			if (per == 3) label = label == null ? names[i % 3] : label + " " + names[i % 3];
			stack.addSlice(label, planes[i]);
		}
		String title = source.getTitle().replaceFirst("\\.[A-Za-z0-9]+$", "") + titleSuffix;
		ImagePlus result = new ImagePlus(title, stack);
		result.setCalibration(scaled(source.getCalibration(), gx, gy));
		if (float32) result.getCalibration().disableDensityCalibration();
		int channels = allPlanes ? source.getNChannels() : 1;
		int slices = allPlanes ? source.getNSlices() : 1;
		int frames = allPlanes ? source.getNFrames() : 1;
		if (per == 3) channels *= 3;
		if (channels * slices * frames == stack.getSize() && (channels > 1 || slices > 1 || frames > 1)) {
			result.setDimensions(channels, slices, frames);
			if (channels > 1 && !rgb || per == 3)
				result = new CompositeImage(result, source.isComposite() && !float32
						? ((CompositeImage) source).getMode() : IJ.GRAYSCALE);
			result.setOpenAsHyperStack(true);
		}
		if (float32) result.resetDisplayRange();
		else if (!rgb) result.setDisplayRange(source.getDisplayRangeMin(), source.getDisplayRangeMax());
		return result;
	}

	/** Pixel size × stride; the origin moved so that output pixels sit where their windows are in the input. */
	static Calibration scaled(Calibration c, WindowGrid gx, WindowGrid gy) {
		Calibration s = c.copy();
		s.pixelWidth = c.pixelWidth * gx.stride;
		s.pixelHeight = c.pixelHeight * gy.stride;
		s.xOrigin = (c.xOrigin - gx.position(0)) / gx.stride;
		s.yOrigin = (c.yOrigin - gy.position(0)) / gy.stride;
		return s;
	}
}
