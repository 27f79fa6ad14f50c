package org.convkit.plugins.filters;

import ij.CompositeImage;
import ij.ImagePlus;
import ij.ImageStack;
import ij.WindowManager;
import ij.process.ByteProcessor;
import ij.process.ColorProcessor;
import ij.process.FloatProcessor;
import ij.process.ShortProcessor;
import ij.gui.Roi;
import org.convkit.testing.MacroHarness;
import org.convkit.testing.PoolingReference;
import org.junit.After;
import org.junit.Test;

import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
import java.util.Random;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

/**
 * Apply Pooling... run as a macro: the result against a plain loop over each window (written here, independent of
 * the separable core), for every ImageJ type, stacks, both output types; the size and the Log's filled-in formula;
 * every key honoured; and hostile values rejected with the image untouched and no new image.
 */
public class ApplyPoolingTest {
	private static final String CMD = ApplyPooling.COMMAND;

	@After
	public void closeAll() {
		int[] ids = WindowManager.getIDList();
		if (ids != null) for (int id : ids) WindowManager.getImage(id).close();
	}

	private static float[] values(int w, int h, long seed, double scale, double offset) {
		Random r = new Random(seed);
		float[] p = new float[w * h];
		for (int i = 0; i < p.length; i++) p[i] = (float) (r.nextDouble() * scale + offset);
		return p;
	}

	private static ImagePlus pool(ImagePlus imp, String options) {
		return MacroHarness.runForNewImage(imp, CMD, options);
	}

	/** The images that exist now and did not before, other than {@code imp} (a macro's current image counts). */
	static Set<Integer> newImages(Set<Integer> before, ImagePlus imp) {
		Set<Integer> now = new HashSet<>();
		int[] ids = WindowManager.getIDList();
		if (ids != null) for (int id : ids) now.add(id);
		now.removeAll(before);
		now.remove(imp.getID());
		return now;
	}

	static Set<Integer> images() {
		return newImages(new HashSet<>(), new ImagePlus());
	}

	/** Runs the command expecting success; returns the Log/console output and sets {@code result[0]}. */
	private static String poolLogged(ImagePlus imp, String options, ImagePlus[] result) {
		Set<Integer> before = images();
		MacroHarness.Outcome o = MacroHarness.attempt(imp, CMD, options);
		assertTrue(o.failureText(), o.failures.isEmpty());
		Set<Integer> created = newImages(before, imp);
		assertEquals(options, 1, created.size());
		result[0] = WindowManager.getImage(created.iterator().next());
		return o.output;
	}

	@Test
	public void floatImageEqualsTheLoopAndLogsTheFormula() {
		int w = 13, h = 10;
		float[] px = values(w, h, 1, 20, -15);
		ImagePlus imp = new ImagePlus("f.tif", new FloatProcessor(w, h, px.clone()));
		for (String pad : new String[] {"Valid", "Same"})
			for (String method : new String[] {"Max", "Average"})
				for (int[] ks : new int[][] {{2, 2}, {3, 2}, {3, 1}, {4, 3}}) {
					String options = "method=" + method + " size=" + ks[0] + " stride=" + ks[1] + " padding=" + pad;
					ImagePlus[] result = new ImagePlus[1];
					String log = poolLogged(imp, options, result);
					ImagePlus out = result[0];
					boolean same = pad.equals("Same");
					int ow = same ? (int) Math.ceil(w / (double) ks[1]) : (w - ks[0]) / ks[1] + 1;
					int oh = same ? (int) Math.ceil(h / (double) ks[1]) : (h - ks[0]) / ks[1] + 1;
					assertEquals(options, ow, out.getWidth());
					assertEquals(options, oh, out.getHeight());
					double[] expected = PoolingReference.pool(px, w, h, ks[0], ks[1], same, method.equals("Max"));
					float[] got = (float[]) out.getProcessor().getPixels();
					for (int i = 0; i < got.length; i++) assertEquals(options + " at " + i, expected[i], got[i], 1e-5);
					String formula = same ? "width ceil(13 / " + ks[1] + ") = " + ow
							: "width floor((13 + 2*0 - " + ks[0] + ") / " + ks[1] + ") + 1 = " + ow;
					assertTrue(log, log.contains(formula));
					out.close();
				}
		assertArrayEquals("the input changed", px, (float[]) imp.getProcessor().getPixels(), 0f);
	}

