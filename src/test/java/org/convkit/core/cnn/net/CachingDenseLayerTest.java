package org.convkit.core.cnn.net;

import org.convkit.core.cnn.spec.NetworkSpec;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.ClassRule;
import org.junit.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;

import java.util.List;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertSame;
import static org.junit.Assert.assertTrue;

/**
 * The dense layer that keeps its pre-activation gives DL4J's gradients and training steps bit for bit (the same
 * product, computed once instead of twice), and the network's score without the regularization term differs from
 * DL4J's by exactly that term.
 */
public class CachingDenseLayerTest {
	/** The per-layer replacements, not the fused block that stands in for them in training. */
	@ClassRule
	public static final FusedBlockOff BLOCK_OFF = new FusedBlockOff();

	private static final String SPEC = "conv 3x3x4 relu; maxpool 2; dense 32 relu; dense 16 tanh";

	@Test
	public void trainingIsBitIdenticalToDl4js() {
		MultiLayerNetwork ref = network(), net = network();
		List<CachingDenseLayer> layers = CachingDenseLayer.install(net);
		assertEquals(2, layers.size());
		assertSame(net.getLayer(2), layers.get(0));
		assertFalse("the reference runs DL4J's path", ((CachingDenseLayer) ref.getLayer(2)).isTraining());
		assertEquals(layers, CachingDenseLayer.install(net)); // idempotent
		CachingDenseLayer.training(layers, true);
		((TrainableNetwork) net).skipRegularizationScore(true);
		for (int i = 0; i < 5; i++) {
			DataSet d = data(12 - i); // a new batch size now and then: the kept copy follows the shape
			RandomBatch.computeGradients(ref, d);
			RandomBatch.computeGradients(net, d);
			assertEquals(0, ref.gradient().gradient().sub(net.gradient().gradient()).amaxNumber().doubleValue(), 0);
			double l2 = ref.calcRegularizationScore(true);
			assertTrue("the L2 term is there to leave out: " + l2, l2 > 1e-4);
			assertEquals(ref.score() - l2, net.score(), 1e-6 * ref.score());
			ref.fit(d);
			net.fit(d);
			assertEquals(0, ref.params().sub(net.params()).amaxNumber().doubleValue(), 0);
		}
		for (CachingDenseLayer l : layers) assertEquals("backprops that reused the forward pass", 10, l.reused);
	}

	@Test
	public void switchedOffItIsDl4jsLayerAndScore() {
		MultiLayerNetwork ref = network(), net = network();
		List<CachingDenseLayer> layers = CachingDenseLayer.install(net);
		CachingDenseLayer.training(layers, true);
		CachingDenseLayer.training(layers, false);
		((TrainableNetwork) net).skipRegularizationScore(true);
		((TrainableNetwork) net).skipRegularizationScore(false);
		DataSet d = data(8);
		ref.fit(d);
		net.fit(d);
		assertEquals(ref.score(), net.score(), 0);
		assertEquals(0, ref.params().sub(net.params()).amaxNumber().doubleValue(), 0);
		for (CachingDenseLayer l : layers) assertEquals(0, l.reused);
	}

	@Test
	public void inferenceBetweenForwardAndBackpropIsNotMistakenForTheTrainingPass() {
		MultiLayerNetwork ref = network(), net = network();
		CachingDenseLayer.training(CachingDenseLayer.install(net), true);
		DataSet d = data(6), other = data(6);
		ref.fit(d);
		net.output(other.getFeatures(), true); // a training-mode forward pass on other data, no backprop
		net.fit(d);
		assertEquals(0, ref.params().sub(net.params()).amaxNumber().doubleValue(), 0);
	}

	/**
	 * The product by {@code Nd4j.gemm} gives DL4J's {@code mmuli} numbers up to rounding, in inference (one image and a
	 * batch) and in a training step, against the same network whose dense layers are DL4J's plain objects.
	 */
	@Test
	public void gemmProductGivesDl4jsNumbers() {
		MultiLayerNetwork ours = network(), dl4j = network();
		DataType type = dl4j.getLayerWiseConfigurations().getDataType();
		for (int i = 0; i < dl4j.getLayers().length; i++)
			if (dl4j.getLayers()[i] instanceof CachingDenseLayer)
				LayerReplacement.replace((TrainableNetwork) dl4j, i,
						new org.deeplearning4j.nn.layers.feedforward.dense.DenseLayer(dl4j.getLayers()[i].conf(), type));
		assertEquals(2, CachingDenseLayer.install(ours).size());
		// biases start at 0: random parameters, the same in both
		INDArray params = org.nd4j.linalg.factory.Nd4j.rand(type, 1, ours.numParams()).subi(0.5);
		ours.setParams(params);
		dl4j.setParams(params.dup());
		for (org.deeplearning4j.nn.api.Layer l : dl4j.getLayers()) assertFalse(l instanceof CachingDenseLayer);
		for (int n : new int[] { 1, 7 }) {
			INDArray x = data(n).getFeatures();
			INDArray a = ours.output(x, false), b = dl4j.output(x, false);
			assertEquals("images: " + n, 0, a.sub(b).amaxNumber().doubleValue(), 1e-6 * b.amaxNumber().doubleValue());
		}
		DataSet d = data(9);
		RandomBatch.computeGradients(ours, d);
		RandomBatch.computeGradients(dl4j, d);
		INDArray g = dl4j.gradient().gradient();
		assertEquals(0, ours.gradient().gradient().sub(g).amaxNumber().doubleValue(), 1e-5 * g.amaxNumber().doubleValue());
	}

	private static MultiLayerNetwork network() {
		return NetworkBuilder.network(NetworkSpec.parse(SPEC), 10, 10, 1, 3, TrainingSettings.DEFAULTS.withL2(1e-2));
	}

	private static int calls;

	private static DataSet data(int n) {
		return RandomBatch.of(31 + calls++, n, 1, 10, 10, 3);
	}
}
