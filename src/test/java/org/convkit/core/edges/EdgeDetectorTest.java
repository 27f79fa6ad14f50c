package org.convkit.core.edges;

import org.junit.Test;

import java.util.Random;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

/** OpenCV gradients against a plain correlation loop written here; Canny against geometric and gradient facts. */
public class EdgeDetectorTest {
	private static final int W = 23, H = 17;

	/** Reflect-101 (gfedcb|abcdefgh|gfedcba) index, repeated for kernels wider than the image. */
	static int reflect101(int i, int n) {
		if (n == 1) return 0;
		while (i < 0 || i >= n) i = i < 0 ? -i : 2 * n - 2 - i;
		return i;
	}

	static int replicate(int i, int n) {
		return Math.max(0, Math.min(n - 1, i));
	}

	/** Correlation (no kernel flip) with k[row][col] centred, borders by {@code reflect101} or replicate. */
	static double[] correlate(float[] px, int w, int h, double[][] k, boolean reflect) {
		int ry = k.length / 2, rx = k[0].length / 2;
		double[] out = new double[w * h];
		for (int y = 0; y < h; y++)
			for (int x = 0; x < w; x++) {
				double s = 0;
				for (int j = -ry; j <= ry; j++)
					for (int i = -rx; i <= rx; i++) {
						int yy = reflect ? reflect101(y + j, h) : replicate(y + j, h);
						int xx = reflect ? reflect101(x + i, w) : replicate(x + i, w);
						s += k[j + ry][i + rx] * px[yy * w + xx];
					}
				out[y * w + x] = s;
			}
		return out;
	}

	static double[][] outer(double[] col, double[] row) {
		double[][] k = new double[col.length][row.length];
		for (int j = 0; j < col.length; j++)
			for (int i = 0; i < row.length; i++) k[j][i] = col[j] * row[i];
		return k;
	}

	static double[][] transpose(double[][] k) {
		double[][] t = new double[k[0].length][k.length];
		for (int j = 0; j < k.length; j++)
			for (int i = 0; i < k[0].length; i++) t[i][j] = k[j][i];
		return t;
	}

	static final double[][] SOBEL3_X = outer(new double[] {1, 2, 1}, new double[] {-1, 0, 1});
	static final double[][] SOBEL5_X = outer(new double[] {1, 4, 6, 4, 1}, new double[] {-1, -2, 0, 2, 1});
	static final double[][] SCHARR_X = {{-3, 0, 3}, {-10, 0, 10}, {-3, 0, 3}};
	static final double[][] LAPLACE1 = {{0, 1, 0}, {1, -4, 1}, {0, 1, 0}};
	static final double[][] LAPLACE3 = {{2, 0, 2}, {0, -8, 0}, {2, 0, 2}};

	static float[] randomImage(long seed) {
		Random r = new Random(seed);
		float[] px = new float[W * H];
		for (int i = 0; i < px.length; i++) px[i] = (float) (1000 * r.nextDouble() - 200);
		return px;
	}

	private static void assertClose(String what, double[] expected, float[] actual) {
		double scale = 0;
		for (double v : expected) scale = Math.max(scale, Math.abs(v));
		for (int i = 0; i < expected.length; i++)
			assertEquals(what + " pixel " + (i % W) + "," + (i / W), expected[i], actual[i], 1e-5 * scale);
	}

	private static void checkDerivatives(EdgeParams.Method m, double[][] kx, int ksize) {
		float[] px = randomImage(ksize * 31L + m.ordinal());
		double[] dx = correlate(px, W, H, kx, true), dy = correlate(px, W, H, transpose(kx), true);
		double[] mag = new double[dx.length], dir = new double[dx.length];
		for (int i = 0; i < dx.length; i++) {
			mag[i] = Math.hypot(dx[i], dy[i]);
			dir[i] = Math.toDegrees(Math.atan2(dy[i], dx[i]));
		}
		EdgeParams.Gradient[] outs = EdgeParams.Gradient.values();
		double[][] refs = {mag, dx, dy};
		for (int o = 0; o < 3; o++) {
			EdgeParams p = m == EdgeParams.Method.SOBEL ? EdgeParams.sobel(outs[o], ksize) : EdgeParams.scharr(outs[o], ksize);
			assertClose(m + " " + outs[o] + " k" + ksize, refs[o], EdgeDetector.gradient(px, W, H, p));
		}
		EdgeParams p = m == EdgeParams.Method.SOBEL ? EdgeParams.sobel(EdgeParams.Gradient.DIRECTION, ksize)
				: EdgeParams.scharr(EdgeParams.Gradient.DIRECTION, ksize);
		float[] d = EdgeDetector.gradient(px, W, H, p);
		for (int i = 0; i < d.length; i++) {
			double diff = Math.abs(d[i] - dir[i]);
			diff = Math.min(diff, 360 - diff); // -180 and 180 are the same direction
			assertTrue("direction at " + i + ": " + d[i] + " vs " + dir[i], diff < 1e-3);
			assertTrue(d[i] >= -180 && d[i] <= 180);
		}
	}

