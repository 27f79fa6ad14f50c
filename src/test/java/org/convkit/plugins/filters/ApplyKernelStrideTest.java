package org.convkit.plugins.filters;

import ij.ImagePlus;
import ij.ImageStack;
import ij.WindowManager;
import ij.process.ByteProcessor;
import ij.process.ColorProcessor;
import ij.process.FloatProcessor;
import ij.process.ShortProcessor;
import org.convkit.core.kernel.Kernel;
import org.convkit.core.kernel.KernelParser;
import org.convkit.testing.MacroHarness;
import org.convkit.testing.Prerequisites;
import org.convkit.testing.Python;
import org.junit.After;
import org.junit.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Random;
import java.util.Set;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

/**
 * Apply Kernel... with stride= and padding= run as a macro: Same with a stride is the stride-1 result (the command
 * run without them) subsampled from pixel 0; Valid is the hand-computed sum over whole windows; both against
 * scipy.ndimage.correlate sliced the same way; every type and stacks; stride 1 Same stays in place; hostile values.
 */
public class ApplyKernelStrideTest {
	private static final String CMD = ApplyKernel.COMMAND;
	private static final String[] KERNELS = {"1 -2 0.5; 3 1 -1; 0 2 -3", "1 2 3 4; -1 0 2 1", "1 0; 0 -1; 2 1",
			"0.5 1 -1 2 0.25"};

	@After
	public void closeAll() {
		int[] ids = WindowManager.getIDList();
		if (ids != null) for (int id : ids) WindowManager.getImage(id).close();
	}

	private static float[] values(int w, int h, long seed) {
		Random r = new Random(seed);
		float[] p = new float[w * h];
		for (int i = 0; i < p.length; i++) p[i] = (float) (r.nextDouble() * 100 - 30);
		return p;
	}

	private static ImagePlus fresh(int w, int h, float[] px) {
		return new ImagePlus("img.tif", new FloatProcessor(w, h, px.clone()));
	}

	/** Runs the command and returns its new image and the Log/console output. */
	private static ImagePlus strided(ImagePlus imp, String options, StringBuilder log) {
		Set<Integer> before = ApplyPoolingTest.images();
		MacroHarness.Outcome o = MacroHarness.attempt(imp, CMD, options);
		assertTrue(o.failureText(), o.failures.isEmpty());
		Set<Integer> created = ApplyPoolingTest.newImages(before, imp);
		assertEquals(options + " makes one new image", 1, created.size());
		if (log != null) log.append(o.output);
		return WindowManager.getImage(created.iterator().next());
	}

	@Test
	public void sameWithStrideIsTheStrideOneResultSubsampled() {
		int w = 11, h = 9;
		float[] px = values(w, h, 1);
		for (String k : KERNELS)
			for (String border : new String[] {"Reflect", "Constant value=7", "Wrap"})
				for (int s : new int[] {2, 3}) {
					ImagePlus full = fresh(w, h, px);
					MacroHarness.run(full, CMD, "kernel=[" + k + "] border=" + border);
					StringBuilder log = new StringBuilder();
					String options = "kernel=[" + k + "] border=" + border + " stride=" + s + " padding=Same";
					ImagePlus out = strided(fresh(w, h, px), options, log);
					int ow = (w + s - 1) / s, oh = (h + s - 1) / s;
					assertEquals(options, ow, out.getWidth());
					assertEquals(options, oh, out.getHeight());
					for (int oy = 0; oy < oh; oy++)
						for (int ox = 0; ox < ow; ox++)
							assertEquals(options + " at " + ox + "," + oy, full.getProcessor().getf(ox * s, oy * s),
									out.getProcessor().getf(ox, oy), 0f);
					assertTrue(log.toString(), log.toString().contains("width ceil(11 / " + s + ") = " + ow));
				}
	}

	/** out(o) = Σ k(i, j) · in(o·s + i, ...): whole windows only, no border. */
	private static double[] validByHand(float[] in, int w, int h, Kernel k, int s) {
		int ow = (w - k.width()) / s + 1, oh = (h - k.height()) / s + 1;
		double[] out = new double[ow * oh];
		for (int oy = 0; oy < oh; oy++)
			for (int ox = 0; ox < ow; ox++) {
				double sum = 0;
				for (int j = 0; j < k.height(); j++)
					for (int i = 0; i < k.width(); i++) sum += k.get(i, j) * in[(oy * s + j) * w + ox * s + i];
				out[oy * ow + ox] = sum;
			}
		return out;
	}

