package org.convkit.core.cnn.net;

import org.convkit.core.cnn.spec.NetworkSpec;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.Test;
import org.nd4j.linalg.dataset.DataSet;

import java.util.List;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertSame;
import static org.junit.Assert.assertTrue;

/**
 * The inner ReLU convolutions with the activation's backprop in Java give DL4J's gradients and training steps bit for
 * bit (the same mask, then the same oneDNN call), for valid and same padding and with and without bias-carrying
 * strides; other layers are left alone; switched off, the layer is DL4J's.
 */
public class ReluConvolutionLayerTest {
	private static final String SPEC = "conv 3x3x4 relu; conv 3x3x6 pad=same relu; maxpool 2; conv 2x2x5 stride=2 relu; "
			+ "conv 3x3x3 pad=same tanh; dense 8 relu";

	@Test
	public void gradientsAndStepsAreDl4jsBitForBit() {
		MultiLayerNetwork ref = network(), net = network();
		List<ReluConvolutionLayer> layers = ReluConvolutionLayer.install(net);
		assertEquals("the ReLU convolutions after the first", 2, layers.size());
		assertSame(net.getLayer(1), layers.get(0));
		assertSame(net.getLayer(3), layers.get(1));
		assertEquals(InputConvolutionLayer.class, net.getLayer(0).getClass()); // the first layer has its own class
		assertEquals(OneDnnConvolutionLayer.class, net.getLayer(4).getClass()); // tanh
		for (ReluConvolutionLayer l : ReluConvolutionLayer.install(ref)) assertFalse(l.isTraining()); // DL4J's path
		assertEquals(layers, ReluConvolutionLayer.install(net)); // idempotent
		assertTrue("the oneDNN helpers are there to compare with", Dl4jRuntime.helperLayers(net) > 0);
		ReluConvolutionLayer.training(layers, true);
		for (int i = 0; i < 4; i++) {
			DataSet d = data(9 - i);
			RandomBatch.computeGradients(ref, d);
			RandomBatch.computeGradients(net, d);
			assertEquals(0, ref.gradient().gradient().sub(net.gradient().gradient()).amaxNumber().doubleValue(), 0);
			ref.fit(d);
			net.fit(d);
			assertEquals(0, ref.params().sub(net.params()).amaxNumber().doubleValue(), 0);
		}
		for (ReluConvolutionLayer l : layers) assertEquals(8, l.ownBackprops);
	}

	@Test
	public void switchedOffItIsDl4jsLayer() {
		MultiLayerNetwork ref = network(), net = network();
		List<ReluConvolutionLayer> layers = ReluConvolutionLayer.install(net);
		ReluConvolutionLayer.training(layers, true);
		ReluConvolutionLayer.training(layers, false);
		DataSet d = data(5);
		ref.fit(d);
		net.fit(d);
		assertEquals(0, ref.params().sub(net.params()).amaxNumber().doubleValue(), 0);
		for (ReluConvolutionLayer l : layers) assertEquals(0, l.ownBackprops);
	}

	private static MultiLayerNetwork network() {
		return NetworkBuilder.network(NetworkSpec.parse(SPEC), 12, 11, 2, 3, TrainingSettings.DEFAULTS);
	}

	private static int calls;

	private static DataSet data(int n) {
		return RandomBatch.of(51 + calls++, n, 2, 12, 11, 3);
	}
}
