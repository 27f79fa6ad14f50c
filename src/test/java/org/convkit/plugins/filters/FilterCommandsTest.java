package org.convkit.plugins.filters;

import ij.CompositeImage;
import ij.IJ;
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

import java.util.HashSet;
import java.util.Random;
import java.util.Set;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotSame;
import static org.junit.Assert.assertSame;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

/**
 * The filter commands without a dialog ({@link FilterCommands}, what the Spark filter job runs) give exactly the
 * pixels of the menu command run by a macro line with the same options, on every image type, stacks with and
 * without {@code stack}, a composite image, selections; and reject bad options with the command's own message.
 */
public class FilterCommandsTest {
	private static final String[][] CASES = {
			{ ApplyKernel.COMMAND, "preset=[Sobel X] border=Reflect output=32-bit" },
			{ ApplyKernel.COMMAND, "preset=Sharpen" },
			{ ApplyKernel.COMMAND, "kernel=[1 2 1; 2 4 2; 1 2 1] normalize border=Replicate stack" },
			{ ApplyKernel.COMMAND, "kernel=[1/9 1/9 1/9; 1/9 1/9 1/9; 1/9 1/9 1/9] border=Constant value=7 stack output=32-bit" },
			{ ApplyKernel.COMMAND, "preset=Emboss border=Wrap" },
			{ ApplyKernel.COMMAND, "preset=[Sobel X] stride=2" }, // a new, smaller image
			{ ApplyKernel.COMMAND, "kernel=[1 2 1; 0 0 0; -1 -2 -1] padding=Valid output=32-bit stack" },
			{ HighPassFilter.COMMAND, "method=Gaussian sigma=2 offset" },
			{ HighPassFilter.COMMAND, "method=FFT cutoff=8 order=2 output=32-bit stack" },
			{ HighPassFilter.COMMAND, "method=FFT cutoff=5 order=0 offset stack" },
			{ HighPassFilter.COMMAND, "method=Gaussian" },
			{ EdgeDetection.COMMAND, "method=Canny low=20 high=60 aperture=3 blur=1" },
			{ EdgeDetection.COMMAND, "method=Sobel output=Magnitude ksize=3 stack" },
			{ EdgeDetection.COMMAND, "method=Laplacian ksize=5" },
			{ EdgeDetection.COMMAND, "method=Scharr output=Direction stack" }, };

	@Test
	public void samePixelsAsTheMenuCommandOnEveryKindOfImage() {
		for (ImagePlus image : images())
			for (String[] c : CASES) {
				String where = c[0] + " [" + c[1] + "] on " + image.getTitle();
				ImagePlus menuInput = copy(image), jobInput = copy(image);
				ImagePlus menu = menuResult(menuInput, c[0], c[1]);
				ImagePlus job = FilterCommands.apply(c[0], jobInput, c[1]);
				if (menu == menuInput) assertSame(where + ": in place", jobInput, job);
				else assertNotSame(where + ": a new image", jobInput, job);
				assertSamePixels(where, menu, job);
				if (menu != menuInput) assertSamePixels(where + " (input unchanged)", menuInput, jobInput);
			}
	}

	@Test
	public void badOptionsGiveTheCommandsOwnMessageAndChangeNothing() {
		String[][] bad = {
				{ ApplyKernel.COMMAND, "preset=Sharpen border=Median", "border" },
				{ ApplyKernel.COMMAND, "kernel=[1 0 1] value=abc", "value=abc is not a number" },
				{ ApplyKernel.COMMAND, "preset=[No such kernel]", "No such" },
				{ ApplyKernel.COMMAND, "kernel=[1 2; 3]", "row" },
				{ ApplyKernel.COMMAND, "preset=Sharpen output=16-bit", "16-bit" },
				{ ApplyKernel.COMMAND, "preset=Sharpen stride=0", "stride=0" },
				{ HighPassFilter.COMMAND, "method=Gaussian sigma=-1", "sigma" },
				{ HighPassFilter.COMMAND, "method=Median", "Median" },
				{ HighPassFilter.COMMAND, "method=FFT cutoff=NaN", "cutoff" },
				{ EdgeDetection.COMMAND, "method=Canny low=90 high=30", "low" },
				{ EdgeDetection.COMMAND, "method=Sobel ksize=4", "ksize" },
				{ EdgeDetection.COMMAND, "method=Canny high=x", "high=x is not a number" }, };
		for (String[] b : bad) {
			ImagePlus menuInput = gray8("bad", 24, 20, 3), jobInput = gray8("bad", 24, 20, 3);
			String menuMessage = MacroHarness.runExpectingError(menuInput, b[0], b[1], b[2]);
			try {
				FilterCommands.check(b[0], b[1]);
				FilterCommands.apply(b[0], jobInput, b[1]);
				fail(b[0] + " [" + b[1] + "] should fail without a dialog too");
			} catch (IllegalArgumentException e) {
				assertTrue("'" + menuMessage + "' should contain '" + e.getMessage() + "'",
						menuMessage.contains(e.getMessage()));
			}
			assertSamePixels("unchanged", menuInput, jobInput);
		}
	}

	@Test
	public void kernelLargerThanTheImageIsRejectedOnApplyNotOnCheck() {
		String options = "kernel=[1 1 1 1 1 1 1]";
		FilterCommands.check(ApplyKernel.COMMAND, options);
		ImagePlus small = gray8("small", 5, 5, 1);
		String menu = MacroHarness.runExpectingError(gray8("small", 5, 5, 1), ApplyKernel.COMMAND, options, "larger");
		try {
			FilterCommands.apply(ApplyKernel.COMMAND, small, options);
			fail("a 7x1 kernel on a 5x5 image");
		} catch (IllegalArgumentException e) {
			assertTrue(menu, menu.contains(e.getMessage()));
		}
	}

