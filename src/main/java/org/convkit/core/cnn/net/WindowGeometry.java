package org.convkit.core.cnn.net;

import org.convkit.core.cnn.spec.Padding;
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
	 * its shape is read): "same" mode pads as libnd4j does ({@link #samePadding}), "truncate" takes {@code padding};
	 * null for other modes.
	 */
	static int[] of(INDArray input, ConvolutionMode mode, int[] kernel, int[] stride, int[] padding, int[] dilation) {
		if (mode == ConvolutionMode.Same) {
			int[] out = ConvolutionUtils.getOutputSize(input, kernel, stride, null, mode, dilation, CNN2DFormat.NCHW);
			return new int[] { out[0], out[1], samePadding((int) input.size(2), kernel[0], stride[0], dilation, 0),
					samePadding((int) input.size(3), kernel[1], stride[1], dilation, 1) };
		}
		if (mode != ConvolutionMode.Truncate) return null;
		int[] out = ConvolutionUtils.getOutputSize(input, kernel, stride, padding, mode, dilation, CNN2DFormat.NCHW);
		return new int[] { out[0], out[1], padding[0], padding[1] };
	}

	/**
	 * "Same" mode's padding before the first window along one axis, as libnd4j computes it ({@link Padding#before}):
	 * negative where a stride at least 2 larger than the (dilated) window leaves input uncovered — e.g. "maxpool 1
	 * stride=3 pad=same" on 9 rows: -1, windows at rows 1, 4, 7. DL4J's Java
	 * {@code ConvolutionUtils.getSameModeTopLeftPadding} computes the same but throws ("Invalid padding values
	 * calculated") when it is negative, while its pooling's forward pass runs such layers on libnd4j (every processor
	 * with AVX-512); ConvKit's Java pooling runs them where oneDNN lacks AVX-512 and must place the windows alike.
	 * ConvKit refuses such layers in the networks it builds ({@code NetworkSpec.shapes}: DL4J's convolution, and its
	 * pooling's backprop, throw there), but a model made elsewhere may hold one.
	 */
	static int samePadding(int in, int kernel, int stride, int[] dilation, int axis) {
		int d = dilation == null ? 1 : dilation[axis];
		return Padding.SAME.before(in, (kernel - 1) * d + 1, stride);
	}
}
