package org.convkit.core.cnn.inspect;

import ij.process.ByteProcessor;
import org.convkit.core.cnn.data.Synthetic;
import org.convkit.core.cnn.model.ModelBundle;
import org.convkit.core.cv.Superpixels;
import org.convkit.testing.Prerequisites;
import org.convkit.testing.Python;
import org.junit.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;

import static org.junit.Assert.*;

/** The explainers' building blocks: LIME's regression and superpixels, occlusion positions, tiled DeepDream. */
public class ExplainersTest {

	@Test
	public void weightedRidgeEqualsNumpysLeastSquaresOfTheAugmentedSystem() throws Exception {
		Prerequisites.requirePython("numpy");
		Random r = new Random(4);
		int n = 60, k = 7;
		float[][] x = new float[n][k];
		float[] y = new float[n];
		double[] w = new double[n];
		for (int i = 0; i < n; i++) {
			for (int j = 0; j < k; j++) x[i][j] = r.nextBoolean() ? 1 : 0;
			y[i] = (float) (0.3 + 0.5 * x[i][1] - 0.2 * x[i][4] + 0.05 * r.nextGaussian());
			w[i] = 0.1 + r.nextDouble();
		}
		WeightedRidge fit = WeightedRidge.fit(x, y, w, 1.0);
		// numpy: min ||sqrt(w) (y - b - X beta)||^2 + alpha ||beta||^2 as one least-squares problem
		Path dir = Files.createTempDirectory("convkit-ridge");
		ByteBuffer b = ByteBuffer.allocate(8 * n * (k + 2)).order(ByteOrder.LITTLE_ENDIAN);
		for (int i = 0; i < n; i++) {
			for (int j = 0; j < k; j++) b.putDouble(x[i][j]);
			b.putDouble(y[i]);
			b.putDouble(w[i]);
		}
		Path in = dir.resolve("in.f64"), out = dir.resolve("out.f64");
		Files.write(in, b.array());
		String script = String.join("\n", "import sys, numpy as np",
				"d = np.fromfile(sys.argv[1], dtype='<f8').reshape(" + n + ", " + (k + 2) + ")",
				"X, y, w = d[:, :" + k + "], d[:, " + k + "], d[:, " + (k + 1) + "]",
				"A = np.vstack([np.sqrt(w)[:, None] * np.hstack([np.ones((" + n + ", 1)), X]),",
				"               np.hstack([np.zeros((" + k + ", 1)), np.eye(" + k + ")])])",
				"rhs = np.concatenate([np.sqrt(w) * y, np.zeros(" + k + ")])",
				"sol = np.linalg.lstsq(A, rhs, rcond=None)[0]", "sol.astype('<f8').tofile(sys.argv[2])", "");
		Path py = dir.resolve("ridge.py");
		Files.writeString(py, script);
		Python.run(py, List.of(in.toString(), out.toString())); // bounded: a hung python is killed, not waited for
		ByteBuffer o = ByteBuffer.wrap(Files.readAllBytes(out)).order(ByteOrder.LITTLE_ENDIAN);
		assertEquals("intercept", o.getDouble(), fit.intercept, 1e-9);
		for (int j = 0; j < k; j++) assertEquals("beta " + j, o.getDouble(), fit.coefficients[j], 1e-9);
	}

	@Test
	public void limeWeightsFollowTheReferenceKernel() {
		assertEquals(1, Lime.weight(10, 10), 0);
		assertEquals(Math.sqrt(Math.exp(-1 / 0.0625)), Lime.weight(0, 10), 1e-15);
		double d = 1 - Math.sqrt(0.5); // cosine distance of half the superpixels kept to all kept
		assertEquals(Math.sqrt(Math.exp(-d * d / 0.0625)), Lime.weight(5, 10), 1e-15);
		boolean[][] z = Lime.patterns(50, 8, 3);
		for (boolean v : z[0]) assertTrue("the first sample keeps everything", v);
	}

	@Test
	public void superpixelsAreCompactLabelsNearTheRequestedCountAndDeterministic() {
		ByteProcessor ip = Synthetic.image(0, 64, new Random(2));
		for (int count : new int[] {10, 40, 150}) {
			int[] labels = Superpixels.labels(ip, count);
			int n = Superpixels.count(labels);
			assertTrue(count + " requested, " + n + " made", n >= count / 3 && n <= 3 * count);
			boolean[] seen = new boolean[n];
			for (int l : labels) seen[l] = true;
			for (boolean s : seen) assertTrue("labels 0..n-1 all used", s);
			assertArrayEquals(labels, Superpixels.labels(ip, count));
		}
		ij.process.FloatProcessor flat = new ij.process.FloatProcessor(20, 20);
		assertTrue("a flat 32-bit image works", Superpixels.count(Superpixels.labels(flat, 4)) >= 1);
	}

	@Test
	public void occlusionPositionsCoverEveryPixelWithALastPatchFlushWithTheEdge() {
		assertArrayEquals(new int[] {0, 4, 8, 12}, Occlusion.positions(16, 4, 4));
		assertArrayEquals(new int[] {0, 5, 10, 15, 16}, Occlusion.positions(22, 6, 5));
		assertArrayEquals(new int[] {0}, Occlusion.positions(5, 5, 100));
		assertEquals(5 * 4, Occlusion.count(22, 19, 6, 5));
		try {
			Saliency.check(InspectFixtures.bundle("conv 3x3x2; dense 4", 8, 8, 1, 2, 0), 2048, 2048,
					new Saliency.Params(Saliency.Method.OCCLUSION, "", "", 1, 1, 50, 500, 1));
			fail("4 million occluded images");
		} catch (IllegalArgumentException e) {
			assertTrue(e.getMessage(), e.getMessage().contains("would classify 4194304 occluded images"));
		}
	}

	@Test
	public void deepDreamsTiledGradientEqualsTheWholeImageGradient() {
		ModelBundle b = InspectFixtures.bundle("conv 3x3x4 pad=same; maxpool 2; conv 3x3x5 stride=2 pad=same; "
				+ "conv 3x3x3; dense 4", 20, 20, 1, 2, 2);
		InspectionNetwork net = InspectionNetwork.of(b);
		Tensor x = InspectFixtures.input(3, 1, 1, 83, 70);
		int[] layers = {1, 3};
		Tensor whole = DeepDream.gradient(net, x, layers, 100000);
		Tensor tiled = DeepDream.gradient(net, x, layers, 8);
		double max = 0;
		for (float v : whole.data) max = Math.max(max, Math.abs(v));
		assertTrue(max > 0);
		for (int i = 0; i < whole.data.length; i++)
			assertEquals("value " + i, whole.data[i], tiled.data[i], 1e-5 * max);
	}
}
