package org.convkit.testing;

import ij.ImagePlus;
import ij.process.FloatProcessor;
import org.junit.Test;

import static org.junit.Assert.assertNotEquals;
import static org.junit.Assert.assertTrue;

/** The harness itself must be able to fail, or every test built on it proves nothing. */
public class MacroHarnessTest {
	@Test
	public void runsBuiltInCommandsHeadless() {
		FloatProcessor fp = new FloatProcessor(16, 16);
		fp.putPixelValue(8, 8, 100);
		ImagePlus imp = new ImagePlus("t", fp);
		MacroHarness.run(imp, "Gaussian Blur...", "sigma=2");
		assertNotEquals(100f, fp.getPixelValue(8, 8), 1e-3);
	}

	@Test
	public void unknownCommandFails() {
		boolean failed = false;
		try {
			MacroHarness.attempt(new ImagePlus("t", new FloatProcessor(4, 4)), "No Such Command...", "");
		} catch (Throwable t) {
			failed = true;
		}
		assertTrue("an unknown command must not pass silently", failed);
	}
}
