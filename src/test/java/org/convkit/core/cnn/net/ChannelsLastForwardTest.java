package org.convkit.core.cnn.net;

import org.convkit.core.cnn.input.Normalisation;
import org.convkit.core.cnn.input.Resize;
import org.convkit.core.cnn.model.ModelBundle;
import org.convkit.core.cnn.model.TrainingHistory;
import org.convkit.core.cnn.spec.NetworkSpec;
import org.convkit.core.cnn.train.Predictor;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.After;
import org.junit.Before;
import org.junit.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.lang.reflect.Field;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static org.junit.Assert.*;

/**
 * The channels-last twin gives DL4J's NCHW probabilities for the networks it covers (on the network's own weights,
 * its activations turned back to NCHW before the flatten), refuses what it does not cover, follows more training,
 * and the Predictor answers through it — on any processor here: the switch is set to "true" (by default only oneDNN
 * with AVX-512 gets a twin, for speed; the values are the same either way).
 */
public class ChannelsLastForwardTest {
	/**
	 * Float rounding only: oneDNN's NHWC kernels sum in another order than its NCHW ones. As in SmallBatchForwardTest,
	 * 1e-4 stays two orders of magnitude below what a wrong weight order, channel order or padding does (0.08 was
	 * measured with the activations flattened in NHWC order, Small VGG 96×96 RGB).
	 */
	private static final double TOL = 1e-4;

	private String was;

	@Before
	public void switchOn() {
		was = System.getProperty(ChannelsLastForward.PROPERTY);
		System.setProperty(ChannelsLastForward.PROPERTY, "true");
	}

	@After
	public void restore() {
		if (was == null) System.clearProperty(ChannelsLastForward.PROPERTY);
		else System.setProperty(ChannelsLastForward.PROPERTY, was);
	}

	/** A network with random weights and biases ({@link RandomisedNetwork}), unscaled. */
	private static MultiLayerNetwork network(String spec, int h, int w, int c, int classes) {
		return network(spec, h, w, c, classes, 1.0);
	}

	private static MultiLayerNetwork network(String spec, int h, int w, int c, int classes, double scale) {
		return RandomisedNetwork.of(spec, h, w, c, classes, scale);
	}

	private static INDArray images(int n, int c, int h, int w, long seed) {
		Random r = new Random(seed);
		float[] x = new float[n * c * h * w];
		for (int i = 0; i < x.length; i++) x[i] = (float) r.nextGaussian();
		return NdArrays.array(x, n, c, h, w);
	}

	private static void assertLikeDl4j(String spec, int h, int w, int c, int classes) {
		assertLikeDl4j(spec, h, w, c, classes, 1.0);
	}

