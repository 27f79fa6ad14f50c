package org.convkit.core.cnn.net;

import org.convkit.core.cnn.spec.NetworkSpec;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.ClassRule;
import org.junit.Test;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

import java.util.List;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertSame;
import static org.junit.Assert.assertTrue;

/**
 * The convolutions trained as column products give DL4J's own activations and gradients (compared with a network
 * that keeps DL4J's path, same seed and data): the first layer without the input gradient, the inner ones with it (every
 * layer's gradient below an inner one depends on it), in one chunk and in several, for valid and same padding, strides,
 * RGB and non-square inputs; with training off the layer is DL4J's, input gradient included.
 */
public class ColumnConvolutionLayerTest {
	/** The per-layer replacements, not the fused block that stands in for them in training. */
	@ClassRule
	public static final FusedBlockOff BLOCK_OFF = new FusedBlockOff();

	private static final int CLASSES = 4;
	/**
	 * float32 sums in another order (OpenBLAS's products against oneDNN's convolutions): relative to each gradient's
	 * norm (measured ~1e-6; a wrong or missing term, such as a dropped bias or a misplaced input gradient, is of the
	 * order of 1).
	 */
	private static final double REL_TOL = 1e-5;

	@Test
	public void leNetGradientsEqualDl4js() {
		compare(NetworkSpec.LENET_SPEC, 28, 28, 1, 64, ColumnConvolutionLayer.COLUMN_BUDGET, true, 2);
	}

	@Test
	public void samePaddingStrideRgbNonSquare() {
		compare("conv 3x3x8 stride=2 pad=same relu; maxpool 2; dense 16 relu", 13, 17, 3, 10,
				ColumnConvolutionLayer.COLUMN_BUDGET, true, 1);
		compare("conv 2x3x5 pad=same identity; maxpool 2; dense 16 relu", 11, 8, 1, 6,
				ColumnConvolutionLayer.COLUMN_BUDGET, true, 1);
		// tanh first: DL4J's forward pass, this class's backprop; the inner ReLU one all this class's
		compare("conv 4x4x6 pad=same tanh; avgpool 2; conv 3x3x4 relu", 12, 9, 2, 7,
				ColumnConvolutionLayer.COLUMN_BUDGET, false, 2);
	}

	@Test
	public void innerConvolutionsGiveTheInputGradient() {
		// valid and same padding, a stride of 2 with an odd input, an identity layer; tanh stays DL4J's
		String spec = "conv 3x3x4 relu; conv 3x3x6 pad=same relu; maxpool 2; conv 2x2x5 stride=2 relu; "
				+ "conv 3x3x3 pad=same tanh; conv 2x2x4 identity; dense 8 relu";
		compare(spec, 14, 13, 2, 9, ColumnConvolutionLayer.COLUMN_BUDGET, true, 4);
		MultiLayerNetwork net = NetworkBuilder.network(NetworkSpec.parse(spec), 14, 13, 2, CLASSES,
				TrainingSettings.DEFAULTS);
		assertEquals(OneDnnConvolutionLayer.class, net.getLayer(4).getClass());
	}

	/**
	 * Stride 1 takes all three gradients from one unfolding of the error ({@code ErrorColumnBackprop}): even
	 * kernels with same padding (more padding after than before), non-square kernels, valid 5×5, more and fewer
	 * output than input channels, one chunk and several; the same networks again from the input's columns, folded (the
	 * path for strides above 1, and for every stride without AVX-512).
	 */
	@Test
	public void inputGradientsByProductAndByFoldingEqualDl4js() {
		String spec = "conv 3x3x4 relu; conv 2x2x6 pad=same relu; conv 4x3x3 pad=same identity; conv 5x5x5 relu; "
				+ "dense 8 relu";
		for (boolean byProduct : new boolean[] { true, false }) {
			compare(spec, 14, 13, 2, 9, ColumnConvolutionLayer.COLUMN_BUDGET, ColumnConvolutionLayer.CHUNK_TARGET,
					byProduct, true, 4);
			compare(spec, 14, 13, 2, 9, ColumnConvolutionLayer.COLUMN_BUDGET, 800, byProduct, true, 4);
			compare("conv 3x3x8 pad=same relu; conv 3x3x8 pad=same relu; maxpool 2; conv 3x3x16 pad=same relu; "
					+ "dense 8 relu", 16, 16, 3, 5, ColumnConvolutionLayer.COLUMN_BUDGET,
					ColumnConvolutionLayer.CHUNK_TARGET, byProduct, true, 3);
		}
	}

