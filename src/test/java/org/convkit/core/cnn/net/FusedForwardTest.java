package org.convkit.core.cnn.net;

import org.convkit.core.cnn.runtime.ComputeThreads;
import org.convkit.core.cnn.spec.NetworkSpec;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.Test;
import org.nd4j.linalg.api.ndarray.INDArray;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;

/**
 * Classification through the fused convolution block ({@link FusedForward}) gives DL4J's probabilities within
 * {@link TwinAssertions#TOL} for the presets and for specs that take every branch (identity convolutions, average
 * pooling, strides, valid and same padding, non-square sizes, a block that ends at batch normalisation), batch sizes
 * changing back and forth (plans made, dropped and made again on buffers that grow); leaves batches that do not divide
 * to the layers; keeps two layers' activations, not one buffer per layer; shares the network's weights and leaves the
 * network's own layer objects alone; follows the switches; and is what the Predictor answers through.
 */
public class FusedForwardTest {
	private static final TwinAssertions.Maker MAKER = FusedForward::of;

	private static MultiLayerNetwork network(String spec, int h, int w, int c, int classes, double scale) {
		return RandomisedNetwork.of(spec, h, w, c, classes, scale);
	}

	/** DL4J's probabilities for batches of 1, 3, 17, 3, 40 and 1: more sizes than the block keeps plans for. */
	private static FusedForward assertLikeDl4j(String spec, int h, int w, int c, int classes, int blockSize) {
		return assertLikeDl4j(spec, h, w, c, classes, blockSize, 1.0);
	}

	private static FusedForward assertLikeDl4j(String spec, int h, int w, int c, int classes, int blockSize,
			double scale) {
		FusedForward f = (FusedForward) TwinAssertions.assertLikeDl4j(MAKER, network(spec, h, w, c, classes, scale),
				spec, h, w, c, 1, 3, 17, 3, 40, 1);
		assertEquals(spec + ": layers in the block", blockSize, f.stack.size());
		assertEquals(spec + ": every call through the block", 6, f.stack.steps);
		return f;
	}

	@Test
	public void smallVggWithSamePaddingAndDropoutAsDl4j() {
		assertLikeDl4j(NetworkSpec.SMALL_VGG_SPEC, 24, 24, 3, 5, 6);
	}

	@Test
	public void lenetAsDl4j() {
		assertLikeDl4j(NetworkSpec.LENET_SPEC, 28, 28, 1, 10, 4);
	}

	@Test
	public void everyBranchAsDl4j() {
		assertLikeDl4j("conv 3x3x16 identity pad=same; avgpool 2; conv 5x3x8 stride=2; maxpool 3 stride=1; "
				+ "dense 20 relu", 22, 18, 2, 4, 4);
		assertLikeDl4j("conv 3x3x8; dense 16 relu", 12, 12, 1, 3, 1);
	}

	/** Batch normalisation ends the block; DL4J's layers take over from there (weights scaled: it is near uniform). */
	@Test
	public void aBlockEndingAtBatchNormalisationAsDl4j() {
		assertLikeDl4j("conv 3x3x8 pad=same; maxpool 2; batchnorm; conv 3x3x8; dense 10", 16, 16, 1, 4, 2, 1.7);
	}

	/** With Winograd kernels barred (where oneDNN would take them: 3×3, stride 1, AVX-512) the direct ones agree too. */
	@Test
	public void directKernelsAsDl4jToo() {
		String was = System.setProperty(FusedLayers.WINOGRAD_PROPERTY, "false");
		try {
			assertLikeDl4j(NetworkSpec.SMALL_VGG_SPEC, 16, 16, 1, 5, 6);
		} finally {
			SystemPropertyRule.restore(FusedLayers.WINOGRAD_PROPERTY, was);
		}
	}

	/** 21 rows do not pool by 2 without a remainder: DL4J's truncation is the layers' job, and they do it. */
	@Test
	public void batchesWhoseSizesDoNotDivideGoThroughTheLayers() {
		String spec = "conv 3x3x4 pad=same; maxpool 2; dense 10 relu";
		MultiLayerNetwork net = network(spec, 21, 20, 1, 5, 1.0);
		FusedForward f = (FusedForward) TwinAssertions.assertLikeDl4j(MAKER, net, spec, 21, 20, 1, 4, 1);
		assertEquals("no call through the block", 0, f.stack.steps);
	}

	/**
	 * Only the latest two layers' activations are kept: Small VGG's six layers on 24×24 RGB images hold 62,208 values
	 * per image, the largest two 36,864, so one buffer per layer would take more than 1.6 times what two do.
	 */
	@Test
	public void twoLayersActivationsAreKeptNotOnePerLayer() {
		int batch = 32;
		MultiLayerNetwork net = network(NetworkSpec.SMALL_VGG_SPEC, 24, 24, 3, 5, 1.0);
		FusedForward f = FusedForward.of(net, 24, 24, 3);
		f.probabilities(TwinAssertions.images(batch, 3, 24, 24, 1));
		long perLayer = 4L * batch * 62_208, two = 4L * batch * 36_864;
		long weights = 4L * (32 * 3 * 9 + 32 * 32 * 9 + 64 * 32 * 9 + 64 * 64 * 9);
		assertTrue(f.stack.bytesHeld() + " bytes held", f.stack.bytesHeld() >= two);
		// oneDNN's blocked layouts pad the first layer's 3 input channels and the weights; a quarter more is plenty
		assertTrue(f.stack.bytesHeld() + " bytes held, " + perLayer + " for one buffer per layer",
				f.stack.bytesHeld() < 1.25 * (two + weights));
		assertTrue(1.25 * (two + weights) < perLayer);
	}

