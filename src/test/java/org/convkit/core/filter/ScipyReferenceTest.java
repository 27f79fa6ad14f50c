package org.convkit.core.filter;

import org.convkit.core.image.Region;
import org.convkit.core.kernel.Kernel;
import org.convkit.testing.Prerequisites;
import org.convkit.testing.Python;
import org.junit.BeforeClass;
import org.junit.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

/**
 * KernelCorrelator against scipy.ndimage.correlate (Debian's /usr/bin/python3 with python3-scipy: a
 * {@link Prerequisites} that .ci/run installs): every border mode, odd and even kernels, a DFT-sized kernel, and a region.
 */
public class ScipyReferenceTest {
	private static final String PYTHON = Prerequisites.PYTHON;
	private static final String SCRIPT = String.join("\n",
			"import sys, numpy as np, scipy.ndimage as nd",
			"src, w, h, ker, kw, kh, mode, cval, out = sys.argv[1:]",
			"w, h, kw, kh = int(w), int(h), int(kw), int(kh)",
			"img = np.fromfile(src, dtype='<f4').reshape(h, w).astype(np.float64)",
			"k = np.fromfile(ker, dtype='<f8').reshape(kh, kw)",
			"r = nd.correlate(img, k, mode=mode, cval=float(cval))",
			"r.astype('<f8').tofile(out)", "");
	private static final String[] MODES = {"mirror", "nearest", "constant", "wrap"};
	private static final Border[] BORDERS = {Border.REFLECT, Border.REPLICATE, Border.CONSTANT, Border.WRAP};
	private static Path dir;

	@BeforeClass
	public static void needScipy() throws Exception {
		Prerequisites.requirePython("numpy", "scipy.ndimage");
		dir = Files.createTempDirectory("convkit-scipy");
		dir.toFile().deleteOnExit();
	}

	private static double[] scipy(float[] img, int w, int h, Kernel k, String mode, double cval) throws Exception {
		Path src = dir.resolve("img.f32"), ker = dir.resolve("k.f64"), out = dir.resolve("out.f64"),
				script = dir.resolve("corr.py");
		ByteBuffer b = ByteBuffer.allocate(img.length * 4).order(ByteOrder.LITTLE_ENDIAN);
		for (float v : img) b.putFloat(v);
		Files.write(src, b.array());
		ByteBuffer kb = ByteBuffer.allocate(k.width() * k.height() * 8).order(ByteOrder.LITTLE_ENDIAN);
		for (double v : k.values()) kb.putDouble(v);
		Files.write(ker, kb.array());
		Files.write(script, SCRIPT.getBytes());
		Python.run(script, java.util.Arrays.asList(src.toString(), "" + w, "" + h,
				ker.toString(), "" + k.width(), "" + k.height(), mode, "" + cval, out.toString()));
		ByteBuffer r = ByteBuffer.wrap(Files.readAllBytes(out)).order(ByteOrder.LITTLE_ENDIAN);
		double[] result = new double[w * h];
		for (int i = 0; i < result.length; i++) result[i] = r.getDouble();
		return result;
	}

	private static Kernel randomKernel(Random r, int kw, int kh) {
		double[] v = new double[kw * kh];
		for (int i = 0; i < v.length; i++) v[i] = Math.round(r.nextGaussian() * 1000) / 1000.0;
		return new Kernel(kw, kh, v);
	}

	private static void compare(int kw, int kh, long seed) throws Exception {
		Random r = new Random(seed);
		int w = 53, h = 41;
		float[] img = new float[w * h];
		for (int i = 0; i < img.length; i++) img[i] = r.nextFloat() * 200 - 50;
		Kernel k = randomKernel(r, kw, kh);
		for (int m = 0; m < MODES.length; m++) {
			double[] expected = scipy(img, w, h, k, MODES[m], 1.5);
			float[] whole = img.clone();
			KernelCorrelator.apply(whole, w, h, Region.whole(w, h), k, BORDERS[m], 1.5);
			Region reg = new Region(40, 2, 13, 30); // touches the right edge: border and neighbours both matter
			float[] part = img.clone();
			KernelCorrelator.apply(part, w, h, reg, k, BORDERS[m], 1.5);
			double scale = 0;
			for (double v : expected) scale = Math.max(scale, Math.abs(v));
			for (int i = 0; i < expected.length; i++) {
				String at = MODES[m] + " " + kw + "x" + kh + " at " + (i % w) + "," + (i / w);
				assertEquals(at, expected[i], whole[i], 1e-4 * scale);
				int x = i % w, y = i / w;
				boolean in = x >= reg.x && y >= reg.y && y < reg.y + reg.height;
				assertEquals("region " + at, in ? expected[i] : img[i], part[i], 1e-4 * scale);
			}
		}
	}

	@Test
	public void oddKernel5x5() throws Exception {
		compare(5, 5, 1);
	}

	@Test
	public void oddKernel3x7() throws Exception {
		compare(3, 7, 2);
	}

	@Test
	public void evenKernel4x6() throws Exception {
		compare(4, 6, 3);
	}

	@Test
	public void evenKernel2x2() throws Exception {
		compare(2, 2, 4);
	}

	/** 17x16 = 272 taps: OpenCV's DFT path. */
	@Test
	public void largeEvenKernelDftPath() throws Exception {
		compare(17, 16, 5);
	}

	@Test
	public void scipyReallyRan() throws Exception {
		Kernel k = new Kernel(2, 1, new double[] {1, 2});
		double[] r = scipy(new float[] {0, 0, 1, 0}, 4, 1, k, "constant", 0);
		// Anchor at index 1 (= 2/2): out[x] = in[x-1] + 2 in[x]
		assertTrue(r[2] == 2 && r[3] == 1 && r[1] == 0);
	}
}
