package org.convkit.core.cnn.inspect;

import org.convkit.core.cnn.input.ImageTensor;
import org.convkit.core.cnn.input.Normalisation;

import java.util.List;
import java.util.Random;

/**
 * DeepDream (Mordvintsev et al. 2015) on an image at its own size: gradient ascent on the image of half the mean
 * squared activation of the chosen spatial layers, so that what those layers already respond to is amplified.
 * <ul>
 * <li>Octaves: the image is dreamed first at its size divided by {@code scale^(octaves-1)}, and the change made
 * there (the "detail") is enlarged and added to the next octave's image, up to the full size.</li>
 * <li>Each step shifts the image by a random jitter (seeded), takes the gradient, shifts it back, divides it by its
 * mean absolute value and adds {@code step} times it (in units of the training std); values are kept within the
 * given pixel range.</li>
 * <li>Large images are processed in tiles with a halo of twice the receptive field ({@link Tiling}), so the
 * gradient equals the whole-image gradient while memory stays bounded.</li>
 * </ul>
 */
public final class DeepDream {
	public static final int MAX_ITERATIONS = 10_000, MAX_OCTAVES = 20;

	/** What to do. */
	public static final class Params {
		public final int[] layers;
		public final int iterations, octaves;
		public final double scale, step;
		public final long seed;

		public Params(int[] layers, int iterations, int octaves, double scale, double step, long seed) {
			this.layers = layers.clone();
			this.iterations = iterations;
			this.octaves = octaves;
			this.scale = scale;
			this.step = step;
			this.seed = seed;
		}
	}

	private DeepDream() {
	}

	/**
	 * Checks the parameters for an image of width × height (messages for the user).
	 *
	 * @throws IllegalArgumentException naming the bad value
	 */
	public static void check(InspectionNetwork net, Params p, int width, int height) {
		if (p.layers.length == 0) throw new IllegalArgumentException("choose at least one layer");
		FeatureMaps.deepest(net, p.layers);
		if (p.iterations < 1 || p.iterations > MAX_ITERATIONS)
			throw new IllegalArgumentException("iterations=" + p.iterations + " must be between 1 and " + MAX_ITERATIONS);
		if (p.octaves < 1 || p.octaves > MAX_OCTAVES)
			throw new IllegalArgumentException("octaves=" + p.octaves + " must be between 1 and " + MAX_OCTAVES);
		if (!(p.scale >= 1.01 && p.scale <= 4))
			throw new IllegalArgumentException("scale=" + p.scale + " must be between 1.01 and 4 (the size ratio of "
					+ "successive octaves)");
		if (!(p.step > 0 && p.step <= 100)) throw new IllegalArgumentException("step=" + p.step + " must be > 0 and <= 100");
		int last = FeatureMaps.deepest(net, p.layers);
		int needH = LayerGeometry.minimumInput(net.bundle().spec(), last, true);
		int needW = LayerGeometry.minimumInput(net.bundle().spec(), last, false);
		int[] smallest = octaveSize(width, height, p, 0);
		if (smallest[0] < needW || smallest[1] < needH)
			throw new IllegalArgumentException(p.octaves + " octaves with scale " + p.scale + " shrink the image to "
					+ smallest[0] + "x" + smallest[1] + ", smaller than " + net.names().get(last) + " needs (" + needW
					+ "x" + needH + "): use fewer octaves or a smaller scale");
	}

	/** Width and height of octave {@code o} (0 = the smallest, octaves-1 = the image). */
	static int[] octaveSize(int width, int height, Params p, int o) {
		double f = Math.pow(p.scale, p.octaves - 1 - o);
		return new int[] {Math.max(1, (int) Math.round(width / f)), Math.max(1, (int) Math.round(height / f))};
	}

