package org.convkit.bench;

import ij.process.ImageProcessor;
import org.convkit.core.cnn.runtime.ComputeThreads;
import org.convkit.core.cnn.train.Predictor;

import java.util.List;
import java.util.Locale;

/**
 * A classification call after a pause ({@code ./convkit --bench ROUNDS after-pause}, without {@code OMP_NUM_THREADS}
 * on 2 or more cores): one batch of 64 Small VGG 64×64 images through the Predictor, 1.5 s after the previous call
 * (a user's next click), and the same call right after it; milliseconds per call, each round one of each. A call that
 * may take two threads looks at the other processes' load first ({@code ComputeThreads}): until 2026-12-06 that look
 * waited for fresh 0.1 s windows after a pause; since, the call takes one thread until a window has passed. Run it
 * with {@code JAVA_TOOL_OPTIONS=-Dconvkit.threads=1} for the one-thread figures.
 * <p>
 * Also the same Predictor's calls with the count fixed to 1, 2, 1 and 2 in turn (10 calls each, after the warm-up;
 * medians), Small VGG's calls of 4, 2 and 1 images and a LeNet Predictor's batches of 64 the same way (50 and 200
 * calls each): each count should run at its own speed whatever count the Predictor's first call had — until
 * 2026-12-06 the fused block's oneDNN primitives kept their first call's count — and the figures show where two
 * threads pay for classification ({@code ComputeThreads}' rule).
 */
final class PauseLever {
	private static final long PAUSE_MS = 1500;

	private PauseLever() {
	}

	static void run(int rounds) throws InterruptedException {
		List<ImageProcessor> images = CnnCase.VGG64.imageList(CnnBenchmark.SEED, CnnBenchmark.BATCH);
		Predictor p = new Predictor(CnnCase.VGG64.untrainedModel(), CnnBenchmark.BATCH);
		for (int i = 0; i < 5; i++) p.predict(images); // warm-up, back to back
		String vggTurns = fixedInTurn(p, images, 10);
		double[] paused = new double[rounds], next = new double[rounds];
		for (int r = 0; r < rounds; r++) {
			Thread.sleep(PAUSE_MS);
			paused[r] = millis(p, images);
			next[r] = millis(p, images);
		}
		System.out.printf(Locale.ROOT, "%nA batch of %d Small VGG 64x64 images through the Predictor, %d rounds; %s%n",
				CnnBenchmark.BATCH, rounds, CnnBenchmark.machine());
		System.out.printf(Locale.ROOT, "  the count fixed in turn (median ms of 10 calls): %s%n", vggTurns);
		System.out.printf(Locale.ROOT, "  after a %d ms pause: %s ms (median %.0f)%n", PAUSE_MS, list(paused),
				RuntimeBenchmark.Stats.median(paused));
		System.out.printf(Locale.ROOT, "  the next call right after: %s ms (median %.0f)%n", list(next),
				RuntimeBenchmark.Stats.median(next));
		for (int n : new int[] { 4, 2, 1 }) { // where the rule's floor of two for classification starts
			List<ImageProcessor> few = images.subList(0, n);
			Predictor small = new Predictor(CnnCase.VGG64.untrainedModel(), n);
			for (int i = 0; i < 20; i++) small.predict(few);
			System.out.printf(Locale.ROOT, "  %d image%s, the count fixed in turn (median ms of 50 calls): %s%n", n,
					n == 1 ? "" : "s", fixedInTurn(small, few, 50));
		}
		List<ImageProcessor> digits = CnnCase.LENET.imageList(CnnBenchmark.SEED, CnnBenchmark.BATCH);
		Predictor lenet = new Predictor(CnnCase.LENET.untrainedModel(), CnnBenchmark.BATCH);
		for (int i = 0; i < 200; i++) lenet.predict(digits); // warm-up: Java's compilers, the plans of both counts
		System.out.printf(Locale.ROOT, "A batch of %d LeNet 28x28 images, the count fixed in turn "
				+ "(median ms of 200 calls): %s%n", CnnBenchmark.BATCH, fixedInTurn(lenet, digits, 200));
	}

	/** Medians of {@code calls} calls with the count fixed to 1, 2, 1 and 2 in turn; the override restored after. */
	private static String fixedInTurn(Predictor p, List<ImageProcessor> images, int calls) {
		String fixed = System.getProperty(ComputeThreads.OVERRIDE_PROPERTY);
		StringBuilder turns = new StringBuilder();
		try {
			for (int threads : new int[] { 1, 2, 1, 2 }) {
				System.setProperty(ComputeThreads.OVERRIDE_PROPERTY, Integer.toString(threads));
				double[] ms = new double[calls];
				for (int i = 0; i < ms.length; i++) ms[i] = millis(p, images);
				turns.append(String.format(Locale.ROOT, "%s%d thread%s %.1f", turns.length() == 0 ? "" : ", ",
						threads, threads == 1 ? "" : "s", RuntimeBenchmark.Stats.median(ms)));
			}
		} finally {
			if (fixed == null) System.clearProperty(ComputeThreads.OVERRIDE_PROPERTY);
			else System.setProperty(ComputeThreads.OVERRIDE_PROPERTY, fixed);
		}
		return turns.toString();
	}

	/** Milliseconds of one classification call. */
	private static double millis(Predictor p, List<ImageProcessor> images) {
		long t0 = System.nanoTime();
		p.predict(images);
		return (System.nanoTime() - t0) / 1e6;
	}

	private static String list(double[] ms) {
		StringBuilder b = new StringBuilder();
		for (double m : ms) b.append(b.length() == 0 ? "" : ", ").append(String.format(Locale.ROOT, "%.0f", m));
		return b.toString();
	}
}
