package org.convkit.core.filter;

import org.convkit.core.cnn.spec.Padding;

/**
 * Where the windows of a strided window operation (a pooling layer, a strided or unpadded convolution) fall along
 * one axis of {@code size} pixels: output pixel {@code o} reads input pixels {@code start(o) ... start(o) + window - 1}
 * (those outside {@code 0 ... size - 1} are padding). The output length is the layer formula
 * {@code floor((n + 2p − k) / s) + 1}, which is {@code floor((n − k) / s) + 1} for Valid (p = 0) and
 * {@code ceil(n / s)} for Same.
 * <p>
 * Two rules for where Same puts its padding, because the two commands keep two conventions:
 * <ul>
 * <li>{@link #pooling}: DL4J's and TensorFlow's — the total padding {@code (out − 1)·s + k − n} is split with the
 * smaller half before (integer division truncating toward zero, as DL4J's libnd4j computes it);</li>
 * <li>{@link #kernel}: Apply Kernel's anchor — output pixel o is the stride-1 result at {@code o·s} (the kernel's
 * anchor {@code k/2} on it), so a strided Same result is the Same result subsampled from pixel 0.</li>
 * </ul>
 */
public final class WindowGrid {
	/** Largest window and stride accepted: keeps every index sum inside an int. */
	public static final int MAX = 100_000;

	public final int size, window, stride, out;
	public final Padding padding;
	/** Padding pixels before the first pixel (negative: the first window starts inside the image). */
	public final int before;
	/** A kernel grid: output pixels stand at the kernel's anchor, not at the window's centre. */
	private final boolean anchored;

	private WindowGrid(int size, int window, int stride, Padding padding, int before, boolean anchored) {
		this.anchored = anchored;
		this.size = size;
		this.window = window;
		this.stride = stride;
		this.padding = padding;
		this.before = before;
		this.out = padding.outputSize(size, window, stride);
	}

	/** A pooling window: Same pads like DL4J's SubsamplingLayer (ConvolutionMode.Same) and TensorFlow. */
	public static WindowGrid pooling(int size, int window, int stride, Padding padding) {
		check(size, window, stride, padding);
		int out = padding.outputSize(size, window, stride);
		int before = padding.before(size, window, stride);
		return new WindowGrid(size, window, stride, padding, before, false);
	}

	/** A kernel with Apply Kernel's anchor: Same puts the anchor on pixels 0, s, 2s, ... */
	public static WindowGrid kernel(int size, int window, int stride, Padding padding) {
		check(size, window, stride, padding);
		return new WindowGrid(size, window, stride, padding, padding == Padding.SAME ? window / 2 : 0, true);
	}

	private static void check(int size, int window, int stride, Padding padding) {
		if (size < 1) throw new IllegalArgumentException("The image is empty.");
		if (window < 1 || window > MAX)
			throw new IllegalArgumentException("The window size " + window + " must be from 1 to " + MAX + ".");
		if (stride < 1 || stride > MAX)
			throw new IllegalArgumentException("The stride " + stride + " must be from 1 to " + MAX + ".");
		if (padding == null) throw new IllegalArgumentException("No padding given.");
		if (padding == Padding.VALID && window > size)
			throw new IllegalArgumentException("The window (" + window + ") is larger than the image (" + size
					+ "): Valid padding leaves no output. Use Same, or a smaller window.");
	}

	/** First input pixel that output pixel {@code o} reads (may be negative: padding). */
	public int start(int o) {
		return o * stride - before;
	}

	/** Padding pixels after the last pixel that the last window reaches (0 when it stops inside the image). */
	public int after() {
		return Math.max(0, (out - 1) * stride + window - size - before);
	}

	/** The input pixel under the kernel's anchor ({@code window / 2}) for output pixel o. */
	public int anchor(int o) {
		return start(o) + window / 2;
	}

	/**
	 * Where output pixel o stands in input pixel coordinates: the anchor of a kernel grid, the window's centre of
	 * a pooling grid (x.5 for an even window). For the output's spatial calibration.
	 */
	public double position(int o) {
		return anchored ? anchor(o) : start(o) + (window - 1) / 2.0;
	}

	/** The layer formula with this axis's numbers filled in, e.g. "floor((100 + 2*0 - 3) / 2) + 1 = 49". */
	public String formula() {
		if (padding == Padding.VALID)
			return "floor((" + size + " + 2*0 - " + window + ") / " + stride + ") + 1 = " + out;
		return "ceil(" + size + " / " + stride + ") = " + out + " (padding " + Math.max(0, before) + " before, "
				+ after() + " after)";
	}

	@Override
	public String toString() {
		return formula();
	}
}
