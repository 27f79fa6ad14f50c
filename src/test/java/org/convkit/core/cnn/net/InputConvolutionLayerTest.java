package org.convkit.core.cnn.net;

import org.convkit.core.cnn.spec.NetworkSpec;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.Test;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertSame;
import static org.junit.Assert.assertTrue;

/**
 * The first-layer replacement gives DL4J's own gradients (compared with a network that keeps DL4J's layer, same
 * seed and data) while skipping the input gradient, in one chunk and in several, for valid and same padding, strides,
 * RGB and non-square inputs; with skipping off it is DL4J's layer, input gradient included.
 */
public class InputConvolutionLayerTest {
	private static final int CLASSES = 4;
	/** float32 sums in another order: relative to the gradient's norm (measured ~1e-6). */
	private static final double REL_TOL = 1e-5;

	@Test
	public void leNetGradientsEqualDl4js() {
		compare(NetworkSpec.LENET_SPEC, 28, 28, 1, 64, InputConvolutionLayer.COLUMN_BUDGET, true, true);
	}

	@Test
	public void samePaddingStrideRgbNonSquare() {
		compare("conv 3x3x8 stride=2 pad=same relu; maxpool 2; dense 16 relu", 13, 17, 3, 10,
				InputConvolutionLayer.COLUMN_BUDGET, true, true);
		compare("conv 2x3x5 pad=same identity; maxpool 2; dense 16 relu", 11, 8, 1, 6,
				InputConvolutionLayer.COLUMN_BUDGET, true, true);
		// tanh: DL4J's forward pass, this class's backprop
		compare("conv 4x4x6 pad=same tanh; avgpool 2; conv 3x3x4 relu", 12, 9, 2, 7,
				InputConvolutionLayer.COLUMN_BUDGET, true, false);
	}

	@Test
	public void chunksGiveTheSameGradients() {
		// LeNet's columns are 26 x 576 floats per image: a budget of 3 images makes chunks of 3, 3, ..., 1
		// the batch's columns exceed the budget: DL4J's forward pass, backprop in chunks
		compare(NetworkSpec.LENET_SPEC, 28, 28, 1, 16, 26L * 576 * 3, true, false);
	}

	@Test
	public void imagesLargerThanTheBudgetTakeDl4jsPath() {
		compare(NetworkSpec.LENET_SPEC, 28, 28, 1, 8, 100, false, false); // DL4J's path returns the input gradient
	}

	@Test
	public void withoutSkippingItIsDl4jsLayerWithTheInputGradient() {
		TrainingSettings s = TrainingSettings.DEFAULTS;
		NetworkSpec spec = NetworkSpec.parse(NetworkSpec.LENET_SPEC);
		MultiLayerNetwork ref = NetworkBuilder.network(spec, 28, 28, 1, CLASSES, s);
		MultiLayerNetwork net = NetworkBuilder.network(spec, 28, 28, 1, CLASSES, s);
		InputConvolutionLayer layer = InputConvolutionLayer.install(net);
		assertNotNull(layer);
		assertTrue(!layer.skipsInputGradient());
		assertSame(layer, InputConvolutionLayer.install(net)); // idempotent
		DataSet d = data(8, 1, 28, 28);
		Pair<org.deeplearning4j.nn.gradient.Gradient, INDArray> a = ref.calculateGradients(d.getFeatures(),
				d.getLabels(), null, null);
		Pair<org.deeplearning4j.nn.gradient.Gradient, INDArray> b = net.calculateGradients(d.getFeatures(),
				d.getLabels(), null, null);
		assertNotNull(b.getSecond());
		assertEquals(0, a.getSecond().sub(b.getSecond()).amaxNumber().doubleValue(), 0);
		assertEquals(0, a.getFirst().gradient().sub(b.getFirst().gradient()).amaxNumber().doubleValue(), 0);
	}

	@Test
	public void leavesOtherFirstLayersAlone() {
		MultiLayerNetwork net = NetworkBuilder.network(NetworkSpec.parse("dense 8 relu"), 6, 6, 1, CLASSES,
				TrainingSettings.DEFAULTS);
		Object first = net.getLayer(0);
		assertNull(InputConvolutionLayer.install(net));
		assertSame(first, net.getLayer(0));
	}

