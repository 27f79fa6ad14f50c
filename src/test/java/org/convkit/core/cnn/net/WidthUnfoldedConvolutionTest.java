package org.convkit.core.cnn.net;

import org.convkit.core.cnn.net.ForwardSteps.Act;
import org.junit.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.util.Random;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

/**
 * The stride-1 convolution as products over the width-only unfolding against the textbook definition (summed in
 * double), for valid and padded, square and non-square kernels, asymmetric padding (DL4J's "same" for even kernels),
 * one image and several; and the product's bounds checks.
 */
public class WidthUnfoldedConvolutionTest {
	/** Float sums of up to 500 products of values near 1, in another order than the double reference. */
	private static final double TOL = 1e-4;

	@Test
	public void matchesTheDefinition() {
		Random r = new Random(5);
		int[][] cases = { // channels, h, w, kh, kw, padTop, padLeft, outH, outW, nOut
				{ 20, 12, 12, 5, 5, 0, 0, 8, 8, 50 }, // LeNet's second layer
				{ 32, 10, 9, 3, 3, 1, 1, 10, 9, 16 }, // Small VGG's "same" 3 × 3
				{ 12, 7, 11, 2, 4, 0, 1, 7, 11, 5 }, // even kernel, "same": one row / column more at the bottom / right
				{ 40, 6, 5, 1, 1, 0, 0, 6, 5, 3 }, // 1 × 1
				{ 16, 9, 6, 5, 2, 2, 0, 9, 5, 4 }, // taller than wide, padding on top only reaches the bottom too
				{ 8, 4, 4, 3, 5, 2, 3, 6, 6, 2 } }; // padding wider than the image's edge
		for (int[] c : cases) {
			int ch = c[0], h = c[1], w = c[2], kh = c[3], kw = c[4], pt = c[5], pl = c[6], oh = c[7], ow = c[8];
			int nOut = c[9];
			float[] weights = values(r, nOut * ch * kh * kw), bias = values(r, nOut);
			WidthUnfoldedConvolution conv = new WidthUnfoldedConvolution(
					new WidthUnfolding(ch, h, w, kh, kw, pt, pl, oh, ow), weights, bias, nOut, (z, from, to) -> {
					});
			for (int images : new int[] { 1, 3, 3, 2 }) { // buffers reused, then made again for another size
				float[] x = values(r, images * ch * h * w); // channel-major [C][n][H][W]
				float[] out = conv.apply(x, images);
				assertEquals(nOut * images * oh * ow, out.length);
				for (int o = 0; o < nOut; o++)
					for (int i = 0; i < images; i++)
						for (int oy = 0; oy < oh; oy++)
							for (int ox = 0; ox < ow; ox++) {
								double want = bias[o];
								for (int cc = 0; cc < ch; cc++)
									for (int ky = 0; ky < kh; ky++)
										for (int kx = 0; kx < kw; kx++) {
											int iy = oy + ky - pt, ix = ox + kx - pl;
											if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue;
											want += (double) weights[((o * ch + cc) * kh + ky) * kw + kx]
													* x[((cc * images + i) * h + iy) * w + ix];
										}
								float got = out[((o * images + i) * oh + oy) * ow + ox];
								assertEquals(java.util.Arrays.toString(c) + " image " + i + " (" + o + "," + oy + "," + ox
										+ ")", want, got, TOL * Math.max(1, Math.abs(want)));
							}
			}
		}
	}

	@Test
	public void theActivationComesLast() {
		Act relu = (z, from, to) -> {
			for (int i = from; i < to; i++) z[i] = Math.max(z[i], 0f);
		};
		Random r = new Random(6);
		int ch = 16, h = 6, w = 6, k = 3, nOut = 4;
		float[] weights = values(r, nOut * ch * k * k), bias = { -1000, 1000, 0, -144 }; // all negative, all positive, two others
		float[] x = values(r, ch * h * w);
		WidthUnfolding u = new WidthUnfolding(ch, h, w, k, k, 0, 0, 4, 4);
		float[] plain = new WidthUnfoldedConvolution(u, weights, bias, nOut, (z, f, t) -> {
		}).apply(x, 1).clone();
		float[] out = new WidthUnfoldedConvolution(u, weights, bias, nOut, relu).apply(x, 1);
		for (int i = 0; i < out.length; i++) assertEquals(Math.max(plain[i], 0f), out[i], 0f);
		for (int i = 0; i < 16; i++) assertEquals(0f, out[i], 0f);
		for (int i = 16; i < 32; i++) assertTrue(out[i] > 0);
	}

