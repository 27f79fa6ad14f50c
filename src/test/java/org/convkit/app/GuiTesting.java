package org.convkit.app;

import ij.IJ;
import ij.ImageJ;
import ij.ImagePlus;
import ij.Menus;
import ij.WindowManager;
import ij.gui.GenericDialog;
import ij.plugin.frame.Recorder;
import org.convkit.plugins.support.Failures;
import org.convkit.testing.Prerequisites;
import org.convkit.testing.Waits;

import java.awt.Button;
import java.awt.Checkbox;
import java.awt.Choice;
import java.awt.Component;
import java.awt.Container;
import java.awt.Dialog;
import java.awt.EventQueue;
import java.awt.Frame;
import java.awt.Robot;
import java.awt.TextField;
import java.awt.Window;
import java.awt.event.ActionEvent;
import java.awt.event.ItemEvent;
import java.awt.event.TextEvent;
import java.awt.image.BufferedImage;
import java.io.FileOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.function.Predicate;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertTrue;

/**
 * Helpers for tests that drive real ImageJ windows under a display (Xvfb in CI). Every wait has a limit: a modal
 * dialog would otherwise block the build forever. Components are changed on the event thread and the dialog is
 * sent the event a user's edit would cause, so its listeners (preview, dependent fields) see the change.
 */
final class GuiTesting {
	static final long LIMIT_MS = 60_000;

	private GuiTesting() {}

	/**
	 * Starts ImageJ (no window) with ConvKit's menus installed. Without a display the test class fails under CI
	 * and is skipped locally ({@link Prerequisites}).
	 */
	static void startImageJ() throws Exception {
		Prerequisites.requireDisplay();
		// Menus reads plugins.config only from a jar with '_' in a plugins folder; the classes come from the
		// classpath (ImageJ's plugin class loader asks its parent first).
		Path pluginsDir = Files.createTempDirectory("convkit-gui");
		Files.createDirectories(pluginsDir.resolve("plugins"));
		try (JarOutputStream jar = new JarOutputStream(
				new FileOutputStream(pluginsDir.resolve("plugins/ConvKit_menus.jar").toFile()))) {
			jar.putNextEntry(new JarEntry("plugins.config"));
			jar.write(Files.readAllBytes(HeadlessProcess.basedir().resolve("plugins.config")));
		}
		System.setProperty("plugins.dir", pluginsDir.toString());
		new ImageJ(ImageJ.NO_SHOW);
		assertNotNull("ConvKit's menus were not installed", Menus.getCommands().get("Edge Detection..."));
	}

	/** {@link #startImageJ()}, then what Plugins > Macros > Record... does, without showing the Recorder's window. */
	static Recorder startRecording() throws Exception {
		startImageJ();
		Recorder[] recorder = new Recorder[1];
		EventQueue.invokeAndWait(() -> recorder[0] = new Recorder(false));
		assertTrue("the Recorder is not recording", IJ.recording());
		return recorder[0];
	}

	/** Closes the Recorder (may be null) and every window; ImageJ must not exit the test JVM. */
	static void quitImageJ(Recorder recorder) {
		if (recorder != null) recorder.close();
		if (IJ.getInstance() != null) IJ.getInstance().exitWhenQuitting(false);
		for (Window w : Window.getWindows())
			w.dispose();
	}

	/** Disposes every open dialog (a failed test may leave a modal one behind). */
	static void disposeDialogs() throws Exception {
		for (Window w : Window.getWindows())
			if (w instanceof Dialog && w.isDisplayable()) EventQueue.invokeAndWait(w::dispose);
	}

	/** Closes every image window without asking to save. */
	static void closeImages() {
		int[] ids = WindowManager.getIDList();
		if (ids == null) return;
		for (int id : ids) {
			ImagePlus imp = WindowManager.getImage(id);
			if (imp == null) continue;
			imp.changes = false;
			imp.close();
		}
	}

