package org.convkit.app;

import ij.IJ;
import ij.ImagePlus;
import ij.WindowManager;
import ij.gui.GenericDialog;
import ij.gui.PlotWindow;
import ij.plugin.frame.Recorder;
import ij.text.TextWindow;
import org.convkit.core.cnn.data.Synthetic;
import org.convkit.core.cnn.model.ModelBundle;
import org.convkit.core.cnn.model.ModelBundleIO;
import org.convkit.plugins.support.Failures;
import org.junit.After;
import org.junit.AfterClass;
import org.junit.BeforeClass;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

import javax.imageio.ImageIO;
import java.awt.Choice;
import java.awt.Frame;
import java.awt.TextField;
import java.awt.Window;
import java.awt.EventQueue;
import java.awt.image.BufferedImage;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.convkit.app.GuiTesting.LIMIT_MS;
import static org.convkit.app.GuiTesting.titles;
import static org.convkit.app.GuiTesting.waitUntil;
import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertTrue;

/**
 * "Train CNN Classifier..." through its real dialog under a display (Xvfb in CI): the dialog is filled in as a user
 * would, OK trains on a synthetic folder, the live plot window, the three tables and the confusion-matrix image
 * appear, and the model files are written. Screenshots of the dialog and the plot go to target/gui, or with
 * {@code -Dconvkit.update.docs=true} to docs/images (the README shows them).
 */
public class GuiTrainCnnTest {
	static final String COMMAND = "Train CNN Classifier...";
	static final String TRAINING_TITLE = "Train CNN Classifier: network and training";

	@Rule
	public TemporaryFolder tmp = new TemporaryFolder();

	private static Recorder recorder;

	@BeforeClass
	public static void startImageJ() throws Exception {
		recorder = GuiTesting.startRecording();
	}

	@AfterClass
	public static void quitImageJ() {
		GuiTesting.quitImageJ(recorder);
	}

	@After
	public void closeEverything() throws Exception {
		GuiTesting.disposeDialogs();
		GuiTesting.closeImages();
		for (String t : new String[] { "CNN Training History", "CNN Confusion Matrix", "CNN Class Metrics" }) {
			Frame f = WindowManager.getFrame(t);
			if (f != null) EventQueue.invokeAndWait(f::dispose);
		}
	}

	private static Path docs(String name) {
		String folder = Boolean.getBoolean("convkit.update.docs") ? "docs/images" : "target/gui";
		return HeadlessProcess.basedir().resolve(folder + "/" + name + ".png");
	}

