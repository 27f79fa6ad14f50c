package org.convkit.plugins.support;

import ij.Macro;
import ij.gui.GenericDialog;

/**
 * The values of a command's fields, read one after the other in the order the fields were added, by key: from the
 * command's dialog (GUI, or a macro through ImageJ's macro dialog), or without any dialog from a macro options
 * string such as {@code "preset=[Sobel X] border=Reflect output=32-bit"}. A command reads its fields once, through
 * this interface, so its keys, defaults and checks are the same on both paths (the Spark jobs use the second).
 * <p>
 * The {@code macroDefault} arguments are what a macro gets for a key it leaves out; a dialog ignores them (it holds
 * its own defaults, which the command sets from the same constants).
 */
public interface FieldValues {
	/** A choice (the raw value in a macro, even if it is no item, so the command's own check reports it). */
	String choice(String key, String macroDefault);

	String string(String key, String macroDefault);

	/** A checkbox: in a macro, true when the key appears as a word. */
	boolean flag(String key);

	/** A number; a value that is no number is reported by {@link #invalidNumber()} or an exception. */
	double number(String key, double macroDefault);

	/** Whether a number read so far was invalid (a dialog's state, cleared by asking). */
	boolean invalidNumber();

	/** The next fields of an open dialog. */
	static FieldValues of(GenericDialog gd) {
		return new FieldValues() {
			@Override
			public String choice(String key, String macroDefault) {
				return MacroValues.nextChoice(gd, key);
			}

			@Override
			public String string(String key, String macroDefault) {
				return gd.getNextString();
			}

			@Override
			public boolean flag(String key) {
				return gd.getNextBoolean();
			}

			@Override
			public double number(String key, double macroDefault) {
				return gd.getNextNumber();
			}

			@Override
			public boolean invalidNumber() {
				return gd.invalidNumber();
			}
		};
	}

	/**
	 * The values of a macro options string, read as ImageJ's macro dialog reads them: {@code key=value} or
	 * {@code key=[value with spaces]} ({@link Macro#getValue}), a checkbox as the bare key outside brackets.
	 *
	 * @throws IllegalArgumentException from {@link #number} for a value that is not a number
	 */
	static FieldValues of(String options) {
		String text = options == null ? "" : options.endsWith(" ") ? options : options + " ";
		return new FieldValues() {
			@Override
			public String choice(String key, String macroDefault) {
				return Macro.getValue(text, key, macroDefault);
			}

			@Override
			public String string(String key, String macroDefault) {
				return Macro.getValue(text, key, macroDefault);
			}

			@Override
			public boolean flag(String key) {
				return MacroValues.hasWord(text, key);
			}

			@Override
			public double number(String key, double macroDefault) {
				String raw = Macro.getValue(text, key, null);
				return raw == null ? macroDefault : MacroValues.parseNumber(key, raw);
			}

			@Override
			public boolean invalidNumber() {
				return false; // number() has thrown already
			}
		};
	}
}
