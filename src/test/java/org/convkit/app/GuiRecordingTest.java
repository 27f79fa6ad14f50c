package org.convkit.app;

import ij.IJ;
import ij.ImagePlus;
import ij.ImageStack;
import ij.WindowManager;
import ij.gui.GenericDialog;
import ij.gui.YesNoCancelDialog;
import ij.plugin.frame.Recorder;
import org.convkit.plugins.support.Failures;
import org.junit.After;
import org.junit.AfterClass;
import org.junit.BeforeClass;
import org.junit.Test;

import java.awt.Choice;
import java.awt.TextField;
import java.lang.reflect.Array;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.Vector;

import static org.convkit.app.GuiTesting.LIMIT_MS;
import static org.convkit.app.GuiTesting.check;
import static org.convkit.app.GuiTesting.checkbox;
import static org.convkit.app.GuiTesting.select;
import static org.convkit.app.GuiTesting.type;
import static org.convkit.app.GuiTesting.waitUntil;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;

/**
 * Record, then play back, as a user does: with ImageJ's Recorder open, each command is started from the menu
 * (a new Executer thread, exactly like a menu click), its real dialog is filled in with non-default values and
 * OKed; the recorded {@code run("...", "...")} line must hold every key with its value, and running that line as
 * a macro on a fresh copy of the image must give exactly the GUI run's pixels. Headless tests cannot do this:
 * ImageJ records options only from dialogs that were shown.
 */
public class GuiRecordingTest {
	private static final String CELLS = "sample-images/cells-8bit.tif", STACK = "sample-images/cells-stack.tif";

	private static Recorder recorder;

	/** One GUI run: the recorded line, its options, and the image it produced or changed. */
	private static final class Recording {
		final String line, options;
		final ImagePlus result;

		Recording(String line, String options, ImagePlus result) {
			this.line = line;
			this.options = options;
			this.result = result;
		}
	}

	private interface DialogInput {
		void fill(GenericDialog gd) throws Exception;
	}

	@BeforeClass
	public static void startRecorder() throws Exception {
		recorder = GuiTesting.startRecording();
	}

	@AfterClass
	public static void quit() {
		GuiTesting.quitImageJ(recorder);
	}

	@After
	public void cleanUp() throws Exception {
		GuiTesting.disposeDialogs();
		GuiTesting.closeImages();
		Failures.drain();
	}

	@Test(timeout = 5 * LIMIT_MS)
	public void applyKernelRecordsAndPlaysBack() throws Exception {
		String command = "Apply Kernel...", sobelY = "-1 -2 -1; 0 0 0; 1 2 1";
		Recording r = recordGuiRun(command, CELLS, gd -> {
			Vector<?> choices = gd.getChoices(); // preset, border, padding, output
			TextField kernel = (TextField) gd.getStringFields().get(0);
			select(gd, (Choice) choices.get(0), "Sobel Y");
			// The dialog's listener shows the preset's values, so the recorded line holds them.
			assertTrue("the kernel field did not follow the preset: " + kernel.getText(),
					waitUntil(() -> sobelY.equals(kernel.getText())));
			check(gd, checkbox(gd, "normalize"), false);
			select(gd, (Choice) choices.get(1), "Replicate");
			type(gd, (TextField) gd.getNumericFields().get(0), "7");
			select(gd, (Choice) choices.get(3), "32-bit");
		}, true, null);
		assertOptions(r, "preset", "Sobel Y", "kernel", sobelY, "border", "Replicate", "value", "7",
				"stride", "1", "padding", "Same", "output", "32-bit");
		assertEquals(32, r.result.getBitDepth());
		assertSobelY(r.result);

		assertSamePixels(command, r.result, playBack(command, CELLS, r.options, true));
		String changed = r.options.replace("border=Replicate", "border=Reflect");
		assertDifferent(command + " " + changed, r.result, playBack(command, CELLS, changed, true));
	}

