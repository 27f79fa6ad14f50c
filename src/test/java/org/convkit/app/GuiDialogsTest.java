package org.convkit.app;

import ij.IJ;
import ij.ImagePlus;
import ij.WindowManager;
import ij.gui.GenericDialog;
import org.junit.After;
import org.junit.AfterClass;
import org.junit.BeforeClass;
import org.junit.Test;

import javax.imageio.ImageIO;
import java.awt.Checkbox;
import java.awt.Dialog;
import java.awt.EventQueue;
import java.awt.Rectangle;
import java.awt.Window;
import java.awt.event.ItemEvent;
import java.awt.image.BufferedImage;
import java.io.File;
import java.nio.file.Path;
import java.util.Arrays;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;
import static org.convkit.app.GuiTesting.LIMIT_MS;
import static org.convkit.app.GuiTesting.titles;
import static org.convkit.app.GuiTesting.waitForDialog;
import static org.convkit.app.GuiTesting.waitUntil;

/**
 * Each filter's real dialog under a display (Xvfb in CI): it opens from the menu command with no options, the
 * preview changes the image, a screenshot goes to target/gui/dialog-NAME.png (see docs()), and Cancel ends the command
 * and restores the image. Every wait has a limit: a modal dialog would otherwise block forever.
 */
public class GuiDialogsTest {

	private ImagePlus imp;
	private Thread command;

	@BeforeClass
	public static void startImageJ() throws Exception {
		GuiTesting.startImageJ();
	}

	@AfterClass
	public static void quitImageJ() {
		GuiTesting.quitImageJ(null);
	}

	@After
	public void closeEverything() throws Exception {
		if (command != null && command.isAlive()) command.interrupt();
		for (Window w : Window.getWindows())
			if (w instanceof Dialog) EventQueue.invokeAndWait(w::dispose);
		if (imp != null) {
			imp.changes = false;
			imp.close();
		}
	}

	/** Proves the mechanism with a built-in command; its screenshot stays in target/. */
	@Test(timeout = 5 * LIMIT_MS)
	public void builtInGaussianBlurDialog() throws Exception {
		exercise("Gaussian Blur...", HeadlessProcess.basedir().resolve("target/gui/dialog-gaussian-blur.png"));
	}

	@Test(timeout = 5 * LIMIT_MS)
	public void applyKernelDialog() throws Exception {
		exercise("Apply Kernel...", docs("apply-kernel"));
	}

	@Test(timeout = 5 * LIMIT_MS)
	public void highPassFilterDialog() throws Exception {
		exercise("High-pass Filter...", docs("high-pass-filter"));
	}

	@Test(timeout = 5 * LIMIT_MS)
	public void edgeDetectionDialog() throws Exception {
		exercise("Edge Detection...", docs("edge-detection"));
	}

	/**
	 * Screenshots go to target/gui; with {@code -Dconvkit.update.docs=true} they replace the README's images in
	 * docs/images (so an ordinary test run never rewrites tracked files).
	 */
	private static Path docs(String name) {
		String folder = Boolean.getBoolean("convkit.update.docs") ? "docs/images" : "target/gui";
		return HeadlessProcess.basedir().resolve(folder + "/dialog-" + name + ".png");
	}

	private void exercise(String name, Path screenshot) throws Exception {
		imp = IJ.openImage(HeadlessProcess.basedir().resolve("sample-images/cells-8bit.tif").toString());
		imp.show();
		WindowManager.setCurrentWindow(imp.getWindow());
		byte[] original = ((byte[]) imp.getProcessor().getPixels()).clone();

		// Empty options: the real dialog opens and blocks this thread until OK or Cancel.
		Throwable[] crash = new Throwable[1];
		command = new Thread(() -> {
			try {
				IJ.run(imp, name, null);
			} catch (RuntimeException e) {
				// Cancel ends a command run through IJ.run with "Macro canceled"; anything else is a bug.
				if (!ij.Macro.MACRO_CANCELED.equals(e.getMessage())) crash[0] = e;
			}
		}, "gui-test " + name);
		command.start();
		GenericDialog gd = waitForDialog(name);

		Checkbox preview = gd.getPreviewCheckbox();
		if (preview != null) {
			EventQueue.invokeAndWait(() -> {
				preview.setState(true);
				gd.itemStateChanged(new ItemEvent(preview, ItemEvent.ITEM_STATE_CHANGED, preview, ItemEvent.SELECTED));
			});
			if (previewWindow(name) == null)
				assertTrue(name + ": the preview did not change the image",
						waitUntil(() -> !Arrays.equals(original, (byte[]) imp.getProcessor().getPixels())));
			else // results of another type are previewed in a window of their own, with real edges in it
				assertTrue(name + ": no preview window with edges appeared; windows: " + titles(), waitUntil(() -> {
					ImagePlus p = WindowManager.getImage(previewWindow(name));
					return p != null && p.getStatistics().max == 255 && p.getStatistics().min == 0;
				}));
		}
		capture(gd, screenshot);

		GuiTesting.press(gd, "Cancel");
		command.join(LIMIT_MS);
		assertFalse(name + ": the command did not end after Cancel", command.isAlive());
		if (crash[0] != null) throw new AssertionError(name + " threw", crash[0]);
		assertTrue(name + ": Cancel must restore the image", Arrays.equals(original,
				(byte[]) imp.getProcessor().getPixels()));
		if (previewWindow(name) != null)
			assertTrue(name + ": the preview window must close with the dialog",
					waitUntil(() -> WindowManager.getImage(previewWindow(name)) == null));
	}

	/** The title of the separate preview window of a command whose result has another type, else null. */
	private static String previewWindow(String command) {
		return "Edge Detection...".equals(command) ? "Edge Detection preview" : null;
	}

	/**
	 * A screen grab of the dialog once it is drawn. Under Xvfb there is no window manager to raise it, so it is
	 * first moved beside the image window, which would otherwise cover it.
	 */
	private void capture(GenericDialog gd, Path file) throws Exception {
		Rectangle image = imp.getWindow().getBounds();
		EventQueue.invokeAndWait(() -> gd.setLocation(image.x + image.width + 10, image.y));
		BufferedImage shot = GuiTesting.captureWhen(gd, gd.getTitle(), GuiTesting.looksLikeDialog(1 / 3.0, 0.5));
		File out = file.toFile();
		out.getParentFile().mkdirs();
		assertTrue(ImageIO.write(shot, "png", out));
		assertEquals(gd.getBounds().width, ImageIO.read(out).getWidth());
	}
}