	@Test
	public void chunksGiveTheSameGradients() {
		// LeNet's first columns are 26 x 576 floats per image, its second 501 x 64: a budget of 3 first-layer images
		// makes chunks of 3, 3, ..., 1 there and of one image in the second; here chunks of 5 and 2 images and one
		compare(NetworkSpec.LENET_SPEC, 28, 28, 1, 16, 26L * 576 * 3, true, 2);
		compare("conv 3x3x4 relu; conv 3x3x6 pad=same relu; maxpool 2; conv 2x2x5 stride=2 relu", 14, 13, 2, 9,
				54L * 12 * 11 * 2, true, 3);
	}

	/**
	 * A batch whose columns fit {@link ColumnConvolutionLayer#KEEP_FLOATS} keeps every chunk's columns for backprop:
	 * LeNet's first layer, 16 images in chunks of 3, is unfolded 6 times per step, not 12 (the gradients are
	 * {@link #chunksGiveTheSameGradients}'); with the benchmark switch off, 12.
	 */
	@Test
	public void keptChunksAreUnfoldedOncePerStep() {
		MultiLayerNetwork net = lenet();
		ColumnConvolutionLayer first = ColumnConvolutionLayer.install(net).get(0);
		first.chunkTarget(26L * 576 * 3);
		DataSet d = data(16, 1, 28, 28);
		RandomBatch.computeGradients(net, d);
		assertEquals(1, first.ownBackprops);
		assertEquals("forward pass only", 6, first.unfoldings);
		System.setProperty(ColumnConvolutionLayer.KEEP_PROPERTY, "false");
		try {
			RandomBatch.computeGradients(net, d);
		} finally {
			System.clearProperty(ColumnConvolutionLayer.KEEP_PROPERTY);
		}
		assertEquals("forward pass and backprop", 6 + 12, first.unfoldings);
	}

	@Test
	public void imagesLargerThanTheChunkTargetGoOneByOne() {
		// 100 floats: less than one image's columns in every layer, so each chunk holds one image (columns not kept)
		compare(NetworkSpec.LENET_SPEC, 28, 28, 1, 5, ColumnConvolutionLayer.COLUMN_BUDGET, 100, true, 2);
		compare("conv 3x3x4 relu; conv 3x3x6 pad=same relu; maxpool 2; conv 2x2x5 stride=2 relu", 14, 13, 2, 4,
				ColumnConvolutionLayer.COLUMN_BUDGET, 100, true, 3);
	}

	@Test
	public void imagesLargerThanTheBudgetTakeDl4jsPath() {
		compare(NetworkSpec.LENET_SPEC, 28, 28, 1, 8, 100, false, 0); // DL4J's path returns the input gradient
	}

	@Test
	public void withTrainingOffItIsDl4jsLayerWithTheInputGradient() {
		TrainingSettings s = TrainingSettings.DEFAULTS;
		NetworkSpec spec = NetworkSpec.parse(NetworkSpec.LENET_SPEC);
		MultiLayerNetwork ref = NetworkBuilder.network(spec, 28, 28, 1, CLASSES, s);
		MultiLayerNetwork net = NetworkBuilder.network(spec, 28, 28, 1, CLASSES, s);
		List<ColumnConvolutionLayer> layers = ColumnConvolutionLayer.install(net);
		assertEquals(2, layers.size());
		assertTrue(layers.get(0).isFirst() && !layers.get(1).isFirst());
		assertSame(net.getLayer(0), layers.get(0));
		assertSame(net.getLayer(2), layers.get(1));
		assertEquals(layers, ColumnConvolutionLayer.install(net)); // idempotent
		ColumnConvolutionLayer.training(layers, true);
		ColumnConvolutionLayer.training(layers, false);
		DataSet d = data(8, 1, 28, 28);
		Pair<Gradient, INDArray> a = ref.calculateGradients(d.getFeatures(), d.getLabels(), null, null);
		Pair<Gradient, INDArray> b = net.calculateGradients(d.getFeatures(), d.getLabels(), null, null);
		assertNotNull(b.getSecond());
		assertEquals(0, a.getSecond().sub(b.getSecond()).amaxNumber().doubleValue(), 0);
		assertEquals(0, a.getFirst().gradient().sub(b.getFirst().gradient()).amaxNumber().doubleValue(), 0);
		ref.fit(d);
		net.fit(d);
		assertEquals(0, ref.params().sub(net.params()).amaxNumber().doubleValue(), 0);
		for (ColumnConvolutionLayer l : layers) assertEquals(0, l.ownForwards + l.ownBackprops);
	}

