package org.convkit.core.cnn.net;

import org.convkit.bench.RuntimeBenchmark;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Locale;
import java.util.Random;

/**
 * Kernels of the training and inference steps, old way against new, in interleaved rounds in one JVM (medians of
 * the rounds after one warm-up, ms per call, 1 thread as the launcher's bench runs it): {@link MaxPoolingLayer}'s 2×2
 * forward pass with the maxima's positions and the inference pass's ({@link SmallBatchForward}), each the general
 * loop against the two-by-two path, on LeNet's first pooling input (64 × 20 × 24 × 24: ReLU outputs, half of them 0,
 * and signed values); a dense layer's product {@code input·W} with DL4J's 'f'-order weights by DL4J's {@code mmuli}
 * against {@code Nd4j.gemm} ({@link CachingDenseLayer}); LeNet's first convolution's two products as the first-layer
 * replacement computed them until 2026-12-03 against one product per batch, as {@link ColumnConvolutionLayer} computes
 * them now; that layer's output written through ReLU in two loop forms; and the second convolution's weight gradient
 * in two orientations ({@link WidthUnfoldedBackprop}); one image's dense product and the small-batch inference path's
 * products, through {@code Nd4j.gemm} and as ConvKit computes them now ({@link SmallProducts}). Run with
 * {@code ./convkit --bench ROUNDS hotspots}, and narrowed to AVX2 (src/bench/run-all.sh's variables). In this package
 * for the package-private loops and layers.
 */
public final class KernelLever {
	private KernelLever() {
	}

	public static void run(int rounds) {
		System.out.printf(Locale.ROOT, "%nKernel lever: ms per call, medians of %d interleaved rounds after 1 warm-up; "
				+ "%s%n", rounds, org.convkit.bench.CnnBenchmark.machine());
		System.out.println("| kernel | shape | before | after | before / after |");
		System.out.println("|---|---|---:|---:|---:|");
		pooling(rounds);
		int[][] shapes = { { 1, 36864, 256 }, { 64, 36864, 256 }, { 1, 16384, 256 }, { 64, 800, 500 }, { 1, 800, 500 } };
		for (int[] s : shapes) product(rounds, s[0], s[1], s[2]);
		for (int[] s : new int[][] { { 64, 36864, 256 }, { 64, 800, 500 } }) epsilon(rounds, s[0], s[1], s[2]);
		for (int[] s : new int[][] { { 800, 500 }, { 500, 10 }, { 16384, 256 }, { 256, 10 } })
			oneRow(rounds, s[0], s[1]);
		// LeNet's layers for one image and for four: 20 filters on 25 taps, 50 on 500, dense 500 on 800, 10 on 500
		for (int[] s : new int[][] { { 20, 25, 576 }, { 50, 500, 64 }, { 500, 800, 1 }, { 10, 500, 1 },
				{ 20, 25, 4 * 576 }, { 50, 500, 4 * 64 }, { 500, 800, 4 }, { 20, 25, 64 * 576 }, { 50, 500, 64 * 64 },
				{ 500, 800, 64 } })
			smallBatchProduct(rounds, s[0], s[1], s[2]);
		firstConvolution(rounds);
		for (int[] s : new int[][] { { 20, 17, 576 }, { 32, 6, 4096 } }) reluOutput(rounds, s[0], s[1], s[2]);
		widthUnfoldedWeightGradient(rounds);
	}

