package org.convkit.core.filter;

import org.convkit.core.edges.EdgeDetector;
import org.convkit.core.edges.EdgeParams;
import org.convkit.core.image.Region;
import org.convkit.core.kernel.Kernel;
import org.convkit.core.kernel.KernelPresets;
import org.junit.Test;

import java.util.Random;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

/**
 * The README's policy for NaN and infinite pixels: spatial filters compute pixel by pixel in IEEE arithmetic (a
 * non-finite pixel reaches only the outputs whose kernel covers it with a non-zero weight, and a NaN stays NaN), and
 * the FFT high-pass fills them for the transform and puts them back. References are computed here in double, pixel
 * by pixel.
 */
public class NonFinitePixelsTest {
	private static final int W = 40, H = 30;

	private static float[] image(long seed) {
		Random r = new Random(seed);
		float[] p = new float[W * H];
		for (int i = 0; i < p.length; i++) p[i] = (float) (100 + 50 * Math.sin(i * 0.13) + r.nextGaussian() * 5);
		return p;
	}

	private static float[] withHoles(float[] p) {
		float[] q = p.clone();
		q[15 * W + 20] = Float.NaN;
		q[4 * W + 33] = Float.POSITIVE_INFINITY;
		return q;
	}

	private static int reflect101(int i, int n) {
		while (i < 0 || i >= n) i = i < 0 ? -i : 2 * n - 2 - i;
		return i;
	}

	/** Correlation with Reflect borders, pixel by pixel, skipping zero weights (as OpenCV does). */
	private static double[] reference(float[] in, Kernel k) {
		double[] out = new double[in.length];
		for (int y = 0; y < H; y++)
			for (int x = 0; x < W; x++) {
				double s = 0;
				for (int j = 0; j < k.height(); j++)
					for (int i = 0; i < k.width(); i++) {
						double w = k.get(i, j);
						if (w == 0) continue;
						s += w * in[reflect101(y + j - k.anchorY(), H) * W + reflect101(x + i - k.anchorX(), W)];
					}
				out[y * W + x] = s;
			}
		return out;
	}

	private static void assertPolicy(float[] in, float[] out, double[] expected, String what) {
		int finite = 0;
		for (int i = 0; i < in.length; i++) {
			if (Float.isNaN(in[i])) assertTrue(what + ": the NaN input pixel " + i + " is " + out[i], Float.isNaN(out[i]));
			else if (!Double.isFinite(expected[i]))
				assertTrue(what + ": pixel " + i + " should be non-finite, is " + out[i], !Float.isFinite(out[i]));
			else {
				assertEquals(what + ": pixel " + i, expected[i], out[i], 1e-4 * Math.max(1, Math.abs(expected[i])));
				finite++;
			}
		}
		assertTrue(what + ": most pixels finite", finite > in.length / 2);
	}

	@Test
	public void aLargeKernelDoesNotCarryOneNaNOverTheImage() {
		// 15x15 = 225 weights: OpenCV's filter2D would take its DFT path for a whole finite image
		Random r = new Random(1);
		double[] v = new double[15 * 15];
		for (int i = 0; i < v.length; i++) v[i] = r.nextDouble() - 0.3;
		Kernel k = new Kernel(15, 15, v);
		float[] in = withHoles(image(2)), out = in.clone();
		KernelCorrelator.apply(out, W, H, Region.whole(W, H), k, Border.REFLECT, 0);
		assertPolicy(in, out, reference(in, k), "15x15");
	}

	@Test
	public void aNaNStaysNaNWhereTheKernelWeighsItZero() {
		Kernel sobel = KernelPresets.get("Sobel X"); // its centre column is 0
		float[] in = withHoles(image(3)), out = in.clone();
		KernelCorrelator.apply(out, W, H, Region.whole(W, H), sobel, Border.REFLECT, 0);
		double[] expected = reference(in, sobel);
		assertTrue("the pixel below the NaN stays finite: its kernel weighs the NaN 0",
				Double.isFinite(expected[16 * W + 20]));
		assertPolicy(in, out, expected, "Sobel X");
		float[] region = in.clone();
		KernelCorrelator.apply(region, W, H, new Region(10, 10, 20, 12), sobel, Border.REFLECT, 0);
		assertTrue("in a region too", Float.isNaN(region[15 * W + 20]));
	}

	@Test
	public void theFftHighPassFillsAndRestoresNonFinitePixels() {
		float[] clean = image(4), in = withHoles(clean), out = in.clone();
		HighPassParams p = HighPassParams.fft(8, 2, 0);
		HighPass.apply(out, W, H, p);
		// the reference: the same filter on the image whose two pixels hold the mean of the others
		double sum = 0;
		for (int i = 0; i < in.length; i++)
			if (Float.isFinite(in[i])) sum += in[i];
		float[] filled = in.clone();
		filled[15 * W + 20] = filled[4 * W + 33] = (float) (sum / (in.length - 2));
		HighPass.apply(filled, W, H, p);
		for (int i = 0; i < in.length; i++) {
			if (!Float.isFinite(in[i])) assertEquals("restored", in[i], out[i], 0f);
			else assertEquals("pixel " + i, filled[i], out[i], 0f);
		}
		assertEquals(2, HighPass.nonFinite(out));
	}

	@Test
	public void theGaussianHighPassKeepsANaNWithinItsRadius() {
		float[] in = image(5);
		in[15 * W + 20] = Float.NaN;
		float[] out = in.clone();
		double sigma = 2;
		HighPass.apply(out, W, H, HighPassParams.gaussian(sigma, 0));
		int radius = HighPass.gaussianRadius(sigma);
		for (int y = 0; y < H; y++)
			for (int x = 0; x < W; x++) {
				boolean near = Math.abs(x - 20) <= radius && Math.abs(y - 15) <= radius;
				if (!near) assertTrue("pixel " + x + "," + y + " is far from the NaN", Float.isFinite(out[y * W + x]));
			}
		assertTrue(Float.isNaN(out[15 * W + 20]));
	}

	@Test
	public void gradientsKeepNaNPixels() {
		float[] in = image(6);
		in[15 * W + 20] = Float.NaN;
		for (EdgeParams p : new EdgeParams[] { EdgeParams.sobel(EdgeParams.Gradient.X, 3),
				EdgeParams.sobel(EdgeParams.Gradient.Y, 1), EdgeParams.laplacian(1) }) {
			float[] out = EdgeDetector.gradient(in, W, H, p);
			assertTrue(p.suffix(), Float.isNaN(out[15 * W + 20]));
			int nonFinite = 0;
			for (float v : out)
				if (!Float.isFinite(v)) nonFinite++;
			assertTrue(p.suffix() + ": " + nonFinite, nonFinite <= 9);
		}
	}
}
