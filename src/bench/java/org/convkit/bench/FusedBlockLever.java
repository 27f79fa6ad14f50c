package org.convkit.bench;

import static org.convkit.bench.RuntimeBenchmark.Stats.median;

import org.convkit.core.cnn.data.StackDataset;
import org.convkit.core.cnn.model.ModelBundle;
import org.convkit.core.cnn.model.ModelFileException;
import org.convkit.core.cnn.net.FastTraining;
import org.convkit.core.cnn.net.TrainingSettings;
import org.convkit.core.cnn.spec.NetworkSpec;
import org.convkit.core.cnn.train.Trainer;
import org.convkit.core.cnn.train.TrainingResult;

import java.util.Locale;

/**
 * The fused convolution block's lever ({@code ./convkit --bench ROUNDS fused}): training images/s of ConvKit's
 * Trainer with the block ({@code -Dconvkit.fusedConvolutions}, default) and without it (the layers one by one, as
 * before it), on the CNN cases' networks and synthetic images, one epoch per contender and round, interleaved in one
 * JVM (each goes first in turn), each continuing the same model; medians after one warm-up round. Threads as the
 * Trainer chooses them (set {@code OMP_NUM_THREADS} to fix them). Narrowed to AVX2 (src/bench/run-all.sh's
 * variables) it shows the block on the other processor kind.
 */
final class FusedBlockLever {
	private static final long SEED = 42;

	private FusedBlockLever() {
	}

	static void run(int rounds) throws ModelFileException {
		System.out.printf(Locale.ROOT, "%nFused convolution block lever: ConvKit's training, images/s, layer by layer "
				+ "vs the fused block, one epoch per round, medians of %d interleaved rounds after 1 warm-up; %s%n",
				rounds, CnnBenchmark.machine());
		System.out.println("| network | images | layer by layer | fused block | fused / layer by layer |");
		System.out.println("|---|---:|---:|---:|---:|");
		String was = System.getProperty(FastTraining.FUSED_PROPERTY);
		try {
			for (CnnCase c : CnnCase.ALL)
				lever(c, rounds);
		} finally {
			if (was == null) System.clearProperty(FastTraining.FUSED_PROPERTY);
			else System.setProperty(FastTraining.FUSED_PROPERTY, was);
		}
	}

	private static void lever(CnnCase c, int rounds) throws ModelFileException {
		int images = Math.min(c.images, 2048);
		StackDataset data = new StackDataset(c.images(SEED, images));
		TrainingSettings s = TrainingSettings.DEFAULTS.withBatchSize(64).withEpochs(1).withSeed(SEED);
		NetworkSpec spec = NetworkSpec.preset(c.preset);
		ModelBundle[] model = new ModelBundle[2];
		double[][] speed = new double[2][rounds];
		for (int round = 0; round <= rounds; round++)
			for (int k0 = 0; k0 < 2; k0++) {
				int k = (k0 + round) % 2; // 0 layer by layer, 1 fused; each goes first in turn
				System.setProperty(FastTraining.FUSED_PROPERTY, k == 1 ? "true" : "false");
				Trainer t = model[k] == null ? new Trainer(data, spec, s)
						: new Trainer(data, null, s).continueFrom(model[k]);
				long start = System.nanoTime();
				TrainingResult r = t.train(null);
				double seconds = (System.nanoTime() - start) / 1e9;
				model[k] = r.last;
				if (round > 0) speed[k][round - 1] = images / seconds;
			}
		double a = median(speed[0]), b = median(speed[1]);
		System.out.printf(Locale.ROOT, "| %s | %d | %.0f | %.0f | %.2f |%n", c.title(), images, a, b, b / a);
	}
}
