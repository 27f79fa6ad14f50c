package org.convkit.plugins.cnn;

import ij.IJ;
import ij.ImagePlus;
import ij.ImageStack;
import ij.gui.GenericDialog;
import ij.plugin.PlugIn;
import org.convkit.core.io.IdxFiles;
import org.convkit.plugins.support.CommandEnvironment;
import org.convkit.plugins.support.CommandKeys;
import org.convkit.plugins.support.CommandReporter;
import org.convkit.plugins.support.PathFields;

import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Locale;

/**
 * File › Import › Import IDX...: an IDX image file (MNIST and its relatives; plain or gzipped) as a stack, and with
 * {@code labels=} its labels as the slice labels, so the stack trains with Train CNN Classifier...
 * {@code source=Stack}. Labels are zero-padded to one width ("03" … "46" for 47 classes) so that the classes sort in
 * numeric order. Reading is checked before anything is shown ({@link IdxFiles}).
 */
public class ImportIdx implements PlugIn {
	public static final String COMMAND = "Import IDX...";
	public static final String KEY_IMAGES = "images", KEY_LABELS = "labels";

	/** The macro keys; a macro that leaves one out gets its default here, the dialog remembers the last values. */
	public static final CommandKeys KEYS = CommandKeys.of(COMMAND)
			.path(KEY_IMAGES, CommandKeys.PathRole.IDX_IMAGES).required()
			.path(KEY_LABELS, CommandKeys.PathRole.IDX_LABELS);

	@Override
	public void run(String arg) {
		if (!CommandEnvironment.ready(COMMAND)) return; // Java only: no native library needed
		CommandKeys.Run run = KEYS.beginDialog();
		if (run == null) return;
		GenericDialog gd = run.dialog();
		PathFields.addFile(gd, KEY_IMAGES + ":", run.text(KEY_IMAGES));
		PathFields.addFile(gd, KEY_LABELS + ":", run.text(KEY_LABELS));
		gd.addMessage("IDX files as in MNIST (e.g. train-images-idx3-ubyte.gz); labels are optional.");
		gd.showDialog();
		if (gd.wasCanceled()) return;
		String images = gd.getNextString().trim(), labels = gd.getNextString().trim();
		ImagePlus imp;
		try {
			if (images.isEmpty())
				throw new IllegalArgumentException("No images file given: images=[path] is an IDX image file such as "
						+ "train-images-idx3-ubyte.gz");
			imp = read(path(KEY_IMAGES, images), labels.isEmpty() ? null : path(KEY_LABELS, labels));
		} catch (IdxFiles.Cancelled e) {
			IJ.showStatus(COMMAND + " stopped (Esc); no image created");
			return;
		} catch (IllegalArgumentException e) {
			CommandReporter.badInput(COMMAND, e.getMessage());
			return;
		} finally {
			IJ.showProgress(1.0);
		}
		run.remember(KEY_IMAGES, images).remember(KEY_LABELS, labels);
		imp.show();
		IJ.log(COMMAND + " " + imp.getStackSize() + " images of " + imp.getWidth() + "x" + imp.getHeight() + " ("
				+ imp.getBitDepth() + "-bit) from " + images + (labels.isEmpty() ? "" : ", labels from " + labels));
	}

	/** The stack of the image file, its slices labelled with the labels file's classes when one is given. */
	public static ImagePlus read(Path images, Path labels) {
		IdxFiles.Header h = IdxFiles.header(images);
		int[] classes = labels == null ? null : IdxFiles.readLabels(labels); // small: checked first
		if (classes != null && h.dims[0] != classes.length)
			throw new IllegalArgumentException(labels.getFileName() + " has " + classes.length + " labels but "
					+ images.getFileName() + " has " + h.dims[0] + " images: they must be the same number.");
		int n = h.dims[0];
		ImageStack stack = IdxFiles.readImages(images, new IdxFiles.Monitor(i -> {
			if (i % 1000 == 0) IJ.showProgress(i, n);
		}, IJ::escapePressed));
		if (classes != null) {
			int max = 0;
			for (int c : classes) max = Math.max(max, c);
			int width = Integer.toString(max).length();
			for (int i = 0; i < classes.length; i++)
				stack.setSliceLabel(String.format(Locale.ROOT, "%0" + width + "d", classes[i]), i + 1);
		}
		String title = images.getFileName().toString().replaceFirst("(?i)\\.gz$", "");
		return new ImagePlus(title, stack);
	}

	private static Path path(String key, String text) {
		try {
			return Paths.get(text).toAbsolutePath().normalize();
		} catch (InvalidPathException e) {
			throw new IllegalArgumentException(key + "=" + text + " is not a valid path: " + e.getMessage());
		}
	}
}
