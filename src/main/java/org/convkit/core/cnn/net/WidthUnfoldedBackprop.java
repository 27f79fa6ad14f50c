package org.convkit.core.cnn.net;

import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Arrays;

/**
 * Backprop of a stride-1 convolution from its input's {@link WidthUnfolding}, for inner layers that oneDNN computes
 * forward ({@link ColumnConvolutionLayer}'s ReLU path). With the error {@code E} laid out {@code [nOut][outH][n][outW]}
 * (the products' output order) and {@code U_ky} the unfolding's matrix for kernel row {@code ky}:
 * <ul>
 * <li>weight gradient of kernel row {@code ky}, transposed: {@code U_ky · Eᵀ} ({@code [C·kW][nOut]}; the same sums
 * as {@code E · U_kyᵀ}, which OpenBLAS computes more slowly for these shapes: see
 * {@link #weightGradientProducts});</li>
 * <li>input gradient: {@code W_kyᵀ · E} added into the unfolding's shape at {@code ky}'s shift for every {@code ky}
 * (overlapping windows of one array, one after another), then folded back along the width
 * ({@link WidthUnfolding#fold}, {@code kW} additions per pixel);</li>
 * <li>bias gradient: the error's sums.</li>
 * </ul>
 * The full {@link Im2Col} unfolding copies each value {@code kH·kW} times and folds {@code kH·kW} additions per pixel;
 * here {@code kW}. Buffers live from one batch to the next; not thread-safe.
 */
final class WidthUnfoldedBackprop {
	/**
	 * Calls whose unfolding exceeds this many floats (32 MB) keep oneDNN's backward convolution: measured faster here
	 * for LeNet's second layer (3.7 MB); larger layers take {@link ColumnRule}'s column products or oneDNN, not
	 * measured this way.
	 */
	static final long MAX_FLOATS = 8L << 20;
	/**
	 * Kernels shorter than this keep oneDNN's backward convolution. Whole training steps, the two paths alternating in
	 * one JVM (1 thread, AMD EPYC with AVX-512; a scratch probe, its figures in the note of issue 14): LeNet (second
	 * layer 5 × 5) 1.00–1.02× as fast this way with AVX-512, 1.07–1.09× narrowed to AVX2; Small VGG at 32 × 32 (its
	 * third layer, 3 × 3, is the one that would take this path) 0.95–0.97× with AVX-512, 0.99–1.04× narrowed: the
	 * unfolding saves a copy per kernel row, and oneDNN's 3 × 3 kernels are its best.
	 */
	static final int MIN_KERNEL_HEIGHT = 5;
	/** The last batch's unfolding and output count, for {@link #weightGradient}. */
	private WidthUnfolding last;
	private int nOut;
	private float[] images, rows, errorRows, weightRows, gradientRows, biasGradient;
	private INDArray unfolded, error, weights, weightGradient, inputRows;

	/**
	 * The unfolding for a call of {@code layer} on {@code x} (NCHW), or null where this path does not serve it: stride
	 * other than 1, dilation, a kernel shorter than {@link #MIN_KERNEL_HEIGHT}, a product depth below
	 * {@link WidthUnfolding#suits}, a batch above {@link #MAX_FLOATS}, or a convolution mode {@link WindowGeometry} does
	 * not cover.
	 */
	static WidthUnfolding serving(org.deeplearning4j.nn.conf.layers.ConvolutionLayer layer, INDArray x) {
		int[] k = layer.getKernelSize(), s = layer.getStride();
		if (s[0] != 1 || s[1] != 1 || k[0] < MIN_KERNEL_HEIGHT || !Arrays.equals(layer.getDilation(), new int[] { 1, 1 })
				|| x.rank() != 4 || !WidthUnfolding.suits((int) x.size(1), k[1]))
			return null;
		int[] g = WindowGeometry.of(x, layer.getConvolutionMode(), k, s, layer.getPadding(), layer.getDilation());
		if (g == null) return null;
		WidthUnfolding u = new WidthUnfolding((int) x.size(1), (int) x.size(2), (int) x.size(3), k[0], k[1], g[2], g[3],
				g[0], g[1]);
		return (long) u.depth() * u.rowLength((int) x.size(0)) > MAX_FLOATS ? null : u;
	}