	@Test
	public void onlyDeepProductsTakeThisPath() {
		assertFalse("LeNet's first layer", WidthUnfolding.suits(1, 5));
		assertTrue("LeNet's second layer", WidthUnfolding.suits(20, 5));
		assertTrue(WidthUnfolding.suits(32, 1));
		assertFalse(WidthUnfolding.suits(31, 1));
	}

	@Test
	public void productsOutsideTheirArraysAreRefused() {
		INDArray a = NdArrays.detached(null, 4, 6), b = NdArrays.detached(null, 6, 5), c = NdArrays.detached(null, 4, 5);
		OpenBlasProduct.multiply(false, false, 4, 5, 6, 1f, a, 0, 6, b, 0, 5, 0f, c, 0, 5); // fits
		assertThrows(IllegalArgumentException.class, // one row too many of b from offset 5
				() -> OpenBlasProduct.multiply(false, false, 4, 5, 6, 1f, a, 0, 6, b, 5, 5, 0f, c, 0, 5));
		assertThrows(IllegalArgumentException.class, // leading dimension below the row
				() -> OpenBlasProduct.multiply(false, false, 4, 5, 6, 1f, a, 0, 5, b, 0, 5, 0f, c, 0, 5));
		assertThrows(IllegalArgumentException.class, // transposed a is 6 × 4 with ld 6: 4 rows too long
				() -> OpenBlasProduct.multiply(true, false, 4, 5, 6, 1f, a, 0, 6, b, 0, 5, 0f, c, 0, 5));
		assertThrows(IllegalArgumentException.class,
				() -> OpenBlasProduct.multiply(false, false, 4, 5, 6, 1f, a, -1, 6, b, 0, 5, 0f, c, 0, 5));
	}

	/**
	 * Views that start inside their buffer (rows 2..5 of a 10-row matrix: contiguous, offset 12 floats) multiply as
	 * their copies do: the product starts at the view's first element, not 12 floats further (ND4J's address of a
	 * view's data already includes the view's offset).
	 */
	@Test
	public void viewsMultiplyFromTheirFirstElement() {
		Random r = new Random(3);
		INDArray a = NdArrays.detached(null, 10, 6), b = NdArrays.detached(null, 10, 5);
		INDArray c = NdArrays.detached(null, 10, 5);
		a.assign(Nd4j.createFromArray(values(r, 60)).reshape(10, 6));
		b.assign(Nd4j.createFromArray(values(r, 50)).reshape(10, 5));
		INDArray rowsOfA = a.get(NDArrayIndex.interval(2, 6), NDArrayIndex.all());
		INDArray rowsOfB = b.get(NDArrayIndex.interval(4, 10), NDArrayIndex.all());
		INDArray rowsOfC = c.get(NDArrayIndex.interval(6, 10), NDArrayIndex.all());
		assertTrue("a view with an offset", rowsOfA.offset() > 0 && rowsOfB.offset() > 0 && rowsOfC.offset() > 0);
		OpenBlasProduct.multiply(false, false, 4, 5, 6, 1f, rowsOfA, 0, 6, rowsOfB, 0, 5, 0f, rowsOfC, 0, 5);
		INDArray expected = rowsOfA.dup().mmul(rowsOfB.dup());
		for (int i = 0; i < 4; i++)
			for (int j = 0; j < 5; j++) // one product of 6 terms either way; OpenBLAS's order may differ from mmul's
				assertEquals(expected.getFloat(i, j), rowsOfC.getFloat(i, j), 1e-5f * expected.getFloat(i, j));
		assertEquals("rows before the view untouched", 0f,
				c.get(NDArrayIndex.interval(0, 6), NDArrayIndex.all()).sumNumber().floatValue(), 0f);
	}

	/** In 0.5 .. 1.5: never 0, so a value left out shows. */
	private static float[] values(Random r, int n) {
		float[] v = new float[n];
		for (int i = 0; i < n; i++) v[i] = 0.5f + r.nextFloat();
		return v;
	}
}
