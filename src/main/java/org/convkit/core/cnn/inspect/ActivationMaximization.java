package org.convkit.core.cnn.inspect;

import org.convkit.core.cnn.input.Normalisation;
import org.convkit.core.cnn.model.ModelBundle;

import java.util.Random;

/**
 * The input that most excites a channel (Erhan et al. 2009; the regularised form of Yosinski et al. 2015):
 * gradient ascent on the image, from seeded noise, of the channel's mean activation (a unit of a dense layer, the
 * logit of a class for the output layer). Each step shifts the image by a random jitter before the gradient and
 * back after it, normalises the gradient by its mean absolute value, and every {@value #BLUR_EVERY} steps blurs the
 * image a little; values stay within {@value #RANGE} standard deviations of the training mean (0..255 for RGB).
 * All chosen channels run together as one batch. The same seed gives the same images, bit for bit, on the same
 * machine.
 */
public final class ActivationMaximization {
	/** Steps between blurs, and the blur's sigma in pixels. */
	static final int BLUR_EVERY = 4;
	static final double BLUR_SIGMA = 0.5;
	/** The starting noise's standard deviation and the value range, in normalised units (training std). */
	static final double NOISE = 0.2, RANGE = 3;
	/** Channels per network call. */
	static final int CHUNK = 32;
	public static final int MAX_ITERATIONS = 100_000, MAX_CHANNELS = 4096;

	private ActivationMaximization() {
	}

	/** The seeded starting noise, one image per channel, in the model's pixel units (model input size). */
	public static Tensor start(ModelBundle bundle, int count, long seed) {
		return toPixels(noise(bundle, count, seed), bundle.normalisation());
	}

	/**
	 * One image per channel of {@code layer} (indices as in {@link InspectionNetwork#names()}), in the model's pixel
	 * units at its input size.
	 */
	public static Tensor run(InspectionNetwork net, int layer, int[] channels, int iterations, double step, long seed,
			Progress progress) {
		if (iterations < 1 || iterations > MAX_ITERATIONS)
			throw new IllegalArgumentException("iterations=" + iterations + " must be between 1 and " + MAX_ITERATIONS);
		if (!(step > 0 && step <= 100))
			throw new IllegalArgumentException("step=" + step + " must be > 0 and <= 100");
		if (channels.length < 1 || channels.length > MAX_CHANNELS)
			throw new IllegalArgumentException("choose between 1 and " + MAX_CHANNELS + " channels");
		ModelBundle b = net.bundle();
		Tensor x = noise(b, channels.length, seed);
		float[][] range = range(b);
		Random jitter = new Random(seed ^ 0x5DEECE66DL);
		int max = Math.max(1, Math.min(b.inputHeight(), b.inputWidth()) / 8);
		int chunks = (channels.length + CHUNK - 1) / CHUNK;
		for (int t = 0; t < iterations; t++) {
			Progress.step(progress, t, iterations);
			int dy = jitter.nextInt(2 * max + 1) - max, dx = jitter.nextInt(2 * max + 1) - max;
			Tensor shifted = Planes.roll(x, dy, dx);
			for (int k = 0; k < chunks; k++) {
				int from = k * CHUNK, n = Math.min(CHUNK, channels.length - from);
				Tensor part = slice(shifted, from, n);
				int[] ch = java.util.Arrays.copyOfRange(channels, from, from + n);
				Tensor g = net.gradient(part, Objectives.channelMean(layer, ch), -1).gradient;
				Planes.normaliseEach(g);
				Tensor back = Planes.roll(g, -dy, -dx);
				int o = from * x.imageSize();
				for (int i = 0; i < back.data.length; i++) x.data[o + i] += (float) (step * back.data[i]);
			}
			if ((t + 1) % BLUR_EVERY == 0) Planes.blur(x, BLUR_SIGMA);
			Planes.clip(x, range[0], range[1]);
		}
		Progress.step(progress, iterations, iterations);
		return toPixels(x, b.normalisation());
	}

	private static Tensor noise(ModelBundle b, int count, long seed) {
		Random r = new Random(seed);
		Tensor x = Tensor.zeros(count, b.inputChannels(), b.inputHeight(), b.inputWidth());
		for (int i = 0; i < x.data.length; i++) x.data[i] = (float) (NOISE * r.nextGaussian());
		return x;
	}

	/** The allowed range per channel in normalised units: +-RANGE, or 0..255 for RGB. */
	private static float[][] range(ModelBundle b) {
		int c = b.inputChannels();
		float[] lo = new float[c], hi = new float[c];
		for (int i = 0; i < c; i++) {
			if (c == 3) {
				lo[i] = (float) b.normalisation().apply(0, i);
				hi[i] = (float) b.normalisation().apply(255, i);
			} else {
				lo[i] = (float) -RANGE;
				hi[i] = (float) RANGE;
			}
		}
		return new float[][] {lo, hi};
	}

	private static Tensor slice(Tensor t, int from, int n) {
		float[] d = new float[n * t.imageSize()];
		System.arraycopy(t.data, from * t.imageSize(), d, 0, d.length);
		return new Tensor(d, n, t.channels, t.height, t.width);
	}

	/** Normalised values back to pixel units: x * std + mean. */
	static Tensor toPixels(Tensor x, Normalisation n) {
		Tensor out = x.copy();
		for (int i = 0; i < x.n; i++)
			for (int c = 0; c < x.channels; c++) {
				int o = x.offset(i, c);
				double m = n.mean(c), s = n.std(c);
				for (int j = o; j < o + x.planeSize(); j++) out.data[j] = (float) (x.data[j] * s + m);
			}
		return out;
	}
}