	/**
	 * The dreamed image, in pixel units, for a normalised whole-image input; {@code lo}/{@code hi} bound each
	 * channel's pixel values.
	 */
	public static Tensor run(InspectionNetwork net, Tensor input, Params p, float[] lo, float[] hi, int core,
			Progress progress) {
		check(net, p, input.width, input.height);
		Normalisation norm = net.bundle().normalisation();
		float[] nlo = new float[input.channels], nhi = new float[input.channels];
		for (int c = 0; c < input.channels; c++) {
			nlo[c] = (float) norm.apply(lo[c], c);
			nhi[c] = (float) norm.apply(hi[c], c);
		}
		Random jitter = new Random(p.seed);
		Tensor detail = null, x = null;
		int total = p.octaves * p.iterations, done = 0;
		for (int o = 0; o < p.octaves; o++) {
			int[] size = octaveSize(input.width, input.height, p, o);
			Tensor base = resize(input, size[0], size[1]);
			x = base.copy();
			if (detail != null) {
				Tensor d = resize(detail, size[0], size[1]);
				for (int i = 0; i < x.data.length; i++) x.data[i] += d.data[i];
			}
			int max = Math.max(1, Math.min(32, Math.min(size[0], size[1]) / 8));
			for (int t = 0; t < p.iterations; t++) {
				Progress.step(progress, done++, total);
				int dy = jitter.nextInt(2 * max + 1) - max, dx = jitter.nextInt(2 * max + 1) - max;
				Tensor g = Planes.roll(gradient(net, Planes.roll(x, dy, dx), p.layers, core), -dy, -dx);
				Planes.normaliseEach(g);
				for (int i = 0; i < x.data.length; i++) x.data[i] += (float) (p.step * g.data[i]);
				Planes.clip(x, nlo, nhi);
			}
			detail = x.copy();
			for (int i = 0; i < detail.data.length; i++) detail.data[i] -= base.data[i];
		}
		Progress.step(progress, total, total);
		return ActivationMaximization.toPixels(x, norm);
	}

	/**
	 * The gradient of the objective (sum over the layers of half the mean squared activation) with respect to the
	 * normalised input, in tiles with cores of about {@code core} pixels ({@link FeatureMaps#defaultCore} when 0).
	 */
	static Tensor gradient(InspectionNetwork net, Tensor x, int[] layers, int core) {
		int last = FeatureMaps.deepest(net, layers);
		List<String> names = net.names();
		LayerGeometry[] gy = LayerGeometry.of(net.bundle().spec(), names, last, x.height, true);
		LayerGeometry[] gx = LayerGeometry.of(net.bundle().spec(), names, last, x.width, false);
		long[] sizes = new long[layers.length];
		for (int k = 0; k < layers.length; k++)
			sizes[k] = (long) FeatureMaps.channels(net, layers[k]) * gy[layers[k]].length * gx[layers[k]].length;
		if (core <= 0) core = FeatureMaps.defaultCore(net, last) / 2;
		List<Tiling.Tile> rows = Tiling.of(x.height, gy[last].stride, 2 * gy[last].field, core);
		List<Tiling.Tile> cols = Tiling.of(x.width, gx[last].stride, 2 * gx[last].field, core);
		InspectionNetwork.Objective objective = Objectives.meanSquare(layers, sizes);
		if (rows.size() == 1 && cols.size() == 1) return net.gradient(x, objective, -1).gradient;
		Tensor out = Tensor.zeros(1, x.channels, x.height, x.width);
		for (Tiling.Tile ty : rows)
			for (Tiling.Tile tx : cols) {
				Tensor g = net.gradient(FeatureMaps.crop(x, ty, tx), objective, -1).gradient;
				int w = tx.coreEnd - tx.coreStart;
				for (int c = 0; c < x.channels; c++)
					for (int y = ty.coreStart; y < ty.coreEnd; y++)
						System.arraycopy(g.data, g.offset(0, c) + (y - ty.start) * g.width + tx.coreStart - tx.start,
								out.data, out.offset(0, c) + y * out.width + tx.coreStart, w);
			}
		return out;
	}

	/** Every plane resampled to width × height (pixel-centre aligned bilinear, as the resize rule). */
	static Tensor resize(Tensor t, int width, int height) {
		if (t.width == width && t.height == height) return t.copy();
		Tensor out = Tensor.zeros(t.n, t.channels, height, width);
		for (int i = 0; i < t.n; i++)
			for (int c = 0; c < t.channels; c++) {
				float[] s = ImageTensor.scale(t.plane(i, c), t.width, t.height, width, height);
				System.arraycopy(s, 0, out.data, out.offset(i, c), s.length);
			}
		return out;
	}
}
