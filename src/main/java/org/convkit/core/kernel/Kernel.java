package org.convkit.core.kernel;

import java.util.Arrays;

/**
 * An immutable correlation kernel: {@code width × height} finite values, row-major, applied WITHOUT flipping
 * (like ImageJ's Convolve and OpenCV's filter2D). The anchor is ({@code width/2}, {@code height/2}) with integer
 * division: the centre for odd sizes, the lower-right of the four centre pixels for even sizes (OpenCV's default
 * anchor, scipy.ndimage's {@code origin=0}). So {@code out(x,y) = Σ k(i,j) · in(x + i − ax, y + j − ay)}.
 * <p>
 * Every value fits the 32-bit float arithmetic the filter computes in: its magnitude is at most
 * {@link Float#MAX_VALUE}, and a value that is not 0 does not become 0 as a float.
 */
public final class Kernel {
	/** Largest width or height accepted. */
	public static final int MAX_SIZE = 99;

	private final int width, height;
	private final double[] values;

	public Kernel(int width, int height, double[] values) {
		if (width < 1 || height < 1) throw new IllegalArgumentException("The kernel is empty.");
		if (width > MAX_SIZE || height > MAX_SIZE)
			throw new IllegalArgumentException("The kernel is " + width + "x" + height + "; the largest allowed is "
					+ MAX_SIZE + "x" + MAX_SIZE + ".");
		if (values.length != width * height)
			throw new IllegalArgumentException(values.length + " kernel values do not make " + width + "x" + height);
		for (double v : values) {
			String problem = floatProblem(v);
			if (problem != null) throw new IllegalArgumentException("Kernel value " + v + " " + problem + ".");
		}
		this.width = width;
		this.height = height;
		this.values = values.clone();
		// -0 and 0 act the same; make equals() agree (-0.0 + 0.0 is +0.0).
		for (int i = 0; i < this.values.length; i++) this.values[i] += 0.0;
	}

	/**
	 * Why {@code v} cannot be a kernel value ("is not a finite number", "is beyond ..."), or null when it fits the
	 * 32-bit float arithmetic of the filter.
	 */
	public static String floatProblem(double v) {
		if (!Double.isFinite(v)) return "is not a finite number";
		if (Math.abs(v) > Float.MAX_VALUE)
			return "is beyond the 32-bit float range the filter computes in (largest magnitude " + Float.MAX_VALUE + ")";
		if (v != 0 && (float) v == 0)
			return "is too small for 32-bit float (it would be 0; smallest magnitude " + Float.MIN_VALUE + ")";
		return null;
	}

	/** The sum of the absolute values: a result is at most this times the largest input magnitude. */
	public double absSum() {
		double s = 0;
		for (double v : values) s += Math.abs(v);
		return s;
	}

	public int width() {
		return width;
	}

	public int height() {
		return height;
	}

	public int anchorX() {
		return width / 2;
	}

	public int anchorY() {
		return height / 2;
	}

	/** The value at column {@code x}, row {@code y}. */
	public double get(int x, int y) {
		return values[y * width + x];
	}

	/** A copy of the values, row-major. */
	public double[] values() {
		return values.clone();
	}

	/** The values as floats (what OpenCV computes with for 32-bit images). */
	public float[] floatValues() {
		float[] f = new float[values.length];
		for (int i = 0; i < f.length; i++) f[i] = (float) values[i];
		return f;
	}

	public double sum() {
		double s = 0;
		for (double v : values) s += v;
		return s;
	}

	/** Whether the kernel can be normalized: its sum is not 0. */
	public boolean canNormalize() {
		return sum() != 0;
	}

	/** This kernel divided by its sum; itself when the sum is 0 (a zero-sum kernel cannot be normalized). */
	public Kernel normalized() {
		double s = sum();
		if (s == 0 || s == 1) return this;
		double[] v = values.clone();
		for (int i = 0; i < v.length; i++) {
			v[i] /= s;
			String problem = floatProblem(v[i]);
			if (problem != null)
				throw new IllegalArgumentException("Normalizing divides the kernel by its sum " + s + ": the value "
						+ values[i] + " becomes " + v[i] + ", which " + problem + ".");
		}
		return new Kernel(width, height, v);
	}

	@Override
	public boolean equals(Object o) {
		return o instanceof Kernel && ((Kernel) o).width == width && ((Kernel) o).height == height
				&& Arrays.equals(((Kernel) o).values, values);
	}

	@Override
	public int hashCode() {
		return 31 * (31 * width + height) + Arrays.hashCode(values);
	}

	/** Rows of space-separated numbers, one row per line (the file format; see {@link KernelFiles}). */
	@Override
	public String toString() {
		return KernelParser.format(this, "\n");
	}
}
