package org.convkit.core.cnn.net;

import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.util.ConvolutionUtils;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The output size and top-left padding of a convolution's or pooling's windows over an NCHW input, as DL4J computes
 * them ({@code ConvolutionUtils}), for ConvKit's layers and forward steps that slide DL4J's windows in Java.
 */
final class WindowGeometry {
	private WindowGeometry() {
	}

	/**
	 * {@code {outH, outW, padTop, padLeft}} for {@code kernel} windows moved by {@code stride} over {@code input} (only
	 * its shape is read): "same" mode pads as DL4J does, "truncate" takes {@code padding}; null for other modes.
	 */
	static int[] of(INDArray input, ConvolutionMode mode, int[] kernel, int[] stride, int[] padding, int[] dilation) {
		if (mode == ConvolutionMode.Same) {
			int[] out = ConvolutionUtils.getOutputSize(input, kernel, stride, null, mode, dilation, CNN2DFormat.NCHW);
			int[] pad = ConvolutionUtils.getSameModeTopLeftPadding(out,
					new int[] { (int) input.size(2), (int) input.size(3) }, kernel, stride, dilation);
			return new int[] { out[0], out[1], pad[0], pad[1] };
		}
		if (mode != ConvolutionMode.Truncate) return null;
		int[] out = ConvolutionUtils.getOutputSize(input, kernel, stride, padding, mode, dilation, CNN2DFormat.NCHW);
		return new int[] { out[0], out[1], padding[0], padding[1] };
	}
}
