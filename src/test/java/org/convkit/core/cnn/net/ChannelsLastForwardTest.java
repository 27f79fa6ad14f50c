package org.convkit.core.cnn.net;

import org.convkit.core.cnn.spec.NetworkSpec;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.After;
import org.junit.Before;
import org.junit.ClassRule;
import org.junit.Test;

import static org.junit.Assert.*;

/**
 * The channels-last twin gives DL4J's NCHW probabilities for the networks it covers (on the network's own weights,
 * its activations turned back to NCHW before the flatten), refuses what it does not cover, follows more training,
 * and the Predictor answers through it — on any processor here: the switch is set to "true" (by default only oneDNN
 * with AVX-512 gets a twin, for speed; the values are the same either way). The fused block, which the Predictor would
 * take first, is switched off ({@link FusedForwardTest} tests it).
 */
public class ChannelsLastForwardTest {
	@ClassRule
	public static final FusedBlockOff BLOCK_OFF = new FusedBlockOff();

	private static final TwinAssertions.Maker MAKER = ChannelsLastForward::of;

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

	private static void assertLikeDl4j(String spec, int h, int w, int c, int classes) {
		TwinAssertions.assertLikeDl4j(MAKER, network(spec, h, w, c, classes), spec, h, w, c, 1, 3, 17, 3);
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
		TwinAssertions.assertSharesWeights(MAKER, network(NetworkSpec.SMALL_VGG_SPEC, 16, 16, 3, 4, 1.3), 6);
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
		TwinAssertions.assertRefusesOtherShapes(f);
	}

	@Test
	public void thePredictorAnswersThroughItAndFollowsMoreTraining() throws Exception {
		TwinAssertions.assertPredictorAnswersThroughIt(network(NetworkSpec.SMALL_VGG_SPEC, 16, 16, 3, 4, 1.3),
				ChannelsLastForward.class);
	}
}