	@Test
	public void validIsTheSumOverWholeWindows() {
		int w = 12, h = 10;
		float[] px = values(w, h, 2);
		for (String k : KERNELS)
			for (int s : new int[] {1, 2, 3}) {
				Kernel kernel = KernelParser.parse(k);
				StringBuilder log = new StringBuilder();
				// the border must not matter: two different ones give the same pixels
				String options = "kernel=[" + k + "] stride=" + s + " padding=Valid";
				ImagePlus a = strided(fresh(w, h, px), options + " border=Reflect", log);
				ImagePlus b = strided(fresh(w, h, px), options + " border=Constant value=1000", null);
				double[] expected = validByHand(px, w, h, kernel, s);
				int ow = (w - kernel.width()) / s + 1;
				assertEquals(options, ow, a.getWidth());
				assertEquals(options, (h - kernel.height()) / s + 1, a.getHeight());
				for (int i = 0; i < expected.length; i++) {
					assertEquals(options + " at " + i, expected[i], a.getProcessor().getf(i), 1e-3);
					assertEquals(options + " border", a.getProcessor().getf(i), b.getProcessor().getf(i), 0f);
				}
				String formula = "width floor((12 + 2*0 - " + kernel.width() + ") / " + s + ") + 1 = " + ow;
				assertTrue(log.toString(), log.toString().contains(formula));
			}
	}

	@Test
	public void strideOneSameStaysInPlaceAsBefore() {
		float[] px = values(6, 5, 3);
		ImagePlus imp = fresh(6, 5, px);
		Set<Integer> before = ApplyPoolingTest.images();
		MacroHarness.run(imp, CMD, "preset=Sharpen stride=1 padding=Same");
		assertEquals(new HashSet<>(), ApplyPoolingTest.newImages(before, imp));
		ImagePlus plain = fresh(6, 5, px);
		MacroHarness.run(plain, CMD, "preset=Sharpen");
		assertArrayEquals((float[]) plain.getProcessor().getPixels(), (float[]) imp.getProcessor().getPixels(), 0f);
	}

	@Test
	public void everyTypeAndStacks() {
		int w = 9, h = 7;
		Random r = new Random(4);
		ByteProcessor bp = new ByteProcessor(w, h);
		ShortProcessor sp = new ShortProcessor(w, h);
		ColorProcessor cp = new ColorProcessor(w, h);
		for (int i = 0; i < w * h; i++) {
			bp.set(i, r.nextInt(256));
			sp.set(i, r.nextInt(65536));
			cp.set(i, r.nextInt(1 << 24));
		}
		String options = "preset=[Box blur 3x3] border=Replicate stride=2 padding=Same";
		// 8-bit, 16-bit: the 32-bit result rounded; RGB: each channel
		ImagePlus b8 = strided(new ImagePlus("b", bp), options, null);
		ImagePlus f8 = strided(new ImagePlus("b", bp), options + " output=32-bit", null);
		assertEquals(8, b8.getBitDepth());
		for (int i = 0; i < 5 * 4; i++) assertEquals(Math.round(f8.getProcessor().getf(i)), b8.getProcessor().get(i));
		ImagePlus b16 = strided(new ImagePlus("s", sp), options, null);
		ImagePlus f16 = strided(new ImagePlus("s", sp), options + " output=32-bit", null);
		assertEquals(16, b16.getBitDepth());
		for (int i = 0; i < 5 * 4; i++)
			assertEquals(Math.round(f16.getProcessor().getf(i)), b16.getProcessor().get(i));
		ImagePlus rgb = strided(new ImagePlus("c", cp), options, null);
		ImagePlus f3 = strided(new ImagePlus("c", cp), options + " output=32-bit", null);
		assertEquals(24, rgb.getBitDepth());
		assertEquals(3, f3.getNChannels());
		for (int c = 0; c < 3; c++)
			for (int i = 0; i < 5 * 4; i++)
				assertEquals(Math.round(f3.getStack().getProcessor(c + 1).getf(i)),
						(rgb.getProcessor().get(i) >> (16 - 8 * c)) & 255);
		ImageStack st = new ImageStack(w, h);
		st.addSlice("a", new FloatProcessor(w, h, values(w, h, 5)));
		st.addSlice("b", new FloatProcessor(w, h, values(w, h, 6)));
		ImagePlus stack = strided(new ImagePlus("st", st), options + " stack", null);
		assertEquals(2, stack.getStackSize());
		ImagePlus second = strided(new ImagePlus("b", st.getProcessor(2).duplicate()), options, null);
		assertArrayEquals((float[]) second.getProcessor().getPixels(), (float[]) stack.getStack().getPixels(2), 0f);
	}

	private static void expectError(String options, String expected) {
		float[] px = values(6, 5, 7);
		ImagePlus imp = fresh(6, 5, px);
		Set<Integer> before = ApplyPoolingTest.images();
		MacroHarness.runExpectingError(imp, CMD, options, expected);
		assertEquals("new image for [" + options + "]", new HashSet<>(), ApplyPoolingTest.newImages(before, imp));
		assertArrayEquals("changed by [" + options + "]", px, (float[]) imp.getProcessor().getPixels(), 0f);
	}

