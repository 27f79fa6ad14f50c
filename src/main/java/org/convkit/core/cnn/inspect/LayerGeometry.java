package org.convkit.core.cnn.inspect;

import org.convkit.core.cnn.spec.LayerSpec;
import org.convkit.core.cnn.spec.NetworkSpec;
import org.convkit.core.cnn.spec.Padding;

import java.util.List;

/**
 * Where each output of a spatial layer looks in the network's input, along one axis: output {@code o} of the layer
 * reads the input window {@code [o * stride - pad, o * stride - pad + field)}, where stride is the product of the
 * strides so far, field the receptive field and pad the accumulated top/left padding. DL4J's "same" mode pads
 * {@code ((out - 1) * s + k - in) / 2} before (the rest after), so the padding, and hence this geometry, depends on
 * the input length; the formulas here are DL4J's ({@code ConvolutionUtils.getSameModeTopLeftPadding}, and
 * libnd4j's {@code calcPadding2D} for oneDNN). Batch norm and dropout keep the geometry.
 */
public final class LayerGeometry {
	/** Output length of the layer. */
	public final int length;
	/** Product of the strides up to and including the layer. */
	public final int stride;
	/** Input pixels padded before the first window (accumulated through the layers). */
	public final int pad;
	/** Receptive field: input pixels that one output reads. */
	public final int field;

	private LayerGeometry(int length, int stride, int pad, int field) {
		this.length = length;
		this.stride = stride;
		this.pad = pad;
		this.field = field;
	}

	/**
	 * The geometry of every spec layer up to {@code last} (0-based) for an input of {@code inputLength} along the
	 * axis; {@code height} picks the kernel's height (else width).
	 *
	 * @throws IllegalArgumentException naming the layer when the input is too small for it, or when a layer up to
	 *                                  {@code last} is not spatial (dense)
	 */
	public static LayerGeometry[] of(NetworkSpec spec, List<String> names, int last, int inputLength, boolean height) {
		LayerGeometry[] g = new LayerGeometry[last + 1];
		int length = inputLength, stride = 1, pad = 0, field = 1;
		for (int i = 0; i <= last; i++) {
			LayerSpec l = spec.layers().get(i);
			if (l.kind() == LayerSpec.Kind.DENSE)
				throw new IllegalArgumentException(names.get(i) + " is a dense layer: it has no image geometry");
			if (l.isSpatial()) {
				int k = height ? l.kernelHeight() : l.kernelWidth(), s = l.stride();
				int out = l.padding().outputSize(length, k, s);
				if (out < 1)
					throw new IllegalArgumentException(names.get(i) + " (" + l + ") needs at least " + k
							+ " pixels here but gets " + length);
				// negative where a stride 2 or more above the window leaves input uncovered (refused in the networks
				// ConvKit builds, possible in a model made elsewhere): the first window starts inside the image, as
				// libnd4j places it
				int p = l.padding().before(length, k, s);
				pad += p * stride;
				field += (k - 1) * stride;
				stride *= s;
				length = out;
			}
			g[i] = new LayerGeometry(length, stride, pad, field);
		}
		return g;
	}

	/** The geometry of the input itself: {@code length} pixels, stride 1, no padding, field 1. */
	public static LayerGeometry identity(int length) {
		return new LayerGeometry(length, 1, 0, 1);
	}

	/** The network-input coordinate of the centre of output {@code o}'s window. */
	public double centre(double o) {
		return o * stride - pad + (field - 1) / 2.0;
	}

	/** The output coordinate (fractional) whose window is centred on input coordinate {@code x}. */
	public double output(double x) {
		return (x + pad - (field - 1) / 2.0) / stride;
	}

	/** Smallest input length for which the layers up to {@code last} give at least one output. */
	public static int minimumInput(NetworkSpec spec, int last, boolean height) {
		int need = 1;
		for (int i = last; i >= 0; i--) {
			LayerSpec l = spec.layers().get(i);
			if (!l.isSpatial()) continue;
			int k = height ? l.kernelHeight() : l.kernelWidth();
			need = l.padding() == Padding.SAME ? (need - 1) * l.stride() + 1 : (need - 1) * l.stride() + k;
		}
		return need;
	}
}
