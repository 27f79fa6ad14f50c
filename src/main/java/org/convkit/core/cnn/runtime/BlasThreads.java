package org.convkit.core.cnn.runtime;

import org.nd4j.linalg.api.blas.Blas;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.List;

/**
 * OpenBLAS's thread count while ConvKit computes: the OpenBLAS count of the newest {@link ComputeThreads.Scope} still
 * open ({@link ComputeThreads#blasCount}: 1 on machines with at most 2 cores); when the last one closes, OpenBLAS
 * keeps the count it had (it is not set back).
 * <p>
 * Why: ND4J sets OpenBLAS to one thread per core when it starts (to {@code OMP_NUM_THREADS} when that is set).
 * OpenBLAS's second thread then splits products too small to share and spins between them on the other core: training
 * LeNet on one OpenMP thread, 1 OpenBLAS thread was 1.25× as fast as 2 on 2 idle cores (docs/benchmarks.md, "OpenBLAS's
 * threads and class data sharing"); on two, it took the core OpenMP's second thread needed. Not set back because
 * setting OpenBLAS's count is slow: a change to 1 and back to 2 took 0.36–1.0 ms (OpenBLAS 0.3.19 as ND4J ships it, 2
 * cores), more than classifying one LeNet image; with it set back after every call, one image at a time ran at a
 * quarter of the speed (docs/benchmarks.md, "Idle cores now"). Unlike OpenMP's count, OpenBLAS's is one number for the
 * whole JVM: another DL4J user in the same Fiji runs on ConvKit's last count until ConvKit's next call (a speed matter
 * only). Two ConvKit calls on two threads at once share the number (the newer one's): that changes their speed, and
 * what they compute by float rounding at most.
 */
final class BlasThreads {
	/** The counts of the open scopes, oldest first (each scope's own entry: equal counts are distinct objects). */
	private static final List<int[]> OPEN = new ArrayList<>();

	private BlasThreads() {
	}

	/** Sets the count for a new scope; the returned token closes it. */
	static synchronized Object open(int threads) {
		int[] entry = { threads };
		Blas blas = blas();
		if (blas == null) return entry;
		OPEN.add(entry);
		set(blas, threads);
		return entry;
	}

	/** Ends a scope: the count of the newest scope still open; the count stays as it is when none is. */
	static synchronized void close(Object token) {
		Blas blas = blas();
		if (blas == null || !OPEN.removeIf(e -> e == token) || OPEN.isEmpty()) return;
		set(blas, OPEN.get(OPEN.size() - 1)[0]);
	}

	private static void set(Blas blas, int threads) {
		if (threads > 0 && blas.getMaxThreads() != threads) blas.setMaxThreads(threads);
	}

	/** OpenBLAS's count now (ND4J's CPU backend), or -1 without one. */
	static synchronized int current() {
		Blas blas = blas();
		return blas == null ? -1 : blas.getMaxThreads();
	}

	private static Blas blas() {
		try {
			return Nd4j.factory().blas();
		} catch (RuntimeException | LinkageError e) { // no CPU backend
			return null;
		}
	}
}
