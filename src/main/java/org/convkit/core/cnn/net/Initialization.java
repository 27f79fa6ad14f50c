package org.convkit.core.cnn.net;

import org.deeplearning4j.nn.weights.WeightInit;

/**
 * Weight initialisations of the {@code init=} choice (display names are public macro API), mapped to DL4J's
 * {@link WeightInit}. Xavier (Glorot) uniform is the default, as in Keras; He suits deep relu stacks.
 */
public enum Initialization {
	XAVIER_UNIFORM("Xavier uniform", WeightInit.XAVIER_UNIFORM), XAVIER("Xavier", WeightInit.XAVIER),
	HE("He", WeightInit.RELU), HE_UNIFORM("He uniform", WeightInit.RELU_UNIFORM),
	LECUN("LeCun", WeightInit.LECUN_NORMAL), LECUN_UNIFORM("LeCun uniform", WeightInit.LECUN_UNIFORM);

	private final String displayName;
	private final WeightInit dl4j;

	Initialization(String displayName, WeightInit dl4j) {
		this.displayName = displayName;
		this.dl4j = dl4j;
	}

	/** The name in dialogs, macros and model files, e.g. "He uniform". */
	public String displayName() {
		return displayName;
	}

	/** DL4J's weight initialisation (He = DL4J's RELU, He uniform = RELU_UNIFORM). */
	public WeightInit dl4j() {
		return dl4j;
	}

	/** The display names in order, for a dialog choice. */
	public static String[] displayNames() {
		Initialization[] v = values();
		String[] names = new String[v.length];
		for (int i = 0; i < v.length; i++) names[i] = v[i].displayName;
		return names;
	}

	/** The initialisation with this display name (case-insensitive). */
	public static Initialization fromName(String name) {
		for (Initialization i : values())
			if (i.displayName.equalsIgnoreCase(name == null ? "" : name.trim())) return i;
		throw new IllegalArgumentException("Unknown initialisation '" + name + "' (expected one of "
				+ String.join(", ", displayNames()) + ")");
	}

	@Override
	public String toString() {
		return displayName;
	}
}
