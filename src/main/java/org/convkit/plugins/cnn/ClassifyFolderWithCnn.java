package org.convkit.plugins.cnn;

import ij.IJ;
import ij.gui.GenericDialog;
import ij.plugin.PlugIn;
import org.convkit.core.cnn.classify.FolderClassifier;
import org.convkit.plugins.support.CommandEnvironment;
import org.convkit.core.cnn.model.ModelBundle;
import org.convkit.core.cnn.model.ModelFileException;
import org.convkit.core.cnn.train.Predictor;
import org.convkit.plugins.support.CommandKeys;
import org.convkit.plugins.support.CommandReporter;
import org.convkit.plugins.support.PathFields;

import java.io.IOException;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.nio.file.Paths;

/**
 * Plugins › ConvKit › CNN › Classify Folder with CNN...: every readable image of a folder (with {@code recursive},
 * also of its subfolders) into one CSV file ({@link FolderClassifier}: streamed in batches, written atomically).
 * A relative {@code output} is relative to the folder. The Log lists how many files were classified and every
 * skipped file with the reason; the progress bar follows the files; Esc stops (after the current file) and writes
 * nothing.
 */
public class ClassifyFolderWithCnn implements PlugIn {
	public static final String COMMAND = "Classify Folder with CNN...";
	public static final String KEY_MODEL = ModelField.KEY, KEY_FOLDER = "folder", KEY_OUTPUT = "output",
			KEY_RECURSIVE = "recursive", KEY_OVERWRITE = "overwrite";
	public static final String DEFAULT_OUTPUT = "results.csv";
	/** The macro keys; a macro that leaves one out gets its default here, the dialog remembers the last values. */
	public static final CommandKeys KEYS = CommandKeys.of(COMMAND)
			.path(KEY_MODEL, CommandKeys.PathRole.MODEL).required()
			.path(KEY_FOLDER, CommandKeys.PathRole.IMAGE_FOLDER).required()
			.path(KEY_OUTPUT, CommandKeys.PathRole.CSV_OUTPUT, DEFAULT_OUTPUT)
			.flag(KEY_RECURSIVE)
			.flag(KEY_OVERWRITE);

	@Override
	public void run(String arg) {
		if (!CommandEnvironment.readyForCnn(COMMAND)) return;
		CommandKeys.Run run = KEYS.beginDialog();
		if (run == null) return;
		GenericDialog gd = run.dialog();
		ModelField.add(gd, run);
		PathFields.addDirectory(gd, KEY_FOLDER + ":", run.text(KEY_FOLDER));
		gd.addStringField(KEY_OUTPUT + ":", run.text(KEY_OUTPUT), 40);
		gd.addMessage("A CSV file; a name without a folder is written into the image folder.");
		gd.addCheckbox(KEY_RECURSIVE + " (include subfolders)", run.flag(KEY_RECURSIVE));
		gd.addCheckbox(KEY_OVERWRITE + " (replace an existing output file)", false);
		gd.showDialog();
		if (gd.wasCanceled()) return;
		String model = gd.getNextString(), folder = gd.getNextString(), output = gd.getNextString();
		boolean recursive = gd.getNextBoolean(), overwrite = gd.getNextBoolean();
		try {
			Path dir = path(folder, "folder");
			Path out = path(output, "output");
			if (!out.isAbsolute()) out = dir.resolve(out);
			ModelBundle bundle = ModelField.read(model);
			ModelField.remember(run, model);
			run.remember(KEY_FOLDER, folder).remember(KEY_OUTPUT, output).remember(KEY_RECURSIVE, recursive);
			report(run(bundle, Paths.get(model.trim()), dir, out, recursive, overwrite));
		} catch (ModelFileException | IllegalArgumentException e) {
			CommandReporter.badInput(COMMAND, e.getMessage());
		} catch (IOException e) {
			CommandReporter.badInput(COMMAND, "Could not write the results: " + e.getMessage());
		} catch (RuntimeException e) {
			CommandReporter.unexpected(COMMAND, e);
		} finally {
			IJ.showProgress(1.0);
		}
	}

	private static Path path(String value, String key) {
		if (value == null || value.trim().isEmpty())
			throw new IllegalArgumentException("No " + key + " given (" + key + "=[...])");
		try {
			return Paths.get(value.trim());
		} catch (InvalidPathException e) {
			throw new IllegalArgumentException(key + "=[" + value + "] is not a valid path");
		}
	}

	/** Classifies with the progress bar and Esc to cancel. */
	static FolderClassifier.Result run(ModelBundle bundle, Path modelFile, Path folder, Path output, boolean recursive,
			boolean overwrite) throws IOException {
		IJ.resetEscape();
		FolderClassifier fc = new FolderClassifier(new Predictor(bundle)).recursive(recursive).overwrite(overwrite)
				.protect(modelFile);
		fc.progress((done, total) -> {
			IJ.showProgress(done, total);
			IJ.showStatus(COMMAND + " " + done + "/" + total);
			if (IJ.escapePressed()) fc.cancel();
		});
		synchronized (bundle) { // the cached bundle's network is shared; DL4J networks are not thread-safe
			return fc.classify(folder, output);
		}
	}

	private static void report(FolderClassifier.Result r) {
		if (r.cancelled) {
			IJ.log(COMMAND + ": stopped (Esc); nothing was written.");
			IJ.showStatus(COMMAND + ": stopped (Esc)");
			return;
		}
		IJ.log(COMMAND + ": " + r.classified + " image(s) classified into " + r.output + "; " + r.skipped.size()
				+ " file(s) skipped" + (r.skipped.isEmpty() ? "." : ":"));
		for (FolderClassifier.Skipped s : r.skipped) IJ.log("  skipped " + s);
		if (r.multiSlice > 0)
			IJ.log("  " + r.multiSlice + " file(s) have several slices: only the first slice of each was classified "
					+ "(use Classify with CNN... target=Slices for every slice).");
	}
}
