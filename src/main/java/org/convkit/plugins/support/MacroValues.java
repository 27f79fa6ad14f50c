package org.convkit.plugins.support;

import ij.Macro;
import ij.gui.GenericDialog;

/**
 * Reads dialog values so that a bad macro value reaches the command's own validation. The headless dialog of
 * ij1-patcher silently replaces a choice it does not know (e.g. {@code method=Median}) by the default item.
 */
public final class MacroValues {
	private MacroValues() {}

	/** The next choice of {@code gd}; in a macro, the raw value given for {@code key}, even if it is no item. */
	public static String nextChoice(GenericDialog gd, String key) {
		String item = gd.getNextChoice();
		String options = Macro.getOptions();
		if (options == null) return item;
		String raw = Macro.getValue(options, key, null);
		// "&name" is a macro variable that the dialog has already resolved.
		return raw == null || raw.startsWith("&") ? item : raw;
	}
}
