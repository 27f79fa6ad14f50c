package org.convkit.bench;

import static org.convkit.bench.RuntimeBenchmark.Stats.median;

import org.convkit.core.cnn.net.FusedForward;
import org.convkit.core.cnn.net.NdArrays;
import org.convkit.core.cnn.net.NetworkBuilder;
import org.convkit.core.cnn.net.SmallBatchForward;
import org.convkit.core.cnn.net.TrainingSettings;
import org.convkit.core.cnn.runtime.CpuFeatures;
import org.convkit.core.cnn.spec.NetworkSpec;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Arrays;
import java.util.Locale;
import java.util.Random;

/**
 * The inference-path lever ({@code ./convkit --bench ROUNDS inference}): images/s of {@link SmallBatchForward} (Java
 * im2col, one OpenBLAS product per layer for the whole batch) against DL4J's {@code output} on the same network
 * (oneDNN helpers where ConvKit attaches them) and against the fused-block twin ({@link FusedForward}), for several
 * batch sizes and networks of growing size, in interleaved rounds in one JVM; medians after one warm-up. It tells
 * which path {@code Predictor} should take and where {@code SmallBatchForward}'s bounds lie. Run it narrowed to AVX2
 * too.
 */
final class InferenceLever {
	private static final int[] BATCHES = { 1, 4, 16, 64 };

	private InferenceLever() {
	}

	static void run(int rounds) {
		System.out.printf(Locale.ROOT, "%nInference lever: images/s, SmallBatchForward vs DL4J output and the "
				+ "fused-block twin, medians of %d interleaved rounds after 1 warm-up; ConvKit's processor level %s; %s%n",
				rounds, CpuFeatures.level().word(), CnnBenchmark.machine());
		System.out.println("| network | multiply-adds per image | batch | SmallBatchForward | DL4J output | fused twin "
				+ "| SmallBatchForward / DL4J | SmallBatchForward / fused |");
		System.out.println("|---|---:|---:|---:|---:|---:|---:|---:|");
		lever("LeNet 28x28 gray", NetworkSpec.LENET_SPEC, 28, 1, rounds);
		lever("Small VGG 24x24 gray", NetworkSpec.SMALL_VGG_SPEC, 24, 1, rounds);
		lever("Small VGG 40x40 gray", NetworkSpec.SMALL_VGG_SPEC, 40, 1, rounds);
		lever("Small VGG 64x64 gray", NetworkSpec.SMALL_VGG_SPEC, 64, 1, rounds);
	}

	private static void lever(String title, String spec, int side, int channels, int rounds) {
		MultiLayerNetwork net = NetworkBuilder.network(NetworkSpec.parse(spec), side, side, channels, 10,
				TrainingSettings.DEFAULTS.withSeed(1));
		SmallBatchForward small = SmallBatchForward.of(net, side, side, channels, Long.MAX_VALUE);
		FusedForward fused = FusedForward.of(net, side, side, channels);
		long work = org.convkit.core.cnn.runtime.ComputeThreads.multiplyAdds(NetworkSpec.parse(spec), side, side,
				channels, 10);
		int size = channels * side * side;
		Random r = new Random(7);
		for (int batch : BATCHES) {
			// about 0.3 s of work per contender and round at 1 GFLOP/s
			int images = (int) Math.max(batch, Math.min(4096, 300_000_000L / Math.max(1, work)) / batch * batch);
			float[] x = new float[images * size];
			for (int i = 0; i < x.length; i++) x[i] = (float) r.nextGaussian();
			int contenders = fused == null ? 2 : 3;
			double[][] speed = new double[3][rounds];
			for (int round = 0; round <= rounds; round++)
				for (int k = 0; k < contenders; k++) {
					long start = System.nanoTime();
					for (int from = 0; from < images; from += batch) {
						float[] part = Arrays.copyOfRange(x, from * size, (from + batch) * size);
						if (k == 0) small.probabilities(part, batch);
						else if (k == 1)
							NdArrays.rows(net.output(NdArrays.array(part, batch, channels, side, side), false));
						else fused.probabilities(NdArrays.array(part, batch, channels, side, side));
					}
					if (round > 0) speed[k][round - 1] = images / ((System.nanoTime() - start) / 1e9);
				}
			double a = median(speed[0]), b = median(speed[1]), c = fused == null ? Double.NaN : median(speed[2]);
			System.out.printf(Locale.ROOT, "| %s | %.1f M | %d | %.0f | %.0f | %s | %.2f | %s |%n", title, work / 1e6,
					batch, a, b, fused == null ? "none" : String.format(Locale.ROOT, "%.0f", c), a / b,
					fused == null ? "" : String.format(Locale.ROOT, "%.2f", a / c));
		}
	}

}
