package org.convkit.plugins.cnn;

import ij.gui.GenericDialog;
import org.convkit.core.cnn.model.BundleCache;
import org.convkit.core.cnn.model.ModelBundle;
import org.convkit.core.cnn.model.ModelFileException;
import org.convkit.plugins.support.CommandKeys;
import org.convkit.plugins.support.PathFields;

import java.nio.file.InvalidPathException;
import java.nio.file.Paths;

/** The {@code model=[path]} field shared by the CNN commands, and reading the model it names (cached). */
public final class ModelField {
	public static final String KEY = "model";
	/** The last model path chosen in a dialog (not from a macro): the default of every CNN command's dialog. */
	public static String last = "";

	private ModelField() {}

	/** The field; empty in a macro (model= is required there), the last model chosen in a dialog otherwise. */
	public static void add(GenericDialog gd, CommandKeys.Run run) {
		PathFields.addFile(gd, KEY + ":", run.isMacro() ? "" : last);
	}

	/** Remembers a model chosen in a dialog (not in a macro). */
	public static void remember(CommandKeys.Run run, String model) {
		if (!run.isMacro()) last = model;
	}

	/** The model named by the field's value; the exception's message is meant for the user. */
	public static ModelBundle read(String path) throws ModelFileException {
		if (path == null || path.trim().isEmpty())
			throw new ModelFileException("No model file given: choose a model saved by Train CNN Classifier... "
					+ "(model=[/path/model.zip])");
		try {
			return BundleCache.read(Paths.get(path.trim()));
		} catch (InvalidPathException e) {
			throw new ModelFileException("'" + path + "' is not a valid file path");
		}
	}
}