	/**
	 * Also that some probabilities lie well inside (0, 1): a saturated network (0s and 1s) would hide a mixed-up
	 * channel order.
	 */
	private static void assertLikeDl4j(String spec, int h, int w, int c, int classes, double scale) {
		MultiLayerNetwork net = network(spec, h, w, c, classes, scale);
		INDArray paramsBefore = net.params().dup();
		ChannelsLastForward f = ChannelsLastForward.of(net, h, w, c);
		assertNotNull(spec, f);
		for (int n : new int[] { 1, 3, 17, 3 }) { // 3 again: the reused input after another size
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
					assertEquals(spec + ", image " + i + " class " + k, dl4j[i][k], ours[i][k], TOL);
					spread = Math.max(spread, Math.abs(dl4j[i][k] - 1.0 / classes));
					if (dl4j[i][k] > 0.02 && dl4j[i][k] < 0.98) inside++;
				}
			}
			assertTrue(spec + ": the test network must not be near uniform (" + spread + ")", spread > 0.05);
			assertTrue(spec + ": nor saturated", inside > 0);
			assertEquals("the caller's images are left as they were", xBefore, x);
		}
		assertEquals("the network's own weights are left as they were", paramsBefore, net.params());
	}

	@Test
	public void smallVggWithSamePaddingAndDropoutAsDl4j() {
		assertLikeDl4j(NetworkSpec.SMALL_VGG_SPEC, 24, 24, 3, 5);
	}

	@Test
	public void lenetAsDl4j() {
		assertLikeDl4j(NetworkSpec.LENET_SPEC, 28, 28, 1, 10);
	}

	@Test
	public void stridesOddSizesNonSquareImagesAndAveragePoolingAsDl4j() {
		assertLikeDl4j("conv 3x3x6 stride=2 pad=same tanh; avgpool 2; conv 2x3x5 elu; dense 7 elu", 21, 17, 2, 4);
		assertLikeDl4j("conv 5x5x4 pad=same; maxpool 3 stride=2; conv 3x3x3 leakyrelu; dense 3", 19, 23, 3, 6);
	}

	@Test
	public void whatItDoesNotCoverIsLeftToDl4j() {
		// batch normalisation among the image layers; a network with no image layers (nothing to gain)
		assertNull(ChannelsLastForward.of(network("conv 3x3x4; batchnorm; maxpool 2; dense 5", 12, 12, 1, 3), 12,
				12, 1));
		assertNull(ChannelsLastForward.of(network("dense 8", 6, 6, 1, 3), 6, 6, 1));
	}

	/** The twin's weights are the network's own (views of its parameter array): a change shows in both at once. */
	@Test
	public void theTwinSharesTheNetworksWeights() {
		MultiLayerNetwork net = network(NetworkSpec.SMALL_VGG_SPEC, 16, 16, 3, 4, 1.3);
		ChannelsLastForward f = ChannelsLastForward.of(net, 16, 16, 3);
		INDArray x = images(5, 3, 16, 16, 8);
		float[][] before = f.probabilities(x);
		net.getLayer(0).getParam("W").muli(-1.5); // the first convolution's kernels
		net.getLayer(6).getParam("W").muli(0.5); // the dense layer after the flatten
		float[][] after = f.probabilities(x), dl4j = NdArrays.rows(net.output(x, false));
		double moved = 0;
		for (int i = 0; i < 5; i++)
			for (int k = 0; k < 4; k++) {
				assertEquals(dl4j[i][k], after[i][k], TOL);
				moved = Math.max(moved, Math.abs(after[i][k] - before[i][k]));
			}
		assertTrue("the change must move the probabilities (" + moved + ")", moved > 0.01);
		assertTrue("no training, the same array: still current", f.isCurrent());
	}

	@Test
	public void theSwitchesTurnItOff() {
		MultiLayerNetwork net = network(NetworkSpec.LENET_SPEC, 28, 28, 1, 10);
		System.setProperty(ChannelsLastForward.PROPERTY, "FALSE ");
		assertNull(ChannelsLastForward.of(net, 28, 28, 1));
		// anything else is the default: a twin exactly where oneDNN runs AVX-512
		for (String v : new String[] { "", "yes", "0", "NaN" }) {
			System.setProperty(ChannelsLastForward.PROPERTY, v);
			assertEquals("'" + v + "'", OneDnn.usesAvx512(), ChannelsLastForward.of(net, 28, 28, 1) != null);
		}
		System.setProperty(ChannelsLastForward.PROPERTY, "true");
		String fast = System.getProperty(FastTraining.ENABLED_PROPERTY);
		System.setProperty(FastTraining.ENABLED_PROPERTY, "false");
		try {
			assertNull("DL4J as shipped", ChannelsLastForward.of(net, 28, 28, 1));
		} finally {
			if (fast == null) System.clearProperty(FastTraining.ENABLED_PROPERTY);
			else System.setProperty(FastTraining.ENABLED_PROPERTY, fast);
		}
	}

	@Test
	public void featuresOfAnotherShapeAreRefused() {
		ChannelsLastForward f = ChannelsLastForward.of(network(NetworkSpec.LENET_SPEC, 28, 28, 1, 10), 28, 28, 1);
		for (long[] shape : new long[][] { { 2, 1, 28, 27 }, { 2, 3, 28, 28 }, { 2, 28, 28, 1 }, { 2, 784 } }) {
			try {
				f.probabilities(Nd4j.zeros(DataType.FLOAT, shape));
				fail(Arrays.toString(shape));
			} catch (IllegalArgumentException expected) {
				assertTrue(expected.getMessage(), expected.getMessage().contains("1 x 28 x 28"));
			}
		}
	}

	@Test
	public void thePredictorAnswersThroughItAndFollowsMoreTraining() throws Exception {
		MultiLayerNetwork net = network(NetworkSpec.SMALL_VGG_SPEC, 16, 16, 3, 4, 1.3);
		ModelBundle bundle = new ModelBundle(net, NetworkSpec.parse(NetworkSpec.SMALL_VGG_SPEC),
				Arrays.asList("a", "b", "c", "d"), 16, 16, 3,
				new Normalisation(new double[] { 128, 100, 150 }, new double[] { 64, 50, 70 }), TrainingSettings.DEFAULTS,
				TrainingHistory.empty(), Resize.SCALE);
		Predictor p = new Predictor(bundle, 8);
		List<ij.process.ImageProcessor> rgb = new ArrayList<>();
		Random r = new Random(5);
		for (int i = 0; i < 11; i++) { // a batch of 8, then one of 3
			int[] px = new int[16 * 16];
			for (int k = 0; k < px.length; k++) px[k] = r.nextInt(1 << 24);
			rgb.add(new ij.process.ColorProcessor(16, 16, px));
		}
		assertPredictsAsDl4j(p, net, rgb);
		ChannelsLastForward twin = twinOf(p);
		assertNotNull("the Predictor made a twin", twin);
		SmallBatchForward small = SmallBatchForward.of(net, 16, 16, 3); // takes the calls it serves, before the twin
		int expected = (small != null && small.serves(8) ? 0 : 1) + (small != null && small.serves(3) ? 0 : 1);
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

	private static ChannelsLastForward twinOf(Predictor p) throws ReflectiveOperationException {
		Field f = Predictor.class.getDeclaredField("channelsLast");
		f.setAccessible(true);
		return (ChannelsLastForward) f.get(p);
	}
}
