package org.convkit.core.filter;

import org.convkit.core.cnn.net.NetworkBuilder;
import org.convkit.core.cnn.net.TrainingSettings;
import org.convkit.core.cnn.spec.NetworkSpec;
import org.convkit.core.cnn.spec.Padding;
import org.convkit.testing.PoolingReference;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Random;

import static org.convkit.testing.Expect.expectError;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

/**
 * Pooling against a plain loop over each window and against DL4J's SubsamplingLayer as ConvKit's networks use it
 * ({@code maxpool}/{@code avgpool} layers through {@link NetworkBuilder}), for many size/stride/padding combinations
 * on non-square images with negative values (so that padding taken as 0 would show); the output size against the
 * layer formula.
 */
public class PoolingTest {
	/** {size, stride, padding (0 valid, 1 same)}: odd and even windows, overlapping, k < s, stride 1. */
	private static final int[][] CASES = {{2, 2, 0}, {3, 2, 0}, {2, 1, 0}, {3, 3, 0}, {5, 2, 0}, {2, 2, 1},
			{3, 2, 1}, {3, 1, 1}, {4, 3, 1}, {5, 2, 1}, {3, 3, 1}, {7, 1, 1}, {2, 3, 1}, {1, 2, 1}, {1, 3, 1},
			{4, 4, 1}, {6, 2, 1}};
	private static final int[][] SIZES = {{13, 10}, {16, 11}, {7, 9}};

	private static float[] image(int w, int h, long seed) {
		Random r = new Random(seed);
		float[] p = new float[w * h];
		for (int i = 0; i < p.length; i++) p[i] = (float) (r.nextGaussian() * 10 - 5); // mostly negative
		return p;
	}

	/** DL4J's output of the pooling layer of a network built from "maxpool k stride=s pad=..." (inference). */
	private static float[] dl4j(float[] in, int w, int h, int k, int s, boolean same, boolean max) {
		String spec = (max ? "maxpool " : "avgpool ") + k + " stride=" + s + " pad=" + (same ? "same" : "valid");
		MultiLayerNetwork net = NetworkBuilder.network(NetworkSpec.parse(spec), h, w, 1, 2,
				TrainingSettings.DEFAULTS);
		assertTrue(net.getLayer(0).conf().getLayer() instanceof SubsamplingLayer);
		INDArray x = Nd4j.create(in, new long[] {1, 1, h, w}, 'c');
		INDArray a = net.feedForward(x, false).get(1);
		assertEquals(spec, 4, a.rank());
		return a.dup('c').data().asFloat();
	}

	@Test
	public void equalsPlainLoopAndDl4jAndTheFormula() {
		int checked = 0;
		for (int[] size : SIZES)
			for (int[] c : CASES) {
				int w = size[0], h = size[1], k = c[0], s = c[1];
				boolean same = c[2] == 1;
				if (!same && (k > w || k > h)) continue;
				Padding padding = same ? Padding.SAME : Padding.VALID;
				WindowGrid[] g = Pooling.grids(w, h, k, s, padding);
				int ow = same ? (int) Math.ceil(w / (double) s) : (int) Math.floor((w - k) / (double) s) + 1;
				int oh = same ? (int) Math.ceil(h / (double) s) : (int) Math.floor((h - k) / (double) s) + 1;
				String at = w + "x" + h + " k=" + k + " s=" + s + " " + padding.label;
				assertEquals(at + " width", ow, g[0].out);
				assertEquals(at + " height", oh, g[1].out);
				float[] in = image(w, h, 31L * k + s);
				for (Pooling.Method m : Pooling.Method.values()) {
					boolean max = m == Pooling.Method.MAX;
					float[] ours = Pooling.apply(in, m, g[0], g[1]);
					double[] loop = PoolingReference.pool(in, w, h, k, s, same, max);
					// a stride 2 or more above the window, which DL4J cannot pad: its networks refuse it (NetworkSpec),
					// Apply Pooling starts the first window inside the image as libnd4j's forward pass does (the loop)
					boolean refused = g[0].before < 0 || g[1].before < 0;
					if (refused) {
						int kk = k, ss = s;
						expectError(() -> dl4j(in, w, h, kk, ss, true, max), "than DL4J can pad");
					}
					float[] ref = refused ? null : dl4j(in, w, h, k, s, same, max);
					if (ref != null) assertEquals(at + " " + m + " DL4J's size", ow * oh, ref.length);
					for (int i = 0; i < ours.length; i++) {
						String where = at + " " + m + " at " + (i % ow) + "," + (i / ow);
						if (max) {
							assertEquals(where + " (loop)", loop[i], ours[i], 0);
							if (ref != null) assertEquals(where + " (DL4J)", ref[i], ours[i], 0f);
						} else {
							assertEquals(where + " (loop)", loop[i], ours[i], 1e-5f);
							if (ref != null) assertEquals(where + " (DL4J)", ref[i], ours[i], 1e-4f);
						}
					}
					checked++;
				}
			}
		assertTrue(checked > 60);
	}

