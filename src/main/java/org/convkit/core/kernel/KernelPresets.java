package org.convkit.core.kernel;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Named kernels, kept as text so the dialog can show them as typed ({@code 1/9}, not 0.1111…). All are applied as
 * correlations: "Sobel X" gives a positive response where values grow to the right, "Sobel Y" where they grow
 * downwards (OpenCV's Sobel with dx=1 / dy=1). {@link #CUSTOM} is no kernel: it means "use the kernel text".
 */
public final class KernelPresets {
	public static final String CUSTOM = "Custom";

	private static final Map<String, String> TEXT = new LinkedHashMap<>();

	static {
		TEXT.put("Identity", "0 0 0; 0 1 0; 0 0 0");
		TEXT.put("Box blur 3x3", "1/9 1/9 1/9; 1/9 1/9 1/9; 1/9 1/9 1/9");
		TEXT.put("Gaussian 5x5", "1/256 4/256 6/256 4/256 1/256; 4/256 16/256 24/256 16/256 4/256;"
				+ " 6/256 24/256 36/256 24/256 6/256; 4/256 16/256 24/256 16/256 4/256;"
				+ " 1/256 4/256 6/256 4/256 1/256");
		TEXT.put("Sharpen", "0 -1 0; -1 5 -1; 0 -1 0");
		TEXT.put("High-pass 3x3", "-1 -1 -1; -1 8 -1; -1 -1 -1");
		TEXT.put("Laplacian 4-neighbour", "0 1 0; 1 -4 1; 0 1 0");
		TEXT.put("Laplacian 8-neighbour", "1 1 1; 1 -8 1; 1 1 1");
		TEXT.put("Sobel X", "-1 0 1; -2 0 2; -1 0 1");
		TEXT.put("Sobel Y", "-1 -2 -1; 0 0 0; 1 2 1");
		TEXT.put("Scharr X", "-3 0 3; -10 0 10; -3 0 3");
		TEXT.put("Scharr Y", "-3 -10 -3; 0 0 0; 3 10 3");
		TEXT.put("Prewitt X", "-1 0 1; -1 0 1; -1 0 1");
		TEXT.put("Prewitt Y", "-1 -1 -1; 0 0 0; 1 1 1");
		TEXT.put("Emboss", "-2 -1 0; -1 1 1; 0 1 2");
	}

	private KernelPresets() {}

	/** The preset names in menu order, followed by {@link #CUSTOM}. */
	public static List<String> names() {
		List<String> names = new ArrayList<>(TEXT.keySet());
		names.add(CUSTOM);
		return Collections.unmodifiableList(names);
	}

	/** The preset's text, as shown in the dialog's kernel field (rows separated by "; "). */
	public static String text(String name) {
		String text = TEXT.get(canonical(name));
		if (text == null) throw new IllegalArgumentException(CUSTOM + " has no values of its own.");
		return text;
	}

	public static Kernel get(String name) {
		return KernelParser.parse(text(name));
	}

	/** The preset's exact name, matched case-insensitively; throws naming the unknown preset and the choices. */
	public static String canonical(String name) {
		String found = find(name);
		if (found != null) return found;
		throw new IllegalArgumentException("Unknown preset '" + name + "'. Presets: " + String.join(", ", names())
				+ ".");
	}

	/** The preset's exact name, matched case-insensitively, or null when there is none by that name. */
	public static String find(String name) {
		for (String n : names())
			if (n.equalsIgnoreCase(name == null ? "" : name.trim())) return n;
		return null;
	}

	public static boolean isCustom(String name) {
		return CUSTOM.equals(canonical(name));
	}
}