	@Test
	public void eightAndSixteenBitKeepTheirTypeRounded() {
		int w = 9, h = 7;
		float[] v8 = values(w, h, 2, 255, 0), v16 = values(w, h, 3, 65535, 0);
		ByteProcessor bp = new ByteProcessor(w, h);
		ShortProcessor sp = new ShortProcessor(w, h);
		for (int i = 0; i < w * h; i++) {
			bp.set(i, (int) v8[i]);
			sp.set(i, (int) v16[i]);
			v8[i] = (int) v8[i];
			v16[i] = (int) v16[i];
		}
		ImagePlus b = pool(new ImagePlus("b", bp), "method=Average size=3 stride=2 padding=Same");
		assertEquals(8, b.getBitDepth());
		double[] e8 = PoolingReference.pool(v8, w, h, 3, 2, true, false);
		for (int i = 0; i < e8.length; i++) assertEquals("8-bit " + i, Math.round(e8[i]), b.getProcessor().get(i));
		ImagePlus s = pool(new ImagePlus("s", sp), "method=Max size=2 stride=2 padding=Valid");
		assertEquals(16, s.getBitDepth());
		double[] e16 = PoolingReference.pool(v16, w, h, 2, 2, false, true);
		for (int i = 0; i < e16.length; i++) assertEquals("16-bit " + i, (int) e16[i], s.getProcessor().get(i));
		ImagePlus f = pool(new ImagePlus("b32", bp), "method=Average size=3 stride=2 padding=Same output=32-bit");
		assertEquals(32, f.getBitDepth());
		for (int i = 0; i < e8.length; i++) assertEquals("32-bit " + i, e8[i], f.getProcessor().getf(i), 1e-4);
	}

	@Test
	public void rgbPoolsEachChannel() {
		int w = 8, h = 6;
		ColorProcessor cp = new ColorProcessor(w, h);
		Random r = new Random(4);
		for (int i = 0; i < w * h; i++) cp.set(i, r.nextInt(1 << 24));
		ImagePlus rgb = pool(new ImagePlus("rgb", cp), "method=Max size=2 stride=2 padding=Valid");
		assertEquals(24, rgb.getBitDepth());
		ImagePlus split = pool(new ImagePlus("rgb", cp), "method=Max size=2 stride=2 padding=Valid output=32-bit");
		assertEquals(3, split.getNChannels());
		for (int c = 0; c < 3; c++) {
			float[] channel = (float[]) cp.toFloat(c, null).getPixels();
			double[] e = PoolingReference.pool(channel, w, h, 2, 2, false, true);
			int shift = 16 - 8 * c;
			for (int i = 0; i < e.length; i++) {
				assertEquals("RGB channel " + c + " at " + i, (int) e[i], (rgb.getProcessor().get(i) >> shift) & 255);
				assertEquals("32-bit channel " + c, e[i], split.getStack().getProcessor(c + 1).getf(i), 0);
			}
		}
	}

	@Test
	public void stacksAndTheCurrentPlane() {
		ImageStack st = new ImageStack(6, 4);
		for (int z = 0; z < 3; z++) st.addSlice("z" + z, new FloatProcessor(6, 4, values(6, 4, 10 + z, 10, 0)));
		ImagePlus imp = new ImagePlus("st", st);
		ImagePlus all = pool(imp, "method=Max size=2 stride=2 padding=Valid stack");
		assertEquals(3, all.getStackSize());
		for (int z = 0; z < 3; z++) {
			double[] e = PoolingReference.pool((float[]) st.getPixels(z + 1), 6, 4, 2, 2, false, true);
			for (int i = 0; i < e.length; i++) assertEquals(e[i], all.getStack().getProcessor(z + 1).getf(i), 0);
			assertEquals("z" + z, all.getStack().getSliceLabel(z + 1));
		}
		imp.setSlice(2);
		ImagePlus one = pool(imp, "method=Max size=2 stride=2 padding=Valid");
		assertEquals(1, one.getStackSize());
		assertArrayEquals((float[]) all.getStack().getPixels(2), (float[]) one.getProcessor().getPixels(), 0f);
		// a 2-channel hyperstack keeps its dimensions
		ImageStack hs = new ImageStack(6, 4);
		for (int i = 0; i < 4; i++) hs.addSlice(new FloatProcessor(6, 4, values(6, 4, 20 + i, 10, 0)));
		ImagePlus hyper = new ImagePlus("hyper", hs);
		hyper.setDimensions(2, 2, 1);
		hyper = new CompositeImage(hyper, ij.IJ.GRAYSCALE);
		ImagePlus pooled = pool(hyper, "method=Average size=2 stride=2 padding=Same stack");
		assertEquals(2, pooled.getNChannels());
		assertEquals(2, pooled.getNSlices());
	}

