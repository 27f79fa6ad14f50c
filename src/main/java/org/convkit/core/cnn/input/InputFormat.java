package org.convkit.core.cnn.input;

import org.convkit.core.cnn.spec.NetworkSpec;

/**
 * The network's input: height × width × channels (1 = grayscale, 3 = RGB or three channels of a hyperstack, any other
 * count: channels of a hyperstack) and the rule for other sizes.
 */
public final class InputFormat {
	private final int height, width, channels;
	private final Resize resize;

	/** @throws IllegalArgumentException for sizes or channel counts below 1 or above the spec's caps */
	public InputFormat(int height, int width, int channels, Resize resize) {
		if (height < 1 || width < 1 || height > NetworkSpec.MAX_INPUT_SIZE || width > NetworkSpec.MAX_INPUT_SIZE)
			throw new IllegalArgumentException("The input size must be between 1x1 and " + NetworkSpec.MAX_INPUT_SIZE
					+ "x" + NetworkSpec.MAX_INPUT_SIZE + ", got width " + width + " and height " + height);
		if (channels < 1 || channels > NetworkSpec.MAX_INPUT_CHANNELS)
			throw new IllegalArgumentException("The input must have 1 to " + NetworkSpec.MAX_INPUT_CHANNELS
					+ " channels, got " + channels);
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
