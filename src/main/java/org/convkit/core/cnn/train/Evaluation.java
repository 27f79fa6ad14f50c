package org.convkit.core.cnn.train;

/**
 * Confusion matrix and per-class precision and recall as plain arrays (tables and images are the commands' job).
 * Rows are the true classes, columns the predicted ones.
 */
public final class Evaluation {
	private Evaluation() {
	}

	/** counts[true][predicted]. */
	public static long[][] confusion(int[] actual, int[] predicted, int classes) {
		if (actual.length != predicted.length) throw new IllegalArgumentException("actual and predicted differ in length");
		long[][] m = new long[classes][classes];
		for (int i = 0; i < actual.length; i++) m[actual[i]][predicted[i]]++;
		return m;
	}

	/** Index of the largest value (the first one on ties). */
	public static int argMax(float[] p) {
		int best = 0;
		for (int i = 1; i < p.length; i++)
			if (p[i] > p[best]) best = i;
		return best;
	}

	/** Of the examples predicted as class c, the fraction that are c; NaN when none was predicted as c. */
	public static double[] precision(long[][] m) {
		double[] out = new double[m.length];
		for (int c = 0; c < m.length; c++) {
			long col = 0;
			for (long[] row : m) col += row[c];
			out[c] = col == 0 ? Double.NaN : (double) m[c][c] / col;
		}
		return out;
	}

	/** Of the examples of class c, the fraction predicted as c; NaN when there are none. */
	public static double[] recall(long[][] m) {
		double[] out = new double[m.length];
		for (int c = 0; c < m.length; c++) {
			long row = 0;
			for (long v : m[c]) row += v;
			out[c] = row == 0 ? Double.NaN : (double) m[c][c] / row;
		}
		return out;
	}

	/** Fraction on the diagonal; NaN for an empty matrix. */
	public static double accuracy(long[][] m) {
		long all = 0, right = 0;
		for (int c = 0; c < m.length; c++)
			for (int p = 0; p < m.length; p++) {
				all += m[c][p];
				if (c == p) right += m[c][p];
			}
		return all == 0 ? Double.NaN : (double) right / all;
	}
}