	/**
	 * LeNet's second convolution's weight gradient in training (64 images of 20 × 12 × 12, 50 filters 5 × 5), as
	 * {@link WidthUnfoldedBackprop} computes it: one product per kernel row on a window of the width-only unfolding
	 * (depth 20 · 5, 8 · 64 · 8 positions), the error times the window transposed ({@code E · U_kyᵀ}, until
	 * 2026-12-04, kept here as it was) against the window times the error transposed ({@code U_ky · Eᵀ}, the same sums
	 * transposed: {@link WidthUnfoldedBackprop#weightGradientProducts} itself).
	 */
	private static void widthUnfoldedWeightGradient(int rounds) {
		WidthUnfolding u = new WidthUnfolding(20, 12, 12, 5, 5, 0, 0, 8, 8);
		int n = 64, nOut = 50, depth = u.depth(), rowLength = u.rowLength(n), positions = u.positions(n);
		Nd4j.getRandom().setSeed(7);
		INDArray unfolded = Nd4j.rand(DataType.FLOAT, depth, rowLength), error = Nd4j.rand(DataType.FLOAT, nOut, positions);
		INDArray byRow = Nd4j.create(DataType.FLOAT, u.kernelH, nOut, depth);
		INDArray byColumn = Nd4j.create(DataType.FLOAT, u.kernelH, depth, nOut);
		row("second convolution weight gradient, 5 kernel rows: E · U_kyᵀ / U_ky · Eᵀ",
				nOut + "×" + positions + " · " + positions + "×" + depth, interleaved(rounds, 50, () -> {
					for (int ky = 0; ky < u.kernelH; ky++)
						OpenBlasProduct.multiply(false, true, nOut, depth, positions, 1f, error, 0, positions, unfolded,
								u.shift(ky, n), rowLength, 0f, byRow, (long) ky * nOut * depth, depth);
				}, () -> WidthUnfoldedBackprop.weightGradientProducts(u, n, nOut, unfolded, error, byColumn)));
	}

	/**
	 * A first convolution's product {@code [nOut][count][positions]} into its NCHW output through ReLU, for one chunk
	 * of images (LeNet's: 17 images of 24 × 24; Small VGG's at 64 × 64: 6 images): the loop indexing both arrays at an
	 * offset plus the loop's index ({@link ColumnConvolutionLayer} until 2026-12-04), which Java 17's compiler leaves
	 * scalar, against an array copy per run and ReLU over it with the loop's own index ({@link ColumnScratch#nchw}).
	 */
	private static void reluOutput(int rounds, int nOut, int count, int positions) {
		Random r = new Random(6);
		float[] p = new float[nOut * count * positions], act = new float[p.length];
		for (int i = 0; i < p.length; i++) p[i] = (float) r.nextGaussian();
		row("first convolution's output through ReLU into NCHW: offset-indexed loop / copy + loop on its own index",
				nOut + "×" + count + "×" + positions, interleaved(rounds, 200, () -> {
					for (int i = 0; i < count; i++)
						for (int o = 0; o < nOut; o++) {
							int src = (o * count + i) * positions, dst = (i * nOut + o) * positions;
							for (int k = 0; k < positions; k++) act[dst + k] = Math.max(p[src + k], 0f);
						}
				}, () -> ColumnScratch.nchw(p, count, nOut, positions, act, 0, true)));
	}

	/**
	 * LeNet's first convolution in training (64 images 28×28, 20 filters 5×5, so 26 rows of columns with the bias's
	 * row of ones and 576 positions per image): per-image products (the weights tiled per image, the gradients summed
	 * over the images; the first-layer replacement until 2026-12-03) against one product for the whole batch with the
	 * images' columns side by side ({@link Im2Col#fillSpread}'s layout; the layer since), for the forward pass and for
	 * the weight gradient; and the weight gradient's one product in two layouts: the error [filters][positions] times
	 * the columns transposed, against the columns times the error laid out position by position (the layer's).
	 */
	private static void firstConvolution(int rounds) {
		int n = 64, rows = 26, positions = 576, nOut = 20;
		long spreadLength = (long) n * positions;
		Nd4j.getRandom().setSeed(5);
		INDArray tiled = Nd4j.rand(DataType.FLOAT, n, nOut, rows), columns = Nd4j.rand(DataType.FLOAT, n, rows, positions);
		INDArray out = Nd4j.create(DataType.FLOAT, n, nOut, positions), delta = Nd4j.rand(DataType.FLOAT, n, nOut, positions);
		INDArray w = Nd4j.rand(DataType.FLOAT, nOut, rows), spread = Nd4j.rand(DataType.FLOAT, rows, spreadLength);
		INDArray z = Nd4j.create(DataType.FLOAT, nOut, spreadLength);
		INDArray deltaSpread = Nd4j.rand(DataType.FLOAT, nOut, spreadLength);
		INDArray deltaByPosition = Nd4j.rand(DataType.FLOAT, spreadLength, nOut);
		INDArray gradient = Nd4j.create(DataType.FLOAT, nOut, rows), gradientByRow = Nd4j.create(DataType.FLOAT, rows, nOut);
		String shape = nOut + "×" + rows + " · " + rows + "×" + n + "·" + positions;
		row("first convolution forward: per image, weights tiled / one product", shape,
				interleaved(rounds, 50, () -> Nd4j.matmul(tiled, columns, out, false, false, false),
						() -> Nd4j.gemm(w, spread, z, false, false, 1.0, 0.0)));
		row("first convolution weight gradient: per image, summed / one product, columns · error by position", shape,
				interleaved(rounds, 50, () -> Nd4j.matmul(delta, columns, false, true, false).sum(0),
						() -> Nd4j.gemm(spread, deltaByPosition, gradientByRow, false, false, 1.0, 0.0)));
		row("first convolution weight gradient, one product: error · columnsᵀ / columns · error by position", shape,
				interleaved(rounds, 50, () -> Nd4j.gemm(deltaSpread, spread, gradient, false, true, 1.0, 0.0),
						() -> Nd4j.gemm(spread, deltaByPosition, gradientByRow, false, false, 1.0, 0.0)));
	}

