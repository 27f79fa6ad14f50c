package org.convkit.app;

import ij.IJ;
import ij.ImagePlus;
import ij.WindowManager;
import ij.gui.GenericDialog;
import ij.gui.PlotWindow;
import ij.text.TextWindow;
import org.convkit.core.cnn.data.Synthetic;
import org.convkit.core.cnn.model.ModelBundleIO;
import org.junit.After;
import org.junit.AfterClass;
import org.junit.BeforeClass;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

import javax.imageio.ImageIO;
import java.awt.Choice;
import java.awt.Frame;
import java.awt.Rectangle;
import java.awt.Robot;
import java.awt.TextField;
import java.awt.Window;
import java.awt.EventQueue;
import java.awt.image.BufferedImage;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static org.convkit.app.GuiTesting.LIMIT_MS;
import static org.convkit.app.GuiTesting.titles;
import static org.convkit.app.GuiTesting.waitUntil;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertTrue;
import static org.junit.Assume.assumeTrue;

/**
 * "Train CNN Classifier..." through its real dialog under a display (Xvfb in CI): the dialog is filled in as a user
 * would, OK trains on a synthetic folder, the live plot window, the three tables and the confusion-matrix image
 * appear, and the model files are written. Screenshots of the dialog and the plot go to target/gui, or with
 * {@code -Dconvkit.update.docs=true} to docs/images (the README shows them).
 */
public class GuiTrainCnnTest {
	static final String COMMAND = "Train CNN Classifier...";

	@Rule
	public TemporaryFolder tmp = new TemporaryFolder();
	private Thread command;

	@BeforeClass
	public static void startImageJ() throws Exception {
		GuiTesting.startImageJ();
	}

	@AfterClass
	public static void quitImageJ() {
		if (IJ.getInstance() != null) IJ.getInstance().exitWhenQuitting(false);
		for (Window w : Window.getWindows())
			w.dispose();
	}

	@After
	public void closeEverything() throws Exception {
		if (command != null && command.isAlive()) command.interrupt();
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
		assumeTrue("Train CNN Classifier... is not merged yet",
				HeadlessProcess.hasCommand("org.convkit.plugins.cnn.TrainCnnClassifier"));
		Path data = Synthetic.folder(tmp.newFolder("cells").toPath(), 30, 16, 5);
		Path model = tmp.getRoot().toPath().resolve("cells.zip");

		Throwable[] crash = new Throwable[1];
		command = new Thread(() -> {
			try {
				IJ.run(COMMAND);
			} catch (RuntimeException e) {
				if (!ij.Macro.MACRO_CANCELED.equals(e.getMessage())) crash[0] = e;
			}
		}, "gui-test train");
		command.start();
		GenericDialog gd = GuiTesting.waitForDialog(COMMAND);
		@SuppressWarnings("unchecked")
		java.util.Vector<TextField> strings = (java.util.Vector<TextField>) gd.getStringFields();
		@SuppressWarnings("unchecked")
		java.util.Vector<TextField> numbers = (java.util.Vector<TextField>) gd.getNumericFields();
		@SuppressWarnings("unchecked")
		java.util.Vector<Choice> choices = (java.util.Vector<Choice>) gd.getChoices();
		// string fields: folder, layers, augment, model, continue; numbers: width, height, epochs, batch, learning,
		// l2, validation, patience, seed; choices: source, stack, resize, architecture, optimizer, init
		GuiTesting.type(gd, numbers.get(2), "4");
		GuiTesting.type(gd, numbers.get(3), "16");
		GuiTesting.type(gd, numbers.get(6), "0.2");
		GuiTesting.select(gd, choices.get(3), "LeNet");
		assertFalse("layers is for Custom only", strings.get(1).isEnabled());
		assertFalse("stack is for source Stack only", choices.get(1).isEnabled());
		// the screenshot for the README shows tidy paths; the real ones go in before OK
		GuiTesting.type(gd, strings.get(0), "/data/cells");
		GuiTesting.type(gd, strings.get(3), "/models/cells.zip");
		capture(gd, docs("dialog-train-cnn"));
		GuiTesting.type(gd, strings.get(0), data.toString());
		GuiTesting.type(gd, strings.get(3), model.toString());
		GuiTesting.press(gd, "OK");

		assertTrue("no confusion matrix image appeared; windows: " + titles(),
				waitUntil(() -> WindowManager.getImage("CNN Confusion Matrix") != null));
		command.join(LIMIT_MS);
		assertFalse("the command did not end", command.isAlive());
		if (crash[0] != null) throw new AssertionError(COMMAND + " threw", crash[0]);
		assertFalse("an exception window appeared", GuiTesting.exceptionWindowShowing());

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
		assertEquals(Arrays.asList(Synthetic.CLASSES), ModelBundleIO.read(model.resolveSibling("cells-last.zip"))
				.labels());
	}

	/**
	 * A screen grab of the dialog, moved to the top left first (Xvfb has no window manager to raise it). Grabbed
	 * again until it looks like a dialog (mostly light grey with dark text): a big dialog takes a moment to paint.
	 */
	private static void capture(GenericDialog gd, Path file) throws Exception {
		EventQueue.invokeAndWait(() -> {
			gd.setLocation(0, 0);
			gd.toFront();
		});
		String verdict = "";
		for (int attempt = 0; attempt < 10; attempt++) {
			BufferedImage shot = grab(gd);
			int dark = 0, light = 0, n = shot.getWidth() * shot.getHeight();
			for (int y = 0; y < shot.getHeight(); y++)
				for (int x = 0; x < shot.getWidth(); x++) {
					int rgb = shot.getRGB(x, y), grey = ((rgb >> 16 & 255) + (rgb >> 8 & 255) + (rgb & 255)) / 3;
					if (grey < 80) dark++;
					else if (grey > 180) light++;
				}
			if (dark > n / 200 && dark < n / 10 && light > n * 3 / 4) {
				write(shot, file);
				return;
			}
			verdict = dark + " dark, " + light + " light of " + n;
			EventQueue.invokeAndWait(() -> {
				gd.toFront();
				gd.repaint();
			});
		}
		throw new AssertionError("the capture does not look like a dialog: " + verdict);
	}

	private static void captureWindow(Window w, Path file) throws Exception {
		EventQueue.invokeAndWait(() -> {
			w.setLocation(0, 0);
			w.toFront();
		});
		write(grab(w), file);
	}

	private static BufferedImage grab(Window w) throws Exception {
		Robot robot = new Robot();
		robot.waitForIdle();
		Thread.sleep(500); // let the X server draw what the event queue just painted
		robot.waitForIdle();
		Rectangle bounds = w.getBounds();
		return robot.createScreenCapture(bounds);
	}

	private static void write(BufferedImage shot, Path file) throws Exception {
		File out = file.toFile();
		out.getParentFile().mkdirs();
		assertTrue(ImageIO.write(shot, "png", out));
	}
}