	@Test
	public void trainingStepsMatchDl4js() {
		NetworkSpec spec = NetworkSpec.parse(NetworkSpec.LENET_SPEC);
		MultiLayerNetwork ref = NetworkBuilder.network(spec, 28, 28, 1, CLASSES, TrainingSettings.DEFAULTS);
		MultiLayerNetwork net = NetworkBuilder.network(spec, 28, 28, 1, CLASSES, TrainingSettings.DEFAULTS);
		InputConvolutionLayer.install(net).skipInputGradient(true);
		for (int i = 0; i < 3; i++) {
			DataSet d = data(32, 1, 28, 28);
			ref.fit(d);
			net.fit(d);
		}
		// Adam moves each weight by about lr = 1e-3 per step: a wrong gradient direction would show as ~1e-3
		assertEquals(0, ref.params().sub(net.params()).amaxNumber().doubleValue(), 5e-5);
	}

	/**
	 * {@code skips}: whether the replacement's own backprop is expected (it returns no input gradient);
	 * {@code ownForward}: whether its own training forward pass is.
	 */
	private static void compare(String specText, int h, int w, int channels, int batch, long budget, boolean skips,
			boolean ownForward) {
		NetworkSpec spec = NetworkSpec.parse(specText);
		MultiLayerNetwork ref = NetworkBuilder.network(spec, h, w, channels, CLASSES, TrainingSettings.DEFAULTS);
		MultiLayerNetwork net = NetworkBuilder.network(spec, h, w, channels, CLASSES, TrainingSettings.DEFAULTS);
		assertFalse("the reference runs DL4J's path", ((InputConvolutionLayer) ref.getLayer(0)).skipsInputGradient());
		Nd4j.getRandom().setSeed(99); // biases start at 0: give them values so a dropped bias shows
		INDArray bias = Nd4j.rand(DataType.FLOAT, ref.getLayer(0).getParam("b").shape()).subi(0.5).muli(0.2);
		ref.getLayer(0).getParam("b").assign(bias);
		net.getLayer(0).getParam("b").assign(bias);
		InputConvolutionLayer layer = InputConvolutionLayer.install(net);
		layer.columnBudget(budget);
		layer.skipInputGradient(true);
		assertSame(layer, net.getLayer(0));
		for (int round = 0; round < 2; round++) { // a second, smaller batch reuses the buffers
			DataSet d = data(round == 0 ? batch : Math.max(1, batch / 2 - 1), channels, h, w);
			RandomBatch.computeGradients(ref, d);
			int forwards = layer.ownForwards;
			RandomBatch.computeGradients(net, d);
			assertEquals("own forward pass", ownForward ? 1 : 0, layer.ownForwards - forwards);
			assertEquals(ref.score(), net.score(), 1e-6 * Math.abs(ref.score()));
			// the training forward pass gives DL4J's activations
			INDArray a1 = ref.feedForward(d.getFeatures(), true).get(1), a2 = net.feedForward(d.getFeatures(), true)
					.get(1);
			double relA = a1.sub(a2).norm2Number().doubleValue() / a1.norm2Number().doubleValue();
			assertTrue(specText + ": first-layer activations differ by " + relA, relA < REL_TOL);
			INDArray g1 = ref.gradient().gradient(), g2 = net.gradient().gradient();
			double rel = g1.sub(g2).norm2Number().doubleValue() / g1.norm2Number().doubleValue();
			assertTrue(specText + " batch " + d.numExamples() + ": relative difference " + rel, rel < REL_TOL);
			// the first layer's own gradient (not only the whole vector) agrees
			INDArray w1 = ref.gradient().getGradientFor("0_W"), w2 = net.gradient().getGradientFor("0_W");
			double relW = w1.sub(w2).norm2Number().doubleValue() / w1.norm2Number().doubleValue();
			assertTrue("first layer weights: " + relW, relW < REL_TOL);
			INDArray b1 = ref.gradient().getGradientFor("0_b"), b2 = net.gradient().getGradientFor("0_b");
			double relB = b1.sub(b2).norm2Number().doubleValue() / b1.norm2Number().doubleValue();
			assertTrue("first layer bias: " + relB, relB < REL_TOL);
			INDArray inputGradient = net.calculateGradients(d.getFeatures(), d.getLabels(), null, null).getSecond();
			assertEquals("input gradient returned", !skips, inputGradient != null);
		}
	}

	private static int calls;

	private static DataSet data(int n, int channels, int h, int w) {
		return RandomBatch.of(17 + calls++, n, channels, h, w, CLASSES);
	}
}
