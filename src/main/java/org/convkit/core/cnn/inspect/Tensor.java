package org.convkit.core.cnn.inspect;

/**
 * A batch of network values as a plain float array in NCHW order (images × channels × height × width): a layer's
 * activations, or a gradient of the same shape. Values after a dense layer are flat: height = width = 1 and
 * channels = units. This is what the explainers compute with, so they never see a DL4J array.
 */
public final class Tensor {
	public final float[] data;
	public final int n, channels, height, width;

	/** Wraps {@code data} (not copied). */
	public Tensor(float[] data, int n, int channels, int height, int width) {
		if (n < 1 || channels < 1 || height < 1 || width < 1)
			throw new IllegalArgumentException("tensor dimensions must be positive: " + n + "x" + channels + "x"
					+ height + "x" + width);
		if ((long) n * channels * height * width != data.length)
			throw new IllegalArgumentException(data.length + " values for " + n + "x" + channels + "x" + height + "x"
					+ width);
		this.data = data;
		this.n = n;
		this.channels = channels;
		this.height = height;
		this.width = width;
	}

	/** A zero tensor. */
	public static Tensor zeros(int n, int channels, int height, int width) {
		return new Tensor(new float[checkedSize(n, channels, height, width)], n, channels, height, width);
	}

	static int checkedSize(long n, long c, long h, long w) {
		long size = n * c * h * w;
		if (size > Integer.MAX_VALUE - 8)
			throw new IllegalArgumentException("a tensor of " + n + "x" + c + "x" + h + "x" + w
					+ " values is too large for one array");
		return (int) size;
	}

	/** Values per image. */
	public int imageSize() {
		return channels * height * width;
	}

	/** Values per channel plane. */
	public int planeSize() {
		return height * width;
	}

	/** Offset of plane (image, channel) in {@link #data}. */
	public int offset(int image, int channel) {
		return (image * channels + channel) * height * width;
	}

	/** A copy of one channel plane of one image (height × width values, row by row). */
	public float[] plane(int image, int channel) {
		float[] p = new float[planeSize()];
		System.arraycopy(data, offset(image, channel), p, 0, p.length);
		return p;
	}

	/** Whether the values are flat (after a dense layer, or an image of 1×1). */
	public boolean isFlat() {
		return height == 1 && width == 1;
	}

	public Tensor copy() {
		return new Tensor(data.clone(), n, channels, height, width);
	}

	/** "1x20x24x24". */
	public String shapeText() {
		return n + "x" + channels + "x" + height + "x" + width;
	}
}
