package org.convkit.core.filter;

import static org.bytedeco.opencv.global.opencv_core.BORDER_CONSTANT;
import static org.bytedeco.opencv.global.opencv_core.BORDER_REFLECT_101;
import static org.bytedeco.opencv.global.opencv_core.BORDER_REPLICATE;
import static org.bytedeco.opencv.global.opencv_core.BORDER_WRAP;

/**
 * How pixels beyond the image edge are made up, with the equivalent OpenCV border type and scipy.ndimage mode.
 * For a row {@code a b c d}, the two pixels left of {@code a} are:
 * <ul>
 * <li>Reflect: {@code c b} — mirror without repeating the edge (OpenCV BORDER_REFLECT_101 = BORDER_DEFAULT,
 * scipy {@code mode='mirror'});</li>
 * <li>Replicate: {@code a a} (BORDER_REPLICATE, scipy {@code 'nearest'}; ImageJ's Convolver does this);</li>
 * <li>Constant: {@code v v} (BORDER_CONSTANT with value v, scipy {@code 'constant'} with {@code cval=v});</li>
 * <li>Wrap: {@code c d} — periodic (BORDER_WRAP, scipy {@code 'wrap'}/{@code 'grid-wrap'}).</li>
 * </ul>
 */
public enum Border {
	REFLECT("Reflect", BORDER_REFLECT_101), REPLICATE("Replicate", BORDER_REPLICATE),
	CONSTANT("Constant", BORDER_CONSTANT), WRAP("Wrap", BORDER_WRAP);

	public final String label;
	public final int openCv;

	Border(String label, int openCv) {
		this.label = label;
		this.openCv = openCv;
	}

	public static String[] labels() {
		Border[] all = values();
		String[] labels = new String[all.length];
		for (int i = 0; i < all.length; i++) labels[i] = all[i].label;
		return labels;
	}

	public static Border fromLabel(String label) {
		for (Border b : values())
			if (b.label.equalsIgnoreCase(label == null ? "" : label.trim())) return b;
		throw new IllegalArgumentException("Unknown border '" + label + "'. Borders: Reflect, Replicate, Constant, Wrap.");
	}

	/**
	 * The index inside {@code [0, n)} that coordinate {@code i} (possibly outside) reads, or -1 for Constant.
	 * Works for any distance from the edge (repeated mirroring / wrapping), and for n = 1.
	 */
	public int index(int i, int n) {
		if (i >= 0 && i < n) return i;
		switch (this) {
			case REPLICATE:
				return i < 0 ? 0 : n - 1;
			case CONSTANT:
				return -1;
			case WRAP:
				return Math.floorMod(i, n);
			default:
				if (n == 1) return 0;
				int period = 2 * (n - 1);
				int m = Math.floorMod(i, period);
				return m < n ? m : period - m;
		}
	}
}
