package org.convkit.core.cnn.spec;

/**
 * How a conv or pooling window treats the image border. VALID keeps only whole windows (output
 * {@code floor((in - k) / stride) + 1}, DL4J's Truncate mode); SAME pads so that the output is
 * {@code ceil(in / stride)} (DL4J's Same mode). The labels ("Valid", "Same") are the {@code padding=} values of the
 * filter commands.
 */
public enum Padding {
	VALID("Valid"), SAME("Same");

	public final String label;

	Padding(String label) {
		this.label = label;
	}

	/** The output length along an axis of {@code in} pixels for a window of {@code k} and a stride; 0 if none fit. */
	public int outputSize(int in, int k, int stride) {
		if (this == SAME) return (int) (((long) in + stride - 1) / stride);
		return in < k ? 0 : (in - k) / stride + 1;
	}

	public static Padding fromLabel(String label) {
		for (Padding p : values())
			if (p.label.equalsIgnoreCase(label == null ? "" : label.trim())) return p;
		throw new IllegalArgumentException("Unknown padding '" + label + "': use Valid or Same.");
	}

	public static String[] labels() {
		return new String[] {VALID.label, SAME.label};
	}
}
