package org.convkit.core.cnn.data;

import org.convkit.core.cnn.input.ImageTensor;
import org.convkit.core.cnn.input.InputFormat;
import ij.process.ImageProcessor;
import org.convkit.core.cnn.input.Normalisation;

import java.util.function.IntFunction;

/**
 * Fits per-channel mean and standard deviation by streaming over examples (one image in memory at a time), on the
 * network's input (after resizing), in double precision. Call it with the TRAINING indices only; the result is
 * reused for validation and stored in the model for classification. A constant channel gets std 1.
 */
public final class NormalisationFitter {
	private NormalisationFitter() {
	}

	/** @throws IllegalArgumentException when no example is readable */
	public static Normalisation fit(Dataset data, int[] indices, InputFormat f) {
		return fit(data::open, indices, f);
	}

	/**
	 * The same over any images: {@code open} gives image i, or null when it cannot be read.
	 *
	 * @throws IllegalArgumentException when no example is readable
	 */
	public static Normalisation fit(IntFunction<ImageProcessor> open, int[] indices, InputFormat f) {
		int c = f.channels(), plane = f.width() * f.height();
		double[] sum = new double[c], sumSq = new double[c];
		long count = 0;
		float[] buf = new float[f.size()];
		for (int i : indices) {
			ImageProcessor ip = open.apply(i);
			if (ip == null) continue;
			ImageTensor.convert(ip, f, buf, 0);
			for (int ch = 0; ch < c; ch++) {
				double s = 0, s2 = 0;
				for (int k = ch * plane, e = k + plane; k < e; k++) {
					s += buf[k];
					s2 += (double) buf[k] * buf[k];
				}
				sum[ch] += s;
				sumSq[ch] += s2;
			}
			count++;
		}
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
