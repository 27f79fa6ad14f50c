package org.convkit.bench;

import ij.process.ImageProcessor;
import org.convkit.core.cnn.train.Predictor;

import java.util.List;
import java.util.Locale;

/**
 * A classification call after a pause ({@code ./convkit --bench ROUNDS after-pause}, without {@code OMP_NUM_THREADS}
 * on 2 or more cores): one batch of 64 Small VGG 64×64 images through the Predictor, 1.5 s after the previous call
 * (a user's next click), and the same call right after it; milliseconds per call, each round one of each. A call that
 * may take two threads looks at the other processes' load first ({@code ComputeThreads}); run it with
 * {@code JAVA_TOOL_OPTIONS=-Dconvkit.threads=1} for the one-thread figures.
 */
final class PauseLever {
	private static final long PAUSE_MS = 1500;

	private PauseLever() {
	}

	static void run(int rounds) throws InterruptedException {
		List<ImageProcessor> images = CnnCase.VGG64.imageList(CnnBenchmark.SEED, CnnBenchmark.BATCH);
		Predictor p = new Predictor(CnnCase.VGG64.untrainedModel(), CnnBenchmark.BATCH);
		for (int i = 0; i < 5; i++) p.predict(images); // warm-up, back to back
		double[] paused = new double[rounds], next = new double[rounds];
		for (int r = 0; r < rounds; r++) {
			Thread.sleep(PAUSE_MS);
			long t0 = System.nanoTime();
			p.predict(images);
			paused[r] = (System.nanoTime() - t0) / 1e6;
			t0 = System.nanoTime();
			p.predict(images);
			next[r] = (System.nanoTime() - t0) / 1e6;
		}
		System.out.printf(Locale.ROOT, "%nA batch of %d Small VGG 64x64 images through the Predictor, %d rounds; %s%n",
				CnnBenchmark.BATCH, rounds, CnnBenchmark.machine());
		System.out.printf(Locale.ROOT, "  after a %d ms pause: %s ms (median %.0f)%n", PAUSE_MS, list(paused),
				RuntimeBenchmark.Stats.median(paused));
		System.out.printf(Locale.ROOT, "  the next call right after: %s ms (median %.0f)%n", list(next),
				RuntimeBenchmark.Stats.median(next));
	}

	private static String list(double[] ms) {
		StringBuilder b = new StringBuilder();
		for (double m : ms) b.append(b.length() == 0 ? "" : ", ").append(String.format(Locale.ROOT, "%.0f", m));
		return b.toString();
	}
}
