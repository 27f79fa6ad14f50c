package org.convkit.core.cnn.net;

import org.convkit.core.cnn.net.ColumnScratch.Use;
import org.convkit.core.cnn.runtime.CpuFeatures;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Backprop of a {@link ColumnConvolutionLayer} with stride 1 from one unfolding of its error: the error's columns
 * ({@link Im2Col#transposed}: at each input position, every output channel's error at the kernel's taps, flipped) give
 * all three gradients in two matrix products — the input gradient is the weights with flipped taps
 * ({@code [C][nOut·kH·kW]}) times the columns, the weight gradient (flipped) the columns times the input laid out
 * position by position ({@code [H·W][C]}), the bias gradient the error's sums. The other way, from the input's
 * columns, unfolds the input again in backprop (its columns do not stay from the forward pass unless the whole batch
 * is one chunk), transposes the error, and folds {@code weightsᵀ · error} back into images with scattered additions:
 * Java loops that took as long as the products for Small VGG (docs/benchmarks.md, "One unfolding of the error").
 * <p>
 * Per batch: {@link #start}, then {@link #chunk} for each chunk of images in order, then {@link #weightGradient} and
 * {@link #biasGradient}. Buffers come from the network's {@link ColumnScratch} and live from one batch to the next.
 */
final class ErrorColumnBackprop {
	/**
	 * Whether inner stride-1 layers take this path: where the processor has AVX-512 (ConvKit's override included).
	 * There Small VGG trained 1.24–1.35× as fast; narrowed to AVX2 (OpenBLAS's Haswell kernels) it was not faster,
	 * and the input gradient's product took 135 or 225 ms per step from one process to the next, so processors
	 * without AVX-512 keep the input's columns (docs/benchmarks.md, "One unfolding of the error").
	 */
	static final boolean WANTED = CpuFeatures.level() == CpuFeatures.Level.AVX512;
	private final ColumnScratch scratch;
	private Im2Col back;
	private int nOut, channels;
	/** The weights {@code [C][nOut·kH·kW]}, taps flipped; the weight gradient {@code [nOut·kH·kW][C]}, taps flipped. */
	private INDArray flippedWeights, flippedGradient;
	private float[] weightBuffer, flippedBuffer, gradientBuffer;
	/** The bias gradient, summed in double over the batch's positions. */
	private double[] biasSums;

	ErrorColumnBackprop(ColumnScratch scratch) {
		this.scratch = scratch;
	}

	/** A batch with the error unfolding {@code back} and the layer's weights {@code [nOut][C][kH][kW]}. */
	void start(Im2Col back, INDArray weights, int nOut) {
		this.back = back;
		this.nOut = nOut;
		int taps = taps(), k = nOut * taps;
		channels = (int) weights.size(1);
		float[] w = weightBuffer = NdArrays.floats(weights, weightBuffer);
		float[] f = flippedBuffer = ColumnScratch.sized(flippedBuffer, channels * k);
		for (int c = 0; c < channels; c++)
			for (int o = 0; o < nOut; o++)
				for (int t = 0; t < taps; t++) f[c * k + o * taps + t] = w[(o * channels + c) * taps + taps - 1 - t];
		flippedWeights = NdArrays.detached(flippedWeights, channels, k);
		NdArrays.write(flippedWeights, 0, f, channels * k);
		flippedGradient = NdArrays.detached(flippedGradient, k, channels);
		biasSums = new double[nOut];
	}

	/**
	 * Images {@code first .. first+count-1}: their error {@code e} ({@code [count][nOut][outH][outW]}, the
	 * activation's derivative applied) and input {@code x} (the batch, NCHW) give their input gradient {@code dx}
	 * ({@code [count][C][H][W]}), and add to the weight and bias gradients.
	 */
	void chunk(INDArray x, float[] e, int first, int count, float[] dx) {
		int k = back.rows() - 1, inPositions = back.positions(), length = count * inPositions;
		int inPerImage = channels * inPositions;
		float[] cols = scratch.floats(Use.ERROR_COLUMNS, k * length);
		back.fillSpreadNchw(e, count, cols); // the ones row (not needed) would come after these k rows
		INDArray columns = scratch.matrix(Use.ERROR_COLUMNS, k, length);
		NdArrays.write(columns, 0, cols, k * length);
		// the input gradient, [C][count][H·W] → NCHW
		INDArray product = scratch.matrix(Use.INPUT_PRODUCT, channels, length);
		Nd4j.gemm(flippedWeights, columns, product, false, false, 1.0, 0.0);
		float[] p = scratch.floats(Use.INPUT_PRODUCT, channels * length);
		NdArrays.read(product, 0, p, channels * length);
		ColumnScratch.nchw(p, count, channels, inPositions, dx, 0, false);
		// the weight gradient: the columns times the chunk's input laid out position by position, [count·H·W][C]
		// (against [C][count·H·W] transposed in the product: 68 against 90 ms of OpenBLAS per Small VGG 64×64 step)
		float[] images = scratch.floats(Use.IMAGES, count * inPerImage);
		NdArrays.read(x, (long) first * inPerImage, images, count * inPerImage);
		INDArray input = scratch.positionMajor(images, count, channels, inPositions);
		Nd4j.gemm(columns, input, flippedGradient, false, false, 1.0, first == 0 ? 0.0 : 1.0);
		int outPositions = back.height() * back.width();
		for (int i = 0; i < count; i++)
			for (int o = 0; o < nOut; o++) {
				double sum = 0;
				for (int q = (i * nOut + o) * outPositions, end = q + outPositions; q < end; q++) sum += e[q];
				biasSums[o] += sum;
			}
	}

	/** The batch's weight gradient {@code [nOut][C][kH][kW]}. */
	float[] weightGradient() {
		int taps = taps();
		float[] g = gradientBuffer = NdArrays.floats(flippedGradient, gradientBuffer);
		float[] wg = new float[nOut * channels * taps];
		for (int o = 0; o < nOut; o++)
			for (int c = 0; c < channels; c++)
				for (int t = 0; t < taps; t++)
					wg[(o * channels + c) * taps + t] = g[(o * taps + taps - 1 - t) * channels + c];
		return wg;
	}

	/** The batch's bias gradient. */
	float[] biasGradient() {
		float[] b = new float[nOut];
		for (int o = 0; o < nOut; o++) b[o] = (float) biasSums[o];
		return b;
	}

	/** Frees the buffers (they come back at the next batch). */
	void release() {
		flippedWeights = flippedGradient = null;
		weightBuffer = flippedBuffer = gradientBuffer = null;
		biasSums = null;
		back = null;
	}

	/** Kernel taps per channel: the error columns' rows are {@code nOut · taps}. */
	private int taps() {
		return (back.rows() - 1) / nOut;
	}
}
