package org.convkit.core.cnn.net;

import org.junit.Test;

import java.util.Random;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNull;

/**
 * The unfolding (images side by side, as the first convolution in training and the small-batch forward pass use it)
 * against the textbook definition, for strides, paddings, channels and non-square sizes.
 */
public class Im2ColTest {
	@Test
	public void matchesTheDefinition() {
		Random r = new Random(3);
		int[][] cases = { // channels, h, w, kh, kw, sh, sw, padTop, padLeft
				{ 1, 28, 28, 5, 5, 1, 1, 0, 0 }, { 3, 13, 17, 3, 3, 1, 1, 1, 1 }, { 2, 9, 8, 3, 5, 2, 2, 1, 2 },
				{ 1, 7, 7, 7, 7, 1, 1, 0, 0 }, { 3, 10, 6, 2, 2, 3, 1, 0, 0 }, { 1, 5, 5, 3, 3, 1, 1, 2, 2 } };
		for (int[] c : cases) {
			int ch = c[0], h = c[1], w = c[2], kh = c[3], kw = c[4], sh = c[5], sw = c[6], pt = c[7], pl = c[8];
			int oh = (h + 2 * pt - kh) / sh + 1, ow = (w + 2 * pl - kw) / sw + 1, images = 3;
			float[] x = new float[images * ch * h * w];
			for (int i = 0; i < x.length; i++) x[i] = r.nextFloat() + 0.5f; // never 0: a missed copy shows
			Im2Col u = new Im2Col(ch, h, w, kh, kw, sh, sw, pt, pl, oh, ow);
			assertEquals(ch * kh * kw + 1, u.rows());
			// fillSpread reads the images channel-major: [channel][image][h][w]
			float[] channelMajor = new float[x.length];
			for (int i = 0; i < images; i++)
				for (int cc = 0; cc < ch; cc++)
					System.arraycopy(x, (i * ch + cc) * h * w, channelMajor, (cc * images + i) * h * w, h * w);
			int length = images * u.positions();
			float[] cols = new float[u.rows() * length];
			java.util.Arrays.fill(cols, Float.NaN); // a value left unwritten shows
			u.fillSpread(channelMajor, images, cols);
			u.fillSpreadOnes(cols, images);
			// the definition: the pixel index each column entry comes from, -1 outside the image (and the ones row)
			int[] source = new int[u.rows() * length];
			java.util.Arrays.fill(source, -1);
			for (int n = 0; n < images; n++)
				for (int cc = 0; cc < ch; cc++)
					for (int ky = 0; ky < kh; ky++)
						for (int kx = 0; kx < kw; kx++)
							for (int oy = 0; oy < oh; oy++)
								for (int ox = 0; ox < ow; ox++) {
									int iy = oy * sh + ky - pt, ix = ox * sw + kx - pl;
									if (iy >= 0 && iy < h && ix >= 0 && ix < w)
										source[((cc * kh + ky) * kw + kx) * length + n * u.positions() + oy * ow + ox]
												= ((n * ch + cc) * h + iy) * w + ix;
								}
			float[] expected = new float[u.rows() * length];
			for (int k = 0; k < expected.length; k++) expected[k] = source[k] < 0 ? 0f : x[source[k]];
			java.util.Arrays.fill(expected, (u.rows() - 1) * length, u.rows() * length, 1f);
			assertArrayEquals(java.util.Arrays.toString(c), expected, cols, 0f);
			// the NCHW unfolding gives the same columns
			float[] nchw = new float[cols.length];
			u.fillSpreadNchw(x, images, nchw);
			u.fillSpreadOnes(nchw, images);
			assertArrayEquals(java.util.Arrays.toString(c), expected, nchw, 0f);
			// folding is the unfolding's transpose, element by element: each column value lands on the pixel it came
			// from (and outside the image nowhere), so fold(columns) sums the definition's entries per pixel
			float[] g = new float[cols.length];
			for (int i = 0; i < g.length; i++) g[i] = r.nextFloat() - 0.5f;
			float[] folded = new float[x.length], sums = new float[x.length];
			u.foldSpread(g, images, folded);
			for (int k = 0; k < (u.rows() - 1) * length; k++)
				if (source[k] >= 0) sums[source[k]] += g[k];
			assertArrayEquals(java.util.Arrays.toString(c), sums, folded, 1e-6f);
		}
	}

