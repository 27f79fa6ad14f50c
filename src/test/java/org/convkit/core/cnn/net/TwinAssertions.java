package org.convkit.core.cnn.net;

import org.convkit.core.cnn.input.Normalisation;
import org.convkit.core.cnn.input.Resize;
import org.convkit.core.cnn.model.ModelBundle;
import org.convkit.core.cnn.model.TrainingHistory;
import org.convkit.core.cnn.spec.NetworkSpec;
import org.convkit.core.cnn.train.Predictor;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.lang.reflect.Field;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertNotSame;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

/** Checks shared by the tests of the twins that classify ({@link NetworkTwin}) against DL4J's output. */
final class TwinAssertions {
	/**
	 * Float rounding only: other oneDNN kernels (NHWC, blocked, Winograd) sum in another order than DL4J's NCHW path.
	 * As in SmallBatchForwardTest, 1e-4 stays two orders of magnitude below what a wrong weight order, channel order or
	 * padding does (0.08 was measured with the channels-last twin's activations flattened in NHWC order, Small VGG
	 * 96×96 RGB).
	 */
	static final double TOL = 1e-4;

	/** Makes the twin under test for a network with NCHW input of height × width × channels. */
	interface Maker {
		NetworkTwin make(MultiLayerNetwork net, int height, int width, int channels);
	}

	private TwinAssertions() {
	}

	static INDArray images(int n, int c, int h, int w, long seed) {
		Random r = new Random(seed);
		float[] x = new float[n * c * h * w];
		for (int i = 0; i < x.length; i++) x[i] = (float) r.nextGaussian();
		return NdArrays.array(x, n, c, h, w);
	}

	/**
	 * The twin's probabilities against DL4J's for batches of each size in turn, the caller's images and the network's
	 * weights left as they were; also that some probabilities lie well inside (0, 1): a saturated network (0s and 1s)
	 * would hide a mixed-up channel order. Returns the twin.
	 */
	static NetworkTwin assertLikeDl4j(Maker maker, MultiLayerNetwork net, String spec, int h, int w, int c,
			int... batches) {
		INDArray paramsBefore = net.params().dup();
		NetworkTwin f = maker.make(net, h, w, c);
		assertNotNull(spec, f);
		int classes = (int) net.getLayers()[net.getLayers().length - 1].getParam("b").length();
		for (int n : batches) {
			INDArray x = images(n, c, h, w, n);
			INDArray xBefore = x.dup();
			float[][] ours = f.probabilities(x);
			float[][] dl4j = NdArrays.rows(net.output(x, false));
			assertEquals(n, ours.length);
			double spread = 0;
			int inside = 0;
			for (int i = 0; i < n; i++) {
				assertEquals(classes, ours[i].length);
				for (int k = 0; k < classes; k++) {
					assertEquals(spec + ", batch of " + n + ", image " + i + " class " + k, dl4j[i][k], ours[i][k],
							TOL);
					spread = Math.max(spread, Math.abs(dl4j[i][k] - 1.0 / classes));
					if (dl4j[i][k] > 0.02 && dl4j[i][k] < 0.98) inside++;
				}
			}
			assertTrue(spec + ": the test network must not be near uniform (" + spread + ")", spread > 0.05);
			assertTrue(spec + ": nor saturated", inside > 0);
			assertEquals("the caller's images are left as they were", xBefore, x);
		}
		assertEquals("the network's own weights are left as they were", paramsBefore, net.params());
		return f;
	}

	/**
	 * The twin's weights are the network's own (views of its parameter array): a change to the first convolution and
	 * to the dense layer after the flatten (layer {@code dense}) shows in both at once, and the twin stays current.
	 */
	static void assertSharesWeights(Maker maker, MultiLayerNetwork net, int dense) {
		NetworkTwin f = maker.make(net, 16, 16, 3);
		INDArray x = images(5, 3, 16, 16, 8);
		float[][] before = f.probabilities(x);
		net.getLayer(0).getParam("W").muli(-1.5);
		net.getLayer(dense).getParam("W").muli(0.5);
		float[][] after = f.probabilities(x), dl4j = NdArrays.rows(net.output(x, false));
		double moved = 0;
		for (int i = 0; i < 5; i++)
			for (int k = 0; k < after[i].length; k++) {
				assertEquals(dl4j[i][k], after[i][k], TOL);
				moved = Math.max(moved, Math.abs(after[i][k] - before[i][k]));
			}
		assertTrue("the change must move the probabilities (" + moved + ")", moved > 0.01);
		assertTrue("no training, the same array: still current", f.isCurrent());
	}

