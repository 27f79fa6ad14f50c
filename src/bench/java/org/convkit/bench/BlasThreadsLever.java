package org.convkit.bench;

import static org.convkit.bench.RuntimeBenchmark.Stats.median;

import ij.process.ImageProcessor;
import org.convkit.core.cnn.model.ModelBundle;
import org.convkit.core.cnn.train.Predictor;
import org.nd4j.linalg.api.blas.Blas;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * OpenBLAS's thread count set and set back ({@code ./convkit --bench ROUNDS blas-threads}, without
 * {@code OMP_NUM_THREADS}, so that ND4J starts OpenBLAS on every core): what one change of the JVM-wide count to 1 and
 * back costs, and LeNet classifying one image at a time through the Predictor as ConvKit runs it (OpenBLAS keeps the
 * count of ConvKit's last call) against the same with the count set back to ND4J's after every call (what ConvKit did
 * until 2026-12-05), rounds interleaved, medians after one warm-up round.
 */
final class BlasThreadsLever {
	private static final int PAIRS = 2000, IMAGES = 500;

	private BlasThreadsLever() {
	}

	static void run(int rounds) {
		Blas blas = Nd4j.factory().blas();
		int start = blas.getMaxThreads();
		System.out.printf(Locale.ROOT, "%nOpenBLAS's thread count lever: ND4J started OpenBLAS on %d thread(s)%s; "
				+ "medians of %d interleaved rounds after 1 warm-up; %s%n", start,
				start < 2 ? " (nothing to set back: run it without OMP_NUM_THREADS on 2 or more cores)" : "", rounds,
				CnnBenchmark.machine());
		CnnCase c = CnnCase.LENET;
		ModelBundle bundle = c.untrainedModel();
		List<ImageProcessor> images = c.imageList(CnnBenchmark.SEED, IMAGES);
		Predictor p = new Predictor(bundle, 64);
		double[] pair = new double[rounds], kept = new double[rounds], setBack = new double[rounds];
		for (int round = 0; round <= rounds; round++) {
			long t0 = System.nanoTime();
			for (int i = 0; i < PAIRS; i++) {
				blas.setMaxThreads(1);
				blas.setMaxThreads(start);
			}
			double us = (System.nanoTime() - t0) / 1e3 / PAIRS;
			boolean keptFirst = round % 2 == 0;
			double a = onePerCall(p, images, keptFirst ? -1 : start), b = onePerCall(p, images, keptFirst ? start : -1);
			if (round == 0) continue;
			pair[round - 1] = us;
			kept[round - 1] = keptFirst ? a : b;
			setBack[round - 1] = keptFirst ? b : a;
		}
		blas.setMaxThreads(start);
		System.out.println("| | median | rounds |");
		System.out.println("|---|---:|---|");
		System.out.printf(Locale.ROOT, "| one change to 1 thread and back to %d, µs | %.0f | %s |%n", start,
				median(pair), Arrays.toString(round(pair)));
		System.out.printf(Locale.ROOT, "| LeNet one image at a time, OpenBLAS's count kept (ConvKit), images/s | %.0f "
				+ "| %s |%n", median(kept), Arrays.toString(round(kept)));
		System.out.printf(Locale.ROOT, "| the same, set back to %d after every call (before), images/s | %.0f | %s |%n",
				start, median(setBack), Arrays.toString(round(setBack)));
		System.out.printf(Locale.ROOT, "kept / set back: %.2f%n", median(kept) / median(setBack));
	}

	/** Images/s classifying one at a time; {@code setBackTo} > 0: OpenBLAS set to that count after every call. */
	private static double onePerCall(Predictor p, List<ImageProcessor> images, int setBackTo) {
		Blas blas = Nd4j.factory().blas();
		long t0 = System.nanoTime();
		for (ImageProcessor ip : images) {
			p.predict(ip);
			if (setBackTo > 0) blas.setMaxThreads(setBackTo);
		}
		return images.size() / ((System.nanoTime() - t0) / 1e9);
	}

	private static long[] round(double[] v) {
		long[] r = new long[v.length];
		for (int i = 0; i < v.length; i++) r[i] = Math.round(v[i]);
		return r;
	}
}
