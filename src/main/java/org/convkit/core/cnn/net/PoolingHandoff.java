package org.convkit.core.cnn.net;

import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Arrays;

/**
 * What the network's first convolution ({@link ColumnConvolutionLayer}, plain ReLU) and the max pooling right after it
 * ({@link MaxPoolingLayer}) hand each other in a training step, in Java arrays, so that neither reads back what the
 * other has just written:
 * <ul>
 * <li>forward: the convolution's output (after ReLU) as it wrote it into its output array, which the pooling then
 * takes as its input instead of reading that array;</li>
 * <li>backward: the pooling's error and where each window's maximum was, which the convolution turns straight into
 * the error with respect to its pre-activation in the layout its weight-gradient product takes (position-major), one
 * pass instead of the pooling writing its gradient and the convolution reading it back, masking it with ReLU's
 * derivative and transposing it. The gradient array the pooling returns is then left unwritten; a convolution that
 * does not take the hand-over writes it first ({@link #writeGradient}).</li>
 * </ul>
 * Each hand-over names the array it belongs to, and the receiver checks that it got that very array (as DL4J passes a
 * layer's output and the gradient it returns on, unchanged, when no preprocessor sits between the two, which
 * {@link ConvKitLayers} checks); anything else takes the ordinary path. The numbers are those of the ordinary path: the
 * same additions in the same order. Measured in docs/benchmarks.md.
 */
final class PoolingHandoff {
	/** The convolution's last training output and its values (NCHW), or null. */
	private INDArray output;
	private float[] activation;
	/**
	 * The pooling's last returned gradient (the convolution's epsilon), whose values are not written until
	 * {@link #writeGradient} is called, and what it is made of: the pooled error, where each output's maximum was (an
	 * index into the convolution's output) and the maxima themselves; or null.
	 */
	private INDArray gradient;
	private float[] pooledError, maxima;
	private int[] argMax;
	/** {@link #writeGradient}'s Java array, reused. */
	private float[] written;

	/** Forgets both hand-overs (a new forward pass begins). */
	void clear() {
		output = gradient = null;
		activation = pooledError = maxima = null;
		argMax = null;
	}

	/** {@link #clear} and frees the buffer kept between steps (training ends). */
	void release() {
		clear();
		written = null;
	}

	/** The convolution hands over its training output {@code out}, whose values (NCHW) are {@code values}. */
	void forward(INDArray out, float[] values) {
		output = out;
		activation = values;
	}

	/** The convolution's values if {@code input} is the output it handed over, else null. */
	float[] activationFor(INDArray input) {
		return input != null && input == output ? activation : null;
	}

	/**
	 * The pooling hands over the gradient {@code grad} it returns (with respect to the convolution's output), still
	 * unwritten: {@code error} (one value per pooled output, NCHW) goes to the input index {@code argMax[o]} of each
	 * output, whose value is {@code maxima[o]}.
	 */
	void backward(INDArray grad, float[] error, int[] argMax, float[] maxima) {
		gradient = grad;
		pooledError = error;
		this.argMax = argMax;
		this.maxima = maxima;
	}

	/** Whether {@code epsilon} is the gradient the pooling handed over. */
	boolean hasGradient(INDArray epsilon) {
		return epsilon != null && epsilon == gradient;
	}

	/**
	 * Writes the handed-over gradient's values (each pooled error added at its maximum, zero elsewhere), for a
	 * convolution that does not take the hand-over, and forgets it; no-op unless {@code epsilon} is that gradient.
	 */
	void writeGradient(INDArray epsilon) {
		if (!hasGradient(epsilon)) return;
		written = MaxPoolingLayer.gradient(pooledError, argMax, Math.toIntExact(gradient.length()), written, gradient);
		gradient = null;
	}

	/**
	 * The error with respect to the convolution's pre-activation ({@code [n][channels][positions]}) for images
	 * {@code first .. first+count-1}, laid out position-major ({@code [count·positions][channels]}) into {@code t}:
	 * each pooled error added, masked by ReLU's derivative, where the pooling sent it. The same values, added in the
	 * same order, as the pooling's gradient masked and transposed: {@link Relu#masked} is 0 or the value itself, and
	 * at a maximum ReLU's output {@code max(z, 0)} is positive exactly where {@code z} is (a NaN is passed on as it
	 * is), so the mask comes from the maxima, read in order, rather than from {@code z} at scattered places.
	 */
	void positionMajorError(int n, int first, int count, int channels, int positions, float[] t) {
		int perPlane = pooledError.length / (n * channels), perImage = positions * channels;
		float[] err = pooledError, max = maxima;
		int[] at = argMax;
		for (int i = 0; i < count; i++) {
			// an image's part zeroed just before its values go in, while it is in the first-level cache
			Arrays.fill(t, i * perImage, (i + 1) * perImage, 0f);
			for (int c = 0; c < channels; c++) {
				int plane = (first + i) * channels + c, planeStart = plane * positions, dst = i * perImage + c;
				for (int o = plane * perPlane, end = o + perPlane; o < end; o++)
					t[dst + (at[o] - planeStart) * channels] += Relu.masked(err[o], max[o]);
			}
		}
	}
}
