package org.convkit.core.cnn.net;

/**
 * What training does about classes of very different sizes (the {@code balance=} key; display names are public macro
 * API):
 * <ul>
 * <li>None: every example counts once, the rare classes are seen rarely;</li>
 * <li>Weights: the loss of an example of class c is weighted by {@code n / (k × n_c)} (n training examples, k
 * classes, n_c of class c: inverse to the class's frequency, 1 for balanced data; scikit-learn's "balanced");</li>
 * <li>Sampling: each epoch draws as many examples as there are, with replacement, each draw first picking a class
 * uniformly and then one of its examples uniformly, so every class is equally likely in every batch (Trainable Weka
 * Segmentation's "balance classes").</li>
 * </ul>
 */
public enum ClassBalance {
	NONE("None"), WEIGHTS("Weights"), SAMPLING("Sampling");

	private final String displayName;

	ClassBalance(String displayName) {
		this.displayName = displayName;
	}

	public String displayName() {
		return displayName;
	}

	public static String[] displayNames() {
		ClassBalance[] v = values();
		String[] out = new String[v.length];
		for (int i = 0; i < v.length; i++) out[i] = v[i].displayName;
		return out;
	}

	public static ClassBalance fromName(String name) {
		for (ClassBalance b : values())
			if (b.displayName.equalsIgnoreCase(name == null ? "" : name.trim())) return b;
		throw new IllegalArgumentException("Unknown balance '" + name + "' (expected None, Weights or Sampling)");
	}

	/** Loss weights {@code n / (k × n_c)} for class counts n_c (a class without examples gets weight 0). */
	public static double[] inverseFrequencyWeights(int[] counts) {
		long n = 0;
		for (int c : counts) n += c;
		double[] w = new double[counts.length];
		for (int c = 0; c < counts.length; c++) w[c] = counts[c] == 0 ? 0 : (double) n / (counts.length * counts[c]);
		return w;
	}
}