	/** The IDs of the open images, in order. */
	static Set<Integer> imageIds() {
		Set<Integer> ids = new LinkedHashSet<>();
		int[] list = WindowManager.getIDList();
		if (list != null) for (int id : list) ids.add(id);
		return ids;
	}

	/** The one image opened since {@code before} was taken. */
	static ImagePlus newImage(Set<Integer> before, String what) throws InterruptedException {
		Set<Integer> added = new LinkedHashSet<>();
		waitUntil(() -> {
			added.clear();
			added.addAll(imageIds());
			added.removeAll(before);
			return !added.isEmpty();
		});
		assertEquals(what + ": expected exactly one new image", 1, added.size());
		return WindowManager.getImage(added.iterator().next());
	}

	/** The showing GenericDialog titled like the command (with or without the "..."). */
	static GenericDialog waitForDialog(String name) throws InterruptedException {
		return (GenericDialog) waitForWindow(name, GenericDialog.class);
	}

	/** The showing dialog of the given class titled {@code title} (or {@code title} without "..."). */
	static Dialog waitForWindow(String title, Class<? extends Dialog> type) throws InterruptedException {
		String bare = title.replace("...", "");
		Dialog[] found = new Dialog[1];
		boolean ok = waitUntil(() -> {
			for (Window w : Window.getWindows())
				if (type.isInstance(w) && w.isShowing()) {
					String t = ((Dialog) w).getTitle();
					if (title.equals(t) || bare.equals(t)) {
						found[0] = (Dialog) w;
						return true;
					}
				}
			return false;
		});
		assertTrue("no dialog titled '" + title + "' appeared; windows: " + titles(), ok);
		return found[0];
	}

	/** True when ImageJ's Executer showed a plugin's stack trace (its "Exception" text window). */
	static boolean exceptionWindowShowing() {
		for (Window w : Window.getWindows())
			if (w instanceof Frame && w.isShowing() && "Exception".equals(((Frame) w).getTitle())) return true;
		return false;
	}

	/** Clicks the button labelled {@code label} anywhere inside the dialog. */
	static void press(Dialog dialog, String label) throws Exception {
		Button button = findButton(dialog, label);
		assertNotNull(dialog.getTitle() + ": no button '" + label + "'", button);
		if (dialog.isModal())
			assertTrue(dialog.getTitle() + ": no thread entered its modal loop", waitUntil(GuiTesting::inModalLoop));
		// A user cannot press a disabled button (GenericDialog disables OK when a DialogListener says false).
		assertTrue(dialog.getTitle() + ": the '" + label + "' button is disabled", button.isEnabled());
		EventQueue.invokeAndWait(() -> button.dispatchEvent(
				new ActionEvent(button, ActionEvent.ACTION_PERFORMED, button.getLabel())));
	}

	/**
	 * Whether a thread waits in a modal dialog's loop. A modal dialog shown from a thread other than the event thread
	 * (a plugin's) is showing before that thread enters the loop; a button pressed in between disposes the dialog
	 * while the loop does not exist yet, and the loop entered after it never ends (AWT's {@code Dialog.show}): the
	 * plugin hangs. Seen once in CI, with ImageJ's "Process Stack?" answered as soon as it showed. Only one modal
	 * dialog is up at a time in these tests.
	 */
	private static boolean inModalLoop() {
		for (StackTraceElement[] stack : Thread.getAllStackTraces().values()) {
			boolean show = false, loop = false;
			for (StackTraceElement f : stack) {
				show |= "java.awt.Dialog".equals(f.getClassName()) && "show".equals(f.getMethodName());
				loop |= "java.awt.WaitDispatchSupport".equals(f.getClassName()) && "enter".equals(f.getMethodName());
			}
			if (show && loop) return true;
		}
		return false;
	}