	/**
	 * For stride 1 the error's unfolding ({@code transposed}) times the weights with flipped taps gives the input
	 * gradient that folding {@code weightsᵀ · error} gives (plain Java products here); strides above 1 and padding of a
	 * kernel's size or more have no such unfolding.
	 */
	@Test
	public void theErrorsUnfoldingGivesTheFoldedInputGradient() {
		Random r = new Random(5);
		int[][] cases = { // channels, nOut, h, w, kh, kw, padTop, padLeft
				{ 1, 2, 28, 28, 5, 5, 0, 0 }, { 3, 4, 13, 17, 3, 3, 1, 1 }, { 2, 3, 9, 8, 3, 5, 1, 2 },
				{ 3, 2, 10, 6, 2, 2, 0, 0 }, { 2, 5, 7, 6, 4, 3, 1, 1 }, { 1, 1, 5, 5, 3, 3, 2, 2 } };
		for (int[] c : cases) {
			int ch = c[0], nOut = c[1], h = c[2], w = c[3], kh = c[4], kw = c[5], pt = c[6], pl = c[7], images = 2;
			int oh = h + 2 * pt - kh + 1, ow = w + 2 * pl - kw + 1, taps = kh * kw, k = nOut * taps;
			Im2Col u = new Im2Col(ch, h, w, kh, kw, 1, 1, pt, pl, oh, ow), back = u.transposed(nOut);
			assertEquals(k + 1, back.rows());
			assertEquals(h * w, back.positions());
			float[] weights = new float[nOut * ch * taps], error = new float[images * nOut * oh * ow];
			for (int i = 0; i < weights.length; i++) weights[i] = r.nextFloat() - 0.5f;
			for (int i = 0; i < error.length; i++) error[i] = r.nextFloat() - 0.5f;
			// folded: columns [ch·taps][images·positions] = weightsᵀ · error (error laid out [nOut][images·positions])
			int length = images * u.positions(), rows = ch * taps;
			float[] cols = new float[u.rows() * length];
			for (int row = 0; row < rows; row++)
				for (int n = 0; n < images; n++)
					for (int q = 0; q < u.positions(); q++) {
						float sum = 0;
						for (int o = 0; o < nOut; o++)
							sum += weights[o * rows + row] * error[(n * nOut + o) * u.positions() + q];
						cols[row * length + n * u.positions() + q] = sum;
					}
			float[] folded = new float[images * ch * h * w];
			u.foldSpread(cols, images, folded);
			// by product: the error's columns times the flipped weights [ch][nOut·taps]
			int inLength = images * h * w;
			float[] errorCols = new float[k * inLength];
			back.fillSpreadNchw(error, images, errorCols);
			float[] product = new float[folded.length];
			for (int cc = 0; cc < ch; cc++)
				for (int n = 0; n < images; n++)
					for (int q = 0; q < h * w; q++) {
						float sum = 0;
						for (int o = 0; o < nOut; o++)
							for (int t = 0; t < taps; t++)
								sum += weights[(o * ch + cc) * taps + taps - 1 - t]
										* errorCols[(o * taps + t) * inLength + n * h * w + q];
						product[(n * ch + cc) * h * w + q] = sum;
					}
			assertArrayEquals(java.util.Arrays.toString(c), folded, product, 1e-5f);
		}
		assertNull("stride 2", new Im2Col(2, 9, 8, 3, 3, 2, 2, 1, 1, 5, 4).transposed(3));
		assertNull("padding of the kernel's size", new Im2Col(1, 5, 5, 3, 3, 1, 1, 3, 3, 9, 9).transposed(2));
	}
}
