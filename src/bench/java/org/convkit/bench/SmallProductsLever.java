package org.convkit.bench;

import org.convkit.core.cnn.net.FusedForward;
import org.convkit.core.cnn.net.NdArrays;
import org.convkit.core.cnn.net.NetworkBuilder;
import org.convkit.core.cnn.net.SmallBatchForward;
import org.convkit.core.cnn.net.TrainingSettings;
import org.convkit.core.cnn.runtime.ComputeThreads;
import org.convkit.core.cnn.runtime.CpuFeatures;
import org.convkit.core.cnn.spec.NetworkSpec;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;

import java.util.Locale;
import java.util.Random;

import static org.convkit.bench.RuntimeBenchmark.Stats.median;

/**
 * The small-products lever ({@code ./convkit --bench ROUNDS small-products}): images/s of one image, and of batches
 * of 4 and 16, through each classification path ({@link SmallBatchForward}, DL4J's {@code output} with ConvKit's dense
 * layers, the fused-block twin {@link FusedForward}) with the small calls' products as ConvKit computes them (the
 * default: oneDNN's sgemm for one image's dense layers and for {@code SmallBatchForward}'s products) and all through
 * {@code Nd4j.gemm} ({@code -Dconvkit.smallProducts=nd4j}), in interleaved rounds in one JVM; medians after one
 * warm-up. Threads as the calls get them without ConvKit's per-call rule (set {@code OMP_NUM_THREADS} to fix them).
 * Run it narrowed to AVX2 too.
 */
final class SmallProductsLever {
	private static final String PROPERTY = "convkit.smallProducts";

	private SmallProductsLever() {
	}

	static void run(int rounds) {
		System.out.printf(Locale.ROOT, "%nSmall-products lever: images/s, the small calls' products through "
				+ "Nd4j.gemm / as ConvKit computes them, medians of %d interleaved rounds after 1 warm-up; ConvKit's "
				+ "processor level %s; %s%n",
				rounds, CpuFeatures.level().word(), CnnBenchmark.machine());
		System.out.println("| network | batch | SmallBatchForward | gain | DL4J output | gain | fused twin | gain |");
		System.out.println("|---|---:|---:|---:|---:|---:|---:|---:|");
		for (int batch : new int[] { 1, 4, 16 }) {
			lever("LeNet 28x28 gray", NetworkSpec.LENET_SPEC, 28, batch, rounds);
			lever("Small VGG 24x24 gray", NetworkSpec.SMALL_VGG_SPEC, 24, batch, rounds);
			lever("Small VGG 64x64 gray", NetworkSpec.SMALL_VGG_SPEC, 64, batch, rounds);
		}
		System.clearProperty(PROPERTY);
	}

	private static void lever(String title, String spec, int side, int batch, int rounds) {
		MultiLayerNetwork net = NetworkBuilder.network(NetworkSpec.parse(spec), side, side, 1, 10,
				TrainingSettings.DEFAULTS.withSeed(1));
		SmallBatchForward small = SmallBatchForward.of(net, side, side, 1, Long.MAX_VALUE);
		FusedForward fused = FusedForward.of(net, side, side, 1);
		long work = ComputeThreads.multiplyAdds(NetworkSpec.parse(spec), side, side, 1, 10);
		int calls = (int) Math.max(20, Math.min(4000, 200_000_000L / Math.max(1, work * batch)));
		int size = side * side * batch;
		Random r = new Random(7);
		float[][] x = new float[calls][size];
		for (float[] images : x)
			for (int i = 0; i < size; i++) images[i] = (float) r.nextGaussian();
		int contenders = fused == null ? 4 : 6;
		double[][] speed = new double[6][rounds];
		for (int round = 0; round <= rounds; round++)
			for (int k = 0; k < contenders; k++) {
				System.setProperty(PROPERTY, k % 2 == 0 ? "nd4j" : "");
				long start = System.nanoTime();
				for (float[] images : x) {
					if (k < 2) small.probabilities(images, batch);
					else if (k < 4) NdArrays.rows(net.output(NdArrays.array(images, batch, 1, side, side), false));
					else fused.probabilities(NdArrays.array(images, batch, 1, side, side));
				}
				if (round > 0) speed[k][round - 1] = (double) calls * batch / ((System.nanoTime() - start) / 1e9);
			}
		StringBuilder row = new StringBuilder("| " + title + " | " + batch);
		for (int path = 0; path < 3; path++) {
			if (path == 2 && fused == null) {
				row.append(" | none | ");
				continue;
			}
			double before = median(speed[2 * path]), after = median(speed[2 * path + 1]);
			row.append(String.format(Locale.ROOT, " | %.0f / %.0f | **%.2f**", before, after, after / before));
		}
		System.out.println(row.append(" |"));
	}
}
