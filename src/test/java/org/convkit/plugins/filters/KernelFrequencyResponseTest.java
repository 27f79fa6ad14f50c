package org.convkit.plugins.filters;

import ij.ImagePlus;
import ij.WindowManager;
import org.convkit.core.kernel.FrequencyResponse;
import org.convkit.core.kernel.KernelParser;
import org.convkit.core.kernel.KernelPresets;
import org.convkit.testing.MacroHarness;
import org.junit.After;
import org.junit.Test;

import java.io.File;
import java.nio.file.Files;
import java.util.Arrays;
import java.util.Set;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertTrue;

/**
 * Kernel Frequency Response... run as a macro: the three images (kernel enlarged, |H|, dB) for the documented keys;
 * the high-pass preset removes DC and peaks at Nyquist, the box blur the reverse; the Log's gains; the kernel keys
 * behave as in Apply Kernel; hostile size/zoom values are refused with no image made.
 */
public class KernelFrequencyResponseTest {
	private static final String CMD = KernelFrequencyResponse.COMMAND;

	@After
	public void closeAll() {
		int[] ids = WindowManager.getIDList();
		if (ids != null) for (int id : ids) WindowManager.getImage(id).close();
	}

	private static ImagePlus image(String title) {
		ImagePlus imp = WindowManager.getImage(title);
		assertNotNull("no image '" + title + "'", imp);
		return imp;
	}

	private static String run(String options) {
		MacroHarness.Outcome o = MacroHarness.attempt(null, CMD, options);
		assertTrue(options + ": " + o.failureText(), o.failures.isEmpty());
		return o.output;
	}

	@Test
	public void highPassAndBoxBlur() {
		String log = run("preset=[High-pass 3x3] size=64 zoom=8");
		ImagePlus k = image("High-pass 3x3 kernel"), mag = image("High-pass 3x3 response"),
				db = image("High-pass 3x3 response dB");
		assertEquals(24, k.getWidth());
		assertEquals(8f, k.getProcessor().getf(12, 12), 0f);
		assertEquals(-1f, k.getProcessor().getf(0, 23), 0f);
		assertEquals(64, mag.getWidth());
		assertEquals(0, mag.getProcessor().getf(32, 32), 1e-5);
		float max = 0;
		int at = -1;
		float[] m = (float[]) mag.getProcessor().getPixels();
		for (int i = 0; i < m.length; i++)
			if (m[i] > max) {
				max = m[i];
				at = i;
			}
		assertTrue("the largest gain lies at a Nyquist frequency: " + at, at % 64 == 0 || at / 64 == 0);
		assertEquals(12, max, 1e-4);
		assertEquals(0, db.getProcessor().getf(at % 64, at / 64), 1e-5);
		assertEquals(FrequencyResponse.FLOOR_DB, db.getProcessor().getf(32, 32), 0);
		// the frequency axes are calibrated: column 0 is -0.5 cycles/pixel
		assertEquals(-0.5, mag.getCalibration().getX(0), 1e-12);
		assertTrue(log, log.contains("|H| at DC = 0"));
		assertTrue(log, log.contains("at Nyquist (0.5, 0) = 12.00"));

		run("preset=[Box blur 3x3] size=32 zoom=4");
		ImagePlus blur = image("Box blur 3x3 response");
		float[] b = (float[]) blur.getProcessor().getPixels();
		for (int i = 0; i < b.length; i++) assertTrue("DC is the largest gain", b[i] <= b[16 + 16 * 32] + 1e-6f);
		assertEquals(1, b[16 + 16 * 32], 1e-6);
		assertEquals(1 / 3.0, blur.getProcessor().getf(0, 16), 1e-6);
		assertEquals(1 / 9.0, blur.getProcessor().getf(0, 0), 1e-6);
	}

	@Test
	public void eachKeyIsHonoured() throws Exception {
		assertEquals(Arrays.asList("preset", "kernel", "file", "normalize", "size", "zoom"),
				Arrays.asList(KernelFields.KEY_PRESET, KernelFields.KEY_KERNEL, KernelFields.KEY_FILE,
						KernelFields.KEY_NORMALIZE, KernelFrequencyResponse.KEY_SIZE, KernelFrequencyResponse.KEY_ZOOM));
		run("kernel=[1 2; 3 4]");
		ImagePlus custom = image("Custom kernel response");
		assertEquals(KernelFrequencyResponse.DEFAULT_SIZE, custom.getWidth());
		assertEquals(2 * KernelFrequencyResponse.DEFAULT_ZOOM, image("Custom kernel kernel").getWidth());
		assertArrayEquals(FrequencyResponse.of(KernelParser.parse("1 2; 3 4"), 64).magnitude(),
				(float[]) custom.getProcessor().getPixels(), 0f);
		closeAll();
		run("kernel=[1 2; 3 4] normalize size=16 zoom=3");
		ImagePlus norm = image("Custom kernel normalized response");
		assertEquals(16, norm.getWidth());
		assertEquals(1, norm.getProcessor().getf(8, 8), 1e-6); // sum 10 divided out
		assertEquals(6, image("Custom kernel normalized kernel").getWidth());
		File f = File.createTempFile("kernel", ".txt");
		f.deleteOnExit();
		Files.write(f.toPath(), "0 1 0\n1 -4 1\n0 1 0\n".getBytes());
		run("file=[" + f + "] size=8");
		assertArrayEquals(FrequencyResponse.of(KernelPresets.get("Laplacian 4-neighbour"), 8).magnitude(),
				(float[]) image(f.getName() + " response").getProcessor().getPixels(), 0f);
	}

	private static void expectError(String options, String expected) {
		Set<Integer> before = ApplyPoolingTest.images();
		MacroHarness.runExpectingError(null, CMD, options, expected);
		assertEquals("images made by [" + options + "]", 0,
				ApplyPoolingTest.newImages(before, new ImagePlus()).size());
	}

	@Test
	public void hostileValues() {
		for (String key : new String[] {"size", "zoom"})
			for (String bad : new String[] {"0", "-3", "NaN", "Infinity", "-Infinity", "1e12", "2.5"})
				expectError("preset=Sharpen " + key + "=" + bad, key + "=");
		expectError("preset=Sharpen size=abc", "size=abc is not a number");
		expectError("preset=Sharpen zoom=x", "zoom=x is not a number");
		expectError("preset=[Gaussian 5x5] size=4", "smaller than the kernel (5x5)");
		expectError("preset=Sharpen size=4096", "from 2 to 2048");
		expectError("preset=Sharpen zoom=65", "from 1 to 64");
		expectError("kernel=[1 NaN]", "not a finite number");
		expectError("kernel=[]", "kernel is empty");
		expectError("preset=[Sobel Z]", "Sobel Z");
		expectError("preset=[Sobel X] kernel=[1 2 3]", "differs from preset=[Sobel X]");
		expectError("file=[/no/such/kernel.txt]", "not found");
		expectError("", "No values given");
		assertFalse(WindowManager.getImageCount() > 0);
	}
}
