package org.convkit.app;

import ij.IJ;
import ij.ImagePlus;
import ij.Undo;
import ij.WindowManager;
import ij.macro.Interpreter;
import ij.process.FloatProcessor;
import org.junit.After;
import org.junit.AfterClass;
import org.junit.BeforeClass;
import org.junit.Test;

import java.util.Arrays;
import java.util.Random;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

/**
 * Edit › Undo after the in-place commands, as a user gets it: a displayed image, not in batch mode. (Headless
 * and batch-mode runs skip the Undo snapshot; ApplyKernelTest checks that.)
 */
public class GuiUndoTest {
	private ImagePlus imp;

	@BeforeClass
	public static void startImageJ() throws Exception {
		GuiTesting.startImageJ();
	}

	@AfterClass
	public static void quit() {
		if (IJ.getInstance() != null) IJ.getInstance().exitWhenQuitting(false);
	}

	@After
	public void close() {
		if (imp != null) {
			imp.changes = false;
			imp.close();
		}
	}

	@Test(timeout = 60_000)
	public void undoRestoresApplyKernel() throws Exception {
		undoRestores("Apply Kernel...", "preset=Sharpen border=Reflect");
	}

	@Test(timeout = 60_000)
	public void undoRestoresHighPass() throws Exception {
		undoRestores("High-pass Filter...", "method=Gaussian sigma=2 output=[Same type]");
	}

	private void undoRestores(String command, String options) throws InterruptedException {
		assertFalse("a user's ImageJ is not in batch mode (which skips Undo)", Interpreter.isBatchMode());
		float[] pixels = new float[64 * 48];
		Random r = new Random(3);
		for (int i = 0; i < pixels.length; i++) pixels[i] = r.nextFloat() * 100;
		imp = new ImagePlus("undo", new FloatProcessor(64, 48, pixels.clone()));
		imp.show();
		assertTrue("the image window did not appear",
				GuiTesting.waitUntil(() -> imp.getWindow() != null && imp.getWindow().isShowing()));
		WindowManager.setCurrentWindow(imp.getWindow());
		IJ.run(imp, command, options);
		assertFalse(command + " changed nothing",
				Arrays.equals(pixels, (float[]) imp.getProcessor().getPixels()));
		assertTrue(command + " kept no snapshot for Undo", imp.getProcessor().getSnapshotPixels() != null);
		Undo.undo();
		assertArrayEquals(command + ": Undo must restore every pixel", pixels,
				(float[]) imp.getProcessor().getPixels(), 0f);
	}
}
