package org.convkit.core.cnn.input;

import org.convkit.core.cnn.spec.NetworkSpec;

/** The network's input: height × width × channels (1 = grayscale, 3 = RGB) and the rule for other sizes. */
public final class InputFormat {
	private final int height, width, channels;
	private final Resize resize;

	/** @throws IllegalArgumentException for sizes below 1, above the spec's cap, or channels other than 1 or 3 */
	public InputFormat(int height, int width, int channels, Resize resize) {
		if (height < 1 || width < 1 || height > NetworkSpec.MAX_INPUT_SIZE || width > NetworkSpec.MAX_INPUT_SIZE)
			throw new IllegalArgumentException("The input size must be between 1x1 and " + NetworkSpec.MAX_INPUT_SIZE
					+ "x" + NetworkSpec.MAX_INPUT_SIZE + ", got width " + width + " and height " + height);
		if (channels != 1 && channels != 3)
			throw new IllegalArgumentException("Images must have 1 (grayscale) or 3 (RGB) channels, got " + channels);
		this.height = height;
		this.width = width;
		this.channels = channels;
		this.resize = resize == null ? Resize.SCALE : resize;
	}

	public int height() {
		return height;
	}

	public int width() {
		return width;
	}

	public int channels() {
		return channels;
	}

	public Resize resize() {
		return resize;
	}

	/** Values per image: channels × height × width. */
	public int size() {
		return channels * height * width;
	}

	@Override
	public boolean equals(Object o) {
		if (!(o instanceof InputFormat)) return false;
		InputFormat f = (InputFormat) o;
		return f.height == height && f.width == width && f.channels == channels && f.resize == resize;
	}

	@Override
	public int hashCode() {
		return ((height * 31 + width) * 31 + channels) * 31 + resize.hashCode();
	}

	@Override
	public String toString() {
		return width + "x" + height + "x" + channels + " (" + resize + ")";
	}
}
