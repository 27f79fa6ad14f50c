package org.convkit.plugins.filters;

import ij.ImagePlus;
import ij.ImageStack;
import ij.gui.Roi;
import ij.plugin.filter.GaussianBlur;
import ij.process.ByteProcessor;
import ij.process.ColorProcessor;
import ij.process.FloatProcessor;
import ij.process.ImageProcessor;
import ij.process.ShortProcessor;
import org.convkit.testing.MacroHarness;
import org.junit.Test;

import java.util.Random;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotSame;
import static org.junit.Assert.assertTrue;

/** High-pass Filter... run as a macro: every type, offset and rounding, stacks, selections, bad input. */
public class HighPassFilterTest {
	private static final String CMD = HighPassFilter.COMMAND;
	private static final int W = 48, H = 40;

	private static FloatProcessor randomFloat(long seed, double mean, double sd) {
		Random r = new Random(seed);
		FloatProcessor fp = new FloatProcessor(W, H);
		for (int i = 0; i < W * H; i++) fp.setf(i, (float) (mean + sd * r.nextGaussian()));
		return fp;
	}

	/** Reference: original − ImageJ's float Gaussian blur + offset. */
	private static float[] reference(FloatProcessor orig, double sigma, double offset) {
		FloatProcessor b = (FloatProcessor) orig.duplicate();
		new GaussianBlur().blurGaussian(b, sigma, sigma, 0.0002);
		float[] o = (float[]) orig.getPixels(), bl = (float[]) b.getPixels(), res = new float[o.length];
		for (int i = 0; i < o.length; i++) res[i] = (float) (o[i] - bl[i] + offset);
		return res;
	}

	private static void assertRounded(float[] expected, ImageProcessor ip, double max) {
		for (int i = 0; i < expected.length; i++) {
			double e = Math.max(0, Math.min(max, Math.round(expected[i])));
			// ±1 only where the exact value sits on a rounding boundary.
			assertEquals("pixel " + i, e, ip.getf(i), Math.abs(expected[i] - Math.floor(expected[i]) - 0.5) < 1e-3 ? 1 : 0);
		}
	}

	@Test
	public void eightBitWithOffsetIsRoundedAndClamped() {
		ByteProcessor bp = randomFloat(1, 120, 60).convertToByteProcessor(false);
		float[] expected = reference(bp.convertToFloatProcessor(), 2, 128);
		ImagePlus imp = new ImagePlus("b", bp);
		MacroHarness.run(imp, CMD, "method=Gaussian sigma=2 cutoff=20 order=2 offset output=[Same type]");
		assertRounded(expected, imp.getProcessor(), 255);
		float[] noOffset = reference(bp.convertToFloatProcessor(), 2, 0);
		boolean clamped = false;
		for (float v : noOffset) clamped |= v < 0;
		assertTrue("the test image must exercise the offset", clamped);
	}

	@Test
	public void sixteenBitUsesMidGrey32768() {
		ShortProcessor sp = randomFloat(2, 3000, 500).convertToShortProcessor(false);
		float[] expected = reference(sp.convertToFloatProcessor(), 3, 32768);
		ImagePlus imp = new ImagePlus("s", sp);
		MacroHarness.run(imp, CMD, "method=Gaussian sigma=3 offset");
		assertRounded(expected, imp.getProcessor(), 65535);
	}

	@Test
	public void floatIgnoresOffset() {
		FloatProcessor fp = randomFloat(3, 10, 4);
		float[] expected = reference(fp, 1.5, 0);
		ImagePlus imp = new ImagePlus("f", fp);
		MacroHarness.run(imp, CMD, "method=Gaussian sigma=1.5 offset");
		assertArrayEquals(expected, (float[]) imp.getProcessor().getPixels(), 1e-3f);
	}

	@Test
	public void rgbIsFilteredPerChannelWithOffset128() {
		ColorProcessor cp = new ColorProcessor(W, H);
		Random r = new Random(4);
		for (int i = 0; i < W * H; i++) cp.set(i, r.nextInt(1 << 24));
		float[][] expected = new float[3][];
		for (int c = 0; c < 3; c++) expected[c] = reference(cp.toFloat(c, null), 1, 128);
		ImagePlus imp = new ImagePlus("rgb", cp);
		MacroHarness.run(imp, CMD, "method=Gaussian sigma=1 offset");
		ColorProcessor out = (ColorProcessor) imp.getProcessor();
		for (int c = 0; c < 3; c++) assertRounded(expected[c], out.toFloat(c, null), 255);
	}

	@Test
	public void output32BitMakesANewImageAlsoFromA32BitImage() {
		FloatProcessor fp = randomFloat(6, 0, 50);
		float[] before = ((float[]) fp.getPixels()).clone();
		ImagePlus imp = new ImagePlus("f.tif", fp);
		ImagePlus out = MacroHarness.runForNewImage(imp, CMD, "method=Gaussian sigma=2 output=32-bit");
		assertNotSame(imp, out);
		assertArrayEquals("the source must not change", before, (float[]) imp.getProcessor().getPixels(), 0f);
		float[] expected = before.clone();
		org.convkit.core.filter.HighPass.apply(expected, W, H, org.convkit.core.filter.HighPassParams.gaussian(2, 0));
		assertArrayEquals(expected, (float[]) out.getProcessor().getPixels(), 0f);
	}