	@Test
	public void offTheColumnPathInnerReluLayersGiveDl4jsGradientsBitForBit() {
		// the same mask in Java, then DL4J's own oneDNN call: the first layer stays DL4J's here, so all is DL4J's
		String spec = "conv 3x3x4 relu; conv 3x3x6 pad=same relu; maxpool 2; conv 2x2x5 stride=2 relu; "
				+ "conv 3x3x3 pad=same tanh; dense 8 relu";
		MultiLayerNetwork ref = NetworkBuilder.network(NetworkSpec.parse(spec), 12, 11, 2, CLASSES,
				TrainingSettings.DEFAULTS);
		MultiLayerNetwork net = NetworkBuilder.network(NetworkSpec.parse(spec), 12, 11, 2, CLASSES,
				TrainingSettings.DEFAULTS);
		List<ColumnConvolutionLayer> inner = ColumnConvolutionLayer.install(net).subList(1, 3);
		assertSame(net.getLayer(3), inner.get(1));
		assertTrue("the oneDNN helpers are there to compare with", Dl4jRuntime.helperLayers(net) > 0);
		for (ColumnConvolutionLayer l : inner) l.innerColumns = false;
		ColumnConvolutionLayer.training(inner, true);
		for (int i = 0; i < 4; i++) {
			DataSet d = RandomBatch.of(51 + i, 9 - i, 2, 12, 11, CLASSES);
			RandomBatch.computeGradients(ref, d);
			RandomBatch.computeGradients(net, d);
			assertEquals(0, ref.gradient().gradient().sub(net.gradient().gradient()).amaxNumber().doubleValue(), 0);
			ref.fit(d);
			net.fit(d);
			assertEquals(0, ref.params().sub(net.params()).amaxNumber().doubleValue(), 0);
		}
		for (ColumnConvolutionLayer l : inner) assertEquals(8, l.reluBackprops);
		for (ColumnConvolutionLayer l : inner) assertEquals(0, l.ownForwards + l.ownBackprops);
	}

	@Test
	public void leNetsSecondConvolutionStaysOnOneDnnByDefault() {
		MultiLayerNetwork net = lenet();
		List<ColumnConvolutionLayer> layers = ColumnConvolutionLayer.install(net);
		net.fit(data(64, 1, 28, 28)); // 501 x 64 x 64 floats of columns in the second layer: 8 MB
		assertEquals(1, layers.get(0).ownForwards);
		assertEquals(1, layers.get(0).ownBackprops);
		assertEquals(0, layers.get(1).ownForwards + layers.get(1).ownBackprops);
		assertEquals(1, layers.get(1).reluBackprops);
	}

	/** LeNet for 28 × 28 gray images with its column layers training. */
	private static MultiLayerNetwork lenet() {
		MultiLayerNetwork net = NetworkBuilder.network(NetworkSpec.parse(NetworkSpec.LENET_SPEC), 28, 28, 1, CLASSES,
				TrainingSettings.DEFAULTS);
		ColumnConvolutionLayer.training(ColumnConvolutionLayer.install(net), true);
		return net;
	}

	@Test
	public void leavesOtherFirstLayersAlone() {
		MultiLayerNetwork net = NetworkBuilder.network(NetworkSpec.parse("dense 8 relu"), 6, 6, 1, CLASSES,
				TrainingSettings.DEFAULTS);
		Object first = net.getLayer(0);
		assertTrue(ColumnConvolutionLayer.install(net).isEmpty());
		assertSame(first, net.getLayer(0));
	}

	@Test
	public void trainingStepsMatchDl4js() {
		NetworkSpec spec = NetworkSpec.parse(NetworkSpec.LENET_SPEC);
		MultiLayerNetwork ref = NetworkBuilder.network(spec, 28, 28, 1, CLASSES, TrainingSettings.DEFAULTS);
		MultiLayerNetwork net = NetworkBuilder.network(spec, 28, 28, 1, CLASSES, TrainingSettings.DEFAULTS);
		ColumnConvolutionLayer.training(ColumnConvolutionLayer.install(net), true);
		// each step from the same state as DL4J's, rare flips of ReLU or pooling allowed (StepByStep says why)
		StepByStep steps = new StepByStep(8);
		for (int i = 0; i < 8; i++) steps.step(net, ref, data(32, 1, 28, 28), false);
		steps.assertAgree("ColumnConvolutionLayerTest, LeNet");
		assertTrue(((ColumnConvolutionLayer) net.getLayer(0)).ownBackprops > 0);
	}

	/**
	 * {@code ownForward}: whether the first layer's own training forward pass is expected; {@code own}: how many layers
	 * take this class's backprop.
	 */
	private static void compare(String specText, int h, int w, int channels, int batch, long budget, boolean ownForward,
			int own) {
		compare(specText, h, w, channels, batch, budget, ColumnConvolutionLayer.CHUNK_TARGET, ownForward, own);
	}

