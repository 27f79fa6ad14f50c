package org.convkit.bench;

import static org.convkit.bench.RuntimeBenchmark.Stats.median;

import org.convkit.core.cnn.net.FastTraining;
import org.convkit.core.cnn.net.MaxPoolingLayer;
import org.convkit.core.cnn.net.NetworkBuilder;
import org.convkit.core.cnn.net.TrainingSettings;
import org.convkit.core.cnn.runtime.CpuFeatures;
import org.convkit.core.cnn.spec.NetworkSpec;
import org.deeplearning4j.nn.layers.convolution.subsampling.SubsamplingLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Arrays;
import java.util.Locale;

/**
 * The max-pooling lever ({@code ./convkit --bench ROUNDS pooling}): training steps (batch 64, Adam, every
 * {@link FastTraining} replacement on) of the same network with {@link MaxPoolingLayer} (Java) for every pooling, with
 * DL4J's pooling layer with its oneDNN helper, and as ConvKit makes it by default, in interleaved rounds in one JVM;
 * medians of the rounds after one warm-up. By default the pooling right after the first convolution is Java's on every
 * processor (linked to the convolution: {@code PoolingHandoff}), the others Java's only where oneDNN lacks AVX-512
 * ({@link MaxPoolingLayer#wanted()}). Run it narrowed to AVX2 too (src/bench/run-all.sh's variables): that is where
 * oneDNN's pooling is slow.
 */
final class PoolingLever {
	private static final int BATCH = 64;

	private PoolingLever() {
	}

	static void run(int rounds) {
		System.out.printf(Locale.ROOT, "%nMax-pooling lever: ms per training step (batch %d, Adam, FastTraining on), "
				+ "MaxPoolingLayer for every pooling vs DL4J's pooling (oneDNN helper) vs ConvKit's default, medians of "
				+ "%d interleaved rounds after 1 warm-up; processor level %s, ONEDNN_MAX_CPU_ISA=%s, ConvKit's default: "
				+ "%s%n", BATCH, rounds, CpuFeatures.level().word(), System.getenv("ONEDNN_MAX_CPU_ISA"),
				MaxPoolingLayer.wanted() ? "Java for every pooling"
						: "Java after the first convolution (linked to it), oneDNN for the others");
		System.out.println("| network | steps per round | MaxPoolingLayer ms | DL4J pooling ms | ConvKit's default ms "
				+ "| DL4J / MaxPoolingLayer | DL4J / default |");
		System.out.println("|---|---:|---:|---:|---:|---:|---:|");
		lever("LeNet 28x28 gray", NetworkSpec.LENET_SPEC, 28, 1, 20, rounds);
		lever("Small VGG 64x64 gray", NetworkSpec.SMALL_VGG_SPEC, 64, 1, 4, rounds);
		lever("Small VGG 96x96 RGB", NetworkSpec.SMALL_VGG_SPEC, 96, 3, 2, rounds);
	}

	/** The network with {@link MaxPoolingLayer#PROPERTY} at {@code pooling}: true, false or auto (the default). */
	private static MultiLayerNetwork network(String spec, int side, int channels, String pooling) {
		String before = System.setProperty(MaxPoolingLayer.PROPERTY, pooling);
		try {
			MultiLayerNetwork net = NetworkBuilder.network(NetworkSpec.parse(spec), side, side, channels, 10,
					TrainingSettings.DEFAULTS.withSeed(1));
			boolean all = Arrays.stream(net.getLayers()).filter(l -> l instanceof SubsamplingLayer)
					.allMatch(l -> l instanceof MaxPoolingLayer);
			boolean none = Arrays.stream(net.getLayers()).noneMatch(l -> l instanceof MaxPoolingLayer);
			if (pooling.equals("true") && !all || pooling.equals("false") && !none)
				throw new IllegalStateException("pooling layers not as asked");
			return net;
		} finally {
			if (before == null) System.clearProperty(MaxPoolingLayer.PROPERTY);
			else System.setProperty(MaxPoolingLayer.PROPERTY, before);
		}
	}

	private static void lever(String title, String spec, int side, int channels, int steps, int rounds) {
		MultiLayerNetwork[] nets = { network(spec, side, channels, "true"), network(spec, side, channels, "false"),
				network(spec, side, channels, "auto") };
		FastTraining[] fast = new FastTraining[nets.length];
		for (int k = 0; k < nets.length; k++) fast[k] = FastTraining.on(nets[k]);
		Nd4j.getRandom().setSeed(7);
		INDArray x = Nd4j.rand(DataType.FLOAT, BATCH, channels, side, side).subi(0.3);
		INDArray y = Nd4j.zeros(DataType.FLOAT, BATCH, 10);
		for (int i = 0; i < BATCH; i++) y.putScalar(i, i % 10, 1);
		DataSet d = new DataSet(x, y);
		double[][] ms = new double[nets.length][rounds];
		for (int round = 0; round <= rounds; round++)
			for (int j = 0; j < nets.length; j++) {
				int k = (j + round) % nets.length; // each network first in turn
				long start = System.nanoTime();
				for (int s = 0; s < steps; s++) nets[k].fit(d);
				if (round > 0) ms[k][round - 1] = (System.nanoTime() - start) / 1e6 / steps;
			}
		for (FastTraining f : fast) f.off();
		double java = median(ms[0]), dl4j = median(ms[1]), auto = median(ms[2]);
		System.out.printf(Locale.ROOT, "| %s | %d | %s | %s | %s | %.2f | %.2f |%n", title, steps, cell(ms[0]),
				cell(ms[1]), cell(ms[2]), dl4j / java, dl4j / auto);
	}

	/** A median with the range of the rounds. */
	private static String cell(double[] ms) {
		return String.format(Locale.ROOT, "%.1f (%.1f–%.1f)", median(ms), Arrays.stream(ms).min().orElse(Double.NaN),
				Arrays.stream(ms).max().orElse(Double.NaN));
	}

}
