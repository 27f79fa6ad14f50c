package org.convkit.core.cnn.net;

import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.activations.impl.ActivationReLU;

/**
 * ReLU and its backprop in Java, for the layers that replace DL4J's in training (libnd4j's relu_bp op was slow here).
 */
final class Relu {
	private Relu() {
	}

	/** A plain max(0, x): no cap, threshold or negative slope. */
	static boolean isPlain(IActivation a) {
		if (a.getClass() != ActivationReLU.class) return false;
		ActivationReLU r = (ActivationReLU) a;
		return r.getMax() == null && (r.getThreshold() == null || r.getThreshold() == 0)
				&& (r.getNegativeSlope() == null || r.getNegativeSlope() == 0);
	}

	/**
	 * {@code max(v, 0)} in place over {@code v[from .. to)}. The index is the loop's own, with no offset added: Java 17's
	 * compiler leaves loops that index an array at {@code offset + k} scalar and vectorizes this (the first
	 * convolution's output 3.7–4× as fast this way, with AVX-512 and with AVX2: {@code ./convkit --bench N hotspots}).
	 */
	static void apply(float[] v, int from, int to) {
		for (int i = from; i < to; i++) v[i] = Math.max(v[i], 0f);
	}

	/**
	 * Zeroes {@code error[i]} wherever {@code z[i] ≤ 0}: the error with respect to the pre-activation {@code z}.
	 * Branch-free: a branch on the sign mispredicts for half the pixels. keep = −1 (all bits) iff z > 0 (sign bit
	 * clear, not +0); a NaN z with a clear sign bit passes the error through, and the loss shows the NaN anyway.
	 */
	static void backprop(float[] error, float[] z) {
		for (int i = 0; i < error.length; i++) error[i] = masked(error[i], z[i]);
	}

	/** {@code error} where {@code z > 0}, else 0: {@link #backprop} for one value. */
	static float masked(float error, float z) {
		int bits = Float.floatToRawIntBits(z), keep = ~((bits - 1) >> 31) & ~(bits >> 31);
		return Float.intBitsToFloat(Float.floatToRawIntBits(error) & keep);
	}
}
