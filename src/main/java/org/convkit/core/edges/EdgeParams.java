package org.convkit.core.edges;

/** Validated parameters of one edge detector (see {@link EdgeDetector} for what each does). */
public final class EdgeParams {
	/** The {@code method=} choices. */
	public enum Method {
		CANNY("Canny"), SOBEL("Sobel"), SCHARR("Scharr"), LAPLACIAN("Laplacian");

		public final String label;

		Method(String label) {
			this.label = label;
		}

		public static String[] labels() {
			return new String[] {CANNY.label, SOBEL.label, SCHARR.label, LAPLACIAN.label};
		}

		public static Method fromLabel(String s) {
			for (Method m : values())
				if (m.label.equalsIgnoreCase(s)) return m;
			throw new IllegalArgumentException("Unknown method '" + s + "': use Canny, Sobel, Scharr or Laplacian.");
		}
	}

	/** The {@code output=} choices of Sobel and Scharr. */
	public enum Gradient {
		MAGNITUDE("Magnitude"), X("X"), Y("Y"), DIRECTION("Direction");

		public final String label;

		Gradient(String label) {
			this.label = label;
		}

		public static String[] labels() {
			return new String[] {MAGNITUDE.label, X.label, Y.label, DIRECTION.label};
		}

		public static Gradient fromLabel(String s) {
			for (Gradient g : values())
				if (g.label.equalsIgnoreCase(s)) return g;
			throw new IllegalArgumentException("Unknown output '" + s + "': use Magnitude, X, Y or Direction.");
		}
	}

	/**
	 * The largest Canny threshold: far above the largest gradient an 8-bit image can have (326,400: aperture 7,
	 * |dx|+|dy|), and small enough for OpenCV's integer comparison.
	 */
	public static final double MAX_THRESHOLD = 1e6;
	/** The largest Canny pre-blur sigma in pixels (its kernel is 8 sigma wide). */
	public static final double MAX_BLUR = 1000;

	public final Method method;
	public final double low, high, blur;
	public final int aperture, ksize;
	public final boolean l2;
	public final Gradient output;

	private EdgeParams(Method method, double low, double high, int aperture, boolean l2, double blur, Gradient output,
			int ksize) {
		this.method = method;
		this.low = low;
		this.high = high;
		this.aperture = aperture;
		this.l2 = l2;
		this.blur = blur;
		this.output = output;
		this.ksize = ksize;
	}

	/**
	 * Canny on 8-bit input: hysteresis thresholds {@code low ≤ high} (≥ 0) on the Sobel gradient magnitude of size
	 * {@code aperture} (3, 5 or 7), L1 (|dx|+|dy|) or, with {@code l2}, L2; optional Gaussian pre-blur (0 = none).
	 */
	public static EdgeParams canny(double low, double high, double aperture, boolean l2, double blur) {
		if (!(low >= 0 && low <= MAX_THRESHOLD) || !(high >= 0 && high <= MAX_THRESHOLD))
			throw new IllegalArgumentException("Canny thresholds low and high must be numbers >= 0 and <= "
					+ (long) MAX_THRESHOLD + ", got low=" + low + " high=" + high + ".");
		if (low > high)
			throw new IllegalArgumentException("Canny low threshold (" + low + ") must not exceed high (" + high + ").");
		if (aperture != 3 && aperture != 5 && aperture != 7)
			throw new IllegalArgumentException("Canny aperture must be 3, 5 or 7, got " + aperture + ".");
		if (!(blur >= 0 && blur <= MAX_BLUR))
			throw new IllegalArgumentException("blur must be a Gaussian sigma from 0 (none) to " + (long) MAX_BLUR
					+ " pixels, got " + blur + ".");
		return new EdgeParams(Method.CANNY, low, high, (int) aperture, l2, blur, Gradient.MAGNITUDE, 3);
	}

	/** Sobel derivative of size {@code ksize} (1, 3, 5 or 7; 1 = [-1 0 1] without smoothing). */
	public static EdgeParams sobel(Gradient output, double ksize) {
		return new EdgeParams(Method.SOBEL, 0, 0, 3, false, 0, output, oddKsize(ksize, "Sobel"));
	}

	/** Scharr 3×3 derivative; {@code ksize} must be 3 (Scharr has no other size). */
	public static EdgeParams scharr(Gradient output, double ksize) {
		if (ksize != 3)
			throw new IllegalArgumentException("Scharr has a fixed 3x3 kernel: ksize must be 3, got " + ksize + ".");
		return new EdgeParams(Method.SCHARR, 0, 0, 3, false, 0, output, 3);
	}

	/** Laplacian of size {@code ksize} (1, 3, 5 or 7; 1 = the 4-neighbour kernel [0 1 0; 1 -4 1; 0 1 0]). */
	public static EdgeParams laplacian(double ksize) {
		return new EdgeParams(Method.LAPLACIAN, 0, 0, 3, false, 0, Gradient.MAGNITUDE, oddKsize(ksize, "Laplacian"));
	}

	private static int oddKsize(double k, String name) {
		if (k != 1 && k != 3 && k != 5 && k != 7)
			throw new IllegalArgumentException(name + " ksize must be 1, 3, 5 or 7, got " + k + ".");
		return (int) k;
	}

	/** The short name used in result titles, e.g. "canny", "sobel-x", "scharr-direction", "laplacian". */
	public String suffix() {
		String m = method.label.toLowerCase();
		if ((method == Method.SOBEL || method == Method.SCHARR) && output != Gradient.MAGNITUDE)
			return m + "-" + output.label.toLowerCase();
		return m;
	}
}
