package org.convkit.plugins.filters;

import ij.ImagePlus;
import ij.ImageStack;
import ij.process.ByteProcessor;
import ij.process.FloatProcessor;
import org.convkit.core.kernel.KernelPresets;
import org.convkit.plugins.support.FloatFilterCommand;
import org.convkit.testing.MacroHarness;
import org.junit.Test;

import java.io.File;
import java.nio.file.Files;
import java.util.Arrays;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;

/**
 * The documented macro keys are the ones the dialog reads: each key, changed alone, changes the result (a
 * misspelled label would silently fall back to its default), and a GUI recording plays back.
 */
public class ApplyKernelKeysTest {
	private static final String CMD = ApplyKernel.COMMAND;
	private static final String BASE = "kernel=[0 1 0;0 0 0;0 0 2] border=Constant value=100";

	@Test
	public void keyNamesAreTheDocumentedOnes() {
		assertEquals(Arrays.asList("preset", "kernel", "file", "normalize", "border", "value", "stride", "padding",
				"output"), Arrays.asList(ApplyKernel.KEY_PRESET, ApplyKernel.KEY_KERNEL, ApplyKernel.KEY_FILE,
						ApplyKernel.KEY_NORMALIZE, ApplyKernel.KEY_BORDER, ApplyKernel.KEY_VALUE,
						ApplyKernel.KEY_STRIDE, ApplyKernel.KEY_PADDING, FloatFilterCommand.KEY_OUTPUT));
	}

	private static float[] run(String options) {
		float[] p = new float[12];
		for (int i = 0; i < 12; i++) p[i] = i + 1;
		ImagePlus imp = new ImagePlus("small", new FloatProcessor(4, 3, p));
		MacroHarness.run(imp, CMD, options);
		return (float[]) imp.getProcessor().getPixels();
	}

	private static void assertChanges(String key, String options) {
		assertFalse(key + "= had no effect: [" + options + "]", Arrays.equals(run(BASE), run(options)));
	}

	@Test
	public void eachKeyIsHonoured() throws Exception {
		assertArrayEquals(new float[] {112, 114, 116, 300, 21, 24, 27, 204, 205, 206, 207, 208}, run(BASE), 0f);
		assertChanges("kernel", "kernel=[0 1 0;0 0 0;0 0 3] border=Constant value=100");
		assertChanges("preset", "preset=Sharpen border=Constant value=100");
		assertChanges("normalize", BASE + " normalize");
		assertChanges("border", "kernel=[0 1 0;0 0 0;0 0 2] border=Wrap value=100");
		assertChanges("value", "kernel=[0 1 0;0 0 0;0 0 2] border=Constant value=5");
		File f = File.createTempFile("kernel", ".txt");
		f.deleteOnExit();
		Files.write(f.toPath(), "0 1 0\n0 0 0\n0 0 2\n".getBytes());
		assertArrayEquals(run(BASE), run("file=[" + f + "] border=Constant value=100"), 0f);
		Files.write(f.toPath(), "0 1 0\n0 0 0\n0 0 5\n".getBytes());
		assertChanges("file", "file=[" + f + "] border=Constant value=100");
	}

	@Test
	public void outputAndStackKeys() {
		ImagePlus bytes = new ImagePlus("8", new ByteProcessor(4, 3));
		ImagePlus out = MacroHarness.runForNewImage(bytes, ApplyKernel.COMMAND, "kernel=[-1] border=Constant value=7 output=32-bit");
		assertEquals(32, out.getBitDepth());
		assertEquals(-0f, out.getProcessor().getf(0, 0), 0f);
		ImageStack st = new ImageStack(4, 3);
		st.addSlice(new FloatProcessor(4, 3));
		st.addSlice(new FloatProcessor(4, 3));
		st.getProcessor(2).set(1);
		ImagePlus stack = new ImagePlus("s", st);
		MacroHarness.run(stack, CMD, "kernel=[5] stack");
		assertEquals(5f, st.getProcessor(2).getf(0, 0), 0f);
	}

	/** What the recorder writes after picking a preset in the GUI (the kernel field shows its values). */
	@Test
	public void guiRecordingPlaysBack() {
		String recorded = "preset=[Sobel X] kernel=[" + KernelPresets.text("Sobel X")
				+ "] border=Reflect value=0 stride=1 padding=Same output=[Same type]";
		assertArrayEquals(run("preset=[Sobel X]"), run(recorded), 0f);
		String custom = "preset=Custom kernel=[1/9 1/9 1/9; 1/9 1/9 1/9; 1/9 1/9 1/9] normalize border=Replicate"
				+ " value=0 stride=1 padding=Same output=[Same type]";
		assertArrayEquals(run("preset=[Box blur 3x3] border=Replicate"), run(custom), 1e-5f);
		assertEquals(24 / 9f, run(custom)[0], 1e-5f); // corner: replicated 1 1 2 / 1 1 2 / 5 5 6
	}
}
