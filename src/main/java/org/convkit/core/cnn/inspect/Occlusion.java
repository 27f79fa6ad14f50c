package org.convkit.core.cnn.inspect;

import ij.process.ImageProcessor;
import org.convkit.core.cnn.model.ModelBundle;

/**
 * Occlusion sensitivity (Zeiler and Fergus 2014): a patch × patch square of the image, moved by {@code stride}, is
 * filled with the training mean ({@link Perturbations}); the map holds, at each pixel, the drop in the class
 * probability when the patch covers it (the mean over the patches that cover it). A positive value: hiding the
 * pixel's neighbourhood lowers the probability. Positions run from the top-left in steps of {@code stride}, plus a
 * last one flush with the right/bottom edge, so every pixel is covered. Works on the image as given (any size): each
 * occluded image goes through the same resize and normalisation as Classify with CNN....
 */
public final class Occlusion {
	private Occlusion() {
	}

	/** Patch positions along an axis of {@code length}. */
	static int[] positions(int length, int patch, int stride) {
		int n = (length - patch) / stride + 1;
		boolean flush = (n - 1) * stride != length - patch;
		int[] p = new int[n + (flush ? 1 : 0)];
		for (int i = 0; i < n; i++) p[i] = i * stride;
		if (flush) p[n] = length - patch;
		return p;
	}

	/** How many occluded images the map needs. */
	public static long count(int width, int height, int patch, int stride) {
		check(width, height, patch, stride);
		return (long) positions(width, patch, stride).length * positions(height, patch, stride).length;
	}

	static void check(int width, int height, int patch, int stride) {
		if (patch < 1) throw new IllegalArgumentException("patch must be at least 1 pixel, got " + patch);
		if (patch > width || patch > height)
			throw new IllegalArgumentException("patch=" + patch + " is larger than the image (" + width + "x" + height
					+ ")");
		if (stride < 1) throw new IllegalArgumentException("stride must be at least 1 pixel, got " + stride);
	}

	/** The map (width × height of the image) for class {@code classIndex} whose unoccluded probability is p0. */
	static float[] map(ModelBundle bundle, ImageProcessor ip, int classIndex, float p0, int patch, int stride,
			Progress progress) {
		int w = ip.getWidth(), h = ip.getHeight();
		check(w, h, patch, stride);
		int[] xs = positions(w, patch, stride), ys = positions(h, patch, stride);
		Perturbations perturbations = new Perturbations(bundle, ip);
		Perturbations.Alteration square = new Perturbations.Alteration() {
			@Override
			public void apply(int index, ImageProcessor work) {
				int x0 = xs[index % xs.length], y0 = ys[index / xs.length];
				for (int y = y0; y < y0 + patch; y++)
					for (int x = x0; x < x0 + patch; x++) perturbations.remove(work, y * w + x);
			}

			@Override
			public void restore(int index, ImageProcessor work) {
				int x0 = xs[index % xs.length], y0 = ys[index / xs.length];
				for (int y = y0; y < y0 + patch; y++)
					for (int x = x0; x < x0 + patch; x++) perturbations.keep(work, y * w + x);
			}
		};
		int count = xs.length * ys.length;
		float[] p = perturbations.probabilities(count, square, classIndex, progress);
		double[] sum = new double[w * h];
		int[] covered = new int[w * h];
		for (int i = 0; i < count; i++) {
			int x0 = xs[i % xs.length], y0 = ys[i / xs.length];
			double drop = p0 - p[i];
			for (int y = y0; y < y0 + patch; y++)
				for (int x = x0; x < x0 + patch; x++) {
					sum[y * w + x] += drop;
					covered[y * w + x]++;
				}
		}
		float[] map = new float[w * h];
		for (int i = 0; i < map.length; i++) map[i] = (float) (sum[i] / covered[i]);
		return map;
	}
}
