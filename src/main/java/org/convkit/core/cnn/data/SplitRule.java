package org.convkit.core.cnn.data;

/**
 * How the validation examples are chosen (the {@code split=} key; display names are public macro API):
 * <ul>
 * <li>Random: examples drawn at random within each class ({@link Split#stratified});</li>
 * <li>By image: whole source images held out ({@link Split#bySource}), so that no validation example comes from an
 * image that also gives training examples. Patches cut from one image resemble each other (they may even overlap),
 * so a random split lets the validation accuracy measure how well the network remembers an image rather than how it
 * does on a new one, and early stopping then picks its model on that.</li>
 * </ul>
 */
public enum SplitRule {
	RANDOM("Random"), BY_IMAGE("By image");

	private final String displayName;

	SplitRule(String displayName) {
		this.displayName = displayName;
	}

	public String displayName() {
		return displayName;
	}

	public static String[] displayNames() {
		SplitRule[] v = values();
		String[] out = new String[v.length];
		for (int i = 0; i < v.length; i++) out[i] = v[i].displayName;
		return out;
	}

	public static SplitRule fromName(String name) {
		for (SplitRule r : values())
			if (r.displayName.equalsIgnoreCase(name == null ? "" : name.trim())) return r;
		throw new IllegalArgumentException("Unknown split '" + name + "' (expected Random or By image)");
	}
}
