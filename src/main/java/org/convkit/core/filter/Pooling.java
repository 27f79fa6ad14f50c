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
 * The window is a rectangle clipped by the image rectangle, so both reductions are separable: for each output row
 * the window's image rows are reduced into one row, then each window's columns of it (the input is read row by row,
 * once when the stride is the window size). Sums are in double. Large planes split their output rows over the
 * cores.
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
		float[] out = new float[ow * oh];
		// Blocks of output rows, each with its own column buffer: one block per call on small planes.
		int blocks = (long) w * h < PARALLEL_PIXELS ? 1 : Math.min(oh, 4 * Runtime.getRuntime().availableProcessors());
		IntStream.range(0, blocks).parallel().forEach(b -> {
			int from = (int) ((long) oh * b / blocks), to = (int) ((long) oh * (b + 1) / blocks);
			if (method == Method.MAX) maxRows(pixels, w, ow, x0, x1, y0, y1, from, to, out);
			else averageRows(pixels, w, ow, x0, x1, y0, y1, from, to, out);
		});
		return out;
	}

	/**
	 * Output rows [from, to): the window's image rows reduced into one row (columns first, reading the input row by
	 * row), then each window's columns of that row.
	 */
	private static void maxRows(float[] in, int w, int ow, int[] x0, int[] x1, int[] y0, int[] y1, int from, int to,
			float[] out) {
		float[] column = new float[w];
		for (int o = from; o < to; o++) {
			System.arraycopy(in, y0[o] * w, column, 0, w);
			for (int y = y0[o] + 1; y < y1[o]; y++)
				for (int x = 0, i = y * w; x < w; x++, i++) column[x] = Math.max(column[x], in[i]);
			for (int ox = 0, base = o * ow; ox < ow; ox++) {
				float m = column[x0[ox]];
				for (int x = x0[ox] + 1; x < x1[ox]; x++) m = Math.max(m, column[x]);
				out[base + ox] = m;
			}
		}
	}

	/** As {@link #maxRows}, summing in double, divided by the number of image pixels in each window. */
	private static void averageRows(float[] in, int w, int ow, int[] x0, int[] x1, int[] y0, int[] y1, int from,
			int to, float[] out) {
		double[] column = new double[w];
		for (int o = from; o < to; o++) {
			for (int x = 0, i = y0[o] * w; x < w; x++, i++) column[x] = in[i];
			for (int y = y0[o] + 1; y < y1[o]; y++)
				for (int x = 0, i = y * w; x < w; x++, i++) column[x] += in[i];
			int rows = y1[o] - y0[o];
			for (int ox = 0, base = o * ow; ox < ow; ox++) {
				double sum = 0;
				for (int x = x0[ox]; x < x1[ox]; x++) sum += column[x];
				out[base + ox] = (float) (sum / ((double) rows * (x1[ox] - x0[ox])));
			}
		}
	}

	/** Each window's pixels inside the image: [from[o], to[o]). Never empty (see {@link WindowGrid}). */
	private static void clip(WindowGrid g, int[] from, int[] to) {
		for (int o = 0; o < g.out; o++) {
			from[o] = Math.max(0, g.start(o));
			to[o] = Math.min(g.size, g.start(o) + g.window);
			if (to[o] <= from[o]) throw new IllegalStateException("window " + o + " of " + g + " holds no pixel");
		}
	}
}
