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

	/**
	 * In a macro, checks that the value given for each numeric key is a number; call before adding the fields
	 * (the headless dialog throws a bare NumberFormatException while adding a field with a bad value).
	 */
	public static void requireNumbers(String... keys) {
		String options = Macro.getOptions();
		if (options == null) return;
		for (String key : keys) {
			String raw = Macro.getValue(options, key, null);
			if (raw == null || raw.startsWith("&")) continue;
			parseNumber(key, raw);
		}
	}

	/** The number a macro value gives, as the headless dialog parses it; else "key=raw is not a number." */
	static double parseNumber(String key, String raw) {
		try {
			return Double.parseDouble(raw.trim());
		} catch (NumberFormatException e) {
			throw new IllegalArgumentException(key + "=" + raw + " is not a number.");
		}
	}

	/**
	 * Whether {@code options} (ending with a space) holds {@code key} as a bare word outside brackets, the rule of
	 * ImageJ's GenericDialog for a ticked checkbox in a macro.
	 */
	static boolean hasWord(String options, String key) {
		String word = key + " ";
		if (options.startsWith(word)) return true;
		boolean inLiteral = false;
		for (int i = 0; i + word.length() < options.length(); i++) {
			char c = options.charAt(i);
			if (inLiteral && c == ']') inLiteral = false;
			else if (c == '[') inLiteral = true;
			if (c != ' ' || inLiteral || (i > 1 && options.charAt(i - 1) == '=')) continue;
			if (options.startsWith(word, i + 1)) return true;
		}
		return false;
	}

	/** A number as a message shows it: 3 rather than 3.0, and NaN, Infinity or 1.0E12 as Java writes them. */
	public static String format(double v) {
		return v == Math.rint(v) && Math.abs(v) < 1e15 ? Long.toString((long) v) : Double.toString(v);
	}
}
