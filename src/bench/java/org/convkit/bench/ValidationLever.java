package org.convkit.bench;

import static org.convkit.bench.RuntimeBenchmark.Stats.median;

import ij.ImageStack;
import org.convkit.core.cnn.input.ImageTensor;
import org.convkit.core.cnn.input.InputFormat;
import org.convkit.core.cnn.input.Resize;
import org.convkit.core.cnn.net.FastTraining;
import org.convkit.core.cnn.net.NetworkBuilder;
import org.convkit.core.cnn.net.TrainableNetwork;
import org.convkit.core.cnn.net.TrainingSettings;
import org.convkit.core.cnn.spec.NetworkSpec;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The validation pass between epochs ({@code ./convkit --bench ROUNDS validation}): DL4J's {@code output} over 200
 * images in batches of 64 on a network in training, through the fused block's forward pass (ConvKit's Trainer since
 * 2026-12-05) against the layers' own objects (before; a second network with the same weights), on the CNN cases'
 * networks and images, after three more training steps each round, in one JVM; rounds interleave (each contender
 * goes first in turn), medians after one warm-up round. Threads as set ({@code OMP_NUM_THREADS}; the Trainer
 * validates on its training count). Narrowed to AVX2 (src/bench/run-all.sh's variables) it shows the other processor
 * kind.
 */
final class ValidationLever {
	private static final int IMAGES = 200, BATCH = 64;

	private ValidationLever() {
	}

	static void run(int rounds) {
		System.out.printf(Locale.ROOT, "%nValidation lever: DL4J's output on %d images (batches of %d) of a network in "
				+ "training, ms, through the layers' own objects vs the fused block's forward pass, medians of %d "
				+ "interleaved rounds after 1 warm-up; %s%n", IMAGES, BATCH, rounds, CnnBenchmark.machine());
		System.out.println("| network | layers, ms | fused block, ms | layers / block |");
		System.out.println("|---|---:|---:|---:|");
		for (CnnCase c : CnnCase.ALL)
			lever(c, rounds);
	}

	private static void lever(CnnCase c, int rounds) {
		ImageStack images = c.images(CnnBenchmark.SEED, IMAGES + BATCH);
		List<INDArray> batches = new ArrayList<>();
		for (int i = 0; i < IMAGES; i += BATCH) batches.add(features(c, images, i, Math.min(BATCH, IMAGES - i)));
		INDArray labels = Nd4j.zeros(DataType.FLOAT, BATCH, CnnCase.CLASSES);
		for (int i = 0; i < BATCH; i++) labels.putScalar(i, i % CnnCase.CLASSES, 1);
		DataSet step = new DataSet(features(c, images, IMAGES, BATCH), labels);
		TrainableNetwork net = network(c), layers = network(c); // layers: the same weights, no block
		double[][] ms = new double[2][rounds];
		FastTraining f = FastTraining.on(net); // for all rounds, as in a Trainer's run
		try {
			for (int round = 0; round <= rounds; round++) {
				for (int s = 0; s < 3; s++) net.fit(step);
				layers.setParams(net.params());
				for (int k0 = 0; k0 < 2; k0++) {
					int k = (k0 + round) % 2; // 0 the layers' own objects, 1 the block; each goes first in turn
					TrainableNetwork m = k == 0 ? layers : net;
					long t0 = System.nanoTime();
					for (INDArray x : batches) m.output(x, false);
					if (round > 0) ms[k][round - 1] = (System.nanoTime() - t0) / 1e6;
				}
			}
		} finally {
			f.off();
		}
		double a = median(ms[0]), b = median(ms[1]);
		System.out.printf(Locale.ROOT, "| %s | %.0f | %.0f | %.2f |%n", c.title(), a, b, a / b);
	}

	private static TrainableNetwork network(CnnCase c) {
		return NetworkBuilder.network(NetworkSpec.preset(c.preset), c.size, c.size, c.channels, CnnCase.CLASSES,
				TrainingSettings.DEFAULTS);
	}

	/** {@code n} images from {@code first} as an NCHW batch, as ConvKit's pipeline converts them (not normalised). */
	private static INDArray features(CnnCase c, ImageStack images, int first, int n) {
		InputFormat f = new InputFormat(c.size, c.size, c.channels, Resize.SCALE);
		float[] x = new float[n * f.size()];
		for (int i = 0; i < n; i++) ImageTensor.convert(images.getProcessor(first + i + 1), f, x, i * f.size());
		return Nd4j.create(x, new long[] { n, c.channels, c.size, c.size }, 'c');
	}
}
