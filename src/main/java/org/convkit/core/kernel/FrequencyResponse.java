package org.convkit.core.kernel;

/**
 * The magnitude of a kernel's 2-D frequency response, |H(fx, fy)|, sampled on a size × size grid of frequencies
 * {@code f = (i − size/2) / size} cycles per pixel (integer division), so DC is at ({@code size/2}, {@code size/2})
 * and, for an even size, the Nyquist frequency −0.5 is column and row 0. This is numpy's
 * {@code abs(fftshift(fft2(k, s=(size, size))))}: the DFT of the kernel zero-padded to size × size.
 * <p>
 * Correlating with k multiplies a frequency f of the image by H(f) (the conjugate of the DFT, as the kernel is not
 * flipped, and a phase for the anchor), so |H| is the gain at each frequency: a blur keeps DC (|H(0)| = the
 * kernel's sum) and damps high frequencies, a high-pass kernel (sum 0) removes DC.
 * <p>
 * Computed as a separable DFT in double, rows then columns: kernelHeight·size·kernelWidth + size²·kernelHeight
 * complex products.
 */
public final class FrequencyResponse {
	public static final int MIN_SIZE = 2, MAX_SIZE = 2048;
	/** The floor of {@link #decibels()}: 100 dB below the largest gain. */
	public static final double FLOOR_DB = -100;

	private final int size;
	private final float[] magnitude;

	private FrequencyResponse(int size, float[] magnitude) {
		this.size = size;
		this.magnitude = magnitude;
	}

	/**
	 * |H| of {@code kernel} on a size × size grid.
	 *
	 * @throws IllegalArgumentException when size is out of range or smaller than the kernel (which would alias)
	 */
	public static FrequencyResponse of(Kernel kernel, int size) {
		if (size < MIN_SIZE || size > MAX_SIZE)
			throw new IllegalArgumentException("The size " + size + " must be from " + MIN_SIZE + " to " + MAX_SIZE
					+ ".");
		if (size < kernel.width() || size < kernel.height())
			throw new IllegalArgumentException("The size " + size + " is smaller than the kernel (" + kernel.width()
					+ "x" + kernel.height() + "): the response needs at least as many frequencies as taps.");
		int kw = kernel.width(), kh = kernel.height(), half = size / 2;
		double[] cos = new double[size], sin = new double[size];
		for (int i = 0; i < size; i++) {
			double a = -2 * Math.PI * i / size;
			cos[i] = Math.cos(a);
			sin[i] = Math.sin(a);
		}
		// rows: R[y][u] = sum_x k(x, y) e^{-2 pi i (u - half) x / size}
		double[] re = new double[kh * size], im = new double[kh * size];
		for (int y = 0; y < kh; y++)
			for (int u = 0; u < size; u++) {
				double sr = 0, si = 0;
				for (int x = 0; x < kw; x++) {
					int t = Math.floorMod((long) (u - half) * x, size);
					double v = kernel.get(x, y);
					sr += v * cos[t];
					si += v * sin[t];
				}
				re[y * size + u] = sr;
				im[y * size + u] = si;
			}
		// columns: H[v][u] = sum_y R[y][u] e^{-2 pi i (v - half) y / size}
		float[] mag = new float[size * size];
		for (int v = 0; v < size; v++) {
			for (int u = 0; u < size; u++) {
				double hr = 0, hi = 0;
				for (int y = 0; y < kh; y++) {
					int t = Math.floorMod((long) (v - half) * y, size);
					double r = re[y * size + u], i = im[y * size + u];
					hr += r * cos[t] - i * sin[t];
					hi += r * sin[t] + i * cos[t];
				}
				mag[v * size + u] = (float) Math.hypot(hr, hi);
			}
		}
		return new FrequencyResponse(size, mag);
	}

	public int size() {
		return size;
	}

	/** The frequency of column (or row) i in cycles per pixel. */
	public double frequency(int i) {
		return (i - size / 2) / (double) size;
	}

	/** |H| row-major, size × size, DC at (size/2, size/2) (a copy). */
	public float[] magnitude() {
		return magnitude.clone();
	}

	/** |H| at column u (x frequency), row v (y frequency). */
	public float at(int u, int v) {
		return magnitude[v * size + u];
	}

	/** |H(0, 0)|: the absolute kernel sum. */
	public float dc() {
		return at(size / 2, size / 2);
	}

	/** The index (v·size + u) of the largest |H|, the first one on ties. */
	public int argMax() {
		int best = 0;
		for (int i = 1; i < magnitude.length; i++)
			if (magnitude[i] > magnitude[best]) best = i;
		return best;
	}

	/**
	 * {@code 20·log10(|H| / max|H|)} in dB (0 at the largest gain), at least {@link #FLOOR_DB}; all {@link #FLOOR_DB}
	 * for a kernel of zeros.
	 */
	public float[] decibels() {
		float max = magnitude[argMax()];
		float[] db = new float[magnitude.length];
		for (int i = 0; i < db.length; i++)
			db[i] = max > 0 && magnitude[i] > 0
					? (float) Math.max(FLOOR_DB, 20 * Math.log10(magnitude[i] / (double) max)) : (float) FLOOR_DB;
		return db;
	}

	/** The kernel's values as a (width·zoom) × (height·zoom) image, each value a zoom × zoom block. */
	public static float[] enlarged(Kernel kernel, int zoom) {
		if (zoom < 1) throw new IllegalArgumentException("The zoom " + zoom + " must be at least 1.");
		int w = kernel.width() * zoom, h = kernel.height() * zoom;
		float[] out = new float[w * h];
		for (int y = 0; y < h; y++)
			for (int x = 0; x < w; x++) out[y * w + x] = (float) kernel.get(x / zoom, y / zoom);
		return out;
	}
}