	@Test
	public void calibrationFollowsTheWindows() {
		ImagePlus imp = new ImagePlus("cal", new FloatProcessor(8, 8));
		imp.getCalibration().pixelWidth = 0.5;
		imp.getCalibration().pixelHeight = 0.25;
		imp.getCalibration().setUnit("mm");
		ImagePlus out = pool(imp, "method=Max size=2 stride=2 padding=Valid");
		assertEquals(1.0, out.getCalibration().pixelWidth, 1e-12);
		assertEquals(0.5, out.getCalibration().pixelHeight, 1e-12);
		// output pixel 0 stands for the window of input pixels 0 and 1: centre 0.5 px = 0.25 mm
		assertEquals(0.25, out.getCalibration().getX(0), 1e-12);
		assertEquals("mm", out.getCalibration().getUnit());
		assertEquals("cal-maxpool2s2", out.getTitle());
	}

	private static float[] run(String options) {
		ImagePlus imp = new ImagePlus("k", new FloatProcessor(7, 5, values(7, 5, 5, 10, -5)));
		ImagePlus out = pool(imp, options);
		return (float[]) out.getProcessor().getPixels();
	}

	@Test
	public void eachKeyIsHonoured() {
		assertEquals(Arrays.asList("method", "size", "stride", "padding"), Arrays.asList(ApplyPooling.KEY_METHOD,
				ApplyPooling.KEY_SIZE, ApplyPooling.KEY_STRIDE, ApplyPooling.KEY_PADDING));
		String base = "method=Max size=2 stride=2 padding=Valid";
		float[] b = run(base);
		assertArrayEquals("the macro defaults", b, run("output=[Same type]"), 0f);
		for (String changed : new String[] {"method=Average size=2 stride=2 padding=Valid",
				"method=Max size=3 stride=2 padding=Valid", "method=Max size=2 stride=1 padding=Valid",
				"method=Max size=2 stride=2 padding=Same"})
			assertFalse(changed, Arrays.equals(b, run(changed)));
	}

	@Test
	public void aSelectionIsNotUsedAndSaysSo() {
		ImagePlus imp = new ImagePlus("roi", new FloatProcessor(6, 6, values(6, 6, 7, 10, 0)));
		imp.setRoi(new Roi(1, 1, 3, 3));
		ImagePlus[] result = new ImagePlus[1];
		String log = poolLogged(imp, "method=Max size=2 stride=2 padding=Valid", result);
		assertTrue(log, log.contains("the selection is not used"));
		assertEquals(3, result[0].getWidth());
	}

	private static void expectError(ImagePlus imp, String options, String expected) {
		Object before = imp.getProcessor().getPixelsCopy();
		Set<Integer> existing = images();
		MacroHarness.runExpectingError(imp, CMD, options, expected);
		assertEquals("a new image appeared for [" + options + "]", new HashSet<>(), newImages(existing, imp));
		assertArrayEquals("image changed by [" + options + "]", (float[]) before,
				(float[]) imp.getProcessor().getPixels(), 0f);
	}

	@Test
	public void hostileValuesAreRejected() {
		ImagePlus imp = new ImagePlus("h", new FloatProcessor(6, 5, values(6, 5, 8, 10, 0)));
		for (String key : new String[] {"size", "stride"}) {
			String other = key.equals("size") ? "stride=2" : "size=2";
			for (String bad : new String[] {"0", "-1", "NaN", "Infinity", "-Infinity", "1e12", "2.5"})
				expectError(imp, other + " " + key + "=" + bad, key + "=");
			expectError(imp, other + " " + key + "=abc", key + "=abc is not a number");
		}
		expectError(imp, "method=Median", "Unknown method 'Median'");
		expectError(imp, "padding=Full", "Unknown padding 'Full'");
		expectError(imp, "size=6 padding=Valid", "larger than the image (5)");
		expectError(imp, "output=16-bit", "Unknown output");
		expectError(imp, "", "No values given, and without a display there is no dialog");
	}

	@Test
	public void hugeSizesThatAreAllowedGiveTheFormulasAnswer() {
		ImagePlus imp = new ImagePlus("g", new FloatProcessor(6, 5, values(6, 5, 9, 10, 0)));
		ImagePlus global = pool(imp, "method=Max size=100000 stride=100000 padding=Same");
		assertEquals(1, global.getWidth());
		assertEquals(1, global.getHeight());
		float max = Float.NEGATIVE_INFINITY;
		for (float v : (float[]) imp.getProcessor().getPixels()) max = Math.max(max, v);
		assertEquals(max, global.getProcessor().getf(0), 0f);
	}

}
