package org.convkit.core.cnn.net;

import org.convkit.core.cnn.spec.NetworkSpec;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.layers.convolution.subsampling.SubsamplingLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Arrays;
import java.util.Locale;

/**
 * The max-pooling lever of docs/benchmarks.md ({@code ./convkit --bench ROUNDS pooling}): training steps (batch 64,
 * Adam, every {@link FastTraining} replacement on) of the same network with {@link MaxPoolingLayer} and with DL4J's
 * own pooling layer (oneDNN's kernels), in interleaved rounds in one JVM; medians of the rounds after one warm-up.
 * Run it narrowed to AVX2 too (src/bench/run-all.sh's variables): that is where oneDNN's pooling is slow.
 */
public final class PoolingLever {
	private static final int BATCH = 64;

	private PoolingLever() {
	}

	public static void run(int rounds, String machine) {
		System.out.printf(Locale.ROOT, "%nMax-pooling lever: ms per training step (batch %d, Adam, FastTraining on), "
				+ "MaxPoolingLayer vs DL4J's pooling (oneDNN), medians of %d interleaved rounds after 1 warm-up; "
				+ "ND4J threads %d; %s%n", BATCH, rounds, Nd4j.getEnvironment().maxThreads(), machine);
		System.out.println("| network | steps per round | MaxPoolingLayer ms | DL4J pooling ms | DL4J / MaxPoolingLayer |");
		System.out.println("|---|---:|---:|---:|---:|");
		lever("LeNet 28x28 gray", NetworkSpec.LENET_SPEC, 28, 1, 20, rounds);
		lever("Small VGG 64x64 gray", NetworkSpec.SMALL_VGG_SPEC, 64, 1, 4, rounds);
		lever("Small VGG 96x96 RGB", NetworkSpec.SMALL_VGG_SPEC, 96, 3, 2, rounds);
	}

	private static void lever(String title, String spec, int side, int channels, int steps, int rounds) {
		MultiLayerNetwork ours = NetworkBuilder.network(NetworkSpec.parse(spec), side, side, channels, 10,
				TrainingSettings.DEFAULTS.withSeed(1));
		MultiLayerNetwork dl4j = NetworkBuilder.network(NetworkSpec.parse(spec), side, side, channels, 10,
				TrainingSettings.DEFAULTS.withSeed(1));
		FastTraining fastOurs = FastTraining.on(ours), fastDl4j = FastTraining.on(dl4j);
		DataType type = dl4j.getLayerWiseConfigurations().getDataType();
		// back to DL4J's own layer object (with its oneDNN helper) in the second network
		LayerReplacement.replaceAll(dl4j, 0, SubsamplingLayer.class, l -> l instanceof MaxPoolingLayer,
				l -> new SubsamplingLayer(l.conf(), type));
		for (Layer l : dl4j.getLayers()) if (l instanceof MaxPoolingLayer) throw new IllegalStateException("not replaced");
		Nd4j.getRandom().setSeed(7);
		INDArray x = Nd4j.rand(DataType.FLOAT, BATCH, channels, side, side).subi(0.3);
		INDArray y = Nd4j.zeros(DataType.FLOAT, BATCH, 10);
		for (int i = 0; i < BATCH; i++) y.putScalar(i, i % 10, 1);
		DataSet d = new DataSet(x, y);
		double[][] ms = new double[2][rounds];
		for (int round = 0; round <= rounds; round++)
			for (int k = 0; k < 2; k++) {
				MultiLayerNetwork net = k == 0 ? ours : dl4j;
				long start = System.nanoTime();
				for (int s = 0; s < steps; s++) net.fit(d);
				if (round > 0) ms[k][round - 1] = (System.nanoTime() - start) / 1e6 / steps;
			}
		fastOurs.off();
		fastDl4j.off();
		double a = median(ms[0]), b = median(ms[1]);
		System.out.printf(Locale.ROOT, "| %s | %d | %.1f (%.1f–%.1f) | %.1f (%.1f–%.1f) | %.2f |%n", title, steps, a,
				min(ms[0]), max(ms[0]), b, min(ms[1]), max(ms[1]), b / a);
	}

	private static double median(double[] v) {
		double[] s = v.clone();
		Arrays.sort(s);
		return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
	}

	private static double min(double[] v) {
		return Arrays.stream(v).min().orElse(Double.NaN);
	}

	private static double max(double[] v) {
		return Arrays.stream(v).max().orElse(Double.NaN);
	}
}
