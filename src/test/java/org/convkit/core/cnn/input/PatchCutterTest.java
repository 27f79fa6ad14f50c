package org.convkit.core.cnn.input;

import ij.ImagePlus;
import ij.ImageStack;
import ij.process.ByteProcessor;
import ij.process.ColorProcessor;
import ij.process.FloatProcessor;
import ij.process.ShortProcessor;
import org.convkit.core.filter.Border;
import org.convkit.testing.Numpy;
import org.junit.Test;

import java.util.Random;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

/** Patches: position, borders, raw 16-bit values, masking, channels of a hyperstack, per-image normalisation. */
public class PatchCutterTest {
	private static float[] cut(Border b, int cx, int width) {
		FloatProcessor row = new FloatProcessor(4, 1, new float[] { 1, 2, 3, 4 }); // a b c d
		float[] out = new float[width];
		PatchCutter.cut(row, cx, 0, width, 1, b, 9, out, 0);
		return out;
	}

	/** The README's border table: two pixels left of a. */
	@Test
	public void bordersAreApplyKernels() {
		assertArrayEquals(new float[] { 3, 2, 1, 2, 3 }, cut(Border.REFLECT, 0, 5), 0);
		assertArrayEquals(new float[] { 1, 1, 1, 2, 3 }, cut(Border.REPLICATE, 0, 5), 0);
		assertArrayEquals(new float[] { 9, 9, 1, 2, 3 }, cut(Border.CONSTANT, 0, 5), 0);
		assertArrayEquals(new float[] { 3, 4, 1, 2, 3 }, cut(Border.WRAP, 0, 5), 0);
		assertArrayEquals("right edge", new float[] { 2, 3, 4, 3, 2 }, cut(Border.REFLECT, 3, 5), 0);
		// even width: the centre pixel is the lower-right of the middle two (Apply Kernel's anchor)
		assertArrayEquals(new float[] { 1, 2, 3, 4 }, cut(Border.REFLECT, 2, 4), 0);
	}

	/** 16-bit values come through as they are, above 255, from the interior and from the border path alike. */
	@Test
	public void sixteenBitValuesAreNeverSqueezedThroughEightBits() {
		ShortProcessor sp = new ShortProcessor(9, 7);
		for (int i = 0; i < 63; i++) sp.set(i, 1000 * i + 7);
		float[] out = new float[25];
		PatchCutter.cut(sp, 4, 3, 5, 5, Border.REPLICATE, 0, out, 0);
		for (int v = 0; v < 5; v++)
			for (int u = 0; u < 5; u++) assertEquals(sp.get(2 + u, 1 + v), out[v * 5 + u], 0);
		PatchCutter.cut(sp, 8, 6, 5, 5, Border.REPLICATE, 0, out, 0); // corner: border path
		assertEquals(62 * 1000 + 7, out[24], 0);
		assertEquals(sp.get(6, 4), out[0], 0);
		ByteProcessor bp = new ByteProcessor(3, 3, new byte[] { (byte) 200, 1, 2, 3, 4, 5, 6, 7, (byte) 255 });
		PatchCutter.cut(bp, 1, 1, 3, 3, Border.REFLECT, 0, out, 0);
		assertEquals("8-bit unsigned", 255, out[8], 0);
		assertEquals(200, out[0], 0);
	}

	@Test
	public void maskBlanksThePixelsOutsideTheRegion() {
		ByteProcessor mask = new ByteProcessor(2, 2, new byte[] { 1, 0, 1, 1 });
		RegionMask region = new RegionMask(3, 3, 2, 2, mask); // inside: (3,3), (3,4), (4,4)
		InputFormat f = new InputFormat(3, 3, 2, Resize.SCALE);
		float[] out = new float[18];
		java.util.Arrays.fill(out, 5);
		PatchCutter.blankOutside(region, 4, 4, f, out, 0); // patch covers x 3..5, y 3..5
		float[] plane = { 5, 0, 0, 5, 5, 0, 0, 0, 0 };
		for (int c = 0; c < 2; c++)
			for (int i = 0; i < 9; i++) assertEquals("channel " + c + " pixel " + i, plane[i], out[c * 9 + i], 0);
		assertArrayEquals(new double[] { 3 + 1.0 / 3 + 0.5, 3 + 2.0 / 3 + 0.5 }, region.centroid(), 1e-12);
	}

