package org.convkit.plugins.filters;

import ij.ImagePlus;
import ij.ImageStack;
import ij.WindowManager;
import ij.gui.OvalRoi;
import ij.gui.Roi;
import ij.process.ByteProcessor;
import ij.process.ColorProcessor;
import ij.process.FloatProcessor;
import ij.process.ImageProcessor;
import ij.process.ShortProcessor;
import org.convkit.testing.MacroHarness;
import org.junit.Test;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotSame;
import static org.junit.Assert.assertSame;
import static org.junit.Assert.assertTrue;

/** The command run as a macro runs it, on every image type, stacks and selections. */
public class ApplyKernelTest {
	private static final String CMD = ApplyKernel.COMMAND;

	/** The 4x3 image 1..12 of KernelCorrelatorTest, as 32-bit. */
	private static ImagePlus small() {
		float[] p = new float[12];
		for (int i = 0; i < 12; i++) p[i] = i + 1;
		return new ImagePlus("small", new FloatProcessor(4, 3, p));
	}

	@Test
	public void customKernelEachBorderHandComputed() {
		String k = "kernel=[0 1 0;0 0 0;0 0 2]";
		assertPixels(new float[] {17, 20, 23, 22, 21, 24, 27, 26, 17, 20, 23, 22}, k + " border=Reflect");
		assertPixels(new float[] {13, 16, 19, 20, 21, 24, 27, 28, 25, 28, 31, 32}, k + " border=Replicate");
		assertPixels(new float[] {112, 114, 116, 300, 21, 24, 27, 204, 205, 206, 207, 208},
				k + " border=Constant value=100");
		assertPixels(new float[] {21, 24, 27, 22, 21, 24, 27, 22, 9, 12, 15, 10}, k + " border=Wrap");
		// 2x2, anchor (1,1); rows may also be separated by new lines, values by commas.
		assertPixels(new float[] {16, 25, 36, 47, 52, 61, 72, 83, 96, 105, 116, 127}, "kernel=[1,0\n0,10]");
	}

	private static void assertPixels(float[] expected, String options) {
		ImagePlus imp = small();
		MacroHarness.run(imp, CMD, options);
		assertArrayEquals(options, expected, (float[]) imp.getProcessor().getPixels(), 0f);
	}

	@Test
	public void batchModeKeepsNoUndoSnapshot() { // Undo itself is tested with a real display: GuiUndoTest
		ImagePlus imp = small();
		assertTrue("the headless test JVM runs macros in batch mode", ij.macro.Interpreter.isBatchMode());
		MacroHarness.run(imp, CMD, "preset=Sharpen");
		assertEquals("no full-image copy for Undo in batch mode", null, imp.getProcessor().getSnapshotPixels());
	}

	@Test
	public void normalizeDividesBySum() {
		ImagePlus imp = small();
		MacroHarness.run(imp, CMD, "kernel=[0 1 0;0 0 0;0 0 3] normalize border=Replicate");
		// out = (in(x,y-1) + 3 in(x+1,y+1)) / 4 at (1,1): (2 + 3*11)/4
		assertEquals(35 / 4f, imp.getProcessor().getf(1, 1), 1e-6f);
	}

	@Test
	public void zeroSumNormalizeKeepsKernelAndLogsIt() {
		ImagePlus imp = small();
		MacroHarness.Outcome o = MacroHarness.attempt(imp, CMD, "preset=[Sobel X] normalize border=Replicate");
		assertTrue(o.failureText(), o.failures.isEmpty());
		assertTrue(o.output, o.output.contains("kernel sum is 0, so it was not normalized"));
		// Sobel X on the ramp x+1 (+4y): interior value 8.
		assertEquals(8f, imp.getProcessor().getf(1, 1), 1e-6f);
	}

