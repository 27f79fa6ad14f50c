package org.convkit.core.filter;

import ij.plugin.filter.GaussianBlur;
import ij.process.FloatProcessor;
import org.convkit.core.image.Region;
import org.convkit.testing.Prerequisites;
import org.convkit.testing.Python;
import org.junit.Test;

import java.io.File;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.StandardCopyOption;
import java.util.Random;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

/** The core high-pass against ImageJ's GaussianBlur and an independent numpy FFT reference. */
public class HighPassTest {
	static float[] randomImage(int w, int h, long seed) {
		Random r = new Random(seed);
		float[] px = new float[w * h];
		for (int y = 0; y < h; y++)
			for (int x = 0; x < w; x++)
				px[y * w + x] = (float) (500 + 300 * Math.sin(x / 5.0) * Math.cos(y / 7.0) + 200 * r.nextGaussian());
		return px;
	}

	static double range(float[] a) {
		double min = Double.MAX_VALUE, max = -Double.MAX_VALUE;
		for (float v : a) {
			min = Math.min(min, v);
			max = Math.max(max, v);
		}
		return max - min;
	}

	private static double gaussianDiff(double sigma) {
		int w = 83, h = 61;
		float[] px = randomImage(w, h, 42);
		FloatProcessor ref = new FloatProcessor(w, h, px.clone());
		new GaussianBlur().blurGaussian(ref, sigma, sigma, 0.0002);
		float[] blurred = (float[]) ref.getPixels();
		float[] ours = px.clone();
		HighPass.apply(ours, w, h, HighPassParams.gaussian(sigma, 0));
		double max = 0;
		for (int i = 0; i < px.length; i++)
			max = Math.max(max, Math.abs(ours[i] - (px[i] - blurred[i])));
		double rel = max / range(px);
		System.out.printf("Gaussian high-pass sigma=%s: max |ours - (orig - ImageJ blur)| = %.3g (%.3g of range)%n",
				sigma, max, rel);
		return rel;
	}

	@Test
	public void gaussianAgreesWithImageJ() {
		assertTrue(gaussianDiff(0.7) < 2e-5);
		assertTrue(gaussianDiff(2) < 2e-5);
		assertTrue(gaussianDiff(4) < 2e-5);
		// ImageJ downsamples for sigma > 4.5 (an approximation on its side); still within the same bound here.
		assertTrue(gaussianDiff(8) < 2e-5);
	}

	@Test
	public void gaussianInsideRegionEqualsWholeImageResult() {
		int w = 50, h = 40;
		float[] px = randomImage(w, h, 3);
		float[] whole = px.clone();
		HighPass.apply(whole, w, h, HighPassParams.gaussian(3, 7));
		float[] part = px.clone();
		Region r = new Region(10, 5, 20, 12);
		HighPass.apply(part, w, h, r, HighPassParams.gaussian(3, 7));
		checkRegion(px, whole, part, w, h, r, 1e-3);
	}

	@Test
	public void fftInsideRegionEqualsWholeImageResult() {
		int w = 50, h = 40;
		float[] px = randomImage(w, h, 4);
		float[] whole = px.clone();
		HighPass.apply(whole, w, h, HighPassParams.fft(10, 2, 0));
		float[] part = px.clone();
		Region r = new Region(3, 20, 30, 20);
		HighPass.apply(part, w, h, r, HighPassParams.fft(10, 2, 0));
		checkRegion(px, whole, part, w, h, r, 1e-3);
	}

	private static void checkRegion(float[] px, float[] whole, float[] part, int w, int h, Region r, double tol) {
		for (int y = 0; y < h; y++)
			for (int x = 0; x < w; x++) {
				boolean in = x >= r.x && x < r.x + r.width && y >= r.y && y < r.y + r.height;
				int i = y * w + x;
				assertEquals(x + "," + y, in ? whole[i] : px[i], part[i], tol);
			}
	}

	/** The smallest 2^a·3^b·5^c ≥ n (the documented padding rule, computed without OpenCV). */
	static int fiveSmooth(int n) {
		for (int m = n; ; m++) {
			int k = m;
			for (int p : new int[] {2, 3, 5})
				while (k % p == 0) k /= p;
			if (k == 1) return m;
		}
	}

	@Test
	public void paddingRuleIsTwiceTheSizeRoundedToAFastDftSize() {
		for (int n : new int[] {2, 7, 40, 61, 97, 128, 301})
			assertEquals(fiveSmooth(2 * n), HighPass.paddedSize(n));
		assertEquals(1, HighPass.paddedSize(1));
	}

	private static double fftDiff(int w, int h, double cutoff, int order, long seed) throws Exception {
		float[] px = randomImage(w, h, seed);
		float[] ours = px.clone();
		HighPass.apply(ours, w, h, HighPassParams.fft(cutoff, order, 0));
		int pw = fiveSmooth(2 * w), ph = fiveSmooth(2 * h);
		int left = (pw - w) / 2, top = (ph - h) / 2;
		double[] ref = numpyReference(px, w, h, top, ph - h - top, left, pw - w - left, cutoff, order);
		double max = 0;
		for (int i = 0; i < px.length; i++)
			max = Math.max(max, Math.abs(ours[i] - ref[i]));
		double rel = max / range(px);
		System.out.printf("FFT high-pass %dx%d cutoff=%s order=%d: max |ours - numpy| = %.3g (%.3g of range)%n",
				w, h, cutoff, order, max, rel);
		return rel;
	}