	@Test(timeout = 5 * LIMIT_MS)
	public void highPassFilterRecordsAndPlaysBack() throws Exception {
		String command = "High-pass Filter...";
		Recording r = recordGuiRun(command, CELLS, gd -> {
			Vector<?> choices = gd.getChoices(), numbers = gd.getNumericFields(); // method, output; sigma, cutoff, order
			select(gd, (Choice) choices.get(0), "FFT");
			type(gd, (TextField) numbers.get(0), "3");
			type(gd, (TextField) numbers.get(1), "25");
			type(gd, (TextField) numbers.get(2), "3");
			check(gd, checkbox(gd, "offset"), true);
			select(gd, (Choice) choices.get(1), "Same type");
		}, false, null);
		assertOptions(r, "method", "FFT", "sigma", "3", "cutoff", "25", "order", "3", "offset", "",
				"output", "Same type");
		assertDifferent(command + ": the GUI run did not change the image", IJ.openImage(path(CELLS)), r.result);

		assertSamePixels(command, r.result, playBack(command, CELLS, r.options, false));
		String changed = r.options.replace("cutoff=25", "cutoff=12");
		assertDifferent(command + " " + changed, r.result, playBack(command, CELLS, changed, false));
	}

	@Test(timeout = 5 * LIMIT_MS)
	public void edgeDetectionRecordsAndPlaysBack() throws Exception {
		String command = "Edge Detection...";
		Recording r = recordGuiRun(command, CELLS, gd -> {
			// choices: method, aperture, output; numbers: low, high, blur, ksize
			Vector<?> choices = gd.getChoices(), numbers = gd.getNumericFields();
			select(gd, (Choice) choices.get(0), "Canny");
			type(gd, (TextField) numbers.get(0), "30");
			type(gd, (TextField) numbers.get(1), "90");
			select(gd, (Choice) choices.get(1), "5");
			check(gd, checkbox(gd, "l2"), true);
			type(gd, (TextField) numbers.get(2), "1.5");
			select(gd, (Choice) choices.get(2), "X");
			type(gd, (TextField) numbers.get(3), "5");
		}, true, null);
		assertOptions(r, "method", "Canny", "low", "30", "high", "90", "aperture", "5", "l2", "", "blur", "1.5",
				"output", "X", "ksize", "5");
		assertEquals(8, r.result.getBitDepth());
		byte[] edges = (byte[]) r.result.getProcessor().getPixels();
		int on = 0;
		for (byte b : edges) {
			assertTrue("Canny gives 0 or 255, got " + (b & 255), b == 0 || b == (byte) 255);
			if (b != 0) on++;
		}
		assertTrue("no edges found: " + on, on > 100 && on < edges.length / 2);

		assertSamePixels(command, r.result, playBack(command, CELLS, r.options, true));
		String changed = r.options.replace("high=90", "high=150");
		assertDifferent(command + " " + changed, r.result, playBack(command, CELLS, changed, true));
	}

	/** The dialog's own stack checkbox records {@code stack}; playback then processes every plane. */
	@Test(timeout = 5 * LIMIT_MS)
	public void edgeDetectionRecordsStack() throws Exception {
		String command = "Edge Detection...";
		Recording r = recordGuiRun(command, STACK, gd -> {
			Vector<?> choices = gd.getChoices(), numbers = gd.getNumericFields();
			select(gd, (Choice) choices.get(0), "Sobel");
			type(gd, (TextField) numbers.get(0), "20");
			type(gd, (TextField) numbers.get(1), "60");
			select(gd, (Choice) choices.get(1), "3");
			check(gd, checkbox(gd, "l2"), false);
			type(gd, (TextField) numbers.get(2), "0");
			select(gd, (Choice) choices.get(2), "Magnitude");
			type(gd, (TextField) numbers.get(3), "3");
			check(gd, checkbox(gd, "stack"), true);
		}, true, null);
		assertOptions(r, "method", "Sobel", "low", "20", "high", "60", "aperture", "3", "blur", "0",
				"output", "Magnitude", "ksize", "3", "stack", "");
		assertTrue("every plane: " + r.result.getStackSize(), r.result.getStackSize() > 1);
		assertSamePixels(command, r.result, playBack(command, STACK, r.options, true));
	}