	/**
	 * On ReLU outputs (half of them 0), which take the two-by-two path on the floats' bits, and on signed values
	 * (Gaussian), which take it on their order keys: LeNet's pooling comes after a ReLU.
	 */
	private static void pooling(int rounds) {
		int planes = 64 * 20, h = 24, w = 24, outH = 12, outW = 12;
		for (boolean relu : new boolean[] { true, false }) {
			Random r = new Random(1);
			float[] in = new float[planes * h * w], out = new float[planes * outH * outW];
			int[] at = new int[out.length];
			for (int i = 0; i < in.length; i++) {
				float v = (float) r.nextGaussian();
				in[i] = relu ? Math.max(0f, v) : v;
			}
			double[][] ms = interleaved(rounds, 50,
					() -> MaxPoolingLayer.forwardAnyWindow(in, planes, h, w, 2, 2, 2, 2, 0, 0, outH, outW, out, at),
					() -> MaxPoolingLayer.forward(in, planes, h, w, 2, 2, 2, 2, 0, 0, outH, outW, out, at));
			row("max pooling 2×2 forward with positions, " + (relu ? "ReLU outputs" : "signed values")
					+ ": general loop / two-by-two path", "64×20×24×24", ms);
			// inference (SmallBatchForward): maxima only
			ForwardSteps.Pooling inference = ForwardSteps.Pooling.of(new SubsamplingLayer.Builder(PoolingType.MAX)
					.kernelSize(2, 2).stride(2, 2).convolutionMode(ConvolutionMode.Truncate).build(), 20, h, w);
			row("max pooling 2×2 forward for inference, " + (relu ? "ReLU outputs" : "signed values")
					+ ": general loop / two-by-two path", "64×20×24×24",
					interleaved(rounds, 50, () -> inference.anyWindow(in, planes, out),
							() -> ForwardSteps.Pooling.maxTwoByTwo(in, planes, h, w, outH, outW, out)));
		}
	}

	private static void product(int rounds, int n, int nIn, int nOut) {
		Nd4j.getRandom().setSeed(3);
		INDArray x = Nd4j.rand(DataType.FLOAT, n, nIn), w = Nd4j.rand(DataType.FLOAT, nIn, nOut).dup('f');
		INDArray z = Nd4j.create(DataType.FLOAT, n, nOut);
		int calls = calls(n, nIn, nOut);
		double[][] ms = interleaved(rounds, calls, () -> x.mmuli(w, z), () -> Nd4j.gemm(x, w, z, false, false, 1.0, 0.0));
		row("dense product input·W: DL4J's mmuli / Nd4j.gemm", n + "×" + nIn + " · " + nIn + "×" + nOut + " ('f')", ms);
	}

