package org.convkit.plugins.support;

import java.util.Locale;

/** Range checks of dialog numbers, with messages that name the macro key and the value given. */
public final class Numbers {
	/** Seeds are read as doubles by GenericDialog: whole numbers up to 2^53 survive exactly. */
	public static final long MAX_SEED = 1L << 53;

	private Numbers() {}

	/** {@code v} as an int when it is a whole number from min to max. */
	public static int whole(String key, double v, int min, int max) {
		if (!(v == Math.rint(v) && v >= min && v <= max))
			throw new IllegalArgumentException(key + "=" + text(v) + " must be a whole number from " + min + " to " + max);
		return (int) v;
	}

	/** A seed: any whole number of at most 2^53 in size. */
	public static long seed(String key, double v) {
		if (!(v == Math.rint(v) && Math.abs(v) <= MAX_SEED))
			throw new IllegalArgumentException(key + "=" + text(v) + " must be a whole number (a seed)");
		return (long) v;
	}

	/** {@code v} when it is a number above {@code min} (exclusive) and at most {@code max}. */
	public static double above(String key, double v, double min, double max) {
		if (!(v > min && v <= max))
			throw new IllegalArgumentException(key + "=" + text(v) + " must be a number above " + text(min)
					+ " and at most " + text(max));
		return v;
	}

	/** 3 rather than 3.0 in messages. */
	public static String text(double v) {
		return v == Math.rint(v) && Math.abs(v) < 1e15 ? String.valueOf((long) v) : String.format(Locale.ROOT, "%s", v);
	}
}
