package org.convkit.core.cnn.net;

import org.junit.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.util.Random;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

/**
 * Classification's small products ({@link SmallProducts}, oneDNN's sgemm) and the dense layer's one-row path
 * ({@link CachingDenseLayer#oneRowProduct}), against sums in double precision. Tolerances:
 * float sums of up to 800 terms in 0.5..1.5, in an order oneDNN chooses, against exact ones: a relative 1e-5.
 */
public class SmallProductsTest {
	/** oneDNN's sgemm with b stored as its transpose (DL4J's 'f'-order weights), and what it refuses. */
	@Test
	public void oneDnnWithTheSecondOperandEitherWay() {
		Random r = new Random(11);
		int m = 3, k = 13, n = 7;
		INDArray a = filled(r, (long) m * k).reshape('c', m, k), b = filled(r, (long) k * n).reshape('c', k, n);
		for (boolean transB : new boolean[] { false, true }) {
			INDArray stored = transB ? b.transpose().dup('c') : b, c = Nd4j.create(DataType.FLOAT, m, n);
			assertTrue(SmallProducts.oneDnn(a, stored, transB, c, m, n, k));
			for (int i = 0; i < m; i++)
				for (int j = 0; j < n; j++) {
					double expected = 0;
					for (int t = 0; t < k; t++)
						expected += a.getDouble(i, t) * b.getDouble(t, j);
					assertEquals("transB " + transB + " at " + i + "," + j, expected, c.getDouble(i, j),
							1e-5 * expected);
				}
		}
		INDArray c = Nd4j.create(DataType.FLOAT, m, n);
		assertThrows("b too short", IllegalArgumentException.class,
				() -> SmallProducts.oneDnn(a, filled(r, (long) k * n - 1), false, c, m, n, k));
		assertThrows("b stored k × n taken as n × k is fine only when its length fits", IllegalArgumentException.class,
				() -> SmallProducts.oneDnn(a, b, true, Nd4j.create(DataType.FLOAT, m, n + 1), m, n + 1, k));
		assertThrows("zero columns", IllegalArgumentException.class,
				() -> SmallProducts.oneDnn(a, b, false, c, m, 0, k));
		assertThrows("doubles", IllegalArgumentException.class,
				() -> SmallProducts.oneDnn(Nd4j.create(DataType.DOUBLE, m, k), b, false, c, m, n, k));
	}

	/** DL4J's weights in 'f' order (as DL4J keeps them) and in 'c' order: x·W either way. */
	@Test
	public void aDenseLayersOneRowInEitherOrder() {
		Random r = new Random(12);
		int k = 800, n = 500;
		INDArray x = filled(r, k).reshape(1, k), wc = filled(r, (long) k * n).reshape('c', k, n);
		for (INDArray w : new INDArray[] { wc, wc.dup('f') }) {
			INDArray z = Nd4j.create(DataType.FLOAT, 1, n);
			assertTrue(w.ordering() + " order", CachingDenseLayer.oneRowProduct(x, w, z));
			for (int j = 0; j < n; j += 37) {
				double expected = 0;
				for (int i = 0; i < k; i++)
					expected += x.getDouble(0, i) * wc.getDouble(i, j);
				assertEquals(w.ordering() + " column " + j, expected, z.getDouble(0, j), 1e-5 * expected);
			}
		}
	}

