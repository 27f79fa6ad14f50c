package org.convkit.bench;

import static org.convkit.bench.RuntimeBenchmark.Stats.median;

import org.convkit.core.cnn.data.StackDataset;
import org.convkit.core.cnn.model.ModelBundle;
import org.convkit.core.cnn.model.ModelFileException;
import org.convkit.core.cnn.net.TrainingSettings;
import org.convkit.core.cnn.spec.NetworkSpec;
import org.convkit.core.cnn.train.Trainer;
import org.convkit.core.cnn.train.TrainingResult;

import java.util.Locale;

/**
 * The fused block's layout lever ({@code ./convkit --bench ROUNDS layouts}): training images/s of ConvKit's Trainer
 * with the block's activations laid out as oneDNN chooses ({@code -Dconvkit.fusedLayout=oneDNN}: blocks of 16 or 8
 * channels, padded) and channels last ({@code =channelsLast}), on the CNN cases' networks and synthetic images (the
 * default takes channels last where oneDNN's layout pads channels: LeNet's, not Small VGG's; FusedConvStackTest
 * checks it); one epoch per contender and round, interleaved in one JVM (each goes first in turn), each continuing
 * its own model; medians after one warm-up round. Threads as the Trainer chooses them (set {@code OMP_NUM_THREADS}
 * to fix them).
 */
final class LayoutLever {
	private static final long SEED = 42;
	private static final String PROPERTY = "convkit.fusedLayout";

	private LayoutLever() {
	}

	static void run(int rounds) throws ModelFileException {
		System.out.printf(Locale.ROOT, "%nLayout lever: ConvKit's training through the fused block, images/s, oneDNN's "
				+ "layout vs channels last, one epoch per round, medians of %d interleaved rounds after 1 warm-up; %s%n",
				rounds, CnnBenchmark.machine());
		System.out.println("| network | images | oneDNN's layout | channels last | channels last / oneDNN's |");
		System.out.println("|---|---:|---:|---:|---:|");
		String was = System.getProperty(PROPERTY);
		try {
			for (CnnCase c : CnnCase.ALL)
				lever(c, rounds);
		} finally {
			if (was == null) System.clearProperty(PROPERTY);
			else System.setProperty(PROPERTY, was);
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
				int k = (k0 + round) % 2; // 0 oneDNN's layout, 1 channels last; each goes first in turn
				System.setProperty(PROPERTY, k == 1 ? "channelsLast" : "oneDNN");
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