	@Test
	public void hostileStrideAndPadding() {
		for (String bad : new String[] {"0", "-2", "NaN", "Infinity", "-Infinity", "1e12", "1.5"})
			expectError("preset=Sharpen stride=" + bad, "stride=");
		expectError("preset=Sharpen stride=two", "stride=two is not a number");
		expectError("preset=Sharpen padding=Full", "Unknown padding 'Full'");
		// a huge stride is fine: one pixel, the anchor on pixel 0
		ImagePlus imp = fresh(6, 5, values(6, 5, 8));
		ImagePlus full = fresh(6, 5, values(6, 5, 8));
		MacroHarness.run(full, CMD, "preset=Sharpen");
		ImagePlus one = strided(imp, "preset=Sharpen stride=100000", null);
		assertEquals(1, one.getWidth() * one.getHeight());
		assertEquals(full.getProcessor().getf(0, 0), one.getProcessor().getf(0, 0), 0f);
	}

	// ---- scipy.ndimage (skipped without python3-scipy; CI installs it)

	/** One run for every case: out_K_S_V.f64 for kernel file K, stride S, V = 1 for Valid. */
	private static final String SCRIPT = String.join("\n",
			"import sys, numpy as np, scipy.ndimage as nd",
			"d, w, h = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])",
			"img = np.fromfile(d + '/img.f32', dtype='<f4').reshape(h, w).astype(np.float64)",
			"for spec in sys.argv[4:]:",
			"    n, kw, kh, s, valid = (int(v) for v in spec.split(','))",
			"    k = np.fromfile(d + '/k%d.f64' % n, dtype='<f8').reshape(kh, kw)",
			"    r = nd.correlate(img, k, mode='mirror')",
			"    r = r[kh // 2:h - kh + kh // 2 + 1:s, kw // 2:w - kw + kw // 2 + 1:s] if valid else r[::s, ::s]",
			"    np.ascontiguousarray(r).astype('<f8').tofile(d + '/out_%d_%d_%d.f64' % (n, s, valid))", "");

	@Test
	public void agreesWithScipy() throws Exception {
		Prerequisites.requirePython("numpy", "scipy.ndimage");
		Path dir = Files.createTempDirectory("convkit-stride");
		int w = 23, h = 17;
		float[] px = values(w, h, 9);
		ByteBuffer b = ByteBuffer.allocate(px.length * 4).order(ByteOrder.LITTLE_ENDIAN);
		for (float v : px) b.putFloat(v);
		Files.write(dir.resolve("img.f32"), b.array());
		Files.write(dir.resolve("s.py"), SCRIPT.getBytes());
		java.util.List<String> cmd = new java.util.ArrayList<>(java.util.Arrays.asList(dir.toString(), "" + w,
				"" + h));
		for (int n = 0; n < KERNELS.length; n++) {
			Kernel kernel = KernelParser.parse(KERNELS[n]);
			ByteBuffer kb = ByteBuffer.allocate(kernel.values().length * 8).order(ByteOrder.LITTLE_ENDIAN);
			for (double v : kernel.values()) kb.putDouble(v);
			Files.write(dir.resolve("k" + n + ".f64"), kb.array());
			for (int s = 1; s <= 3; s++)
				for (int valid = s == 1 ? 1 : 0; valid <= 1; valid++)
					cmd.add(n + "," + kernel.width() + "," + kernel.height() + "," + s + "," + valid);
		}
		Python.run(dir.resolve("s.py"), cmd);
		int compared = 0;
		for (int n = 0; n < KERNELS.length; n++)
			for (int s = 1; s <= 3; s++)
				for (int valid = s == 1 ? 1 : 0; valid <= 1; valid++) {
					ByteBuffer r = ByteBuffer.wrap(Files.readAllBytes(dir.resolve("out_" + n + "_" + s + "_" + valid
							+ ".f64"))).order(ByteOrder.LITTLE_ENDIAN);
					String options = "kernel=[" + KERNELS[n] + "] border=Reflect stride=" + s + " padding="
							+ (valid == 1 ? "Valid" : "Same");
					ImagePlus out = strided(fresh(w, h, px), options, null);
					float[] got = (float[]) out.getProcessor().getPixels();
					assertEquals(options + " size", r.remaining() / 8, got.length);
					for (int i = 0; i < got.length; i++) assertEquals(options + " at " + i, r.getDouble(), got[i], 1e-3);
					compared++;
				}
		assertEquals(KERNELS.length * 5, compared);
	}
}
