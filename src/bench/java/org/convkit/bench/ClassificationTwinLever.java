package org.convkit.bench;

import static org.convkit.bench.RuntimeBenchmark.Stats.median;

import org.convkit.core.cnn.net.ChannelsLastForward;
import org.convkit.core.cnn.net.FusedForward;
import org.convkit.core.cnn.net.NdArrays;
import org.convkit.core.cnn.net.NetworkBuilder;
import org.convkit.core.cnn.net.NetworkTwin;
import org.convkit.core.cnn.net.TrainingSettings;
import org.convkit.core.cnn.runtime.ComputeThreads;
import org.convkit.core.cnn.spec.NetworkSpec;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;

/**
 * The classification twins' lever ({@code ./convkit --bench ROUNDS twins}, also under its earlier name
 * {@code channels-last}): images/s of DL4J's {@code output} on ConvKit's network (NCHW) against the twins of it that
 * the Predictor may answer through ({@link NetworkTwin}): {@link ChannelsLastForward} (NHWC, the same weights) and
 * {@link FusedForward} (the convolutions as one oneDNN block), for the CNN cases' networks and batches of 1, 16 and 64,
 * in interleaved rounds in one JVM, 1 thread; medians after one warm-up. The channels-last twin is made on any
 * processor here (its switch set to "true"), so that a run narrowed to AVX2 (src/bench/run-all.sh's variables) shows
 * whether the Predictor should use it there: it tells {@link ChannelsLastForward#of}'s processor rule.
 */
final class ClassificationTwinLever {
	private static final int[] BATCHES = { 1, 16, 64 };

	private ClassificationTwinLever() {
	}

	static void run(int rounds) {
		System.setProperty(ChannelsLastForward.PROPERTY, "true");
		System.out.printf(Locale.ROOT, "%nClassification twins: images/s, DL4J output (NCHW) vs its channels-last twin "
				+ "(NHWC) and its fused-block twin, medians of %d interleaved rounds after 1 warm-up, 1 thread; %s%n",
				rounds, CnnBenchmark.machine());
		System.out.println("| network | batch | DL4J output, NCHW | channels-last twin | fused-block twin "
				+ "| channels-last / NCHW | fused / NCHW |");
		System.out.println("|---|---:|---:|---:|---:|---:|---:|");
		try (ComputeThreads.Scope one = ComputeThreads.use(1)) {
			lever("LeNet 28x28 gray", NetworkSpec.LENET_SPEC, 28, 1, rounds);
			lever("Small VGG 64x64 gray", NetworkSpec.SMALL_VGG_SPEC, 64, 1, rounds);
			lever("Small VGG 96x96 RGB", NetworkSpec.SMALL_VGG_SPEC, 96, 3, rounds);
		}
	}

	private static void lever(String title, String spec, int side, int channels, int rounds) {
		MultiLayerNetwork net = NetworkBuilder.network(NetworkSpec.parse(spec), side, side, channels, 10,
				TrainingSettings.DEFAULTS.withSeed(1));
		NetworkTwin[] twins = { ChannelsLastForward.of(net, side, side, channels),
				FusedForward.of(net, side, side, channels) };
		if (twins[0] == null || twins[1] == null) {
			System.out.println("| " + title + " | | | no twin (oneDNN, its preset or ConvKit's replacements off) | | | |");
			return;
		}
		long work = ComputeThreads.multiplyAdds(NetworkSpec.parse(spec), side, side, channels, 10);
		Random r = new Random(7);
		for (int batch : BATCHES) {
			// about 8 G multiply-adds per contender and round (0.2-0.5 s here), at least 4 calls
			int images = (int) Math.max(4L * batch, Math.min(4096, 8_000_000_000L / Math.max(1, work)) / batch * batch);
			List<INDArray> calls = new ArrayList<>();
			for (int from = 0; from < images; from += batch) {
				float[] x = new float[batch * channels * side * side];
				for (int i = 0; i < x.length; i++) x[i] = (float) r.nextGaussian();
				calls.add(NdArrays.array(x, batch, channels, side, side));
			}
			double[][] speed = new double[3][rounds];
			for (int round = 0; round <= rounds; round++)
				for (int k0 = 0; k0 < 3; k0++) {
					int k = (k0 + round) % 3; // each goes first in turn
					long start = System.nanoTime();
					for (INDArray x : calls) {
						if (k == 0) NdArrays.rows(net.output(x, false));
						else twins[k - 1].probabilities(x);
					}
					if (round > 0) speed[k][round - 1] = images / ((System.nanoTime() - start) / 1e9);
				}
			double a = median(speed[0]), b = median(speed[1]), c = median(speed[2]);
			System.out.printf(Locale.ROOT, "| %s | %d | %.0f | %.0f | %.0f | %.2f | %.2f |%n", title, batch, a, b, c,
					b / a, c / a);
		}
	}
}