	/** A twin of a network for 1 × 28 × 28 input refuses features of other shapes, naming the shape it takes. */
	static void assertRefusesOtherShapes(NetworkTwin f) {
		for (long[] shape : new long[][] { { 2, 1, 28, 27 }, { 2, 3, 28, 28 }, { 2, 28, 28, 1 }, { 2, 784 } }) {
			try {
				f.probabilities(Nd4j.zeros(DataType.FLOAT, shape));
				fail(java.util.Arrays.toString(shape));
			} catch (IllegalArgumentException expected) {
				assertTrue(expected.getMessage(), expected.getMessage().contains("1 x 28 x 28"));
			}
		}
	}

	/**
	 * A Predictor on a Small VGG for 16×16 RGB images ({@code net}, 4 classes) answers through a twin of the
	 * class {@code kind} (a batch of 8, then one of 3; SmallBatchForward takes the calls it serves before any twin) with
	 * DL4J's probabilities, and after a training step through a new twin with the new weights.
	 */
	static void assertPredictorAnswersThroughIt(MultiLayerNetwork net, Class<? extends NetworkTwin> kind)
			throws ReflectiveOperationException {
		ModelBundle bundle = new ModelBundle(net, NetworkSpec.parse(NetworkSpec.SMALL_VGG_SPEC),
				java.util.Arrays.asList("a", "b", "c", "d"), 16, 16, 3,
				new Normalisation(new double[] { 128, 100, 150 }, new double[] { 64, 50, 70 }), TrainingSettings.DEFAULTS,
				TrainingHistory.empty(), Resize.SCALE);
		Predictor p = new Predictor(bundle, 8);
		List<ij.process.ImageProcessor> rgb = new ArrayList<>();
		Random r = new Random(5);
		for (int i = 0; i < 11; i++) {
			int[] px = new int[16 * 16];
			for (int k = 0; k < px.length; k++) px[k] = r.nextInt(1 << 24);
			rgb.add(new ij.process.ColorProcessor(16, 16, px));
		}
		assertPredictsAsDl4j(p, net, rgb);
		NetworkTwin twin = twinOf(p);
		assertNotNull("the Predictor made a twin", twin);
		assertEquals(kind, twin.getClass());
		SmallBatchForward small = SmallBatchForward.of(net, 16, 16, 3);
		int expected = (small != null && small.serves(8, () -> twin) ? 0 : 1)
				+ (small != null && small.serves(3, () -> twin) ? 0 : 1);
		assertTrue("the batch of 8 at least", expected >= 1);
		assertEquals("batches through the twin", expected, twin.calls);

		INDArray labels = Nd4j.zeros(DataType.FLOAT, 8, 4);
		for (int i = 0; i < 8; i++) labels.putScalar(i, i % 4, 1);
		net.fit(images(8, 3, 16, 16, 6), labels); // the weights move: the next prediction follows them
		assertFalse(twin.isCurrent());
		assertPredictsAsDl4j(p, net, rgb);
		assertNotSame("a new twin with the new weights", twin, twinOf(p));
	}

	/** The Predictor's probabilities against DL4J's output on the same RGB planes, normalised by hand. */
	private static void assertPredictsAsDl4j(Predictor p, MultiLayerNetwork net, List<ij.process.ImageProcessor> rgb) {
		float[][] ours = p.predict(rgb);
		int n = rgb.size();
		float[] x = new float[n * 3 * 256];
		for (int i = 0; i < n; i++) {
			int[] px = (int[]) rgb.get(i).getPixels();
			for (int k = 0; k < 256; k++) {
				x[i * 768 + k] = (((px[k] >> 16) & 0xff) - 128) / 64f;
				x[i * 768 + 256 + k] = (((px[k] >> 8) & 0xff) - 100) / 50f;
				x[i * 768 + 512 + k] = ((px[k] & 0xff) - 150) / 70f;
			}
		}
		float[][] dl4j = NdArrays.rows(net.output(NdArrays.array(x, n, 3, 16, 16), false));
		double spread = 0;
		int inside = 0;
		for (int i = 0; i < n; i++)
			for (int k = 0; k < 4; k++) {
				assertEquals("image " + i + " class " + k, dl4j[i][k], ours[i][k], TOL);
				spread = Math.max(spread, Math.abs(dl4j[i][k] - 0.25));
				if (dl4j[i][k] > 0.02 && dl4j[i][k] < 0.98) inside++;
			}
		assertTrue("the test network must not be near uniform (" + spread + ")", spread > 0.05);
		assertTrue("nor saturated", inside > 0);
	}

	private static NetworkTwin twinOf(Predictor p) throws ReflectiveOperationException {
		Field f = Predictor.class.getDeclaredField("twin");
		f.setAccessible(true);
		return (NetworkTwin) f.get(p);
	}
}