	@Test
	public void output32BitMakesANewImageWithoutOffset() {
		ByteProcessor bp = randomFloat(5, 120, 40).convertToByteProcessor(false);
		byte[] before = ((byte[]) bp.getPixels()).clone();
		ImagePlus imp = new ImagePlus("b.tif", bp);
		MacroHarness.run(imp, CMD, "method=FFT sigma=2 cutoff=10 order=2 offset output=32-bit");
		// The harness returns the thread's current image, which IJ.run(imp, ...) resets to the source: find by title.
		ImagePlus out = ij.WindowManager.getImage("b-32bit");
		assertNotSame(imp, out);
		assertEquals(32, out.getBitDepth());
		assertArrayEquals("the source must not change", before, (byte[]) imp.getProcessor().getPixels());
		float[] expected = (float[]) bp.convertToFloatProcessor().getPixels();
		org.convkit.core.filter.HighPass.apply(expected, W, H, org.convkit.core.filter.HighPassParams.fft(10, 2, 0));
		assertArrayEquals(expected, (float[]) out.getProcessor().getPixels(), 1e-3f);
	}

	@Test
	public void fftInPlaceOnEightBitMatchesCoreWithOffset() {
		ByteProcessor bp = randomFloat(6, 100, 30).convertToByteProcessor(false);
		float[] expected = (float[]) bp.convertToFloatProcessor().getPixels();
		org.convkit.core.filter.HighPass.apply(expected, W, H, org.convkit.core.filter.HighPassParams.fft(6, 0, 128));
		ImagePlus imp = new ImagePlus("b", bp);
		MacroHarness.run(imp, CMD, "method=FFT cutoff=6 order=0 offset");
		assertRounded(expected, imp.getProcessor(), 255);
	}

	private static ImagePlus stack3() {
		ImageStack st = new ImageStack(W, H);
		for (int i = 0; i < 3; i++) st.addSlice(randomFloat(10 + i, 50, 10));
		ImagePlus imp = new ImagePlus("st", st);
		imp.setSlice(2);
		return imp;
	}

	@Test
	public void stackKeyProcessesEveryPlaneAndOnlyTheCurrentOneWithout() {
		ImagePlus one = stack3();
		float[][] before = new float[3][];
		for (int i = 0; i < 3; i++) before[i] = ((float[]) one.getStack().getPixels(i + 1)).clone();
		MacroHarness.run(one, CMD, "method=Gaussian sigma=2");
		assertArrayEquals(before[0], (float[]) one.getStack().getPixels(1), 0);
		assertArrayEquals(reference(new FloatProcessor(W, H, before[1]), 2, 0), (float[]) one.getStack().getPixels(2), 1e-3f);
		assertArrayEquals(before[2], (float[]) one.getStack().getPixels(3), 0);

		ImagePlus all = stack3();
		MacroHarness.run(all, CMD, "method=Gaussian sigma=2 stack");
		for (int i = 0; i < 3; i++)
			assertArrayEquals(reference(new FloatProcessor(W, H, before[i]), 2, 0), (float[]) all.getStack().getPixels(i + 1), 1e-3f);
	}

	@Test
	public void selectionLimitsTheChangeButReadsNeighbours() {
		FloatProcessor fp = randomFloat(7, 0, 1);
		float[] before = ((float[]) fp.getPixels()).clone();
		float[] whole = reference(fp, 2, 0);
		ImagePlus imp = new ImagePlus("f", fp);
		imp.setRoi(new Roi(10, 8, 20, 15));
		MacroHarness.run(imp, CMD, "method=Gaussian sigma=2");
		float[] after = (float[]) imp.getProcessor().getPixels();
		for (int y = 0; y < H; y++)
			for (int x = 0; x < W; x++) {
				int i = y * W + x;
				boolean in = x >= 10 && x < 30 && y >= 8 && y < 23;
				assertEquals(x + "," + y, in ? whole[i] : before[i], after[i], 1e-3);
			}
	}

	@Test
	public void badInputIsRejectedAndTheImageIsUntouched() {
		String[][] cases = {
				{"method=Gaussian sigma=0", "sigma"}, {"method=Gaussian sigma=-2", "sigma"},
				{"method=Gaussian sigma=NaN", "sigma"}, {"method=FFT cutoff=0", "cutoff"},
				{"method=FFT cutoff=-5", "cutoff"}, {"method=FFT cutoff=10 order=-1", "order"},
				{"method=FFT cutoff=10 order=2.5", "order"}, {"method=FFT cutoff=10 order=11", "order"},
				{"method=Median sigma=2", "method"}, {"method=Gaussian sigma=2 output=16-bit", "output"},
				{"method=Gaussian sigma=two", "sigma=two is not a number"}};
		for (String[] c : cases) {
			FloatProcessor fp = randomFloat(8, 0, 1);
			float[] before = ((float[]) fp.getPixels()).clone();
			ImagePlus imp = new ImagePlus("f", fp);
			MacroHarness.runExpectingError(imp, CMD, c[0], c[1]);
			assertArrayEquals(c[0], before, (float[]) imp.getProcessor().getPixels(), 0);
		}
	}

	@Test
	public void onePixelImage() {
		ImagePlus fft = new ImagePlus("p", new FloatProcessor(1, 1, new float[] {9}));
		MacroHarness.runExpectingError(fft, CMD, "method=FFT cutoff=10 order=2", "at least 2 pixels");
		assertEquals(9, fft.getProcessor().getf(0), 0);
		ImagePlus g = new ImagePlus("p", new ByteProcessor(1, 1, new byte[] {9}));
		MacroHarness.run(g, CMD, "method=Gaussian sigma=2 offset");
		assertEquals(128, g.getProcessor().get(0));
	}
}