	private static Button findButton(Container c, String label) {
		for (Component child : c.getComponents()) {
			// GenericDialog pads its labels ("  OK  ").
			if (child instanceof Button && label.equals(((Button) child).getLabel().trim())) return (Button) child;
			if (child instanceof Container) {
				Button b = findButton((Container) child, label);
				if (b != null) return b;
			}
		}
		return null;
	}

	/** Selects {@code item} as a user would: the choice changes, then the dialog hears of it. */
	static void select(GenericDialog gd, Choice choice, String item) throws Exception {
		EventQueue.invokeAndWait(() -> {
			choice.select(item);
			gd.itemStateChanged(new ItemEvent(choice, ItemEvent.ITEM_STATE_CHANGED, item, ItemEvent.SELECTED));
		});
		assertEquals(gd.getTitle() + ": the choice has no item '" + item + "'", item, choice.getSelectedItem());
	}

	/** Types {@code text} into a text or numeric field. */
	static void type(GenericDialog gd, TextField field, String text) throws Exception {
		EventQueue.invokeAndWait(() -> {
			field.setText(text);
			gd.textValueChanged(new TextEvent(field, TextEvent.TEXT_VALUE_CHANGED));
		});
	}

	/** Ticks or clears a checkbox. */
	static void check(GenericDialog gd, Checkbox box, boolean state) throws Exception {
		EventQueue.invokeAndWait(() -> {
			box.setState(state);
			gd.itemStateChanged(new ItemEvent(box, ItemEvent.ITEM_STATE_CHANGED, box,
					state ? ItemEvent.SELECTED : ItemEvent.DESELECTED));
		});
	}

	/** The dialog's checkbox whose label starts with {@code key} (labels are "key ..." by ConvKit's rule). */
	static Checkbox checkbox(GenericDialog gd, String key) {
		for (Object o : gd.getCheckboxes()) {
			Checkbox box = (Checkbox) o;
			if (box.getLabel().equals(key) || box.getLabel().startsWith(key + " ")) return box;
		}
		throw new AssertionError(gd.getTitle() + ": no checkbox '" + key + "'");
	}

	/** Polls {@code c} until it holds or {@link #LIMIT_MS} has passed; false on time-out. */
	static boolean waitUntil(Waits.Condition c) throws InterruptedException {
		return Waits.until(LIMIT_MS, c);
	}

	/**
	 * The options of the Recorder's {@code run(command, ...)} line written after {@code mark}, once it is there;
	 * asserts that the command reported no failure and threw nothing.
	 */
	static String recordedOptions(Recorder recorder, int mark, String command) throws InterruptedException {
		String prefix = "run(\"" + command + "\", \"";
		boolean ended = waitUntil(() -> recorder.getText().indexOf(prefix, mark) >= 0 || !Failures.isEmpty()
				|| exceptionWindowShowing());
		assertEquals(command + " reported a failure", "[]", Failures.drain().toString());
		assertTrue(command + " threw", !exceptionWindowShowing());
		assertTrue(command + ": nothing recorded", ended);
		String text = recorder.getText();
		int start = text.indexOf(prefix, mark), end = text.indexOf('\n', start);
		String line = text.substring(start, end < 0 ? text.length() : end);
		System.out.println("Recorded: " + line);
		return line.substring(prefix.length(), line.length() - 3);
	}