	@Test
	public void commandNames() {
		assertEquals(ApplyKernel.COMMAND, FilterCommands.canonical("apply kernel"));
		assertEquals(HighPassFilter.COMMAND, FilterCommands.canonical(" High-pass Filter... "));
		assertEquals(EdgeDetection.COMMAND, FilterCommands.canonical("EDGE DETECTION..."));
		for (String bad : new String[] { "Gaussian Blur...", "", null, "Apply" })
			try {
				FilterCommands.canonical(bad);
				fail(bad);
			} catch (IllegalArgumentException e) {
				assertTrue(e.getMessage(), e.getMessage().contains("Apply Kernel..., High-pass Filter..., Edge "
						+ "Detection..."));
			}
	}

	/** The image the macro line leaves: a new one when it made one, else its input. */
	public static ImagePlus menuResult(ImagePlus imp, String command, String options) {
		Set<Integer> before = ids();
		MacroHarness.run(imp, command, options);
		Set<Integer> created = ids();
		created.removeAll(before);
		if (created.isEmpty()) return imp;
		assertEquals(1, created.size());
		ImagePlus made = WindowManager.getImage(created.iterator().next());
		made.changes = false;
		made.close();
		return made;
	}

	private static Set<Integer> ids() {
		Set<Integer> ids = new HashSet<>();
		int[] list = WindowManager.getIDList();
		if (list != null) for (int id : list) ids.add(id);
		return ids;
	}

	public static void assertSamePixels(String where, ImagePlus expected, ImagePlus actual) {
		assertEquals(where + ": type", expected.getBitDepth(), actual.getBitDepth());
		assertEquals(where + ": size", expected.getWidth() + "x" + expected.getHeight() + "x" + expected.getStackSize(),
				actual.getWidth() + "x" + actual.getHeight() + "x" + actual.getStackSize());
		for (int i = 1; i <= expected.getStackSize(); i++) {
			ImageProcessor e = expected.getStack().getProcessor(i), a = actual.getStack().getProcessor(i);
			String plane = where + ", plane " + i;
			if (e instanceof FloatProcessor)
				assertArrayEquals(plane, (float[]) e.getPixels(), (float[]) a.getPixels(), 0f);
			else if (e instanceof ByteProcessor) assertArrayEquals(plane, (byte[]) e.getPixels(), (byte[]) a.getPixels());
			else if (e instanceof ShortProcessor)
				assertArrayEquals(plane, (short[]) e.getPixels(), (short[]) a.getPixels());
			else assertArrayEquals(plane, (int[]) e.getPixels(), (int[]) a.getPixels());
		}
	}

	private static ImagePlus copy(ImagePlus imp) {
		ImagePlus c = imp.duplicate();
		c.setTitle(imp.getTitle());
		if (imp.isComposite()) ((CompositeImage) c).setMode(((CompositeImage) imp).getMode());
		c.setPosition(imp.getCurrentSlice());
		if (imp.getRoi() != null) c.setRoi((Roi) imp.getRoi().clone());
		return c;
	}

	private static ImagePlus[] images() {
		Random r = new Random(11);
		ImagePlus oval = gray8("8-bit oval", 40, 30, 1);
		oval.setRoi(new OvalRoi(5, 4, 25, 18));
		ImageStack shorts = new ImageStack(36, 28);
		for (int i = 0; i < 4; i++) shorts.addSlice(randomShort(36, 28, r));
		ImagePlus composite = new ImagePlus("16-bit composite", shorts);
		composite.setDimensions(2, 2, 1);
		composite = new CompositeImage(composite, IJ.COMPOSITE);
		ImagePlus stack = gray8("8-bit stack", 32, 24, 3);
		stack.setSlice(2);
		ImageStack rgb = new ImageStack(30, 22);
		for (int i = 0; i < 2; i++) {
			ColorProcessor cp = new ColorProcessor(30, 22);
			for (int p = 0; p < 30 * 22; p++) cp.set(p, r.nextInt(1 << 24));
			rgb.addSlice(cp);
		}
		ImagePlus rgbStack = new ImagePlus("RGB stack", rgb);
		ImagePlus floats = new ImagePlus("32-bit", randomFloat(33, 27, r));
		floats.setRoi(new Roi(3, 2, 20, 15));
		return new ImagePlus[] { gray8("8-bit", 40, 30, 1), oval, stack, new ImagePlus("16-bit", randomShort(37, 29, r)),
				floats, rgbStack, composite };
	}

	private static ImagePlus gray8(String title, int w, int h, int planes) {
		Random r = new Random(w * 31 + h + planes);
		ImageStack st = new ImageStack(w, h);
		for (int i = 0; i < planes; i++) {
			byte[] p = new byte[w * h];
			r.nextBytes(p);
			st.addSlice(new ByteProcessor(w, h, p));
		}
		return new ImagePlus(title, st);
	}

	private static ShortProcessor randomShort(int w, int h, Random r) {
		short[] p = new short[w * h];
		for (int i = 0; i < p.length; i++) p[i] = (short) (300 + r.nextInt(3000));
		return new ShortProcessor(w, h, p, null);
	}

	private static FloatProcessor randomFloat(int w, int h, Random r) {
		float[] p = new float[w * h];
		for (int i = 0; i < p.length; i++) p[i] = (float) (r.nextGaussian() * 100);
		return new FloatProcessor(w, h, p);
	}

}