	/** An in-place filter on a stack asks ImageJ's "Process all N images?"; Yes records {@code stack}. */
	@Test(timeout = 5 * LIMIT_MS)
	public void highPassFilterRecordsStack() throws Exception {
		String command = "High-pass Filter...";
		Recording r = recordGuiRun(command, STACK, gd -> {
			Vector<?> choices = gd.getChoices(), numbers = gd.getNumericFields();
			select(gd, (Choice) choices.get(0), "Gaussian");
			type(gd, (TextField) numbers.get(0), "2");
			type(gd, (TextField) numbers.get(1), "20");
			type(gd, (TextField) numbers.get(2), "2");
			check(gd, checkbox(gd, "offset"), false);
			select(gd, (Choice) choices.get(1), "Same type");
		}, false, "Yes");
		assertOptions(r, "method", "Gaussian", "sigma", "2", "cutoff", "20", "order", "2", "output", "Same type",
				"stack", "");
		ImagePlus original = IJ.openImage(path(STACK));
		ImageStack before = original.getStack(), after = r.result.getStack();
		for (int i = 1; i <= after.getSize(); i++)
			assertFalse("plane " + i + " was not filtered", Arrays.equals(
					(byte[]) before.getPixels(i), (byte[]) after.getPixels(i)));
		assertSamePixels(command, r.result, playBack(command, STACK, r.options, false));
	}

	// ---- course material (issue 9): pooling, strided kernels, frequency response, augmentation preview, IDX

	@Test(timeout = 5 * LIMIT_MS)
	public void applyPoolingRecordsAndPlaysBack() throws Exception {
		String command = "Apply Pooling...";
		Recording r = recordGuiRun(command, CELLS, gd -> {
			Vector<?> choices = gd.getChoices(), numbers = gd.getNumericFields(); // method, padding, output; size, stride
			select(gd, (Choice) choices.get(0), "Average");
			type(gd, (TextField) numbers.get(0), "3");
			type(gd, (TextField) numbers.get(1), "2");
			select(gd, (Choice) choices.get(1), "Same");
			select(gd, (Choice) choices.get(2), "Same type");
		}, true, null);
		assertOptions(r, "method", "Average", "size", "3", "stride", "2", "padding", "Same", "output", "Same type");
		ImagePlus original = IJ.openImage(path(CELLS));
		assertEquals((original.getWidth() + 1) / 2, r.result.getWidth());
		assertEquals(8, r.result.getBitDepth());
		assertSamePixels(command, r.result, playBack(command, CELLS, r.options, true));
		String changed = r.options.replace("method=Average", "method=Max");
		assertDifferent(command + " " + changed, r.result, playBack(command, CELLS, changed, true));
	}

	/** A stride makes a new image: OK must stay enabled (a listener answering false would disable it). */
	@Test(timeout = 5 * LIMIT_MS)
	public void applyKernelStrideRecordsAndPlaysBack() throws Exception {
		String command = "Apply Kernel...";
		Recording r = recordGuiRun(command, CELLS, gd -> {
			Vector<?> choices = gd.getChoices(); // preset, border, padding, output
			select(gd, (Choice) choices.get(0), "Sharpen");
			type(gd, (TextField) gd.getNumericFields().get(1), "2");
			select(gd, (Choice) choices.get(2), "Valid");
			select(gd, (Choice) choices.get(3), "Same type");
		}, true, null);
		assertEquals("stride", "2", parseOptions(r.options).get("stride"));
		assertEquals("padding", "Valid", parseOptions(r.options).get("padding"));
		assertEquals((IJ.openImage(path(CELLS)).getWidth() - 3) / 2 + 1, r.result.getWidth());
		assertSamePixels(command, r.result, playBack(command, CELLS, r.options, true));
	}

	@Test(timeout = 5 * LIMIT_MS)
	public void kernelFrequencyResponseRecordsAndPlaysBack() throws Exception {
		String command = "Kernel Frequency Response...";
		recordGuiRun(command, CELLS, gd -> {
			select(gd, (Choice) gd.getChoices().get(0), "Box blur 3x3");
			type(gd, (TextField) gd.getNumericFields().get(0), "32");
			type(gd, (TextField) gd.getNumericFields().get(1), "5");
		}, false, null);
		String line = lastRecorded(command);
		Map<String, String> options = parseOptions(line);
		assertEquals("Box blur 3x3", options.get("preset"));
		assertEquals("32", options.get("size"));
		assertEquals("5", options.get("zoom"));
		ImagePlus gui = WindowManager.getImage("Box blur 3x3 response");
		float[] pixels = ((float[]) gui.getProcessor().getPixels()).clone();
		GuiTesting.closeImages();
		IJ.run(command, line);
		assertEquals("[]", Failures.drain().toString());
		assertTrue(Arrays.equals(pixels, (float[]) WindowManager.getImage("Box blur 3x3 response").getProcessor()
				.getPixels()));
	}

