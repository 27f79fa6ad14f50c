package org.convkit.core.cnn.input;

import java.util.Arrays;

/**
 * Per-channel {@code (value - mean) / std} applied to pixels before they enter the network. Fitted on the training
 * images only and stored in the model file, so classification later normalises new images exactly as in training.
 */
public final class Normalisation {
	private final double[] mean, std;

	/** @throws IllegalArgumentException when the lengths differ, a value is not finite or a std is not positive */
	public Normalisation(double[] mean, double[] std) {
		if (mean == null || std == null || mean.length == 0 || mean.length != std.length)
			throw new IllegalArgumentException("normalisation needs one mean and one std per channel");
		for (int c = 0; c < mean.length; c++) {
			if (!Double.isFinite(mean[c]))
				throw new IllegalArgumentException("normalisation mean of channel " + (c + 1) + " is " + mean[c]);
			if (!(std[c] > 0 && Double.isFinite(std[c])))
				throw new IllegalArgumentException("normalisation std of channel " + (c + 1) + " must be > 0, got "
						+ std[c]);
		}
		this.mean = mean.clone();
		this.std = std.clone();
	}

	/** The identity: mean 0, std 1 for each channel. */
	public static Normalisation none(int channels) {
		double[] m = new double[channels], s = new double[channels];
		Arrays.fill(s, 1);
		return new Normalisation(m, s);
	}

	public int channels() {
		return mean.length;
	}

	/** A copy of the per-channel means. */
	public double[] mean() {
		return mean.clone();
	}

	/** A copy of the per-channel standard deviations. */
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
		return o instanceof Normalisation && Arrays.equals(mean, ((Normalisation) o).mean)
				&& Arrays.equals(std, ((Normalisation) o).std);
	}

	@Override
	public int hashCode() {
		return 31 * Arrays.hashCode(mean) + Arrays.hashCode(std);
	}

	@Override
	public String toString() {
		return "mean " + Arrays.toString(mean) + " std " + Arrays.toString(std);
	}
}
