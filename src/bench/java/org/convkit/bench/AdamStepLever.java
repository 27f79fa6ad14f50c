package org.convkit.bench;

import org.convkit.core.cnn.net.JavaAdamUpdater;
import org.convkit.core.cnn.net.NetworkBuilder;
import org.convkit.core.cnn.net.TrainingSettings;
import org.convkit.core.cnn.runtime.ComputeThreads;
import org.convkit.core.cnn.spec.NetworkSpec;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.transforms.pairwise.arithmetic.Axpy;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.AdamUpdater;
import org.nd4j.linalg.learning.config.Adam;

import java.util.Locale;

/**
 * Adam's step lever ({@code ./convkit --bench ROUNDS adam-step}): the update phase of one training step on the
 * presets' parameter counts, ms per step in interleaved rounds in one JVM (medians after one warm-up round) — DL4J's
 * L2 term ({@code Axpy}, as its {@code L2Regularization}), Adam's step, then the parameters less the update (as its
 * step function), on 1 and 2 threads ({@link ComputeThreads#use}); ConvKit's Java step ({@link JavaAdamUpdater}) and
 * libnd4j's {@code adam_updater} op alone beside it. Java's step splits across the threads only for arrays of at
 * least {@link JavaAdamUpdater}'s two parts (Small VGG's); libnd4j's loops and the L2 and subtraction ops are
 * OpenMP's. Set nothing: the lever fixes the thread counts itself.
 */
final class AdamStepLever {
	private AdamStepLever() {
	}

	static void run(int rounds) {
		System.out.printf(Locale.ROOT, "%nAdam's step: ms per training step, medians of %d interleaved rounds after 1 "
				+ "warm-up; %s%n", rounds, CnnBenchmark.machine());
		System.out.println("| network (parameters) | Java Adam, 1 thread | Java Adam, 2 threads | 1 / 2 | libnd4j's "
				+ "adam_updater, 2 threads | update phase (L2, Adam, subtraction), 1 thread | the same, 2 threads | "
				+ "1 / 2 |");
		System.out.println("|---|---:|---:|---:|---:|---:|---:|---:|");
		row("LeNet 28×28", NetworkSpec.LENET_SPEC, 28, 1, rounds);
		row("Small VGG 64×64", NetworkSpec.SMALL_VGG_SPEC, 64, 1, rounds);
		row("Small VGG 96×96 RGB", NetworkSpec.SMALL_VGG_SPEC, 96, 3, rounds);
	}

	private static void row(String name, String spec, int size, int channels, int rounds) {
		long n = NetworkBuilder.network(NetworkSpec.parse(spec), size, size, channels, 10, TrainingSettings.DEFAULTS)
				.numParams();
		Nd4j.getRandom().setSeed(7);
		INDArray params = Nd4j.rand(DataType.FLOAT, 1, n).subi(0.5), grad0 = Nd4j.rand(DataType.FLOAT, 1, n).subi(0.5)
				.muli(1e-3), grad = grad0.dup(), state = Nd4j.zeros(DataType.FLOAT, 1, 2 * n);
		Adam config = new Adam(1e-3);
		JavaAdamUpdater java = new JavaAdamUpdater(config);
		java.setStateViewArray(state, new long[] { 1, n }, 'c', true);
		AdamUpdater libnd4j = new AdamUpdater(config);
		libnd4j.setStateViewArray(state.dup(), new long[] { 1, n }, 'c', true);
		int[] iteration = { 0 };
		Runnable javaStep = () -> {
			grad.assign(grad0); // each step a fresh gradient, as training's
			java.applyUpdater(grad, iteration[0]++, 0);
		};
		Runnable phase = () -> {
			grad.assign(grad0);
			Nd4j.exec(new Axpy(params, grad, grad, 1e-4));
			java.applyUpdater(grad, iteration[0]++, 0);
			params.subi(grad);
		};
		Runnable[] work = { javaStep, javaStep, () -> {
			grad.assign(grad0);
			libnd4j.applyUpdater(grad, iteration[0]++, 0);
		}, phase, phase };
		int[] threads = { 1, 2, 2, 1, 2 };
		// the copy of the fresh gradient is timed apart and taken off: it is not part of a training step
		Runnable copy = () -> grad.assign(grad0);
		int calls = (int) Math.max(3, 50_000_000L / n);
		double[][] ms = new double[work.length + 2][rounds];
		for (int round = 0; round <= rounds; round++) {
			for (int k = 0; k < work.length; k++)
				try (ComputeThreads.Scope s = ComputeThreads.use(threads[k])) {
					long t0 = System.nanoTime();
					for (int i = 0; i < calls; i++) work[k].run();
					if (round > 0) ms[k][round - 1] = (System.nanoTime() - t0) / (calls * 1e6);
				}
			for (int t = 1; t <= 2; t++)
				try (ComputeThreads.Scope s = ComputeThreads.use(t)) {
					long t0 = System.nanoTime();
					for (int i = 0; i < calls; i++) copy.run();
					if (round > 0) ms[work.length + t - 1][round - 1] = (System.nanoTime() - t0) / (calls * 1e6);
				}
		}
		double copy1 = RuntimeBenchmark.Stats.median(ms[work.length]),
				copy2 = RuntimeBenchmark.Stats.median(ms[work.length + 1]);
		double j1 = RuntimeBenchmark.Stats.median(ms[0]) - copy1, j2 = RuntimeBenchmark.Stats.median(ms[1]) - copy2;
		double lib = RuntimeBenchmark.Stats.median(ms[2]) - copy2;
		double p1 = RuntimeBenchmark.Stats.median(ms[3]) - copy1, p2 = RuntimeBenchmark.Stats.median(ms[4]) - copy2;
		System.out.printf(Locale.ROOT, "| %s (%,d) | %.2f | %.2f | %.2f | %.2f | %.2f | %.2f | %.2f |%n", name, n, j1,
				j2, j1 / j2, lib, p1, p2, p1 / p2);
		System.out.flush();
	}
}
