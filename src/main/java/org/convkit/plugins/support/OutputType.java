package org.convkit.plugins.support;

/** The {@code output=} macro key shared by the filter commands. */
public enum OutputType {
	SAME_TYPE("Same type"), FLOAT("32-bit");

	public final String label;

	OutputType(String label) {
		this.label = label;
	}

	public static String[] labels() {
		return new String[] {SAME_TYPE.label, FLOAT.label};
	}

	public static OutputType fromLabel(String label) {
		for (OutputType t : values())
			if (t.label.equalsIgnoreCase(label)) return t;
		throw new IllegalArgumentException("Unknown output '" + label + "': use 'Same type' or '32-bit'.");
	}
}
