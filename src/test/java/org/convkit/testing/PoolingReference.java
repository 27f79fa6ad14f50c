package org.convkit.testing;

/**
 * Pooling by the book, independent of ConvKit's separable code: every window, every pixel of it that lies inside the
 * image; Same pads {@code ((out − 1)·s + k − n) / 2} pixels before (DL4J's and TensorFlow's rule).
 */
public final class PoolingReference {
	private PoolingReference() {}

	public static double[] pool(float[] in, int w, int h, int k, int s, boolean same, boolean max) {
		int ow = same ? (w + s - 1) / s : (w - k) / s + 1, oh = same ? (h + s - 1) / s : (h - k) / s + 1;
		int px = same ? ((ow - 1) * s + k - w) / 2 : 0, py = same ? ((oh - 1) * s + k - h) / 2 : 0;
		double[] out = new double[ow * oh];
		for (int oy = 0; oy < oh; oy++)
			for (int ox = 0; ox < ow; ox++) {
				double acc = max ? Double.NEGATIVE_INFINITY : 0;
				int n = 0;
				for (int y = oy * s - py; y < oy * s - py + k; y++)
					for (int x = ox * s - px; x < ox * s - px + k; x++)
						if (x >= 0 && y >= 0 && x < w && y < h) {
							acc = max ? Math.max(acc, in[y * w + x]) : acc + in[y * w + x];
							n++;
						}
				out[oy * ow + ox] = max ? acc : acc / n;
			}
		return out;
	}
}