	/** A 3-channel, 2-slice, 2-frame hyperstack; channels 3 and 1 picked, in that order, at slice 2 frame 1. */
	@Test
	public void channelsOfAHyperstackAreTakenInTheModelsOrderFromTheOutlinesPlane() {
		ImagePlus imp = hyperstack();
		PatchInput in = new PatchInput(new int[] { 3, 1 }, 3, false, Border.REFLECT, 0, false);
		SourcePlanes planes = SourcePlanes.of(imp, in, 2, 1);
		InputFormat f = new InputFormat(4, 4, 2, Resize.SCALE);
		float[] out = new float[32];
		planes.patch(5, 5, null, f, Normalisation.none(2), out, 0);
		assertEquals(value(3, 2, 1), out[0], 0);
		assertEquals(value(1, 2, 1), out[16], 0);
	}

	@Test
	public void imagesWithOtherChannelsAreRefusedWithAClearMessage() {
		ImagePlus imp = hyperstack();
		expect(() -> SourcePlanes.of(imp, new PatchInput(new int[] { 1, 2 }, 2, false, Border.REFLECT, 0, false), 1,
				1), "trained on images with 2 channel(s)", "has 3");
		ImagePlus rgb = new ImagePlus("rgb", new ColorProcessor(8, 8));
		expect(() -> SourcePlanes.of(rgb, new PatchInput(new int[] { 1 }, 1, false, Border.REFLECT, 0, false), 1, 1),
				"non-RGB", "is RGB");
		expect(() -> new PatchInput(new int[] { 4 }, 3, false, Border.REFLECT, 0, false), "no channel 4");
		expect(() -> new PatchInput(new int[] { 1, 1 }, 3, false, Border.REFLECT, 0, false), "twice");
	}

	/** Percentile per Image: (v − p1) / (p99.8 − p1) with the percentiles of the WHOLE plane, as numpy has them. */
	@Test
	public void perImagePercentilesComeFromTheWholePlane() throws Exception {
		Numpy.assume();
		Random r = new Random(3);
		ShortProcessor sp = new ShortProcessor(50, 40);
		float[] all = new float[2000];
		for (int i = 0; i < 2000; i++) {
			sp.set(i, (int) Math.max(0, Math.round(300 + 80 * r.nextGaussian() + (i % 13 == 0 ? 3000 : 0))));
			all[i] = sp.get(i);
		}
		ImagePlus imp = new ImagePlus("field", sp);
		PatchInput in = new PatchInput(new int[] { 1 }, 1, false, Border.REFLECT, 0, false);
		NormalisationRule rule = new NormalisationRule(NormalisationRule.Method.PERCENTILE,
				NormalisationRule.Per.IMAGE, 1, 99.8);
		InputFormat f = new InputFormat(6, 6, 1, Resize.SCALE);
		float[] out = new float[36];
		SourcePlanes.of(imp, in, 1, 1).patch(20, 10, null, f, Normalisation.identity(rule, 1), out, 0);
		double[] p = Numpy.run("out = np.percentile(a[0].astype(np.float64), [1, 99.8])", all);
		for (int v = 0; v < 6; v++)
			for (int u = 0; u < 6; u++) {
				float expected = (float) ((sp.get(17 + u, 7 + v) - p[0]) / (p[1] - p[0]));
				assertEquals(expected, out[v * 6 + u], 1e-6);
			}
	}

	private static float value(int c, int z, int t) {
		return 100 * c + 10 * z + t;
	}

	private static ImagePlus hyperstack() {
		ImageStack st = new ImageStack(10, 10);
		for (int t = 1; t <= 2; t++)
			for (int z = 1; z <= 2; z++)
				for (int c = 1; c <= 3; c++) {
					ShortProcessor sp = new ShortProcessor(10, 10);
					sp.setValue(value(c, z, t));
					sp.fill();
					st.addSlice("c" + c + "z" + z + "t" + t, sp);
				}
		ImagePlus imp = new ImagePlus("hyper", st);
		imp.setDimensions(3, 2, 2);
		imp.setOpenAsHyperStack(true);
		return imp;
	}

	private static void expect(Runnable r, String... parts) {
		try {
			r.run();
			fail("no error; expected " + String.join(", ", parts));
		} catch (IllegalArgumentException e) {
			for (String p : parts) assertTrue(e.getMessage(), e.getMessage().contains(p));
		}
	}
}