	@Test
	public void sobelAndScharrMatchTextbookKernelsWithReflect101() {
		checkDerivatives(EdgeParams.Method.SOBEL, SOBEL3_X, 3);
		checkDerivatives(EdgeParams.Method.SOBEL, SOBEL5_X, 5);
		checkDerivatives(EdgeParams.Method.SOBEL, new double[][] {{-1, 0, 1}}, 1);
		checkDerivatives(EdgeParams.Method.SCHARR, SCHARR_X, 3);
	}

	@Test
	public void directionPointsDownForABrightnessIncreasingDownwards() {
		float[] px = new float[W * H];
		for (int y = 0; y < H; y++)
			for (int x = 0; x < W; x++) px[y * W + x] = 10 * y;
		float[] d = EdgeDetector.gradient(px, W, H, EdgeParams.sobel(EdgeParams.Gradient.DIRECTION, 3));
		assertEquals(90, d[8 * W + 11], 1e-4);
	}

	@Test
	public void laplacianMatchesItsKernels() {
		float[] px = randomImage(5);
		assertClose("laplacian k1", correlate(px, W, H, LAPLACE1, true), EdgeDetector.gradient(px, W, H, EdgeParams.laplacian(1)));
		assertClose("laplacian k3", correlate(px, W, H, LAPLACE3, true), EdgeDetector.gradient(px, W, H, EdgeParams.laplacian(3)));
	}

	/** A bright disk (radius 20) on a dark background with seeded noise. */
	static byte[] disk(int size, double cx, double cy, long seed) {
		Random r = new Random(seed);
		byte[] px = new byte[size * size];
		for (int y = 0; y < size; y++)
			for (int x = 0; x < size; x++) {
				double v = (Math.hypot(x - cx, y - cy) <= 20 ? 190 : 60) + 8 * r.nextGaussian();
				px[y * size + x] = (byte) Math.max(0, Math.min(255, Math.round(v)));
			}
		return px;
	}

	@Test
	public void cannyFindsTheCircleAndNothingElse() {
		int n = 96;
		double cx = 47.3, cy = 45.8;
		byte[] edges = EdgeDetector.canny(disk(n, cx, cy, 7), n, n, EdgeParams.canny(100, 250, 3, false, 1));
		int count = 0;
		for (int y = 0; y < n; y++)
			for (int x = 0; x < n; x++)
				if (edges[y * n + x] != 0) {
					count++;
					assertEquals("edge pixel value", -1, edges[y * n + x]); // 255
					double d = Math.abs(Math.hypot(x - cx, y - cy) - 20);
					assertTrue("edge pixel " + x + "," + y + " is " + d + " px from the circle", d <= 1.5);
				}
		int covered = 0;
		for (int a = 0; a < 360; a++) {
			double px = cx + 20 * Math.cos(Math.toRadians(a)), py = cy + 20 * Math.sin(Math.toRadians(a));
			boolean hit = false;
			for (int y = (int) py - 2; y <= (int) py + 2 && !hit; y++)
				for (int x = (int) px - 2; x <= (int) px + 2 && !hit; x++)
					hit = edges[y * n + x] != 0 && Math.hypot(x - px, y - py) <= 1.5;
			if (hit) covered++;
		}
		System.out.printf("Canny disk: %d edge pixels, %d of 360 circumference samples within 1.5 px%n", count, covered);
		assertTrue("coverage " + covered + "/360", covered >= 324);
	}

	/** Every Canny edge pixel has an (independent, replicate-border) Sobel magnitude above {@code low}. */
	private static void checkGradientAboveLow(byte[] img, int n, double low, double high, boolean l2) {
		byte[] edges = EdgeDetector.canny(img, n, n, EdgeParams.canny(low, high, 3, l2, 0));
		float[] f = EightBitScaling.toFloats(img);
		// OpenCV's Canny computes its Sobel with replicated borders.
		double[] dx = correlate(f, n, n, SOBEL3_X, false), dy = correlate(f, n, n, transpose(SOBEL3_X), false);
		int count = 0;
		for (int i = 0; i < edges.length; i++)
			if (edges[i] != 0) {
				count++;
				double mag = l2 ? Math.hypot(dx[i], dy[i]) : Math.abs(dx[i]) + Math.abs(dy[i]);
				assertTrue("edge " + i + " has gradient " + mag + " < low " + low, mag >= low);
			}
		assertTrue("some edges expected", count > 50);
	}

