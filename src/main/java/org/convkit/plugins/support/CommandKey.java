package org.convkit.plugins.support;

import org.convkit.plugins.support.CommandKeys.Kind;
import org.convkit.plugins.support.CommandKeys.PathRole;
import org.convkit.plugins.support.CommandKeys.Range;

import java.util.List;
import java.util.Locale;

/** One key of a command's table ({@link CommandKeys}): its name, kind, documented default and accepted values. */
public final class CommandKey {
	public final String name;
	public final Kind kind;
	/** The documented default as macro text ("" when there is none). */
	public final String defaultValue;
	/** NUMBER: the accepted values. */
	public final Range range;
	/** CHOICE: the items. */
	public final List<String> choices;
	/** PATH: what the path names. */
	public final PathRole role;
	/** Set by {@link CommandKeys}' declaration methods while the table is built. */
	boolean required;
	String whenKey, whenValue, example, numbersIn, alternative, dialogDefault, insteadOf;

	CommandKey(String name, Kind kind, String defaultValue, Range range, List<String> choices, PathRole role) {
		this.name = name;
		this.kind = kind;
		this.defaultValue = defaultValue;
		this.range = range;
		this.choices = choices;
		this.role = role;
	}

	/** The command cannot run without this key (a path, a kernel, ...); a macro must give it. */
	public boolean required() {
		return required;
	}

	/** The key counts only when {@link #whenKey()} has this value (e.g. sigma= only for method=Gaussian). */
	public String whenKey() {
		return whenKey;
	}

	public String whenValue() {
		return whenValue;
	}

	/** A valid value for tests when the default does not do (TEXT keys); the default otherwise. */
	public String example() {
		return example != null ? example : defaultValue;
	}

	/** TEXT: a template whose '#' takes a number (e.g. "1 # 1" for a kernel), for hostile numbers inside text. */
	public String numbersIn() {
		return numbersIn;
	}

	/** A valid value other than the default that a test may put in the dialog's memory; null: derive one. */
	public String alternative() {
		return alternative;
	}

	/** Another key that must be left out when this one is given (file= instead of kernel=); or null. */
	public String insteadOf() {
		return insteadOf;
	}

	public double defaultNumber() {
		return Double.parseDouble(defaultValue);
	}

	@Override
	public String toString() {
		return name + " (" + kind.name().toLowerCase(Locale.ROOT) + ", default '" + defaultValue + "'"
				+ (range != null ? ", " + range : "") + (choices != null ? ", " + choices : "")
				+ (role != null ? ", " + role : "") + (required ? ", required" : "")
				+ (whenKey != null ? ", when " + whenKey + "=" + whenValue : "") + ")";
	}
}
