package org.convkit.bench;

import static org.convkit.bench.RuntimeBenchmark.Stats.median;

import org.convkit.core.cnn.net.FastTraining;
import org.convkit.core.cnn.net.MaxPoolingLayer;
import org.convkit.core.cnn.net.NetworkBuilder;
import org.convkit.core.cnn.net.TrainingSettings;
import org.convkit.core.cnn.runtime.CpuFeatures;
import org.convkit.core.cnn.spec.NetworkSpec;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Arrays;
import java.util.Locale;

/**
 * The max-pooling lever ({@code ./convkit --bench ROUNDS pooling}): training steps (batch 64, Adam, every
 * {@link FastTraining} replacement on) of the same network with {@link MaxPoolingLayer} (Java) and with DL4J's pooling
 * layer with its oneDNN helper, in interleaved rounds in one JVM; medians of the rounds after one warm-up. Run it
 * narrowed to AVX2 too (src/bench/run-all.sh's variables): that is where oneDNN's pooling is slow, and where
 * ConvKit installs the Java layer by itself ({@link MaxPoolingLayer#wanted()}).
 */
final class PoolingLever {
	private static final int BATCH = 64;

	private PoolingLever() {
	}

	static void run(int rounds) {
		System.out.printf(Locale.ROOT, "%nMax-pooling lever: ms per training step (batch %d, Adam, FastTraining on), "
				+ "MaxPoolingLayer vs DL4J's pooling (oneDNN helper), medians of %d interleaved rounds after 1 "
				+ "warm-up; processor level %s, ONEDNN_MAX_CPU_ISA=%s, ConvKit's automatic choice: %s%n", BATCH,
				rounds, CpuFeatures.level().word(), System.getenv("ONEDNN_MAX_CPU_ISA"),
				MaxPoolingLayer.wanted() ? "Java" : "oneDNN");
		System.out.println("| network | steps per round | MaxPoolingLayer ms | DL4J pooling ms | DL4J / MaxPoolingLayer |");
		System.out.println("|---|---:|---:|---:|---:|");
		lever("LeNet 28x28 gray", NetworkSpec.LENET_SPEC, 28, 1, 20, rounds);
		lever("Small VGG 64x64 gray", NetworkSpec.SMALL_VGG_SPEC, 64, 1, 4, rounds);
		lever("Small VGG 96x96 RGB", NetworkSpec.SMALL_VGG_SPEC, 96, 3, 2, rounds);
	}

	private static MultiLayerNetwork network(String spec, int side, int channels, boolean javaPooling) {
		String before = System.setProperty(MaxPoolingLayer.PROPERTY, Boolean.toString(javaPooling));
		try {
			MultiLayerNetwork net = NetworkBuilder.network(NetworkSpec.parse(spec), side, side, channels, 10,
					TrainingSettings.DEFAULTS.withSeed(1));
			boolean has = Arrays.stream(net.getLayers()).anyMatch(l -> l instanceof MaxPoolingLayer);
			if (has != javaPooling) throw new IllegalStateException("pooling layer not as asked");
			return net;
		} finally {
			if (before == null) System.clearProperty(MaxPoolingLayer.PROPERTY);
			else System.setProperty(MaxPoolingLayer.PROPERTY, before);
		}
	}

	private static void lever(String title, String spec, int side, int channels, int steps, int rounds) {
		MultiLayerNetwork java = network(spec, side, channels, true), dl4j = network(spec, side, channels, false);
		FastTraining fastJava = FastTraining.on(java), fastDl4j = FastTraining.on(dl4j);
		Nd4j.getRandom().setSeed(7);
		INDArray x = Nd4j.rand(DataType.FLOAT, BATCH, channels, side, side).subi(0.3);
		INDArray y = Nd4j.zeros(DataType.FLOAT, BATCH, 10);
		for (int i = 0; i < BATCH; i++) y.putScalar(i, i % 10, 1);
		DataSet d = new DataSet(x, y);
		double[][] ms = new double[2][rounds];
		for (int round = 0; round <= rounds; round++)
			for (int k = 0; k < 2; k++) {
				MultiLayerNetwork net = k == 0 ? java : dl4j;
				long start = System.nanoTime();
				for (int s = 0; s < steps; s++) net.fit(d);
				if (round > 0) ms[k][round - 1] = (System.nanoTime() - start) / 1e6 / steps;
			}
		fastJava.off();
		fastDl4j.off();
		double a = median(ms[0]), b = median(ms[1]);
		System.out.printf(Locale.ROOT, "| %s | %d | %.1f (%.1f–%.1f) | %.1f (%.1f–%.1f) | %.2f |%n", title, steps, a,
				Arrays.stream(ms[0]).min().orElse(Double.NaN), Arrays.stream(ms[0]).max().orElse(Double.NaN), b,
				Arrays.stream(ms[1]).min().orElse(Double.NaN), Arrays.stream(ms[1]).max().orElse(Double.NaN), b / a);
	}

}
