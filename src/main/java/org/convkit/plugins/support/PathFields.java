package org.convkit.plugins.support;

import ij.gui.GenericDialog;

import java.awt.GraphicsEnvironment;

/**
 * File and folder fields that also work headless: ij1-patcher's headless dialog ignores addFileField and
 * addDirectoryField (their values would be lost), so without a display they are plain string fields. Both record
 * and play back as the same {@code key=[path]}.
 */
public final class PathFields {
	private static final int COLUMNS = 40;

	private PathFields() {}

	public static void addFile(GenericDialog gd, String label, String value) {
		if (GraphicsEnvironment.isHeadless()) gd.addStringField(label, value, COLUMNS);
		else gd.addFileField(label, value, COLUMNS);
	}

	public static void addDirectory(GenericDialog gd, String label, String value) {
		if (GraphicsEnvironment.isHeadless()) gd.addStringField(label, value, COLUMNS);
		else gd.addDirectoryField(label, value, COLUMNS);
	}
}