	@Test
	public void fftAgreesWithNumpy() throws Exception {
		assertTrue(fftDiff(40, 30, 8, 2, 11) < 1e-5);
		assertTrue(fftDiff(67, 33, 5.5, 1, 12) < 1e-5);
		assertTrue(fftDiff(64, 64, 12, 10, 13) < 1e-5);
		// Ideal filter: frequencies exactly on f_c are rare in these grids, so float rounding cannot flip them.
		assertTrue(fftDiff(40, 30, 8, 0, 14) < 1e-5);
	}

	static double[] numpyReference(float[] px, int w, int h, int top, int bottom, int left, int right, double cutoff,
			int order) throws Exception {
		Prerequisites.requirePython("numpy");
		File dir = Files.createTempDirectory("highpass").toFile();
		File script = new File(dir, "highpass_fft.py"), in = new File(dir, "in.raw"), out = new File(dir, "out.raw");
		try (InputStream s = HighPassTest.class.getResourceAsStream("highpass_fft.py")) {
			Files.copy(s, script.toPath(), StandardCopyOption.REPLACE_EXISTING);
		}
		ByteBuffer b = ByteBuffer.allocate(4 * px.length).order(ByteOrder.LITTLE_ENDIAN);
		for (float v : px) b.putFloat(v);
		Files.write(in.toPath(), b.array());
		Python.run(script.toPath(), java.util.Arrays.asList(in.getPath(), out.getPath(), "" + w, "" + h, "" + top,
				"" + bottom, "" + left, "" + right, "" + cutoff, "" + order));
		ByteBuffer r = ByteBuffer.wrap(Files.readAllBytes(out.toPath())).order(ByteOrder.LITTLE_ENDIAN);
		double[] res = new double[px.length];
		for (int i = 0; i < res.length; i++) res[i] = r.getDouble();
		return res;
	}

	@Test
	public void constantBecomesTheOffset() {
		float[] px = new float[37 * 23];
		java.util.Arrays.fill(px, 77.5f);
		float[] g = px.clone(), f = px.clone(), i = px.clone();
		HighPass.apply(g, 37, 23, HighPassParams.gaussian(4, 128));
		HighPass.apply(f, 37, 23, HighPassParams.fft(10, 3, 128));
		HighPass.apply(i, 37, 23, HighPassParams.fft(10, 0, 0));
		for (int k = 0; k < px.length; k++) {
			assertEquals(128, g[k], 1e-3);
			assertEquals(128, f[k], 1e-3);
			assertEquals(0, i[k], 1e-3);
		}
	}

	private static float[] sinusoid(int w, int h, double wavelength) {
		float[] px = new float[w * h];
		for (int y = 0; y < h; y++)
			for (int x = 0; x < w; x++)
				px[y * w + x] = (float) (1000 + 100 * Math.sin(2 * Math.PI * (x + 0.5 * y) / wavelength));
		return px;
	}

	@Test
	public void shortWavelengthsPassAndLongOnesAreRemoved() {
		int w = 256, h = 200;
		for (int order : new int[] {0, 2}) {
			float[] fine = sinusoid(w, h, 4);
			float[] expected = fine.clone();
			HighPass.apply(fine, w, h, HighPassParams.fft(32, order, 0));
			float[] coarse = sinusoid(w, h, 150);
			HighPass.apply(coarse, w, h, HighPassParams.fft(16, order, 0));
			double passErr = 0, leftover = 0;
			for (int y = 20; y < h - 20; y++)
				for (int x = 20; x < w - 20; x++) {
					int i = y * w + x;
					passErr = Math.max(passErr, Math.abs(fine[i] - (expected[i] - 1000)));
					leftover = Math.max(leftover, Math.abs(coarse[i]));
				}
			System.out.printf("order %d: passed sinusoid max error %.3g, removed sinusoid max residue %.3g (amplitude 100)%n",
					order, passErr, leftover);
			assertTrue("order " + order + " fine wave changed by " + passErr, passErr < 2);
			assertTrue("order " + order + " coarse wave left " + leftover, leftover < 2);
		}
	}

	@Test
	public void fftOnOnePixelIsRejected() {
		try {
			HighPass.apply(new float[] {5}, 1, 1, HighPassParams.fft(5, 2, 0));
			fail("1x1 FFT must be rejected");
		} catch (IllegalArgumentException e) {
			assertTrue(e.getMessage(), e.getMessage().contains("at least 2 pixels"));
		}
		float[] one = {5};
		HighPass.apply(one, 1, 1, HighPassParams.gaussian(2, 0));
		assertEquals(0, one[0], 0);
	}

	@Test
	public void badParametersAreRejected() {
		for (double s : new double[] {0, -1, Double.NaN, Double.POSITIVE_INFINITY}) expectBad(() -> HighPassParams.gaussian(s, 0), "sigma");
		for (double c : new double[] {0, -3, Double.NaN}) expectBad(() -> HighPassParams.fft(c, 2, 0), "cutoff");
		for (double o : new double[] {-1, 1.5, 11, Double.NaN}) expectBad(() -> HighPassParams.fft(10, o, 0), "order");
		expectBad(() -> HighPassParams.Method.fromLabel("Median"), "method");
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