	/**
	 * One image's dense product {@code x·W} (DL4J's 'f'-order weights): {@code Nd4j.gemm} (what
	 * {@link CachingDenseLayer} called for every batch until 2026-12-05) against oneDNN's sgemm
	 * ({@link CachingDenseLayer#oneRowProduct}, its path for one row since).
	 */
	private static void oneRow(int rounds, int nIn, int nOut) {
		Nd4j.getRandom().setSeed(8);
		INDArray x = Nd4j.rand(DataType.FLOAT, 1, nIn), w = Nd4j.rand(DataType.FLOAT, nIn, nOut).dup('f');
		INDArray z = Nd4j.create(DataType.FLOAT, 1, nOut);
		int calls = (int) Math.max(50, Math.min(20_000, 200_000_000L / ((long) nIn * nOut)));
		row("one image's dense product x·W: Nd4j.gemm / oneDNN's sgemm", "1×" + nIn + " · " + nIn + "×" + nOut
				+ " ('f')", interleaved(rounds, calls, () -> Nd4j.gemm(x, w, z, false, false, 1.0, 0.0),
						() -> CachingDenseLayer.oneRowProduct(x, w, z)));
	}

	/**
	 * A product of the inference path for small batches ({@link SmallBatchForward}, {@code ForwardSteps}): weights
	 * {@code [rows × inner]} times a batch's columns, through {@code Nd4j.gemm} (until 2026-12-05) against
	 * {@link SmallProducts} (oneDNN's {@code sgemm}).
	 */
	private static void smallBatchProduct(int rounds, int rows, int inner, int cols) {
		Nd4j.getRandom().setSeed(9);
		INDArray w = Nd4j.rand(DataType.FLOAT, rows, inner), data = Nd4j.rand(DataType.FLOAT, inner, cols);
		INDArray result = Nd4j.create(DataType.FLOAT, rows, cols);
		int calls = (int) Math.max(50, Math.min(20_000, 200_000_000L / ((long) rows * inner * cols)));
		row("inference path's product W·columns: Nd4j.gemm / oneDNN's sgemm",
				rows + "×" + inner + " · " + inner + "×" + cols, interleaved(rounds, calls,
						() -> Nd4j.gemm(w, data, result, false, false, 1.0, 0.0),
						() -> SmallProducts.multiply(w, data, result, rows, cols, inner)));
	}

	/** Backprop's {@code W·deltaᵀ} (the gradient for the layer below), as DL4J's BaseLayer computes it. */
	private static void epsilon(int rounds, int n, int nIn, int nOut) {
		Nd4j.getRandom().setSeed(4);
		INDArray delta = Nd4j.rand(DataType.FLOAT, n, nOut), w = Nd4j.rand(DataType.FLOAT, nIn, nOut).dup('f');
		INDArray eps = Nd4j.create(DataType.FLOAT, new long[] { nIn, n }, 'f');
		int calls = calls(n, nIn, nOut);
		double[][] ms = interleaved(rounds, calls, () -> w.mmuli(delta.transpose(), eps),
				() -> Nd4j.gemm(w, delta, eps, false, true, 1.0, 0.0));
		row("dense backprop W·deltaᵀ: DL4J's mmuli / Nd4j.gemm", nIn + "×" + nOut + " ('f') · " + nOut + "×" + n, ms);
	}

	/** Calls per round for an n × nIn · nIn × nOut product: about 2·10⁹ multiply-adds, 5 to 200. */
	private static int calls(int n, int nIn, int nOut) {
		return (int) Math.max(5, Math.min(200, 2_000_000_000L / ((long) n * nIn * nOut + 1_000_000L)));
	}

	/** ms per call of {@code before} and {@code after}, each round timing one then the other; round 0 is a warm-up. */
	private static double[][] interleaved(int rounds, int calls, Runnable before, Runnable after) {
		double[][] ms = new double[2][rounds];
		for (int round = 0; round <= rounds; round++)
			for (int k = 0; k < 2; k++) {
				Runnable work = k == 0 ? before : after;
				long t0 = System.nanoTime();
				for (int i = 0; i < calls; i++) work.run();
				if (round > 0) ms[k][round - 1] = (System.nanoTime() - t0) / (calls * 1e6);
			}
		return ms;
	}

	private static void row(String kernel, String shape, double[][] ms) {
		double a = RuntimeBenchmark.Stats.median(ms[0]), b = RuntimeBenchmark.Stats.median(ms[1]);
		System.out.printf(Locale.ROOT, "| %s | %s | %.3f | %.3f | %.2f |%n", kernel, shape, a, b, a / b);
		System.out.flush();
	}
}
