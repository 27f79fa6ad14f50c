package org.convkit.core.filter;

import org.convkit.core.cnn.spec.Padding;

import java.util.stream.IntStream;

/**
 * Max and average pooling of one 32-bit plane, as a CNN's pooling layer computes it (DL4J's SubsamplingLayer with
 * ConvolutionMode Truncate for Valid, Same for Same; see {@link WindowGrid#pooling}). Output pixel (ox, oy) reduces
 * the input pixels of its window that lie inside the image: padding is never a value — Max ignores it (as if
 * −∞), Average divides by the number of image pixels in the window (DL4J's default, avgPoolIncludePadInDivisor =
 * false; TensorFlow's). A NaN in a window makes its result NaN.
 * <p>
 * The window is a rectangle clipped by the image rectangle, so both reductions are separable: rows first (into an
 * intermediate of outWidth × height), then columns. Sums are in double.
 */
public final class Pooling {
	/** The {@code method=} choice. */
	public enum Method {
		MAX("Max"), AVERAGE("Average");

		public final String label;

		Method(String label) {
			this.label = label;
		}

		public static Method fromLabel(String label) {
			for (Method m : values())
				if (m.label.equalsIgnoreCase(label == null ? "" : label.trim())) return m;
			throw new IllegalArgumentException("Unknown method '" + label + "': use Max or Average.");
		}

		public static String[] labels() {
			return new String[] {MAX.label, AVERAGE.label};
		}
	}

	/** Planes smaller than this are pooled on the calling thread. */
	private static final int PARALLEL_PIXELS = 1 << 16;

	private Pooling() {}

	/** The grids of a square {@code size} window with the stride and padding on a width × height plane. */
	public static WindowGrid[] grids(int width, int height, int size, int stride, Padding padding) {
		return new WindowGrid[] {WindowGrid.pooling(width, size, stride, padding),
				WindowGrid.pooling(height, size, stride, padding)};
	}

	/**
	 * Pools {@code pixels} (row-major, gx.size × gy.size) into a new array of gx.out × gy.out.
	 */
	public static float[] apply(float[] pixels, Method method, WindowGrid gx, WindowGrid gy) {
		int w = gx.size, h = gy.size, ow = gx.out, oh = gy.out;
		if (pixels == null || (long) w * h != pixels.length)
			throw new IllegalArgumentException("The pixel array does not match " + w + "x" + h + ".");
		int[] x0 = new int[ow], x1 = new int[ow], y0 = new int[oh], y1 = new int[oh];
		clip(gx, x0, x1);
		clip(gy, y0, y1);
		boolean parallel = (long) w * h >= PARALLEL_PIXELS;
		float[] out = new float[ow * oh];
		if (method == Method.MAX) {
			float[] rows = new float[ow * h];
			range(h, parallel).forEach(y -> {
				int base = y * w;
				for (int o = 0; o < ow; o++) {
					float m = Float.NEGATIVE_INFINITY;
					for (int x = x0[o]; x < x1[o]; x++) m = Math.max(m, pixels[base + x]);
					rows[y * ow + o] = m;
				}
			});
			range(oh, parallel).forEach(o -> {
				int base = o * ow;
				java.util.Arrays.fill(out, base, base + ow, Float.NEGATIVE_INFINITY);
				for (int y = y0[o]; y < y1[o]; y++)
					for (int x = 0; x < ow; x++) out[base + x] = Math.max(out[base + x], rows[y * ow + x]);
			});
		} else {
			double[] rows = new double[ow * h];
			range(h, parallel).forEach(y -> {
				int base = y * w;
				for (int o = 0; o < ow; o++) {
					double s = 0;
					for (int x = x0[o]; x < x1[o]; x++) s += pixels[base + x];
					rows[y * ow + o] = s;
				}
			});
			range(oh, parallel).forEach(o -> {
				double[] sum = new double[ow];
				for (int y = y0[o]; y < y1[o]; y++)
					for (int x = 0; x < ow; x++) sum[x] += rows[y * ow + x];
				int rowsIn = y1[o] - y0[o], base = o * ow;
				for (int x = 0; x < ow; x++) out[base + x] = (float) (sum[x] / ((double) rowsIn * (x1[x] - x0[x])));
			});
		}
		return out;
	}

	/** Each window's pixels inside the image: [from[o], to[o]). Never empty (see {@link WindowGrid}). */
	private static void clip(WindowGrid g, int[] from, int[] to) {
		for (int o = 0; o < g.out; o++) {
			from[o] = Math.max(0, g.start(o));
			to[o] = Math.min(g.size, g.start(o) + g.window);
			if (to[o] <= from[o]) throw new IllegalStateException("window " + o + " of " + g + " holds no pixel");
		}
	}

	private static IntStream range(int n, boolean parallel) {
		IntStream r = IntStream.range(0, n);
		return parallel ? r.parallel() : r;
	}
}
