package org.convkit.core.cnn.inspect;

import ij.process.ImageProcessor;
import org.convkit.core.cnn.model.ModelBundle;
import org.convkit.core.cv.Superpixels;

import java.util.Random;

/**
 * LIME for images (Ribeiro et al. 2016), as the reference implementation {@code lime_image} does it: the image is
 * cut into superpixels ({@link Superpixels}); {@code samples} copies are made in which each superpixel is kept or
 * removed (filled with the training mean, {@link Perturbations}) at random, the first copy keeping all; each copy is
 * classified; a weighted ridge regression ({@link WeightedRidge}, alpha 1) of the class probability on the
 * kept/removed pattern, weighted by {@code sqrt(exp(-d^2 / 0.25^2))} with d the cosine distance of the pattern to
 * "all kept", gives each superpixel a weight. The map paints each superpixel with its weight: positive where the
 * region supports the class.
 */
public final class Lime {
	/** LIME's default kernel width for images. */
	static final double KERNEL_WIDTH = 0.25;
	/** scikit-learn's default ridge penalty, which LIME uses. */
	static final double ALPHA = 1;

	private Lime() {
	}

	/** The fitted weights, the superpixel labels and the map. */
	static final class Fit {
		final int[] labels;
		final int superpixels;
		final WeightedRidge ridge;
		final float[] map;

		Fit(int[] labels, int superpixels, WeightedRidge ridge, float[] map) {
			this.labels = labels;
			this.superpixels = superpixels;
			this.ridge = ridge;
			this.map = map;
		}
	}

	/** The random keep (true) / remove patterns: the first keeps all, the others each superpixel with p = 1/2. */
	static boolean[][] patterns(int samples, int superpixels, long seed) {
		Random r = new Random(seed);
		boolean[][] z = new boolean[samples][superpixels];
		java.util.Arrays.fill(z[0], true);
		for (int i = 1; i < samples; i++)
			for (int k = 0; k < superpixels; k++) z[i][k] = r.nextBoolean();
		return z;
	}

	/** LIME's sample weight for a pattern with {@code kept} of {@code k} superpixels kept. */
	static double weight(int kept, int k) {
		double d = kept == 0 ? 1 : 1 - Math.sqrt((double) kept / k); // cosine distance to all-ones
		return Math.sqrt(Math.exp(-d * d / (KERNEL_WIDTH * KERNEL_WIDTH)));
	}

	static Fit fit(ModelBundle bundle, ImageProcessor ip, int classIndex, int superpixels, int samples, long seed,
			Progress progress) {
		int w = ip.getWidth(), h = ip.getHeight();
		int[] labels = Superpixels.labels(ip, superpixels);
		int k = Superpixels.count(labels);
		boolean[][] z = patterns(samples, k, seed);
		Perturbations perturbations = new Perturbations(bundle, ip);
		Perturbations.Alteration mask = new Perturbations.Alteration() {
			@Override
			public void apply(int index, ImageProcessor work) {
				boolean[] keep = z[index];
				for (int i = 0; i < labels.length; i++) if (!keep[labels[i]]) perturbations.remove(work, i);
			}

			@Override
			public void restore(int index, ImageProcessor work) {
				boolean[] keep = z[index];
				for (int i = 0; i < labels.length; i++) if (!keep[labels[i]]) perturbations.keep(work, i);
			}
		};
		float[] y = perturbations.probabilities(samples, mask, classIndex, progress);
		float[][] x = new float[samples][k];
		double[] weights = new double[samples];
		for (int i = 0; i < samples; i++) {
			int kept = 0;
			for (int j = 0; j < k; j++)
				if (z[i][j]) {
					x[i][j] = 1;
					kept++;
				}
			weights[i] = weight(kept, k);
		}
		WeightedRidge ridge = WeightedRidge.fit(x, y, weights, ALPHA);
		float[] map = new float[w * h];
		for (int i = 0; i < map.length; i++) map[i] = (float) ridge.coefficients[labels[i]];
		return new Fit(labels, k, ridge, map);
	}
}
