package org.convkit.core.cnn.inspect;

/**
 * Weighted ridge regression with an intercept: the β minimising
 * {@code sum_i w_i (y_i - b - x_i . β)^2 + alpha |β|^2} (the intercept b is not penalised), as scikit-learn's
 * {@code Ridge(alpha).fit(X, y, sample_weight=w)}, which LIME fits to its samples. Solved in double precision from
 * the normal equations of the weighted, centred data by a Cholesky factorisation (the matrix is positive definite
 * for alpha &gt; 0).
 */
public final class WeightedRidge {
	public final double[] coefficients;
	public final double intercept;

	private WeightedRidge(double[] coefficients, double intercept) {
		this.coefficients = coefficients;
		this.intercept = intercept;
	}

	/** Fits rows {@code x[i]} (all of one length) to {@code y[i]} with weights {@code w[i] >= 0}. */
	public static WeightedRidge fit(float[][] x, float[] y, double[] w, double alpha) {
		int n = x.length, k = n == 0 ? 0 : x[0].length;
		if (n == 0 || y.length != n || w.length != n) throw new IllegalArgumentException("need one y and w per row");
		if (!(alpha > 0)) throw new IllegalArgumentException("alpha must be > 0");
		double sw = 0, ym = 0;
		double[] xm = new double[k];
		for (int i = 0; i < n; i++) {
			sw += w[i];
			ym += w[i] * y[i];
			for (int j = 0; j < k; j++) xm[j] += w[i] * x[i][j];
		}
		if (!(sw > 0)) throw new IllegalArgumentException("the weights sum to 0");
		ym /= sw;
		for (int j = 0; j < k; j++) xm[j] /= sw;
		double[][] a = new double[k][k];
		double[] rhs = new double[k];
		double[] xc = new double[k];
		for (int i = 0; i < n; i++) {
			for (int j = 0; j < k; j++) xc[j] = x[i][j] - xm[j];
			double yc = y[i] - ym;
			for (int j = 0; j < k; j++) {
				double wx = w[i] * xc[j];
				rhs[j] += wx * yc;
				for (int l = 0; l <= j; l++) a[j][l] += wx * xc[l];
			}
		}
		for (int j = 0; j < k; j++) a[j][j] += alpha;
		double[] beta = choleskySolve(a, rhs);
		double b = ym;
		for (int j = 0; j < k; j++) b -= xm[j] * beta[j];
		return new WeightedRidge(beta, b);
	}

	/** Solves A x = b for symmetric positive definite A given by its lower triangle (overwritten). */
	static double[] choleskySolve(double[][] a, double[] b) {
		int k = b.length;
		for (int j = 0; j < k; j++) {
			double d = a[j][j];
			for (int l = 0; l < j; l++) d -= a[j][l] * a[j][l];
			if (!(d > 0)) throw new IllegalStateException("matrix not positive definite");
			a[j][j] = Math.sqrt(d);
			for (int i = j + 1; i < k; i++) {
				double s = a[i][j];
				for (int l = 0; l < j; l++) s -= a[i][l] * a[j][l];
				a[i][j] = s / a[j][j];
			}
		}
		double[] z = new double[k];
		for (int i = 0; i < k; i++) {
			double s = b[i];
			for (int l = 0; l < i; l++) s -= a[i][l] * z[l];
			z[i] = s / a[i][i];
		}
		double[] x = new double[k];
		for (int i = k - 1; i >= 0; i--) {
			double s = z[i];
			for (int l = i + 1; l < k; l++) s -= a[l][i] * x[l];
			x[i] = s / a[i][i];
		}
		return x;
	}
}