	@Test(timeout = 5 * LIMIT_MS)
	public void augmentationPreviewRecordsAndPlaysBack() throws Exception {
		String command = "Augmentation Preview...";
		Recording r = recordGuiRun(command, CELLS, gd -> {
			type(gd, (TextField) gd.getStringFields().get(0), "flip rotate noise");
			type(gd, (TextField) gd.getNumericFields().get(0), "5");
			type(gd, (TextField) gd.getNumericFields().get(1), "3");
		}, true, null);
		assertOptions(r, "augment", "flip rotate noise", "seed", "5", "count", "3");
		assertEquals(3, r.result.getStackSize());
		assertSamePixels(command, r.result, playBack(command, CELLS, r.options, true));
	}

	@Test(timeout = 5 * LIMIT_MS)
	public void importIdxRecordsAndPlaysBack() throws Exception {
		String command = "Import IDX...";
		java.nio.file.Path dir = java.nio.file.Files.createTempDirectory("convkit-idx");
		ImageStack digits = new ImageStack(4, 3);
		for (int i = 0; i < 3; i++) digits.addSlice(null, new ij.process.ByteProcessor(4, 3));
		java.nio.file.Path images = org.convkit.testing.IdxWriter.write(dir.resolve("images.idx"),
				org.convkit.testing.IdxWriter.images(digits));
		java.nio.file.Path labels = org.convkit.testing.IdxWriter.write(dir.resolve("labels.idx"),
				org.convkit.testing.IdxWriter.labels(1, 0, 1));
		Recording r = recordGuiRun(command, CELLS, gd -> {
			type(gd, (TextField) gd.getStringFields().get(0), images.toString());
			type(gd, (TextField) gd.getStringFields().get(1), labels.toString());
		}, true, null);
		assertOptions(r, "images", images.toString(), "labels", labels.toString());
		assertEquals("1", r.result.getStack().getSliceLabel(1));
		assertSamePixels(command, r.result, playBack(command, CELLS, r.options, true));
	}

	/** The options of the last run(command, ...) line the Recorder holds. */
	private static String lastRecorded(String command) {
		String prefix = "run(\"" + command + "\", \"", text = recorder.getText();
		int start = text.lastIndexOf(prefix), end = text.indexOf("\");", start);
		return text.substring(start + prefix.length(), end);
	}

	// ---- recording and playing back

	/**
	 * Opens the sample, starts the command as a menu click does, lets {@code input} fill the real dialog, presses
	 * OK (and {@code stackAnswer} in "Process Stack?" if given), and returns what the Recorder wrote.
	 */
	private Recording recordGuiRun(String command, String sample, DialogInput input, boolean createsImage,
			String stackAnswer) throws Exception {
		ImagePlus imp = IJ.openImage(path(sample));
		imp.show();
		WindowManager.setCurrentWindow(imp.getWindow());
		Set<Integer> before = GuiTesting.imageIds();
		int mark = recorder.getText().length();
		Failures.drain();

		IJ.doCommand(imp, command); // a new thread named like the command, as from the menu bar
		GenericDialog gd = GuiTesting.waitForDialog(command);
		input.fill(gd);
		GuiTesting.press(gd, "OK");
		if (stackAnswer != null)
			GuiTesting.press(GuiTesting.waitForWindow("Process Stack?", YesNoCancelDialog.class), stackAnswer);

		// The Recorder writes the line after the command has returned: it also marks the end of the run.
		String prefix = "run(\"" + command + "\", \"";
		boolean ended = waitUntil(() -> recorder.getText().indexOf(prefix, mark) >= 0 || !Failures.isEmpty()
				|| GuiTesting.exceptionWindowShowing());
		assertEquals(command + " reported a failure", "[]", Failures.drain().toString());
		assertFalse(command + " threw: see the Exception window", GuiTesting.exceptionWindowShowing());
		String text = recorder.getText();
		assertTrue(command + ": no run(...) line was recorded; the Recorder got:\n" + text.substring(mark), ended);
		int start = text.indexOf(prefix, mark), end = text.indexOf('\n', start);
		String line = text.substring(start, end < 0 ? text.length() : end);
		assertTrue("not a complete run() line: " + line, line.endsWith("\");"));
		System.out.println("Recorded: " + line);
		ImagePlus result = createsImage ? GuiTesting.newImage(before, command) : imp;
		return new Recording(line, line.substring(prefix.length(), line.length() - 3), result);
	}