	private static void compare(String specText, int h, int w, int channels, int batch, long budget, long chunkTarget,
			boolean ownForward, int own) {
		compare(specText, h, w, channels, batch, budget, chunkTarget, null, ownForward, own);
	}

	/** {@code inputByProduct}: the layers' test switch (null: their own rule; true: stride 1 from the error's columns). */
	private static void compare(String specText, int h, int w, int channels, int batch, long budget, long chunkTarget,
			Boolean inputByProduct, boolean ownForward, int own) {
		NetworkSpec spec = NetworkSpec.parse(specText);
		MultiLayerNetwork ref = NetworkBuilder.network(spec, h, w, channels, CLASSES, TrainingSettings.DEFAULTS);
		MultiLayerNetwork net = NetworkBuilder.network(spec, h, w, channels, CLASSES, TrainingSettings.DEFAULTS);
		for (ColumnConvolutionLayer l : ColumnConvolutionLayer.install(ref)) assertFalse(l.isTraining());
		Nd4j.getRandom().setSeed(99); // biases start at 0: give them values so a dropped bias shows
		for (int i = 0; i < ref.getLayers().length; i++) {
			if (ref.getLayer(i).getParam("b") == null || !(net.getLayer(i) instanceof ColumnConvolutionLayer)) continue;
			INDArray bias = Nd4j.rand(DataType.FLOAT, ref.getLayer(i).getParam("b").shape()).subi(0.5).muli(0.2);
			ref.getLayer(i).getParam("b").assign(bias);
			net.getLayer(i).getParam("b").assign(bias);
		}
		List<ColumnConvolutionLayer> layers = ColumnConvolutionLayer.install(net);
		for (ColumnConvolutionLayer l : layers) {
			l.columnBudget(budget);
			l.chunkTarget(chunkTarget);
			l.innerColumns = true; // these layers are small: ColumnRule would leave them to oneDNN
			l.inputByProduct = inputByProduct;
		}
		ColumnConvolutionLayer.training(layers, true);
		ColumnConvolutionLayer first = layers.get(0);
		assertSame(first, net.getLayer(0));
		for (int round = 0; round < 2; round++) { // a second, smaller batch reuses the buffers
			DataSet d = data(round == 0 ? batch : Math.max(1, batch / 2 - 1), channels, h, w);
			RandomBatch.computeGradients(ref, d);
			int forwards = first.ownForwards, backprops = 0;
			for (ColumnConvolutionLayer l : layers) backprops -= l.ownBackprops;
			RandomBatch.computeGradients(net, d);
			for (ColumnConvolutionLayer l : layers) backprops += l.ownBackprops;
			assertEquals("own forward pass", ownForward ? 1 : 0, first.ownForwards - forwards);
			assertEquals("own backprops", own, backprops);
			assertEquals(ref.score(), net.score(), 1e-6 * Math.abs(ref.score()));
			// the training forward pass gives DL4J's activations
			List<INDArray> a1 = ref.feedForward(d.getFeatures(), true), a2 = net.feedForward(d.getFeatures(), true);
			for (int i = 1; i < a1.size(); i++)
				assertTrue(specText + ": activations of layer " + (i - 1) + " differ by " + relative(a1.get(i), a2.get(i)),
						relative(a1.get(i), a2.get(i)) < REL_TOL);
			INDArray g1 = ref.gradient().gradient(), g2 = net.gradient().gradient();
			assertTrue(specText + " batch " + d.numExamples() + ": relative difference " + relative(g1, g2),
					relative(g1, g2) < REL_TOL);
			// each layer's own gradients (not only the whole vector) agree
			for (String key : ref.gradient().gradientForVariable().keySet()) {
				double rel = relative(ref.gradient().getGradientFor(key), net.gradient().getGradientFor(key));
				assertTrue(specText + ": gradient " + key + " differs by " + rel, rel < REL_TOL);
			}
			INDArray inputGradient = net.calculateGradients(d.getFeatures(), d.getLabels(), null, null).getSecond();
			assertEquals("input gradient returned", own == 0, inputGradient != null);
		}
	}

	/** |a − b| / |a| (0 for two zero arrays). */
	private static double relative(INDArray a, INDArray b) {
		double norm = a.norm2Number().doubleValue(), diff = a.sub(b).norm2Number().doubleValue();
		return norm == 0 ? diff : diff / norm;
	}

	private static int calls;

	private static DataSet data(int n, int channels, int h, int w) {
		return RandomBatch.of(17 + calls++, n, channels, h, w, CLASSES);
	}
}