	/** The twin is a new network on the same weights: the network's own layer objects and outputs stay as they were. */
	@Test
	public void theNetworksOwnLayersAreLeftAlone() {
		MultiLayerNetwork net = network(NetworkSpec.LENET_SPEC, 28, 28, 1, 10, 1.0);
		INDArray x = TwinAssertions.images(6, 1, 28, 28, 2);
		Layer[] before = net.getLayers().clone();
		float[] out = NdArrays.floats(net.output(x, false), null);
		FusedForward f = FusedForward.of(net, 28, 28, 1);
		f.probabilities(x);
		assertArrayEquals(before, net.getLayers());
		assertArrayEquals("DL4J's own output, bit for bit", out, NdArrays.floats(net.output(x, false), null), 0f);
	}

	@Test
	public void theTwinSharesTheNetworksWeights() {
		TwinAssertions.assertSharesWeights(MAKER, network(NetworkSpec.SMALL_VGG_SPEC, 16, 16, 3, 4, 1.3), 6);
	}

	@Test
	public void whatItDoesNotCoverIsLeftToOthers() {
		assertNull("no convolution at the bottom", FusedForward.of(network("dense 8", 6, 6, 1, 3, 1.0), 6, 6, 1));
		assertNull("an activation oneDNN's block does not take",
				FusedForward.of(network("conv 3x3x8 elu; conv 3x3x8; dense 10", 12, 12, 1, 3, 1.0), 12, 12, 1));
	}

	@Test
	public void featuresOfAnotherShapeAreRefused() {
		FusedForward f = FusedForward.of(network(NetworkSpec.LENET_SPEC, 28, 28, 1, 10, 1.0), 28, 28, 1);
		TwinAssertions.assertRefusesOtherShapes(f);
		assertEquals("nothing reached the block", 0, f.stack.steps);
	}

	/** The block's switch (only "false", any case) and ConvKit's run-time switch turn it off; other values do not. */
	@Test
	public void theSwitchesTurnItOff() {
		MultiLayerNetwork net = network(NetworkSpec.LENET_SPEC, 28, 28, 1, 10, 1.0);
		String was = System.getProperty(FusedLayers.PROPERTY), fast = System.getProperty(
				FastTraining.ENABLED_PROPERTY);
		try {
			for (String off : new String[] { "false", " FALSE " }) {
				System.setProperty(FusedLayers.PROPERTY, off);
				assertNull(off, FusedForward.of(net, 28, 28, 1));
				assertFalse(off, NetworkTwin.best(net, 28, 28, 1) instanceof FusedForward);
			}
			for (String on : new String[] { "", "true", "yes", "0", "NaN", "-1" }) {
				System.setProperty(FusedLayers.PROPERTY, on);
				assertNotNull(on, FusedForward.of(net, 28, 28, 1));
				assertTrue(on, NetworkTwin.best(net, 28, 28, 1) instanceof FusedForward);
			}
			System.setProperty(FastTraining.ENABLED_PROPERTY, "false");
			assertNull("DL4J as shipped", FusedForward.of(net, 28, 28, 1));
		} finally {
			SystemPropertyRule.restore(FusedLayers.PROPERTY, was);
			SystemPropertyRule.restore(FastTraining.ENABLED_PROPERTY, fast);
		}
	}

	/**
	 * A plan per thread count: oneDNN's convolution kernels keep the count they were made with, so a call given another
	 * count gets a plan of its own (the same probabilities within {@link TwinAssertions#TOL}: the kernels split the
	 * work differently), and a call given the first count again takes the first plan.
	 */
	@Test
	public void eachThreadCountGetsItsOwnPlan() {
		FusedForward f = FusedForward.of(network(NetworkSpec.SMALL_VGG_SPEC, 24, 24, 3, 5, 1.0), 24, 24, 3);
		INDArray x = TwinAssertions.images(8, 3, 24, 24, 3);
		float[][] one = probabilitiesOn(1, f, x);
		assertEquals(1, f.stack.latestThreads());
		assertEquals(1, f.stack.plansMade);
		float[][] two = probabilitiesOn(2, f, x);
		assertEquals("made for two threads", 2, f.stack.latestThreads());
		assertEquals(2, f.stack.plansMade);
		assertArrayEquals("the first plan again: bit for bit", one[5], probabilitiesOn(1, f, x)[5], 0f);
		assertEquals(1, f.stack.latestThreads());
		assertEquals("no plan made", 2, f.stack.plansMade);
		for (int i = 0; i < one.length; i++)
			for (int k = 0; k < one[i].length; k++)
				assertEquals("image " + i + " class " + k, one[i][k], two[i][k], TwinAssertions.TOL);
	}

	private static float[][] probabilitiesOn(int threads, FusedForward f, INDArray x) {
		try (ComputeThreads.Scope s = ComputeThreads.use(threads)) {
			return f.probabilities(x);
		}
	}

	@Test
	public void thePredictorAnswersThroughItAndFollowsMoreTraining() throws Exception {
		TwinAssertions.assertPredictorAnswersThroughIt(network(NetworkSpec.SMALL_VGG_SPEC, 16, 16, 3, 4, 1.3),
				FusedForward.class);
	}
}
