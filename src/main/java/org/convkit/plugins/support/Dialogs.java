package org.convkit.plugins.support;

import ij.gui.GenericDialog;

import java.awt.GraphicsEnvironment;

/** Dialogs that fail clearly where ImageJ cannot show them. */
public final class Dialogs {
	private Dialogs() {}

	/**
	 * A new dialog for the command, or null (after a clear message) when there is no display and no macro options:
	 * ij1-patcher's headless dialog exists only in a macro that gives the values.
	 */
	public static GenericDialog create(String command) {
		try {
			return new GenericDialog(command);
		} catch (RuntimeException e) {
			if (!GraphicsEnvironment.isHeadless()) throw e;
			CommandReporter.badInput(command, "No values given, and without a display there is no dialog: give them "
					+ "in the macro, e.g. run(\"" + command + "\", \"key=value ...\").");
			return null;
		}
	}
}
