package org.convkit.core.kernel;

import org.convkit.testing.Prerequisites;
import org.convkit.testing.Python;
import org.junit.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

import static org.convkit.testing.Expect.expectError;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

/**
 * |H| against numpy's {@code abs(fftshift(fft2(k, s=(n, n))))} for presets and random rectangular kernels, even and
 * odd sizes; against closed forms (a 1-tap kernel is flat, the 3-tap box's gain is |1 + 2cos 2πf| / 3); dB.
 */
public class FrequencyResponseTest {
	private static final String SCRIPT = String.join("\n",
			"import sys, numpy as np",
			"d = sys.argv[1]",
			"for spec in sys.argv[2:]:",
			"    name, kw, kh, n = spec.split(',')",
			"    kw, kh, n = int(kw), int(kh), int(n)",
			"    k = np.fromfile(d + '/' + name + '.f64', dtype='<f8').reshape(kh, kw)",
			"    h = np.abs(np.fft.fftshift(np.fft.fft2(k, s=(n, n))))",
			"    h.astype('<f8').tofile(d + '/' + name + '.out')", "");

	@Test
	public void equalsNumpysFftOfTheZeroPaddedKernel() throws Exception {
		Prerequisites.requirePython("numpy");
		Path dir = Files.createTempDirectory("convkit-fr");
		Random r = new Random(3);
		Kernel[] kernels = {KernelPresets.get("High-pass 3x3"), KernelPresets.get("Sobel X"),
				KernelPresets.get("Gaussian 5x5"), KernelPresets.get("Emboss"), random(r, 4, 2), random(r, 1, 7),
				random(r, 9, 9)};
		int[] sizes = {64, 16, 31, 8, 10, 7, 33};
		java.util.List<String> cmd = new java.util.ArrayList<>(java.util.Arrays.asList(dir.toString()));
		Files.write(dir.resolve("fr.py"), SCRIPT.getBytes());
		for (int i = 0; i < kernels.length; i++) {
			ByteBuffer b = ByteBuffer.allocate(kernels[i].values().length * 8).order(ByteOrder.LITTLE_ENDIAN);
			for (double v : kernels[i].values()) b.putDouble(v);
			Files.write(dir.resolve("k" + i + ".f64"), b.array());
			cmd.add("k" + i + "," + kernels[i].width() + "," + kernels[i].height() + "," + sizes[i]);
		}
		Python.run(dir.resolve("fr.py"), cmd);
		for (int i = 0; i < kernels.length; i++) {
			FrequencyResponse fr = FrequencyResponse.of(kernels[i], sizes[i]);
			ByteBuffer out = ByteBuffer.wrap(Files.readAllBytes(dir.resolve("k" + i + ".out")))
					.order(ByteOrder.LITTLE_ENDIAN);
			float[] m = fr.magnitude();
			assertEquals(sizes[i] * sizes[i], out.remaining() / 8);
			for (int j = 0; j < m.length; j++)
				assertEquals("kernel " + i + " at " + j, out.getDouble(), m[j], 1e-5 * (1 + Math.abs(m[j])));
		}
	}

	private static Kernel random(Random r, int w, int h) {
		double[] v = new double[w * h];
		for (int i = 0; i < v.length; i++) v[i] = r.nextGaussian();
		return new Kernel(w, h, v);
	}

	@Test
	public void closedForms() {
		FrequencyResponse one = FrequencyResponse.of(new Kernel(1, 1, new double[] {-2.5}), 8);
		for (float v : one.magnitude()) assertEquals(2.5f, v, 1e-6f);
		Kernel box = new Kernel(3, 1, new double[] {1 / 3.0, 1 / 3.0, 1 / 3.0});
		FrequencyResponse fr = FrequencyResponse.of(box, 12);
		for (int u = 0; u < 12; u++) {
			double f = fr.frequency(u);
			assertEquals("f=" + f, Math.abs(1 + 2 * Math.cos(2 * Math.PI * f)) / 3, fr.at(u, 6), 1e-6);
			assertEquals("rows are constant in y for a one-row kernel", fr.at(u, 6), fr.at(u, 0), 1e-6);
		}
		assertEquals(-0.5, fr.frequency(0), 0);
		assertEquals(0, fr.frequency(6), 0);
		assertEquals(6, fr.argMax() % 12); // the DC column (every row ties)
	}

	@Test
	public void highPassRemovesDcAndPeaksAtNyquistBoxBlurTheReverse() {
		FrequencyResponse hp = FrequencyResponse.of(KernelPresets.get("High-pass 3x3"), 64);
		assertEquals(0, hp.dc(), 1e-5);
		int best = hp.argMax();
		// 8 - 2cos(a) - 2cos(b) - 4cos(a)cos(b) is largest, 12, at (0.5, 0) and (0, 0.5)
		assertTrue("largest at a Nyquist frequency", best % 64 == 0 || best / 64 == 0);
		assertEquals(12, hp.at(best % 64, best / 64), 1e-4);
		FrequencyResponse blur = FrequencyResponse.of(KernelPresets.get("Box blur 3x3"), 64);
		assertEquals(32 + 32 * 64, blur.argMax());
		assertEquals(1, blur.dc(), 1e-6);
		assertEquals(1 / 3.0, blur.at(0, 32), 1e-6);
		assertEquals(1 / 9.0, blur.at(0, 0), 1e-6);
		float[] db = blur.decibels();
		assertEquals(0, db[32 + 32 * 64], 1e-6);
		assertEquals(20 * Math.log10(1 / 9.0), db[0], 1e-4);
		assertEquals(FrequencyResponse.FLOOR_DB, hp.decibels()[32 + 32 * 64], 0); // |H(0)| = 0
	}

	@Test
	public void badSizesAndZoom() {
		Kernel k = KernelPresets.get("Gaussian 5x5");
		expectError(() -> FrequencyResponse.of(k, 4), "smaller than the kernel (5x5)");
		expectError(() -> FrequencyResponse.of(k, 1), "from 2 to 2048");
		expectError(() -> FrequencyResponse.of(k, 4096), "from 2 to 2048");
		expectError(() -> FrequencyResponse.enlarged(k, 0), "zoom 0");
		float[] big = FrequencyResponse.enlarged(KernelPresets.get("Sobel X"), 2);
		assertEquals(36, big.length);
		assertEquals(-1, big[0], 0);
		assertEquals(-1, big[7], 0); // row 1, column 1: still k(0, 0)
		assertEquals(-2, big[12], 0); // row 2: k(0, 1)
	}
}
