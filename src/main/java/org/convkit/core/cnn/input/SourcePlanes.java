package org.convkit.core.cnn.input;

import ij.ImagePlus;
import ij.ImageStack;
import ij.process.ColorProcessor;
import ij.process.ImageProcessor;

/**
 * The planes that patches are cut from at one position (slice z, frame t) of an image: the model's channels, in the
 * model's order, and — for a rule per Image — each channel's whole-plane statistics, computed once. One object per
 * image position; {@link #patch} makes the network input of one patch the same way for training, ROI classification
 * and probability maps: cut ({@link PatchCutter}), normalise (the model's affine, or this plane's per Image), blank
 * outside the ROI when the model was trained with {@code mask}.
 */
public final class SourcePlanes {
	private final ImageProcessor[] planes;
	private final int width, height;
	private final PatchInput input;
	private NormalisationRule statisticsRule;
	private ChannelStatistics[] statistics;
	private Normalisation lastRule, lastAffine;

	private SourcePlanes(ImageProcessor[] planes, PatchInput input) {
		this.planes = planes;
		this.width = planes[0].getWidth();
		this.height = planes[0].getHeight();
		this.input = input;
	}

	/**
	 * The image's channels of the patch input at slice z, frame t (1-based).
	 *
	 * @throws IllegalArgumentException when the image's channels do not fit the patch input (see {@link #check})
	 */
	public static SourcePlanes of(ImagePlus imp, PatchInput input, int z, int t) {
		check(imp, input);
		if (z < 1 || z > imp.getNSlices() || t < 1 || t > imp.getNFrames())
			throw new IllegalArgumentException("'" + imp.getTitle() + "' has no slice " + z + " frame " + t + " (it has "
					+ imp.getNSlices() + " slices and " + imp.getNFrames() + " frames)");
		int[] picks = input.channels();
		ImageProcessor[] planes = new ImageProcessor[picks.length];
		ImageStack stack = imp.getStack();
		if (input.rgb()) {
			ColorProcessor cp = (ColorProcessor) stack.getProcessor(imp.getStackIndex(1, z, t));
			for (int i = 0; i < picks.length; i++) planes[i] = cp.getChannel(picks[i], null);
		} else {
			for (int i = 0; i < picks.length; i++) planes[i] = stack.getProcessor(imp.getStackIndex(picks[i], z, t));
		}
		return new SourcePlanes(planes, input);
	}

	/** The image's channel count as patch inputs count it (3 for RGB). */
	public static int channelCount(ImagePlus imp) {
		return imp.getBitDepth() == 24 ? 3 : imp.getNChannels();
	}

	/**
	 * @throws IllegalArgumentException when the image is RGB and the model is not (or the reverse), or when it has
	 *                                  another channel count than the images the model was trained on
	 */
	public static void check(ImagePlus imp, PatchInput input) {
		boolean rgb = imp.getBitDepth() == 24;
		int n = channelCount(imp);
		if (rgb != input.rgb())
			throw new IllegalArgumentException("The model was trained on " + (input.rgb() ? "RGB" : "non-RGB")
					+ " images but '" + imp.getTitle() + "' is " + (rgb ? "RGB" : imp.getBitDepth() + "-bit")
					+ (rgb ? ": convert it (Image › Color › Split Channels or Image › Type)" : ""));
		if (n != input.imageChannels())
			throw new IllegalArgumentException("The model was trained on images with " + input.imageChannels()
					+ " channel(s) (using channels " + input.channelsText() + ") but '" + imp.getTitle() + "' has " + n
					+ ": classify images with the same channels as the training images");
	}

	public int width() {
		return width;
	}

	public int height() {
		return height;
	}

	/** The affine for patches of this plane: the model's, or per Image this plane's own (fitted once). */
	public synchronized Normalisation affine(Normalisation n) {
		if (!n.perImage()) return n;
		if (n == lastRule) return lastAffine;
		if (statistics == null || !n.rule().equals(statisticsRule)) {
			statistics = new ChannelStatistics[planes.length];
			for (int c = 0; c < planes.length; c++) statistics[c] = PatchCutter.statistics(planes[c], n.rule());
			statisticsRule = n.rule();
		}
		lastRule = n;
		lastAffine = n.forImage(statistics);
		return lastAffine;
	}

	/**
	 * Writes the network input of the patch centred on pixel (cx, cy) into {@code out[offset ...]}: channels in the
	 * model's order, cut by the border rule, normalised, and blanked outside {@code region} when the patch input
	 * masks (region may be null otherwise).
	 */
	public void patch(int cx, int cy, RegionMask region, InputFormat f, Normalisation n, float[] out, int offset) {
		int plane = f.width() * f.height();
		float constant = (float) input.constant();
		for (int c = 0; c < planes.length; c++)
			PatchCutter.cut(planes[c], cx, cy, f.width(), f.height(), input.border(), constant, out,
					offset + c * plane);
		ImageTensor.apply(out, offset, f, affine(n));
		if (input.mask() && region != null) PatchCutter.blankOutside(region, cx, cy, f, out, offset);
	}
}
