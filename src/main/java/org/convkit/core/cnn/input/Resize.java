package org.convkit.core.cnn.input;

import java.util.Locale;

/**
 * How an image of another size is brought to the model's width × height (the {@code resize=} choice; display names
 * are public macro API). Stored in the model file so classification resizes exactly as training did.
 * <ul>
 * <li>{@link #SCALE}: bilinear resampling to width × height, ignoring the aspect ratio.</li>
 * <li>{@link #CROP}: the centre width × height window. An image smaller than that in either direction is first
 * scaled up (bilinear, aspect kept) by the smallest factor that makes it cover the window.</li>
 * <li>{@link #PAD}: the image centred on a background of value 0. An image larger than the window in either
 * direction is first scaled down (bilinear, aspect kept) by the largest factor that makes it fit.</li>
 * </ul>
 * Centring puts the extra pixel of an odd difference on the right/bottom (offset {@code floor((a - b) / 2)}). An
 * image that already has the model's size is used unchanged by every rule. Details: {@link ImageTensor}.
 */
public enum Resize {
	SCALE("Scale"), CROP("Crop"), PAD("Pad");

	private final String displayName;

	Resize(String displayName) {
		this.displayName = displayName;
	}

	public String displayName() {
		return displayName;
	}

	public static String[] displayNames() {
		Resize[] v = values();
		String[] n = new String[v.length];
		for (int i = 0; i < v.length; i++) n[i] = v[i].displayName;
		return n;
	}

	/** The rule with this display name (case-insensitive). */
	public static Resize fromName(String name) {
		String n = name == null ? "" : name.trim().toLowerCase(Locale.ROOT);
		for (Resize r : values())
			if (r.displayName.toLowerCase(Locale.ROOT).equals(n)) return r;
		throw new IllegalArgumentException("Unknown resize rule '" + name + "' (expected Scale, Crop or Pad)");
	}

	@Override
	public String toString() {
		return displayName;
	}
}
