package org.convkit.core.cnn.net;

import java.util.Arrays;

/**
 * The bias as one more weight per filter, for the products of {@link ColumnConvolutionLayer}: the unfolded columns end
 * with a row of ones ({@link Im2Col}), so the weights get the bias as a last column and the weight-gradient product
 * ({@code columns · error}, {@code [rows][nOut]}) ends with the bias gradient as a last row.
 */
final class BiasRow {
	private BiasRow() {
	}

	/** The weights {@code [nOut][rows − 1]} with {@code bias} (null: zeros) as last column: {@code [nOut][rows]}. */
	static float[] weightsWithBias(float[] weights, float[] bias, int nOut, int rows) {
		float[] wb = new float[nOut * rows];
		for (int o = 0; o < nOut; o++) {
			System.arraycopy(weights, o * (rows - 1), wb, o * rows, rows - 1);
			wb[o * rows + rows - 1] = bias == null ? 0f : bias[o];
		}
		return wb;
	}

	/** The weight gradient {@code [nOut][rows − 1]} from the product {@code [rows][nOut]}: all but its last row. */
	static float[] weightGradient(float[] product, int rows, int nOut) {
		int weights = rows - 1;
		float[] wg = new float[nOut * weights];
		for (int o = 0; o < nOut; o++)
			for (int r = 0; r < weights; r++) wg[o * weights + r] = product[r * nOut + o];
		return wg;
	}

	/** The bias gradient {@code [nOut]}: the product's last row. */
	static float[] biasGradient(float[] product, int rows, int nOut) {
		return Arrays.copyOfRange(product, (rows - 1) * nOut, rows * nOut);
	}
}