	/**
	 * Backprop of {@code n} images: {@code x} the layer's input (NCHW, contiguous), {@code w} its weights
	 * {@code [nOut][C][kH][kW]}, {@code e} the error with respect to the pre-activation (NCHW
	 * {@code [n][nOut][outH][outW]}, the activation's derivative applied). Writes the input gradient (NCHW) into
	 * {@code dx}; then {@link #weightGradient} and {@link #biasGradient} give the others.
	 */
	void backprop(WidthUnfolding u, INDArray x, float[] w, int nOut, float[] e, int n, float[] dx) {
		int depth = u.depth(), rowLength = u.rowLength(n), positions = u.positions(n), length = depth * rowLength;
		last = u;
		this.nOut = nOut;
		rows = ColumnScratch.sized(rows, length);
		errorRows = ColumnScratch.sized(errorRows, nOut * positions);
		unfolded = NdArrays.detached(unfolded, depth, rowLength);
		inputRows = NdArrays.detached(inputRows, depth, rowLength);
		error = NdArrays.detached(error, nOut, positions);
		weights = NdArrays.detached(weights, u.kernelH, nOut, depth);
		weightGradient = NdArrays.detached(weightGradient, u.kernelH, depth, nOut);
		images = NdArrays.floats(x, images);
		u.unfold(images, n, false, rows);
		NdArrays.write(unfolded, 0, rows, length);
		// the error as [nOut][outH][n][outW], and the bias gradient from it
		if (biasGradient == null || biasGradient.length != nOut) biasGradient = new float[nOut]; // every value set below
		int outH = u.outH, outW = u.outW;
		for (int o = 0, dst = 0; o < nOut; o++) {
			double sum = 0;
			for (int oy = 0; oy < outH; oy++)
				for (int i = 0; i < n; i++)
					for (int ox = 0, src = ((i * nOut + o) * outH + oy) * outW; ox < outW; ox++) {
						float v = e[src + ox];
						errorRows[dst++] = v;
						sum += v;
					}
			biasGradient[o] = (float) sum;
		}
		NdArrays.write(error, 0, errorRows, nOut * positions);
		weightGradientProducts(u, n, nOut, unfolded, error, weightGradient);
		weightRows = u.weightsByRow(w, nOut, weightRows);
		NdArrays.write(weights, 0, weightRows, weightRows.length);
		inputRows.assign(0); // the windows below overlap and add up; the first does not cover the rows' ends
		for (int ky = 0; ky < u.kernelH; ky++)
			OpenBlasProduct.multiply(true, false, depth, positions, nOut, 1f, weights, (long) ky * nOut * depth, depth,
					error, 0, positions, 1f, inputRows, u.shift(ky, n), rowLength);
		NdArrays.read(inputRows, 0, rows, length);
		Arrays.fill(dx, 0, n * u.channels * u.height * u.width, 0f);
		u.fold(rows, n, dx);
	}

	/**
	 * The weight gradient as {@code kH} products {@code U_ky · Eᵀ} into {@code out} ({@code [kH][C·kW][nOut]}), from the
	 * unfolding {@code unfolded} ({@code [C·kW][rowLength]}) and the error {@code [nOut][positions]} of {@code n}
	 * images. {@code U_ky · Eᵀ} rather than {@code E · U_kyᵀ}: LeNet's second layer's five products for 64 images took
	 * 1.13–1.28× as long the other way with AVX-512, 1.12–1.15× narrowed to AVX2 ({@code ./convkit --bench 5 hotspots},
	 * which times this method; docs/benchmarks.md).
	 */
	static void weightGradientProducts(WidthUnfolding u, int n, int nOut, INDArray unfolded, INDArray error,
			INDArray out) {
		int depth = u.depth(), rowLength = u.rowLength(n), positions = u.positions(n);
		for (int ky = 0; ky < u.kernelH; ky++)
			OpenBlasProduct.multiply(false, true, depth, nOut, positions, 1f, unfolded, u.shift(ky, n), rowLength, error,
					0, positions, 0f, out, (long) ky * depth * nOut, nOut);
	}

	/** The last batch's weight gradient in DL4J's order {@code [nOut][C][kH][kW]}. */
	float[] weightGradient() {
		gradientRows = NdArrays.floats(weightGradient, gradientRows);
		return last.weightsFromColumns(gradientRows, nOut);
	}

	/** The last batch's bias gradient. */
	float[] biasGradient() {
		return biasGradient;
	}

	/** Frees the buffers (they come back at the next batch). */
	void release() {
		images = rows = errorRows = weightRows = gradientRows = biasGradient = null;
		unfolded = error = weights = weightGradient = inputRows = null;
		last = null;
	}
}
