package org.convkit.core.filter;

import java.util.Locale;

/**
 * The validated parameters of a high-pass filter: {@link #gaussian} (original minus Gaussian blur) or {@link #fft}
 * (Butterworth high-pass in the frequency domain, order 0 = ideal). {@code offset} is added to every result pixel.
 */
public final class HighPassParams {
	/** The {@code method=} choices, with their macro labels. */
	public enum Method {
		GAUSSIAN("Gaussian"), FFT("FFT");

		public final String label;

		Method(String label) {
			this.label = label;
		}

		public static String[] labels() {
			return new String[] {GAUSSIAN.label, FFT.label};
		}

		public static Method fromLabel(String label) {
			for (Method m : values())
				if (m.label.equalsIgnoreCase(label)) return m;
			throw new IllegalArgumentException("Unknown method '" + label + "': use 'Gaussian' or 'FFT'.");
		}
	}

	/** Higher Butterworth orders are numerically indistinguishable from the ideal filter (order 0). */
	public static final int MAX_ORDER = 10;
	/**
	 * The largest Gaussian sigma in pixels. The blur's kernel is about 8.3 sigma wide and costs that many operations
	 * per pixel and pass; far larger scales are the FFT method's job (its cost does not grow with the cutoff).
	 */
	public static final double MAX_SIGMA = 1000;

	public final Method method;
	/** Gaussian: the blur's standard deviation in pixels. NaN for FFT. */
	public final double sigma;
	/** FFT: the cutoff wavelength in pixels; frequencies below 1/cutoff cycles/pixel are suppressed. NaN for Gaussian. */
	public final double cutoff;
	/** FFT: the Butterworth order, 0 = ideal (brick-wall) filter. */
	public final int order;
	/** Added to every result pixel (mid-grey keeps negative values visible in 8/16-bit). */
	public final double offset;

	private HighPassParams(Method method, double sigma, double cutoff, int order, double offset) {
		if (!Double.isFinite(offset)) throw new IllegalArgumentException("offset must be a finite number, got " + offset);
		this.method = method;
		this.sigma = sigma;
		this.cutoff = cutoff;
		this.order = order;
		this.offset = offset;
	}

	/** Original minus a Gaussian blur of standard deviation {@code sigma} (> 0) pixels. */
	public static HighPassParams gaussian(double sigma, double offset) {
		if (!(sigma > 0 && sigma <= MAX_SIGMA))
			throw new IllegalArgumentException("sigma must be a positive number of pixels up to " + fmt(MAX_SIGMA)
					+ " (use method=FFT for larger scales), got " + fmt(sigma) + ".");
		return new HighPassParams(Method.GAUSSIAN, sigma, Double.NaN, 0, offset);
	}

	/**
	 * Butterworth high-pass with cutoff wavelength {@code cutoff} (> 0) pixels and a whole-number {@code order}
	 * from 0 (ideal) to {@link #MAX_ORDER}.
	 */
	public static HighPassParams fft(double cutoff, double order, double offset) {
		if (!(cutoff > 0) || Double.isInfinite(cutoff))
			throw new IllegalArgumentException("cutoff must be a positive wavelength in pixels, got " + fmt(cutoff) + ".");
		if (!(order >= 0 && order <= MAX_ORDER && order == Math.rint(order)))
			throw new IllegalArgumentException("order must be a whole number from 0 (ideal filter) to " + MAX_ORDER
					+ ", got " + fmt(order) + ".");
		return new HighPassParams(Method.FFT, Double.NaN, cutoff, (int) order, offset);
	}

	private static String fmt(double v) {
		return v == Math.rint(v) && !Double.isInfinite(v) ? String.valueOf((long) v) : String.format(Locale.ROOT, "%s", v);
	}

	@Override
	public String toString() {
		return method == Method.GAUSSIAN ? "Gaussian sigma=" + sigma + " offset=" + offset
				: "FFT cutoff=" + cutoff + " order=" + order + " offset=" + offset;
	}
}