	/** Two rows, a row with gaps, weights with gaps, doubles: left to Nd4j.gemm, the output untouched. */
	@Test
	public void theOneRowPathTakesOnlyWhatFits() {
		Random r = new Random(13);
		INDArray w = filled(r, 6 * 4).reshape('c', 6, 4);
		INDArray z = Nd4j.valueArrayOf(new long[] { 1, 4 }, Float.NaN, DataType.FLOAT);
		assertFalse(CachingDenseLayer.oneRowProduct(filled(r, 12).reshape(2, 6), w, Nd4j.create(DataType.FLOAT, 2, 4)));
		INDArray everyOther = filled(r, 12).reshape(1, 12).get(NDArrayIndex.all(), NDArrayIndex.interval(0, 2, 12));
		assertFalse("x with gaps", CachingDenseLayer.oneRowProduct(everyOther, w, z));
		INDArray wGaps = filled(r, 6 * 8).reshape('c', 6, 8).get(NDArrayIndex.all(), NDArrayIndex.interval(0, 4));
		assertFalse("W with gaps", CachingDenseLayer.oneRowProduct(filled(r, 6).reshape(1, 6), wGaps, z));
		assertFalse("doubles", CachingDenseLayer.oneRowProduct(Nd4j.create(DataType.DOUBLE, 1, 6), w, z));
		for (int j = 0; j < 4; j++) assertTrue(Float.isNaN(z.getFloat(0, j)));
	}

	/**
	 * The small calls' products ({@link SmallProducts}): one column, and wider ones on oneDNN's sgemm, against sums in
	 * double precision, for LeNet's first convolution on one image (20 × 25 · 25 × 576) and its dense layer.
	 */
	@Test
	public void smallProductsEitherWay() {
		Random r = new Random(16);
		for (int[] s : new int[][] { { 20, 25, 576 }, { 500, 800, 1 }, { 7, 3, 5 } }) {
			int m = s[0], k = s[1], n = s[2];
			INDArray a = filled(r, (long) m * k).reshape('c', m, k), b = filled(r, (long) k * n).reshape('c', k, n);
			INDArray c = Nd4j.valueArrayOf(new long[] { m, n }, Float.NaN, DataType.FLOAT);
			SmallProducts.multiply(a, b, c, m, n, k);
			for (int i = 0; i < m; i += Math.max(1, m / 7))
				for (int j = 0; j < n; j += Math.max(1, n / 9)) {
					double expected = 0;
					for (int t = 0; t < k; t++)
						expected += a.getDouble(i, t) * b.getDouble(t, j);
					assertEquals(m + "×" + k + "·" + k + "×" + n + " at " + i + "," + j, expected, c.getDouble(i, j),
							1e-5 * expected);
				}
		}
		assertThrows("c too small", IllegalArgumentException.class, () -> SmallProducts.oneDnn(
				filled(r, 6).reshape(2, 3), filled(r, 12).reshape(3, 4), false, Nd4j.create(DataType.FLOAT, 2, 3), 2,
				4, 3));
	}

	/** The lever's switch: only {@code nd4j} (any case, spaces around) sends the small products to Nd4j.gemm. */
	@Test
	public void theSwitchTakesOnlyNd4j() {
		INDArray x = filled(new Random(14), 6).reshape(1, 6), w = filled(new Random(15), 24).reshape('c', 6, 4);
		String was = System.getProperty(SmallProducts.PROPERTY);
		try {
			for (String off : new String[] { "nd4j", "ND4J", " Nd4j " }) {
				System.setProperty(SmallProducts.PROPERTY, off);
				assertFalse(off, SmallProducts.wanted());
				assertFalse(off, CachingDenseLayer.oneRowProduct(x, w, Nd4j.create(DataType.FLOAT, 1, 4)));
			}
			for (String on : new String[] { "true", "false", "", "0", "-1", "off", "NaN", "nd4jx", "oneDNN" }) {
				System.setProperty(SmallProducts.PROPERTY, on);
				assertTrue("'" + on + "'", SmallProducts.wanted());
			}
			System.clearProperty(SmallProducts.PROPERTY);
			assertTrue("unset", CachingDenseLayer.oneRowProduct(x, w, Nd4j.create(DataType.FLOAT, 1, 4)));
		} finally {
			SystemPropertyRule.restore(SmallProducts.PROPERTY, was);
		}
	}

	/** Values in 0.5 .. 1.5 (never 0, so a term left out shows), outside workspaces. */
	private static INDArray filled(Random r, long n) {
		float[] v = new float[(int) n];
		for (int i = 0; i < v.length; i++) v[i] = 0.5f + r.nextFloat();
		return NdArrays.array(v, n);
	}
}