	/** Same with an odd total: the extra padding pixel goes after (TensorFlow's and DL4J's rule). */
	@Test
	public void samePaddingGoesAfterWhenOdd() {
		WindowGrid g = WindowGrid.pooling(6, 2, 2, Padding.SAME); // out 3, total (3-1)*2+2-6 = 0
		assertEquals(0, g.before);
		g = WindowGrid.pooling(5, 2, 2, Padding.SAME); // out 3, total 1: 0 before, 1 after
		assertEquals(3, g.out);
		assertEquals(0, g.before);
		assertEquals(1, g.after());
		g = WindowGrid.pooling(7, 4, 3, Padding.SAME); // out 3, total 3: 1 before, 2 after
		assertEquals(1, g.before);
		assertEquals(2, g.after());
		assertEquals("ceil(7 / 3) = 3 (padding 1 before, 2 after)", g.formula());
		assertEquals("floor((7 + 2*0 - 4) / 3) + 1 = 2", WindowGrid.pooling(7, 4, 3, Padding.VALID).formula());
		// a row of -1s: max over a window with padding is -1, never the padding's 0
		float[] row = {-1, -1, -1, -1, -1};
		float[] out = Pooling.apply(row, Pooling.Method.MAX, WindowGrid.pooling(5, 2, 2, Padding.SAME),
				WindowGrid.pooling(1, 2, 2, Padding.SAME));
		for (float v : out) assertEquals(-1f, v, 0f);
		out = Pooling.apply(row, Pooling.Method.AVERAGE, WindowGrid.pooling(5, 2, 2, Padding.SAME),
				WindowGrid.pooling(1, 2, 2, Padding.SAME));
		for (float v : out) assertEquals(-1f, v, 0f);
	}

	@Test
	public void nanPropagatesAndLargeImagesRunInParallel() {
		float[] in = {1, Float.NaN, 3, 4};
		WindowGrid gx = WindowGrid.pooling(2, 2, 2, Padding.VALID), gy = WindowGrid.pooling(2, 2, 2, Padding.VALID);
		assertTrue(Float.isNaN(Pooling.apply(in, Pooling.Method.MAX, gx, gy)[0]));
		assertTrue(Float.isNaN(Pooling.apply(in, Pooling.Method.AVERAGE, gx, gy)[0]));
		int w = 517, h = 301;
		float[] big = image(w, h, 9);
		for (Pooling.Method m : Pooling.Method.values()) {
			WindowGrid[] g = Pooling.grids(w, h, 3, 2, Padding.SAME);
			float[] ours = Pooling.apply(big, m, g[0], g[1]);
			double[] loop = PoolingReference.pool(big, w, h, 3, 2, true, m == Pooling.Method.MAX);
			for (int i = 0; i < ours.length; i++) assertEquals(loop[i], ours[i], 1e-5f);
		}
	}

	@Test
	public void badWindows() {
		expectError(() -> WindowGrid.pooling(5, 6, 1, Padding.VALID), "larger than the image (5)");
		expectError(() -> WindowGrid.pooling(5, 0, 1, Padding.SAME), "window size 0");
		expectError(() -> WindowGrid.pooling(5, 2, 0, Padding.SAME), "stride 0");
		expectError(() -> WindowGrid.pooling(5, 2, WindowGrid.MAX + 1, Padding.SAME), "stride");
		assertFalse(WindowGrid.pooling(5, 6, 1, Padding.SAME).out != 5);
		assertEquals(1, WindowGrid.pooling(5, 2, WindowGrid.MAX, Padding.SAME).out);
	}
}
