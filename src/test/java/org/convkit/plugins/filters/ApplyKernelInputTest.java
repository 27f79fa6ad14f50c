package org.convkit.plugins.filters;

import ij.ImagePlus;
import ij.process.FloatProcessor;
import org.convkit.testing.MacroHarness;
import org.junit.Test;

import java.io.File;
import java.nio.file.Files;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;

/** Bad input: one clear message naming the problem, and the image untouched. */
public class ApplyKernelInputTest {
	private static final String CMD = ApplyKernel.COMMAND;

	private static ImagePlus image(int w, int h) {
		float[] p = new float[w * h];
		for (int i = 0; i < p.length; i++) p[i] = i * 0.5f - 3;
		return new ImagePlus("img", new FloatProcessor(w, h, p));
	}

	private static void expectError(String options, String expected) {
		expectError(image(8, 6), options, expected);
	}

	private static void expectError(ImagePlus imp, String options, String expected) {
		float[] before = ((float[]) imp.getProcessor().getPixels()).clone();
		MacroHarness.runExpectingError(imp, CMD, options, expected);
		assertArrayEquals("image changed by [" + options + "]", before, (float[]) imp.getProcessor().getPixels(), 0f);
	}

	@Test
	public void nonNumericTokenIsNamed() {
		expectError("kernel=[1 2 3;4 five 6;7 8 9]", "'five' (row 2) is not a number");
		expectError("kernel=[1 2 0x10]", "'0x10'");
	}

	@Test
	public void raggedRows() {
		expectError("kernel=[1 2 3;4 5]", "row 2 has 2 values but row 1 has 3");
	}

	@Test
	public void emptyKernel() {
		expectError("kernel=[]", "kernel is empty");
		expectError("kernel=[ ; ;]", "kernel is empty");
		expectError("border=Replicate", "kernel is empty"); // preset=Custom is the macro default
	}

	@Test
	public void kernelLargerThan99() {
		String row = String.join(" ", java.util.Collections.nCopies(100, "1"));
		expectError(image(120, 120), "kernel=[" + row + "]", "largest allowed is 99x99");
	}

	@Test
	public void kernelLargerThanImage() {
		expectError("kernel=[1 1 1 1 1 1 1 1 1]", "larger than the image (8x6)");
		expectError("kernel=[1;1;1;1;1;1;1]", "kernel (1x7) is larger than the image");
	}

	@Test
	public void nonFiniteValues() {
		expectError("kernel=[1 NaN 1]", "'NaN' (row 1) is not a finite number");
		expectError("kernel=[1 -Infinity 1]", "'-Infinity' (row 1) is not a finite number");
		expectError("kernel=[1 1e999 1]", "'1e999' (row 1) is too large");
		expectError("kernel=[1 1/0 1]", "'1/0' (row 1) divides by zero");
	}

	@Test
	public void unknownPresetAndBorder() {
		expectError("preset=[Sobel Z]", "Sobel Z");
		expectError("kernel=[1] border=Mirror", "Mirror");
	}

	@Test
	public void oneByOneImage() {
		ImagePlus one = new ImagePlus("1", new FloatProcessor(1, 1, new float[] {3}));
		MacroHarness.run(one, CMD, "kernel=[2.5]");
		assertEquals(7.5f, one.getProcessor().getf(0, 0), 0f);
		expectError(new ImagePlus("1", new FloatProcessor(1, 1, new float[] {3})), "preset=Sharpen",
				"kernel (3x3) is larger than the image (1x1)");
	}

	@Test
	public void presetKernelAndFileConflicts() throws Exception {
		expectError("preset=[Sobel X] kernel=[1 2 3]", "differs from preset=[Sobel X]");
		File f = File.createTempFile("kernel", ".txt");
		f.deleteOnExit();
		Files.write(f.toPath(), "1 2\n3 4\n".getBytes());
		expectError("preset=[Sobel X] file=[" + f + "]", "either file= or preset=");
		expectError("kernel=[1] file=[" + f + "]", "either file= or kernel=");
		expectError("file=[" + f + ".missing]", "not found");
		Files.write(f.toPath(), "1 2\n3 x\n".getBytes());
		expectError("file=[" + f + "]", "'x' (row 2)");
	}

	@Test
	public void badBorderValue() {
		expectError("kernel=[1] border=Constant value=abc", "value=abc is not a number");
	}
}
