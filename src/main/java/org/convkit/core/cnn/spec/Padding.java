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

	/**
	 * SAME's padding before the first window along an axis of {@code in} pixels (0 for VALID), as libnd4j's
	 * {@code calcPadding2D} computes it: half of what the windows overhang the input, truncated toward zero as C++
	 * divides; negative where a stride at least 2 larger than the window leaves input uncovered (9 pixels, window 1,
	 * stride 3: (3 - 1) · 3 + 1 - 9 = -2, so -1: the windows start at 1, 4, 7). {@code k} is the dilated window.
	 */
	public int before(int in, int k, int stride) {
		if (this == VALID) return 0;
		return (int) (((long) outputSize(in, k, stride) - 1) * stride + k - in) / 2;
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
