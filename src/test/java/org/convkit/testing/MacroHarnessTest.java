package org.convkit.testing;

import ij.ImagePlus;
import ij.process.FloatProcessor;
import org.junit.Test;

import static org.junit.Assert.assertNotEquals;
import static org.junit.Assert.assertThrows;
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

	/** An unknown command is the harness's own failure, naming the command; not any exception that happens. */
	@Test
	public void unknownCommandFails() {
		AssertionError e = assertThrows("an unknown command must not pass silently", AssertionError.class,
				() -> MacroHarness.attempt(new ImagePlus("t", new FloatProcessor(4, 4)), "No Such Command...", ""));
		assertTrue(e.getMessage(), e.getMessage().startsWith("ImageJ does not know 'No Such Command...'"));
	}

	/** A command that reports bad input is counted as a failure with its message, once. */
	@Test
	public void aReportedErrorIsAFailureWithItsMessage() {
		ImagePlus imp = new ImagePlus("t", new FloatProcessor(8, 8));
		MacroHarness.runExpectingError(imp, "Apply Kernel...", "kernel=[1 x 1]", "x");
		AssertionError e = assertThrows(AssertionError.class,
				() -> MacroHarness.run(imp, "Apply Kernel...", "kernel=[1 x 1]"));
		assertTrue(e.getMessage(), e.getMessage().startsWith("Apply Kernel... [kernel=[1 x 1]] failed: "));
	}
}
