package org.convkit.core.cnn.data;

import ij.process.ImageProcessor;
import org.convkit.core.cnn.input.ImageTensor;
import org.convkit.core.cnn.input.InputFormat;
import org.convkit.core.cnn.input.Normalisation;

import java.util.function.IntFunction;

/**
 * Fits per-channel mean and standard deviation over examples, on the network's input (after resizing), in double
 * precision, adding the images up in the order given (so the result does not depend on how many threads read them).
 * Call it with the TRAINING indices only; the result is reused for validation and stored in the model for
 * classification. A constant channel gets std 1.
 */
public final class NormalisationFitter {
	/** Examples read per step: the threads of an {@link InputCache} share them out. */
	private static final int CHUNK = 256;

	private NormalisationFitter() {
	}

	/** Streaming over the examples, one at a time, without keeping them. */
	public static Normalisation fit(Dataset data, int[] indices, InputFormat f) {
		return fit(new InputCache(data, f, 0, false), indices);
	}

	/**
	 * Over the examples as the cache gives them: it reads them (in parallel where it can) and keeps them for the
	 * epochs when its budget allows.
	 *
	 * @throws IllegalArgumentException when no example is readable
	 */
	public static Normalisation fit(InputCache inputs, int[] indices) {
		InputFormat f = inputs.format();
		Sums sums = new Sums(f);
		int size = f.size(), chunk = Math.min(CHUNK, Math.max(1, indices.length));
		float[] buf = new float[chunk * size];
		int[] used = new int[chunk];
		for (int from = 0; from < indices.length; from += chunk) {
			int n = inputs.load(indices, from, Math.min(indices.length, from + chunk), buf, used);
			for (int k = 0; k < n; k++) sums.add(buf, k * size);
		}
		return sums.normalisation();
	}

	/**
	 * The same over any images: {@code open} gives image i, or null when it cannot be read.
	 *
	 * @throws IllegalArgumentException when no example is readable
	 */
	public static Normalisation fit(IntFunction<ImageProcessor> open, int[] indices, InputFormat f) {
		Sums sums = new Sums(f);
		float[] buf = new float[f.size()];
		for (int i : indices) {
			ImageProcessor ip = open.apply(i);
			if (ip == null) continue;
			ImageTensor.convert(ip, f, buf, 0);
			sums.add(buf, 0);
		}
		return sums.normalisation();
	}

	/** Per-channel sums of the values and their squares, one example after the other. */
	private static final class Sums {
		final int c, plane;
		final double[] sum, sumSq;
		long count;

		Sums(InputFormat f) {
			c = f.channels();
			plane = f.width() * f.height();
			sum = new double[c];
			sumSq = new double[c];
		}

		/** Adds the example at {@code buf[offset ...]}. */
		void add(float[] buf, int offset) {
			for (int ch = 0; ch < c; ch++) {
				double s = 0, s2 = 0;
				for (int i = offset + ch * plane, e = i + plane; i < e; i++) {
					s += buf[i];
					s2 += (double) buf[i] * buf[i];
				}
				sum[ch] += s;
				sumSq[ch] += s2;
			}
			count++;
		}

		Normalisation normalisation() {
			if (count == 0) throw new IllegalArgumentException("None of the training images could be read");
			double n = (double) count * plane;
			double[] mean = new double[c], std = new double[c];
			for (int ch = 0; ch < c; ch++) {
				mean[ch] = sum[ch] / n;
				double var = Math.max(0, sumSq[ch] / n - mean[ch] * mean[ch]);
				std[ch] = var > 0 && Math.sqrt(var) > 1e-12 * Math.max(1, Math.abs(mean[ch])) ? Math.sqrt(var) : 1;
			}
			return new Normalisation(mean, std);
		}
	}
}
