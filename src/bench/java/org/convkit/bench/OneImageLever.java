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
 * The one-image lever ({@code ./convkit --bench ROUNDS one-image}): images/s of one image at a time through each
 * classification path ({@link SmallBatchForward}, DL4J's {@code output} with ConvKit's dense layers, the fused-block
 * twin {@link FusedForward}) with one image's products as OpenBLAS's matrix-vector products (the default) and through
 * {@code Nd4j.gemm} ({@code -Dconvkit.matrixVector=false}), in interleaved rounds in one JVM; medians after one
 * warm-up. Run it narrowed to AVX2 too.
 */
final class OneImageLever {
	private static final String PROPERTY = "convkit.matrixVector";

	private OneImageLever() {
	}

	static void run(int rounds) {
		System.out.printf(Locale.ROOT, "%nOne-image lever: images/s one at a time, Nd4j.gemm / OpenBLAS sgemv for one "
				+ "image's products, medians of %d interleaved rounds after 1 warm-up; ConvKit's processor level %s; "
				+ "%s%n",
				rounds, CpuFeatures.level().word(), CnnBenchmark.machine());
		System.out.println("| network | SmallBatchForward | gain | DL4J output | gain | fused twin | gain |");
		System.out.println("|---|---:|---:|---:|---:|---:|---:|");
		lever("LeNet 28x28 gray", NetworkSpec.LENET_SPEC, 28, rounds);
		lever("Small VGG 24x24 gray", NetworkSpec.SMALL_VGG_SPEC, 24, rounds);
		lever("Small VGG 64x64 gray", NetworkSpec.SMALL_VGG_SPEC, 64, rounds);
		System.clearProperty(PROPERTY);
	}

	private static void lever(String title, String spec, int side, int rounds) {
		MultiLayerNetwork net = NetworkBuilder.network(NetworkSpec.parse(spec), side, side, 1, 10,
				TrainingSettings.DEFAULTS.withSeed(1));
		SmallBatchForward small = SmallBatchForward.of(net, side, side, 1, Long.MAX_VALUE);
		FusedForward fused = FusedForward.of(net, side, side, 1);
		long work = ComputeThreads.multiplyAdds(NetworkSpec.parse(spec), side, side, 1, 10);
		int images = (int) Math.max(20, Math.min(4000, 200_000_000L / Math.max(1, work)));
		int size = side * side;
		Random r = new Random(7);
		float[][] x = new float[images][size];
		for (float[] image : x)
			for (int i = 0; i < size; i++) image[i] = (float) r.nextGaussian();
		int contenders = fused == null ? 4 : 6;
		double[][] speed = new double[6][rounds];
		for (int round = 0; round <= rounds; round++)
			for (int k = 0; k < contenders; k++) {
				System.setProperty(PROPERTY, k % 2 == 0 ? "false" : "true");
				long start = System.nanoTime();
				for (float[] image : x) {
					if (k < 2) small.probabilities(image, 1);
					else if (k < 4) NdArrays.rows(net.output(NdArrays.array(image, 1, 1, side, side), false));
					else fused.probabilities(NdArrays.array(image, 1, 1, side, side));
				}
				if (round > 0) speed[k][round - 1] = images / ((System.nanoTime() - start) / 1e9);
			}
		StringBuilder row = new StringBuilder("| " + title);
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