	/**
	 * A screen grab of the window once it is drawn: grabbed again until {@code drawn} accepts the capture, for at
	 * most {@link #LIMIT_MS}. Under Xvfb a window is painted some time after the event queue is idle; waiting for
	 * the picture itself replaces a guessed sleep. The window is raised and repainted every two seconds, not before
	 * every grab: on a loaded machine a grab would then always catch a repaint in progress. A capture that never
	 * looks drawn is kept in target/gui/never-drawn-*.png.
	 */
	static BufferedImage captureWhen(Window w, String what, Predicate<BufferedImage> drawn) throws Exception {
		Robot robot = new Robot();
		BufferedImage[] shot = new BufferedImage[1];
		long[] raised = {System.nanoTime() - 3_000_000_000L};
		boolean ok = waitUntil(() -> {
			if (System.nanoTime() - raised[0] > 2_000_000_000L) {
				EventQueue.invokeAndWait(() -> {
					// the location again, by way of another one (AWT skips a move to where it thinks the window is):
					// once, under load, a dialog stayed 250 px right of where getBounds() said, for the whole minute
					java.awt.Point at = w.getLocation();
					w.setLocation(at.x + 1, at.y);
					w.setLocation(at);
					w.toFront();
					w.repaint();
				});
				raised[0] = System.nanoTime();
			}
			robot.waitForIdle();
			shot[0] = robot.createScreenCapture(w.getBounds());
			return drawn.test(shot[0]);
		});
		if (!ok) {
			int[] dl = darkAndLight(shot[0]);
			Path kept = HeadlessProcess.basedir().resolve("target/gui/never-drawn-" + what.replaceAll("\\W+", "-") + ".png");
			Files.createDirectories(kept.getParent());
			javax.imageio.ImageIO.write(shot[0], "png", kept.toFile());
			throw new AssertionError("the capture of " + what + " never looked drawn: " + dl[0] + " dark, " + dl[1]
					+ " light of " + shot[0].getWidth() * shot[0].getHeight() + " pixels (" + kept + ")");
		}
		return shot[0];
	}

	/**
	 * A rendered dialog: mostly light grey with dark text; not black, not blank, not the (dark) image window.
	 * {@code maxDarkFraction} bounds the text (a dialog with many fields has more).
	 */
	static Predicate<BufferedImage> looksLikeDialog(double maxDarkFraction, double minLightFraction) {
		return shot -> {
			int[] dl = darkAndLight(shot);
			int n = shot.getWidth() * shot.getHeight();
			return dl[0] > n / 200 && dl[0] < n * maxDarkFraction && dl[1] > n * minLightFraction;
		};
	}

	/** A drawn window of any kind: two grabs in a row are the same picture, and it is not one flat colour. */
	static Predicate<BufferedImage> settled() {
		BufferedImage[] previous = new BufferedImage[1];
		return shot -> {
			boolean same = previous[0] != null && samePixels(previous[0], shot);
			previous[0] = shot;
			int[] dl = darkAndLight(shot);
			return same && dl[0] > 0 && dl[1] > 0;
		};
	}

	private static boolean samePixels(BufferedImage a, BufferedImage b) {
		if (a.getWidth() != b.getWidth() || a.getHeight() != b.getHeight()) return false;
		for (int y = 0; y < a.getHeight(); y++)
			for (int x = 0; x < a.getWidth(); x++)
				if (a.getRGB(x, y) != b.getRGB(x, y)) return false;
		return true;
	}

	/** The showing windows' titles, for failure messages. */
	static String titles() {
		StringBuilder sb = new StringBuilder();
		for (Window w : Window.getWindows())
			if (w.isShowing())
				sb.append(w instanceof Dialog ? ((Dialog) w).getTitle()
						: w instanceof Frame ? ((Frame) w).getTitle() : w.getName()).append("; ");
		return sb.toString();
	}

	/**
	 * Counts of dark (mean grey &lt; 80) and light (&gt; 180) pixels: a rendered dialog is mostly light grey with
	 * dark text, a blank or black capture or the image window behind it is not.
	 */
	static int[] darkAndLight(java.awt.image.BufferedImage shot) {
		int dark = 0, light = 0;
		for (int y = 0; y < shot.getHeight(); y++)
			for (int x = 0; x < shot.getWidth(); x++) {
				int rgb = shot.getRGB(x, y), grey = ((rgb >> 16 & 255) + (rgb >> 8 & 255) + (rgb & 255)) / 3;
				if (grey < 80) dark++;
				else if (grey > 180) light++;
			}
		return new int[] {dark, light};
	}
}
