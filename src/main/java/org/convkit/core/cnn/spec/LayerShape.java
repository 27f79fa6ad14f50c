package org.convkit.core.cnn.spec;

/**
 * The output shape and parameter count of one layer for a given input size: what "CNN Model Info" lists and what
 * the tests compare with DL4J's own numbers. {@code layer} is null for the softmax output layer that ConvKit adds
 * after the spec's layers. Flat outputs (after a dense layer) have height = width = 1 and {@code flat} set.
 */
public final class LayerShape {
	/** 1-based layer number in the spec; spec size + 1 for the output layer. */
	public final int number;
	/** The spec layer, or null for the output layer. */
	public final LayerSpec layer;
	public final int height, width, channels;
	public final boolean flat;
	/**
	 * Number of values in the layer's parameter array, as DL4J counts them (batch norm: gamma, beta and the running
	 * mean and variance, 4 per channel).
	 */
	public final long params;

	LayerShape(int number, LayerSpec layer, int height, int width, int channels, boolean flat, long params) {
		this.number = number;
		this.layer = layer;
		this.height = height;
		this.width = width;
		this.channels = channels;
		this.flat = flat;
		this.params = params;
	}

	/** Number of output values per example. */
	public long size() {
		return (long) height * width * channels;
	}

	/** "28x28x20" or "500". */
	public String shapeText() {
		return flat ? Integer.toString(channels) : height + "x" + width + "x" + channels;
	}

	/** e.g. "2  maxpool 2  -> 12x12x20  params 0". */
	@Override
	public String toString() {
		return number + "  " + (layer == null ? "output softmax " + channels : layer.toString()) + "  -> "
				+ shapeText() + "  params " + params;
	}
}
