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
 * Classification's small products: OpenBLAS's matrix-vector product on parts of ND4J arrays ({@link OpenBlasProduct}),
 * the dense layer's one-row path ({@link CachingDenseLayer#oneRowProduct}) and {@link SmallProducts}, against sums in
 * double precision. Tolerances:
 * float sums of up to 800 terms in 0.5..1.5, in an order OpenBLAS chooses, against exact ones: a relative 1e-5.
 */
public class OpenBlasProductTest {
	@Test
	public void matrixTimesVectorEitherWayFromAnyOffset() {
		Random r = new Random(11);
		int m = 7, n = 13, lda = 15;
		INDArray a = filled(r, 3 + 13 * lda), x = filled(r, 2 + 13), y = filled(r, 5 + 13);
		for (boolean trans : new boolean[] { false, true }) {
			float[] before = y.toFloatVector();
			OpenBlasProduct.multiplyVector(trans, m, n, 0.5f, a, 3, lda, x, 2, 2f, y, 5);
			for (int i = 0; i < m; i++) {
				double sum = 0;
				for (int j = 0; j < n; j++)
					sum += a.getDouble(3 + (trans ? (long) j * lda + i : (long) i * lda + j)) * x.getDouble(2 + j);
				double expected = 0.5 * sum + 2 * before[5 + i];
				assertEquals("trans " + trans + " row " + i, expected, y.getDouble(5 + i), 1e-5 * expected);
			}
			for (int i = 0; i < 5; i++) assertEquals("before the offset", before[i], y.getFloat(i), 0f);
			for (int i = 5 + m; i < before.length; i++) assertEquals("after the vector", before[i], y.getFloat(i), 0f);
		}
	}

	@Test
	public void vectorsOutsideTheirArraysAreRefused() {
		INDArray a = NdArrays.detached(null, 4, 6), x = NdArrays.detached(null, 1, 6);
		INDArray y = NdArrays.detached(null, 1, 4);
		OpenBlasProduct.multiplyVector(false, 4, 6, 1f, a, 0, 6, x, 0, 0f, y, 0); // fits
		assertThrows(IllegalArgumentException.class, // x one value short from offset 1
				() -> OpenBlasProduct.multiplyVector(false, 4, 6, 1f, a, 0, 6, x, 1, 0f, y, 0));
		assertThrows(IllegalArgumentException.class, // y too short for 5 rows
				() -> OpenBlasProduct.multiplyVector(false, 5, 6, 1f, a, 0, 6, x, 0, 0f, y, 0));
		assertThrows(IllegalArgumentException.class, // transposed: a would be 6 × 4 with ld 6
				() -> OpenBlasProduct.multiplyVector(true, 4, 6, 1f, a, 0, 6, x, 0, 0f, y, 0));
		assertThrows(IllegalArgumentException.class,
				() -> OpenBlasProduct.multiplyVector(false, 4, 0, 1f, a, 0, 6, x, 0, 0f, y, 0));
		assertThrows(IllegalArgumentException.class, // doubles
				() -> OpenBlasProduct.multiplyVector(false, 4, 6, 1f, Nd4j.create(DataType.DOUBLE, 4, 6), 0, 6, x, 0,
						0f, y, 0));
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
				filled(r, 6).reshape(2, 3), filled(r, 12).reshape(3, 4), Nd4j.create(DataType.FLOAT, 2, 3), 2, 4, 3));
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