	@Test
	public void eightBitRoundsAndClamps() {
		ByteProcessor bp = new ByteProcessor(5, 5);
		bp.set(2, 2, 101);
		bp.set(4, 4, 200);
		ImagePlus imp = new ImagePlus("8", bp);
		MacroHarness.run(imp, CMD, "kernel=[0 0 0;0 0.5 0;0 0 2] border=Replicate");
		assertEquals(51, bp.get(2, 2)); // 50.5 rounds up
		assertEquals(202, bp.get(1, 1)); // 0 + 2*101
		assertEquals(255, bp.get(3, 3)); // 2*200 clamped
		assertEquals(0, bp.get(0, 0));
		ImagePlus neg = new ImagePlus("8", new ByteProcessor(5, 5));
		neg.getProcessor().set(2, 2, 10);
		MacroHarness.run(neg, CMD, "kernel=[-1] border=Replicate");
		assertEquals(0, neg.getProcessor().get(2, 2)); // -10 clamped
	}

	@Test
	public void sixteenBitRoundsAndClamps() {
		ShortProcessor sp = new ShortProcessor(5, 5);
		sp.set(2, 2, 30001);
		sp.set(4, 4, 3);
		ImagePlus imp = new ImagePlus("16", sp);
		MacroHarness.run(imp, CMD, "kernel=[2.5] border=Replicate");
		assertEquals(65535, sp.get(2, 2)); // 75002.5 clamped
		assertEquals(8, sp.get(4, 4)); // 7.5 rounds up
		assertEquals(0, sp.get(0, 0));
	}

	@Test
	public void rgbPerChannel() {
		ColorProcessor cp = new ColorProcessor(4, 3);
		for (int i = 0; i < 12; i++) cp.set(i % 4, i / 4, ((i + 1) << 16) | ((2 * i) << 8) | (100 - i));
		ImagePlus imp = new ImagePlus("rgb", cp);
		MacroHarness.run(imp, CMD, "kernel=[0 1 0;0 0 0;0 0 2] border=Reflect");
		int[] rgb = cp.getPixel(0, 0, null);
		// red is 1..12 (as in the float test); green 2*(i); blue 100-i
		assertEquals(17, rgb[0]);
		assertEquals(2 * 4 + 2 * 2 * 5, rgb[1]); // in(0,1)=2*4, in(1,1)=2*5
		assertEquals(255, rgb[2]); // (100-4) + 2*(100-5) = 286, clamped
		assertEquals(24, cp.getPixel(1, 1, null)[0]); // same as the 32-bit result at (1,1)
	}

	@Test
	public void floatOutputOnEightBitKeepsNegatives() {
		ByteProcessor bp = new ByteProcessor(6, 4);
		for (int y = 0; y < 4; y++)
			for (int x = 0; x < 6; x++) bp.set(x, y, 10 * x);
		ImagePlus imp = new ImagePlus("8", bp);
		ImagePlus out = MacroHarness.runForNewImage(imp, CMD, "preset=[Sobel Y] output=32-bit");
		assertNotSame(imp, out);
		assertEquals(32, out.getBitDepth());
		assertEquals(30, bp.get(3, 0)); // source untouched
		ImagePlus out2 = MacroHarness.runForNewImage(imp, CMD, "kernel=[-1 0 1] output=32-bit border=Replicate");
		assertEquals(20f, out2.getProcessor().getf(2, 1), 0f);
		ImagePlus out3 = MacroHarness.runForNewImage(imp, CMD, "kernel=[1 0 -1] output=32-bit border=Replicate");
		assertEquals(-20f, out3.getProcessor().getf(2, 1), 0f);
		assertEquals(-10f, out3.getProcessor().getf(5, 1), 0f); // replicated edge: 40 - 50
	}

	@Test
	public void stackWithAndWithoutStackKey() {
		ImagePlus imp = stack3();
		imp.setSlice(2);
		MacroHarness.run(imp, CMD, "kernel=[2]");
		assertEquals(1f, imp.getStack().getProcessor(1).getf(0, 0), 0f);
		assertEquals(4f, imp.getStack().getProcessor(2).getf(0, 0), 0f);
		assertEquals(3f, imp.getStack().getProcessor(3).getf(0, 0), 0f);
		ImagePlus all = stack3();
		MacroHarness.run(all, CMD, "kernel=[2] stack");
		for (int s = 1; s <= 3; s++) assertEquals(2f * s, all.getStack().getProcessor(s).getf(0, 0), 0f);
	}

	private static ImagePlus stack3() {
		ImageStack st = new ImageStack(5, 4);
		for (int s = 1; s <= 3; s++) {
			FloatProcessor fp = new FloatProcessor(5, 4);
			fp.set(s);
			st.addSlice(fp);
		}
		return new ImagePlus("stack", st);
	}