	@Test(timeout = 6 * LIMIT_MS)
	public void dialogTrainsAndShowsThePlotTablesAndMatrix() throws Exception {
		Path data = Synthetic.folder(tmp.newFolder("cells").toPath(), 30, 16, 5);
		Path model = tmp.getRoot().toPath().resolve("cells.zip");

		int mark = recorder.getText().length();
		Failures.drain();
		IJ.doCommand(COMMAND); // a new thread named like the command, as from the menu bar
		// the first dialog: the data
		GenericDialog gd = GuiTesting.waitForDialog(COMMAND);
		List<TextField> strings = strings(gd), numbers = numbers(gd);
		List<Choice> choices = choices(gd);
		// string fields: folder, channels; numbers: patch, value, width, height, low, high; choices: source, stack,
		// label, border, resize, normalize, per
		assertFalse("stack is for source Stack only", choices.get(1).isEnabled());
		assertFalse("label is for source ROIs only", choices.get(2).isEnabled());
		assertFalse("patch is for source ROIs only", numbers.get(0).isEnabled());
		assertFalse("channels is for source ROIs only", strings.get(1).isEnabled());
		GuiTesting.select(gd, choices.get(0), "ROIs");
		assertTrue("ROIs: label", choices.get(2).isEnabled());
		assertFalse("ROIs: no folder", strings.get(0).isEnabled());
		assertFalse("ROIs: no width (the patch is the size)", numbers.get(2).isEnabled());
		GuiTesting.select(gd, choices.get(0), "Folder");
		// the screenshot for the README shows a tidy path; the real one goes in before OK
		GuiTesting.type(gd, strings.get(0), "/data/cells");
		capture(gd, docs("dialog-train-cnn"));
		assertTrue("the data dialog fits a 768-pixel screen: " + gd.getHeight(), gd.getHeight() < 700);
		GuiTesting.type(gd, strings.get(0), data.toString());
		GuiTesting.press(gd, "OK");

		// the second dialog: network, training and the model file
		GenericDialog training = GuiTesting.waitForDialog(TRAINING_TITLE);
		List<TextField> trainingStrings = strings(training), trainingNumbers = numbers(training);
		List<Choice> trainingChoices = choices(training);
		// string fields: layers, augment, model, continue; numbers: epochs, batch, learning, l2, validation,
		// patience, seed; choices: architecture, optimizer, init, split, balance
		GuiTesting.type(training, trainingNumbers.get(0), "4");
		GuiTesting.type(training, trainingNumbers.get(1), "16");
		GuiTesting.type(training, trainingNumbers.get(4), "0.2");
		GuiTesting.select(training, trainingChoices.get(0), "LeNet");
		assertFalse("layers is for Custom only", trainingStrings.get(0).isEnabled());
		GuiTesting.type(training, trainingStrings.get(2), "/models/cells.zip");
		capture(training, docs("dialog-train-cnn-2"));
		assertTrue("the training dialog fits a 768-pixel screen: " + training.getHeight(),
				training.getHeight() < 700);
		GuiTesting.type(training, trainingStrings.get(2), model.toString());
		GuiTesting.press(training, "OK");

		// The Recorder writes the line after the command has returned: it also marks the end of the run.
		String prefix = "run(\"" + COMMAND + "\", \"";
		boolean ended = waitUntil(() -> recorder.getText().indexOf(prefix, mark) >= 0 || !Failures.isEmpty()
				|| GuiTesting.exceptionWindowShowing());
		assertEquals("the command reported a failure", "[]", Failures.drain().toString());
		assertFalse("an exception window appeared", GuiTesting.exceptionWindowShowing());
		assertTrue("no run(...) line was recorded:\n" + recorder.getText().substring(mark), ended);
		String text = recorder.getText();
		int start = text.indexOf(prefix, mark), end = text.indexOf('\n', start);
		String line = text.substring(start, end < 0 ? text.length() : end);
		System.out.println("Recorded: " + line);
		String options = line.substring(prefix.length(), line.length() - 3);
		Map<String, String> recorded = GuiRecordingTest.parseOptions(options);
		assertEquals("recorded: " + line, Arrays.asList("source", "folder", "stack", "label", "patch", "border",
				"value", "channels", "resize", "width", "height", "normalize", "per", "low", "high", "architecture",
				"layers", "epochs", "batch", "optimizer", "learning", "init", "l2", "validation", "patience", "split",
				"augment", "balance", "seed", "model", "continue"), new java.util.ArrayList<>(recorded.keySet()));
		assertEquals("LeNet", recorded.get("architecture"));
		assertEquals("4", recorded.get("epochs"));
		assertEquals(model.toString(), recorded.get("model"));
		assertTrue("the confusion matrix image is shown", WindowManager.getImage("CNN Confusion Matrix") != null);

		ImagePlus plot = WindowManager.getImage("CNN Training");
		assertNotNull("no live plot; windows: " + titles(), plot);
		assertTrue(plot.getWindow() instanceof PlotWindow);
		captureWindow(plot.getWindow(), docs("train-cnn-plot"));
		ImagePlus matrix = WindowManager.getImage("CNN Confusion Matrix");
		captureWindow(matrix.getWindow(), docs("train-cnn-confusion"));
		for (String t : new String[] { "CNN Training History", "CNN Confusion Matrix", "CNN Class Metrics" })
			assertTrue(t + " is not shown; windows: " + titles(), WindowManager.getFrame(t) instanceof TextWindow);
		TextWindow history = (TextWindow) WindowManager.getFrame("CNN Training History");
		assertEquals(4, history.getTextPanel().getLineCount());
		assertTrue(history.getTextPanel().getColumnHeadings().startsWith("epoch\ttrain_loss\ttrain_accuracy"));
		assertTrue(Files.exists(model));
		ModelBundle gui = ModelBundleIO.read(model.resolveSibling("cells-last.zip"));
		assertEquals(Arrays.asList(Synthetic.CLASSES), gui.labels());

		// the recorded line, played back as a macro, trains exactly the same model
		Path replay = tmp.getRoot().toPath().resolve("replay.zip");
		IJ.run(COMMAND, options.replace("model=" + model, "model=[" + replay + "]"));
		assertEquals("the replay reported a failure", "[]", Failures.drain().toString());
		ModelBundle again = ModelBundleIO.read(replay.resolveSibling("replay-last.zip"));
		assertEquals(gui.history(), again.history());
		assertArrayEquals(gui.network().params().toFloatVector(), again.network().params().toFloatVector(), 0f);
	}

	@SuppressWarnings("unchecked")
	private static List<TextField> strings(GenericDialog gd) {
		return gd.getStringFields();
	}

	@SuppressWarnings("unchecked")
	private static List<TextField> numbers(GenericDialog gd) {
		return gd.getNumericFields();
	}

	@SuppressWarnings("unchecked")
	private static List<Choice> choices(GenericDialog gd) {
		return gd.getChoices();
	}

	/**
	 * A screen grab of the dialog, moved to the top left first (Xvfb has no window manager to raise it), once it
	 * looks like a dialog (mostly light grey with dark text): a big dialog takes a moment to paint.
	 */
	private static void capture(GenericDialog gd, Path file) throws Exception {
		EventQueue.invokeAndWait(() -> gd.setLocation(0, 0));
		write(GuiTesting.captureWhen(gd, gd.getTitle(), GuiTesting.looksLikeDialog(0.1, 0.75)), file);
	}

	/** A screen grab of the window at the top left once it is drawn (two grabs in a row agree). */
	private static void captureWindow(Window w, Path file) throws Exception {
		EventQueue.invokeAndWait(() -> w.setLocation(0, 0));
		write(GuiTesting.captureWhen(w, w.getName(), GuiTesting.settled()), file);
	}

	private static void write(BufferedImage shot, Path file) throws Exception {
		File out = file.toFile();
		out.getParentFile().mkdirs();
		assertTrue(ImageIO.write(shot, "png", out));
	}
}