	@Test
	public void cannyEdgesHaveGradientAtLeastLow() {
		byte[] img = disk(80, 40.5, 39.2, 9);
		checkGradientAboveLow(img, 80, 150, 400, false);
		checkGradientAboveLow(img, 80, 150, 400, true);
		checkGradientAboveLow(img, 80, 60, 120, false);
	}

	private static int count(byte[] e) {
		int c = 0;
		for (byte b : e) if (b != 0) c++;
		return c;
	}

	@Test
	public void higherThresholdsRemoveEdgesAndL2ChangesThem() {
		byte[] img = disk(80, 40.5, 39.2, 11);
		byte[] loose = EdgeDetector.canny(img, 80, 80, EdgeParams.canny(40, 80, 3, false, 0));
		byte[] strict = EdgeDetector.canny(img, 80, 80, EdgeParams.canny(200, 500, 3, false, 0));
		for (int i = 0; i < img.length; i++)
			if (strict[i] != 0) assertTrue("strict edges are a subset of loose ones", loose[i] != 0);
		assertTrue(count(strict) + " < " + count(loose), count(strict) < count(loose));
		byte[] l2 = EdgeDetector.canny(img, 80, 80, EdgeParams.canny(40, 80, 3, true, 0));
		int differ = 0;
		for (int i = 0; i < img.length; i++) if (l2[i] != loose[i]) differ++;
		assertTrue("l2 must change the result", differ > 0);
		for (int a : new int[] {5, 7}) // larger apertures run and find the disk
			assertTrue(count(EdgeDetector.canny(img, 80, 80, EdgeParams.canny(2000, 6000, a, false, 0))) > 0);
	}

	@Test
	public void eightBitScalingFollowsImageJ() {
		byte[] s = EightBitScaling.fromShorts(new short[] {0, 1000, 1100, (short) 26500, (short) 40000}, 1000, 26500);
		assertEquals(0, s[0]);
		assertEquals(0, s[1]);
		assertEquals((int) (100 * 256.0 / 25501 + 0.5), s[2] & 0xff);
		assertEquals(255, s[3] & 0xff);
		assertEquals(255, s[4] & 0xff);
		byte[] f = EightBitScaling.fromFloats(new float[] {-1, 0.5f, 1, Float.NaN}, 0, 1);
		assertEquals(0, f[0]);
		assertEquals(128, f[1] & 0xff);
		assertEquals(255, f[2] & 0xff);
		assertEquals(0, f[3]);
		byte[] g = EightBitScaling.fromRgb(new int[] {0x0A1420}, new double[] {1 / 3.0, 1 / 3.0, 1 / 3.0});
		assertEquals((int) (10 / 3.0 + 20 / 3.0 + 32 / 3.0 + 0.5), g[0]);
	}

	@Test
	public void badParametersAndTinyImagesAreRejected() {
		expectBad(() -> EdgeParams.canny(200, 100, 3, false, 0), "low");
		expectBad(() -> EdgeParams.canny(-1, 100, 3, false, 0), ">= 0");
		expectBad(() -> EdgeParams.canny(10, 100, 4, false, 0), "aperture");
		expectBad(() -> EdgeParams.canny(10, 100, 3, false, -1), "blur");
		expectBad(() -> EdgeParams.sobel(EdgeParams.Gradient.X, 4), "ksize");
		expectBad(() -> EdgeParams.sobel(EdgeParams.Gradient.X, 9), "ksize");
		expectBad(() -> EdgeParams.scharr(EdgeParams.Gradient.X, 5), "ksize");
		expectBad(() -> EdgeParams.laplacian(2), "ksize");
		expectBad(() -> EdgeParams.Method.fromLabel("Prewitt"), "method");
		expectBad(() -> EdgeParams.Gradient.fromLabel("Angle"), "output");
		expectBad(() -> EdgeDetector.gradient(new float[1], 1, 1, EdgeParams.laplacian(3)), "at least 3x3");
		expectBad(() -> EdgeDetector.canny(new byte[4], 2, 2, EdgeParams.canny(1, 2, 3, false, 0)), "at least 3x3");
	}

	private static void expectBad(Runnable r, String word) {
		try {
			r.run();
			fail("expected a rejection mentioning " + word);
		} catch (IllegalArgumentException e) {
			assertTrue(e.getMessage(), e.getMessage().contains(word));
		}
	}
}