	@Test
	public void compositeWithoutStackChangesCurrentChannelOnlyAndSaysSo() {
		ImagePlus imp = hyper();
		imp.setPosition(2, 1, 1);
		MacroHarness.Outcome o = MacroHarness.attempt(imp, CMD, "kernel=[3]");
		assertTrue(o.failureText(), o.failures.isEmpty());
		assertTrue(o.output, o.output.contains("processed channel 2 of 2 only"));
		for (int i = 1; i <= imp.getStackSize(); i++)
			assertEquals("plane " + i, i == imp.getStackIndex(2, 1, 1) ? 3f * i : i,
					imp.getStack().getProcessor(i).getf(1, 1), 0f);
		ImagePlus all = hyper();
		MacroHarness.Outcome o2 = MacroHarness.attempt(all, CMD, "kernel=[3] stack");
		assertTrue(o2.failures.isEmpty());
		assertTrue(o2.output, !o2.output.contains("processed channel"));
		for (int i = 1; i <= all.getStackSize(); i++)
			assertEquals(3f * i, all.getStack().getProcessor(i).getf(1, 1), 0f);
	}

	/** ImageJ's rule (IJ.setupDialog): a composite shown in Composite mode does every plane unless 'slice'. */
	@Test
	public void compositeModeFollowsImageJsRule() {
		ImagePlus imp = hyper(ij.IJ.COMPOSITE);
		MacroHarness.run(imp, CMD, "kernel=[3]");
		for (int i = 1; i <= imp.getStackSize(); i++)
			assertEquals(3f * i, imp.getStack().getProcessor(i).getf(1, 1), 0f);
		ImagePlus one = hyper(ij.IJ.COMPOSITE);
		one.setPosition(1, 2, 1);
		MacroHarness.run(one, CMD, "kernel=[3] slice");
		for (int i = 1; i <= one.getStackSize(); i++)
			assertEquals(i == one.getStackIndex(1, 2, 1) ? 3f * i : i, one.getStack().getProcessor(i).getf(1, 1), 0f);
	}

	private static ImagePlus hyper() {
		return hyper(ij.IJ.COLOR);
	}

	private static ImagePlus hyper(int mode) {
		ImageStack st = new ImageStack(4, 4);
		for (int i = 1; i <= 4; i++) {
			FloatProcessor fp = new FloatProcessor(4, 4);
			fp.set(i);
			st.addSlice(fp);
		}
		ImagePlus imp = new ImagePlus("hyper", st);
		imp.setDimensions(2, 2, 1);
		return new ij.CompositeImage(imp, mode);
	}

	@Test
	public void rectangleSelectionWritesInsideOnlyAndReadsOutside() {
		ImagePlus imp = small();
		imp.setRoi(new Roi(1, 1, 2, 1));
		MacroHarness.run(imp, CMD, "kernel=[0 1 0;0 0 0;0 0 2] border=Constant value=100");
		// Inside: the whole-image values 24, 27 (neighbours read outside the selection); outside: unchanged.
		assertArrayEquals(new float[] {1, 2, 3, 4, 5, 24, 27, 8, 9, 10, 11, 12},
				(float[]) imp.getProcessor().getPixels(), 0f);
	}

	@Test
	public void ovalSelectionLeavesCornersUntouched() {
		FloatProcessor fp = new FloatProcessor(20, 20);
		for (int i = 0; i < 400; i++) fp.setf(i, i);
		ImagePlus imp = new ImagePlus("oval", fp);
		imp.setRoi(new OvalRoi(2, 2, 16, 16));
		MacroHarness.run(imp, CMD, "kernel=[2]");
		ImageProcessor mask = imp.getRoi().getMask();
		for (int y = 0; y < 20; y++)
			for (int x = 0; x < 20; x++) {
				boolean in = x >= 2 && x < 18 && y >= 2 && y < 18 && mask.get(x - 2, y - 2) != 0;
				assertEquals(x + "," + y, in ? 2f * (y * 20 + x) : y * 20 + x, fp.getf(x, y), 0f);
			}
		assertSame(fp, imp.getProcessor());
	}
}
