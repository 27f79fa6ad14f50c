package org.convkit.core.cnn.spec;

import java.util.Locale;

/**
 * The activation functions a spec may name. Kept free of DL4J so the spec can be parsed, validated and shown
 * without loading any native library; {@code org.convkit.core.cnn.net} maps them to DL4J's activations.
 */
public enum Activation {
	RELU, LEAKYRELU, TANH, SIGMOID, ELU, IDENTITY;

	/** The word used in the spec text (lower case). */
	public String word() {
		return name().toLowerCase(Locale.ROOT);
	}

	/** The activation for a spec word (already lower-cased), or null when the word is not an activation. */
	public static Activation fromWord(String word) {
		for (Activation a : values())
			if (a.word().equals(word)) return a;
		return null;
	}

	/** "relu, leakyrelu, ..." for error messages. */
	static String wordList() {
		StringBuilder sb = new StringBuilder();
		for (Activation a : values()) sb.append(sb.length() == 0 ? "" : ", ").append(a.word());
		return sb.toString();
	}
}
