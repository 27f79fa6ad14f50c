package org.convkit.core.cnn.input;

import java.util.Arrays;

/**
 * Per-channel {@code (value - offset) / scale} applied to pixels before they enter the network, and the
 * {@link NormalisationRule} it came from. Per Dataset, the offsets and scales were fitted on the training images only
 * and are stored in the model file, so classification later normalises new images exactly as in training; per Image,
 * the stored numbers are unused (0 and 1) and {@link #forImage} fits the rule to each image's own values.
 * <p>
 * For the rule every model before it used (Mean-std per Dataset) the offset is the mean and the scale the standard
 * deviation, hence the names {@link #mean(int)} and {@link #std(int)}.
 */
public final class Normalisation {
	private final NormalisationRule rule;
	private final double[] mean, std;

	/** Mean-std per Dataset with these means and standard deviations. */
	public Normalisation(double[] mean, double[] std) {
		this(NormalisationRule.MEAN_STD, mean, std);
	}

	/**
	 * @param offset the value each channel's offset (mean, low percentile, minimum; 0 for None or per Image)
	 * @param scale  the value each channel is divided by after the offset (std, percentile range, range; 1 for None or
	 *               per Image)
	 * @throws IllegalArgumentException when the lengths differ, a value is not finite or a scale is not positive
	 */
	public Normalisation(NormalisationRule rule, double[] offset, double[] scale) {
		if (rule == null) throw new IllegalArgumentException("normalisation rule missing");
		if (offset == null || scale == null || offset.length == 0 || offset.length != scale.length)
			throw new IllegalArgumentException("normalisation needs one mean and one std per channel");
		for (int c = 0; c < offset.length; c++) {
			if (!Double.isFinite(offset[c]))
				throw new IllegalArgumentException("normalisation mean of channel " + (c + 1) + " is " + offset[c]);
			if (!(scale[c] > 0 && Double.isFinite(scale[c])))
				throw new IllegalArgumentException("normalisation std of channel " + (c + 1) + " must be > 0, got "
						+ scale[c]);
		}
		this.rule = rule;
		this.mean = offset.clone();
		this.std = scale.clone();
	}

	/** The identity: mean 0, std 1 for each channel (Mean-std per Dataset). */
	public static Normalisation none(int channels) {
		return identity(NormalisationRule.MEAN_STD, channels);
	}

	/** The rule with offsets 0 and scales 1: what a rule per Image, or None, stores. */
	public static Normalisation identity(NormalisationRule rule, int channels) {
		double[] m = new double[channels], s = new double[channels];
		Arrays.fill(s, 1);
		return new Normalisation(rule, m, s);
	}

	/** The rule fitted to statistics, one per channel (per Dataset: the training data's; per Image: one image's). */
	public static Normalisation fitted(NormalisationRule rule, ChannelStatistics[] channels) {
		double[] offset = new double[channels.length], scale = new double[channels.length];
		for (int c = 0; c < channels.length; c++) {
			double[] a = rule.affine(channels[c]);
			offset[c] = a[0];
			scale[c] = a[1];
		}
		return new Normalisation(rule, offset, scale);
	}

	public NormalisationRule rule() {
		return rule;
	}

	/** True when each image is normalised by its own statistics ({@link #forImage}). */
	public boolean perImage() {
		return rule.perImage();
	}

	/**
	 * The affine to use for one image: this one per Dataset; per Image, the rule fitted to the image's statistics
	 * (one per channel, from the image the data comes from).
	 */
	public Normalisation forImage(ChannelStatistics[] image) {
		return perImage() ? fitted(rule, image) : this;
	}

	public int channels() {
		return mean.length;
	}

	/** A copy of the per-channel offsets (means for Mean-std). */
	public double[] mean() {
		return mean.clone();
	}

	/** A copy of the per-channel scales (standard deviations for Mean-std). */
	public double[] std() {
		return std.clone();
	}

	public double mean(int channel) {
		return mean[channel];
	}

	public double std(int channel) {
		return std[channel];
	}

	/** {@code (value - mean[channel]) / std[channel]}. */
	public double apply(double value, int channel) {
		return (value - mean[channel]) / std[channel];
	}

	@Override
	public boolean equals(Object o) {
		return o instanceof Normalisation && rule.equals(((Normalisation) o).rule)
				&& Arrays.equals(mean, ((Normalisation) o).mean) && Arrays.equals(std, ((Normalisation) o).std);
	}

	@Override
	public int hashCode() {
		return 31 * (31 * rule.hashCode() + Arrays.hashCode(mean)) + Arrays.hashCode(std);
	}

	@Override
	public String toString() {
		return (rule.equals(NormalisationRule.MEAN_STD) ? "" : rule + ": ") + "mean " + Arrays.toString(mean) + " std "
				+ Arrays.toString(std);
	}
}
