package org.convkit.bench;

import org.convkit.core.cnn.data.StackDataset;
import org.convkit.core.cnn.model.ModelBundle;
import org.convkit.core.cnn.model.ModelFileException;
import org.convkit.core.cnn.net.Dl4jRuntime;
import org.convkit.core.cnn.net.TrainingSettings;
import org.convkit.core.cnn.spec.NetworkSpec;
import org.convkit.core.cnn.train.EpochResult;
import org.convkit.core.cnn.train.Trainer;
import org.convkit.core.cnn.train.TrainingListener;
import org.convkit.core.cnn.train.TrainingResult;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Where a training run's time goes besides its steps ({@code ./convkit --bench K runs}, {@code runs-vgg64},
 * {@code runs-vgg96}): ConvKit's Trainer on a {@link CnnCase}'s images, first a warm-up and K one-epoch runs, each
 * continuing from the last as the CNN cases' rounds do, then one run of K epochs. Per run or epoch: the whole
 * time, the time before its first epoch starts (the run's setup and the thread rule's look at the cores), its first
 * batch, the median of its other batches, what follows the last batch (the best copy, the result) and the minor page
 * faults. A one-epoch run's cost beyond its batches is what a user's run pays once and the CNN cases' one-epoch
 * rounds pay every round ({@code CONVKIT_BENCH_EPOCHS} there spreads it as a user's run does).
 */
final class TrainerRunsSplit {
	private TrainerRunsSplit() {
	}

	/** The case named by the bench argument: {@code runs} (LeNet) or {@code runs-CASE}; null if none. */
	static CnnCase caseOf(String argument) {
		return CnnCase.named(argument, "runs");
	}

	static void run(int rounds, CnnCase test) throws ModelFileException {
		Dl4jRuntime.configure();
		StackDataset data = new StackDataset(test.images(CnnBenchmark.SEED));
		TrainingSettings one = TrainingSettings.DEFAULTS.withBatchSize(CnnBenchmark.BATCH).withEpochs(1)
				.withSeed(CnnBenchmark.SEED);
		NetworkSpec spec = NetworkSpec.preset(test.preset);
		System.out.printf(Locale.ROOT, "%nA training run's time beyond its steps: %s, %d images, batch %d, ConvKit's "
				+ "Trainer; %s%n%n", test.title(), test.images, CnnBenchmark.BATCH, CnnBenchmark.machine());
		System.out.println("| run | threads | whole ms | before the epoch ms | first batch ms | other batches, median ms "
				+ "| after the last batch ms | minor faults |");
		System.out.println("|---|---:|---:|---:|---:|---:|---:|---:|");
		ModelBundle bundle = null;
		List<Double> wholes = new ArrayList<>(), medians = new ArrayList<>();
		for (int r = 0; r <= rounds; r++) {
			Trainer t = bundle == null ? new Trainer(data, spec, one) : new Trainer(data, null, one).continueFrom(bundle);
			Split s = new Split();
			TrainingResult res = s.time(t);
			bundle = res.last;
			s.print(r == 0 ? "one epoch, warm-up" : "one epoch, continuing", 0);
			if (r > 0) {
				wholes.add(s.wholeMs);
				medians.add(s.epochs.get(0).median());
			}
		}
		Split many = new Split();
		many.time(new Trainer(data, null, one.withEpochs(rounds)).continueFrom(bundle));
		for (int e = 0; e < many.epochs.size(); e++)
			many.print("epoch " + (e + 1) + " of one run of " + rounds, e);
		double steps = Math.ceil(test.images / (double) CnnBenchmark.BATCH);
		double whole = RuntimeBenchmark.Stats.median(wholes), batch = RuntimeBenchmark.Stats.median(medians);
		System.out.printf(Locale.ROOT, "%nOne-epoch runs: median %.0f ms against %.0f batches × %.0f ms = %.0f ms of "
				+ "steps at their median speed: %.0f ms (%.1f %%) beyond the steps.%n", whole, steps, batch,
				steps * batch, whole - steps * batch, 100 * (whole - steps * batch) / whole);
	}

	/** One run's times, per epoch. */
	private static final class Split {
		final List<Epoch> epochs = new ArrayList<>();
		double wholeMs;
		int threads;

		TrainingResult time(Trainer t) throws ModelFileException {
			long start = System.nanoTime();
			TrainingResult res = t.train(new TrainingListener() {
				Epoch current;
				/** When the last event came, and the process's minor faults then. */
				long last = start, faults = RuntimeBenchWorker.minorFaults();

				@Override
				public void epochStarted(int epoch, int lastEpoch) {
					threads = org.convkit.core.cnn.runtime.ComputeThreads.current();
					long now = System.nanoTime();
					current = new Epoch((now - last) / 1e6);
					last = now;
				}

				@Override
				public void batchDone(int epoch, int batch, int batches, double progress) {
					long now = System.nanoTime();
					current.batches.add((now - last) / 1e6);
					last = now;
				}

				@Override
				public void epochDone(EpochResult r) {
					long now = System.nanoTime(), f = RuntimeBenchWorker.minorFaults();
					current.afterMs = (now - last) / 1e6;
					current.faults = f - faults;
					faults = f;
					last = now;
					epochs.add(current);
				}
			});
			wholeMs = (System.nanoTime() - start) / 1e6;
			return res;
		}

		void print(String what, int e) {
			Epoch x = epochs.get(e);
			String whole = epochs.size() == 1 ? fmt(wholeMs) : fmt(x.beforeMs + sum(x.batches) + x.afterMs);
			System.out.println("| " + what + " | " + threads + " | " + whole + " | " + fmt(x.beforeMs) + " | "
					+ fmt(x.batches.isEmpty() ? Double.NaN : x.batches.get(0)) + " | " + fmt(x.median()) + " | "
					+ fmt(x.afterMs) + " | " + x.faults + " |");
		}
	}

	private static final class Epoch {
		final double beforeMs;
		final List<Double> batches = new ArrayList<>();
		double afterMs;
		long faults;

		Epoch(double beforeMs) {
			this.beforeMs = beforeMs;
		}

		/** The median of the batches after the first. */
		double median() {
			return RuntimeBenchmark.Stats.median(batches.subList(Math.min(1, batches.size()), batches.size()));
		}
	}

	private static double sum(List<Double> v) {
		return v.stream().mapToDouble(Double::doubleValue).sum();
	}

	private static String fmt(double v) {
		return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, "%.0f", v);
	}
}
