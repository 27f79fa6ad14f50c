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
 * The levers' way of comparing ConvKit's training with a system property at different values: the Trainer on a CNN
 * case's synthetic images (at most 2,048), one epoch per value and round, interleaved in one JVM (each value goes
 * first in turn), each value continuing its own model; medians after one warm-up round. The property is as it was
 * afterwards.
 */
final class TrainingContenders {
	private static final long SEED = 42;

	private TrainingContenders() {
	}

	/** Images per epoch of {@code c} in these levers. */
	static int images(CnnCase c) {
		return Math.min(c.images, 2048);
	}

	/**
	 * The lever's table: for every CNN case, the median images/s with {@code property} at {@code a} (column
	 * {@code aName}) and at {@code b} ({@code bName}), and b's over a's.
	 */
	static void table(int rounds, String lever, String property, String a, String aName, String b, String bName)
			throws ModelFileException {
		System.out.printf(Locale.ROOT, "%n%s lever: ConvKit's training, images/s, %s vs %s, one epoch per round, "
				+ "medians of %d interleaved rounds after 1 warm-up; %s%n", lever, aName, bName, rounds,
				CnnBenchmark.machine());
		System.out.println("| network | images | " + aName + " | " + bName + " | " + bName + " / " + aName + " |");
		System.out.println("|---|---:|---:|---:|---:|");
		for (CnnCase c : CnnCase.ALL) {
			double[] v = speeds(c, rounds, property, a, b);
			System.out.printf(Locale.ROOT, "| %s | %d | %.0f | %.0f | %.2f |%n", c.title(), images(c), v[0], v[1],
					v[1] / v[0]);
		}
	}

	/** Median images/s for each of {@code values} of {@code property}, in their order. */
	static double[] speeds(CnnCase c, int rounds, String property, String... values) throws ModelFileException {
		int images = images(c), n = values.length;
		StackDataset data = new StackDataset(c.images(SEED, images));
		TrainingSettings s = TrainingSettings.DEFAULTS.withBatchSize(64).withEpochs(1).withSeed(SEED);
		NetworkSpec spec = NetworkSpec.preset(c.preset);
		ModelBundle[] model = new ModelBundle[n];
		double[][] speed = new double[n][rounds];
		String was = System.getProperty(property);
		try {
			for (int round = 0; round <= rounds; round++)
				for (int k0 = 0; k0 < n; k0++) {
					int k = (k0 + round) % n;
					System.setProperty(property, values[k]);
					Trainer t = model[k] == null ? new Trainer(data, spec, s)
							: new Trainer(data, null, s).continueFrom(model[k]);
					long start = System.nanoTime();
					TrainingResult r = t.train(null);
					double seconds = (System.nanoTime() - start) / 1e9;
					model[k] = r.last;
					if (round > 0) speed[k][round - 1] = images / seconds;
				}
		} finally {
			if (was == null) System.clearProperty(property);
			else System.setProperty(property, was);
		}
		double[] out = new double[n];
		for (int k = 0; k < n; k++)
			out[k] = median(speed[k]);
		return out;
	}
}