	/** Runs the recorded options the way the recorded macro line does, on a fresh copy of the sample. */
	private static ImagePlus playBack(String command, String sample, String options, boolean createsImage)
			throws InterruptedException {
		ImagePlus fresh = IJ.openImage(path(sample));
		Set<Integer> before = GuiTesting.imageIds();
		IJ.run(fresh, command, options);
		assertEquals(command + " \"" + options + "\" reported a failure", "[]", Failures.drain().toString());
		return createsImage ? GuiTesting.newImage(before, command) : fresh;
	}

	// ---- assertions

	/** The recorded options are exactly these key/value pairs, in this order ("" for a ticked checkbox). */
	private static void assertOptions(Recording r, String... keysAndValues) {
		Map<String, String> expected = new LinkedHashMap<>();
		for (int i = 0; i < keysAndValues.length; i += 2)
			expected.put(keysAndValues[i], keysAndValues[i + 1]);
		assertEquals("recorded: " + r.line, expected.toString(), parseOptions(r.options).toString());
	}

	/** Splits macro options into keys and values: "key=value", "key=[a value]" or a bare "key" flag. */
	static Map<String, String> parseOptions(String options) {
		Map<String, String> map = new LinkedHashMap<>();
		int i = 0, n = options.length();
		while (i < n) {
			if (options.charAt(i) == ' ') {
				i++;
				continue;
			}
			int j = i;
			while (j < n && options.charAt(j) != '=' && options.charAt(j) != ' ') j++;
			String key = options.substring(i, j);
			if (j < n && options.charAt(j) == '=') {
				int from = j + 1, to;
				if (from < n && options.charAt(from) == '[') {
					to = options.indexOf(']', from);
					if (to < 0) throw new AssertionError("unclosed [ in " + options);
					map.put(key, options.substring(from + 1, to));
					to++;
				} else {
					to = options.indexOf(' ', from);
					if (to < 0) to = n;
					map.put(key, options.substring(from, to));
				}
				i = to;
			} else {
				assertNull("key recorded twice: " + key, map.put(key, ""));
				i = j;
			}
		}
		return map;
	}

	/** Interior pixels against the Sobel Y correlation computed here from the 8-bit sample. */
	private static void assertSobelY(ImagePlus result) {
		ImagePlus src = IJ.openImage(path(CELLS));
		byte[] in = (byte[]) src.getProcessor().getPixels();
		float[] out = (float[]) result.getProcessor().getPixels();
		int w = src.getWidth(), h = src.getHeight();
		for (int y = 1; y < h - 1; y++)
			for (int x = 1; x < w - 1; x++) {
				int up = (in[(y - 1) * w + x - 1] & 255) + 2 * (in[(y - 1) * w + x] & 255) + (in[(y - 1) * w + x + 1] & 255);
				int down = (in[(y + 1) * w + x - 1] & 255) + 2 * (in[(y + 1) * w + x] & 255) + (in[(y + 1) * w + x + 1] & 255);
				assertEquals("Sobel Y at " + x + "," + y, down - up, out[y * w + x], 1e-3);
			}
	}

	private static void assertSamePixels(String what, ImagePlus expected, ImagePlus actual) {
		String diff = difference(expected, actual);
		assertNull(what + ": playback differs from the GUI run: " + diff, diff);
	}

	private static void assertDifferent(String what, ImagePlus a, ImagePlus b) {
		assertTrue(what + ": the pixels should differ but are equal", difference(a, b) != null);
	}

	/** Where two images first differ (size, type, or a pixel), or null when they are identical. */
	private static String difference(ImagePlus a, ImagePlus b) {
		if (a.getWidth() != b.getWidth() || a.getHeight() != b.getHeight() || a.getStackSize() != b.getStackSize()
				|| a.getBitDepth() != b.getBitDepth())
			return "size/type " + a + " vs " + b;
		for (int s = 1; s <= a.getStackSize(); s++) {
			Object pa = a.getStack().getPixels(s), pb = b.getStack().getPixels(s);
			int n = Array.getLength(pa);
			for (int i = 0; i < n; i++) {
				Object va = Array.get(pa, i), vb = Array.get(pb, i);
				if (!va.equals(vb))
					return "plane " + s + " pixel (" + i % a.getWidth() + "," + i / a.getWidth() + "): " + va
							+ " vs " + vb;
			}
		}
		return null;
	}

	private static String path(String sample) {
		return HeadlessProcess.basedir().resolve(sample).toString();
	}
}
