package org.convkit.testing;

import java.util.List;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.fail;

/**
 * Tolerances for comparing network outputs computed on different paths: another batch size, thread count,
 * process or processor. Matrix products of different shapes take different kernels and summation orders (oneDNN
 * and OpenBLAS pick them by shape and by instruction set: AVX-512 on one machine, AVX2 on the next), so such
 * results agree only up to float rounding. Bit-identity is asserted only for the same call on the same path.
 */
public final class FloatTolerance {
	/**
	 * Absolute tolerance for softmax probabilities (values in 0..1) across paths. One float32 rounding is about
	 * 6e-8 of the value; the test networks sum at most ~800 products per unit over four layers, and the largest
	 * difference measured between batch sizes with the instruction set narrowed to AVX2 was 6e-8 (1 ulp at 0.5).
	 * 1e-5 leaves two orders of magnitude for other processors and is still far below any difference a real bug
	 * (a wrong pixel, a skipped normalisation, a swapped image) makes: those move probabilities by 1e-2 or more.
	 */
	public static final double PROBABILITY = 1e-5;

	private FloatTolerance() {
	}

	/**
	 * Two prediction CSVs (header {@code file,class,probability,<one column per class>}) that must agree up to
	 * {@link #PROBABILITY}: the same header, files and order, every probability within the tolerance, and the
	 * same class unless the two top probabilities are within the tolerance of each other (a tie can fall either
	 * way on another path).
	 */
	public static void assertCsvClose(List<String> expected, List<String> actual) {
		assertCsvClose(expected, actual, PROBABILITY);
	}

	/** As {@link #assertCsvClose(List, List)} with the given absolute tolerance. */
	public static void assertCsvClose(List<String> expected, List<String> actual, double tolerance) {
		assertEquals("line count", expected.size(), actual.size());
		assertEquals("header", expected.get(0), actual.get(0));
		for (int i = 1; i < expected.size(); i++) {
			String[] e = expected.get(i).split(","), a = actual.get(i).split(",");
			String where = "line " + (i + 1) + ": " + expected.get(i) + " vs " + actual.get(i);
			assertEquals(where, e.length, a.length);
			assertEquals(where, e[0], a[0]);
			int classes = e.length - 3;
			double[] pe = new double[classes];
			for (int c = 0; c < classes; c++) {
				pe[c] = Double.parseDouble(e[3 + c]);
				assertEquals(where, pe[c], Double.parseDouble(a[3 + c]), tolerance);
			}
			assertEquals(where, Double.parseDouble(e[2]), Double.parseDouble(a[2]), tolerance);
			if (!e[1].equals(a[1]) && !nearTie(pe, tolerance)) fail(where + ": the class differs without a near tie");
		}
	}

	private static boolean nearTie(double[] p, double tolerance) {
		double first = Double.NEGATIVE_INFINITY, second = Double.NEGATIVE_INFINITY;
		for (double v : p) {
			if (v > first) {
				second = first;
				first = v;
			} else if (v > second) second = v;
		}
		return first - second <= 2 * tolerance;
	}
}
