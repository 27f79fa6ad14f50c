package org.convkit.core.cnn.net;

import org.convkit.core.cnn.spec.NetworkSpec;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.junit.ClassRule;
import org.junit.Test;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;

import static org.junit.Assert.*;

/**
 * The hand-over between the first convolution and the max pooling after it ({@link PoolingHandoff}) changes where the
 * numbers are computed, not the numbers: twin networks, one with the hand-over cut, train to the same weights bit for
 * bit (the same additions in the same order, so no tolerance), with overlapping windows and chunked batches too; and a
 * convolution that does not take the hand-over still gets the gradient's values. Java pooling is forced on both
 * twins, so that the hand-over is the only difference on every processor.
 */
public class PoolingHandoffTest {
	/** The per-layer replacements, not the fused block that stands in for them in training. */
	@ClassRule
	public static final FusedBlockOff BLOCK_OFF = new FusedBlockOff();

	@ClassRule
	public static final JavaPoolingForced JAVA_POOLING = new JavaPoolingForced();

	/** A network of {@code spec}, seed 9, its first two layers linked; the link cut unless {@code handOver}. */
	private static MultiLayerNetwork network(String spec, int h, int w, int c, boolean handOver) {
		MultiLayerNetwork net = NetworkBuilder.network(NetworkSpec.parse(spec), h, w, c, 3,
				TrainingSettings.DEFAULTS.withSeed(9));
		ColumnConvolutionLayer conv = (ColumnConvolutionLayer) net.getLayers()[0];
		MaxPoolingLayer pooling = (MaxPoolingLayer) net.getLayers()[1];
		assertNotNull("linked when made", conv.handoff);
		assertSame(conv.handoff, pooling.handoff);
		if (!handOver) conv.handoff = pooling.handoff = null;
		return net;
	}

	/** Trains both twins 3 steps of {@code batch} images; asserts bit-identical weights and the paths. */
	private static void assertSameTraining(String spec, int h, int w, int c, int batch, long chunkFloats) {
		MultiLayerNetwork handed = network(spec, h, w, c, true), cut = network(spec, h, w, c, false);
		ColumnConvolutionLayer handedConv = (ColumnConvolutionLayer) handed.getLayers()[0];
		ColumnConvolutionLayer cutConv = (ColumnConvolutionLayer) cut.getLayers()[0];
		if (chunkFloats > 0) {
			handedConv.chunkTarget(chunkFloats);
			cutConv.chunkTarget(chunkFloats);
		}
		FastTraining a = FastTraining.on(handed), b = FastTraining.on(cut);
		for (int step = 0; step < 3; step++) {
			DataSet d = RandomBatch.of(40 + step, batch, c, h, w, 3);
			handed.fit(d);
			cut.fit(d);
			assertTrue(spec + ": the pooling took the convolution's output",
					((MaxPoolingLayer) handed.getLayers()[1]).handedInput());
		}
		a.off();
		b.off();
		assertEquals(spec, 3, handedConv.handedBackprops);
		assertEquals(spec, 3, handedConv.ownBackprops);
		assertEquals(spec, 0, cutConv.handedBackprops);
		assertEquals(spec, 3, cutConv.ownBackprops);
		assertArrayEquals(spec, cut.params().toFloatVector(), handed.params().toFloatVector(), 0f);
		assertEquals(spec, cut.score(), handed.score(), 0);
	}

	@Test
	public void lenetTrainsToTheSameWeightsBitForBit() {
		assertSameTraining(NetworkSpec.LENET_SPEC, 28, 28, 1, 16, 0);
	}

	/** Windows that overlap add two errors into one pixel; odd sizes leave pixels no window covers; three chunks. */
	@Test
	public void overlappingWindowsOddSizesAndChunksAsWell() {
		String spec = "conv 3x3x4; maxpool 3 stride=2; conv 3x3x4; dense 5";
		// 19 rows × 99 positions per image of 13 × 11 × 2: 4,000 floats make chunks of 2, 2 and 1 images
		assertSameTraining(spec, 13, 11, 2, 5, 4_000);
		assertSameTraining("conv 3x3x4 pad=same; maxpool 2 pad=same; dense 5", 9, 7, 1, 4, 0);
	}

	/**
	 * Chunks of images whose columns stay for backprop, each in its part of one buffer
	 * ({@link ColumnConvolutionLayer#KEEP_FLOATS}): 10 × 9 positions × 10 rows of columns per image make chunks of 2,
	 * 2 and 1 images; an odd width leaves the last column of pixels to no window, whose error must stay 0.
	 */
	@Test
	public void chunksWhoseColumnsStayForBackprop() {
		assertSameTraining("conv 3x3x3; maxpool 2; dense 5", 12, 11, 1, 5, 2_000);
		assertSameTraining("conv 5x5x6; maxpool 2; conv 3x3x4; dense 5", 16, 16, 2, 3, 0);
	}

	/**
	 * The pooling's returned gradient is left unwritten for the hand-over; when the convolution then takes another
	 * path (here: one image over its column budget, so DL4J's backprop), it writes the values first: the same input
	 * gradient and weight gradient as the twin without the hand-over.
	 */
	@Test
	public void aConvolutionOffTheColumnPathStillGetsTheGradientsValues() {
		MultiLayerNetwork handed = network(NetworkSpec.LENET_SPEC, 28, 28, 1, true);
		MultiLayerNetwork cut = network(NetworkSpec.LENET_SPEC, 28, 28, 1, false);
		DataSet d = RandomBatch.of(77, 6, 1, 28, 28, 3);
		INDArray error = RandomBatch.of(78, 6, 20, 12, 12, 3).getFeatures();
		FastTraining a = FastTraining.on(handed), b = FastTraining.on(cut);
		Object[] h = layerSteps(handed, d.getFeatures(), error), c = layerSteps(cut, d.getFeatures(), error);
		a.off();
		b.off();
		assertTrue("the pooling took the hand-over path", (Boolean) h[2]);
		assertArrayEquals("the gradient's values", ((INDArray) c[0]).toFloatVector(), ((INDArray) h[0]).toFloatVector(),
				0f);
		assertTrue("a gradient to compare", ((INDArray) c[0]).amaxNumber().doubleValue() > 0);
		assertArrayEquals("the weight gradient", ((INDArray) c[1]).toFloatVector(), ((INDArray) h[1]).toFloatVector(),
				0f);
		assertEquals(0, ((ColumnConvolutionLayer) handed.getLayers()[0]).handedBackprops);
	}

	/**
	 * With the hand-over the convolution's output array still gets its values (DL4J hands it to listeners, and a
	 * pooling that cannot take the hand-over reads it): the same output and pooled output as the twin without it.
	 */
	@Test
	public void theConvolutionsOutputArrayGetsItsValuesWithTheHandOver() {
		MultiLayerNetwork handed = network(NetworkSpec.LENET_SPEC, 28, 28, 1, true);
		MultiLayerNetwork cut = network(NetworkSpec.LENET_SPEC, 28, 28, 1, false);
		INDArray x = RandomBatch.of(79, 6, 1, 28, 28, 3).getFeatures();
		FastTraining a = FastTraining.on(handed), b = FastTraining.on(cut);
		INDArray[] h = forwardTwoLayers(handed, x), c = forwardTwoLayers(cut, x);
		a.off();
		b.off();
		assertTrue(((MaxPoolingLayer) handed.getLayers()[1]).handedInput());
		assertTrue("values to compare", c[0].amaxNumber().doubleValue() > 0);
		assertArrayEquals("the convolution's output", c[0].toFloatVector(), h[0].toFloatVector(), 0f);
		assertArrayEquals("the pooling's output", c[1].toFloatVector(), h[1].toFloatVector(), 0f);
	}

	/** The training forward pass of the first two layers by hand: their outputs, flattened. */
	private static INDArray[] forwardTwoLayers(MultiLayerNetwork net, INDArray x) {
		LayerWorkspaceMgr ws = LayerWorkspaceMgr.noWorkspaces();
		Layer conv = net.getLayers()[0], pooling = net.getLayers()[1];
		conv.setInput(x, ws);
		INDArray out = conv.activate(true, ws);
		pooling.setInput(out, ws);
		return new INDArray[] { out.dup().reshape(-1), pooling.activate(true, ws).dup().reshape(-1) };
	}

	/**
	 * The first two layers by hand: training forward passes, the pooling's backprop of {@code error}, then the
	 * convolution's backprop off the column path. The pooling's returned gradient (read after the convolution's
	 * backprop), the convolution's weight gradient, and whether the pooling took the convolution's output.
	 */
	private static Object[] layerSteps(MultiLayerNetwork net, INDArray x, INDArray error) {
		LayerWorkspaceMgr ws = LayerWorkspaceMgr.noWorkspaces();
		ColumnConvolutionLayer conv = (ColumnConvolutionLayer) net.getLayers()[0];
		MaxPoolingLayer pooling = (MaxPoolingLayer) net.getLayers()[1];
		conv.setInput(x, ws);
		INDArray out = conv.activate(true, ws);
		pooling.setInput(out, ws);
		pooling.activate(true, ws);
		boolean handedInput = pooling.handedInput();
		INDArray epsilon = pooling.backpropGradient(error, ws).getSecond();
		conv.columnBudget(1); // one image over the budget: DL4J's backprop
		Pair<Gradient, INDArray> g = conv.backpropGradient(epsilon, ws);
		return new Object[] { epsilon.dup().reshape(-1), g.getFirst().getGradientFor("W").dup().reshape(-1), handedInput };
	}

	/** Linked only after a first convolution with plain ReLU, and not with Java pooling switched off. */
	@Test
	public void linkedOnlyAfterAFirstReluConvolution() {
		Layer[] tanh = NetworkBuilder.network(NetworkSpec.parse("conv 5x5x4 tanh; maxpool 2; dense 5"), 12, 12, 1, 3,
				TrainingSettings.DEFAULTS).getLayers();
		assertNull(((ColumnConvolutionLayer) tanh[0]).handoff);
		assertNull(((MaxPoolingLayer) tanh[1]).handoff); // Java pooling is forced here: the class alone says nothing
		Layer[] second = NetworkBuilder.network(NetworkSpec.parse("conv 3x3x4; conv 3x3x4; maxpool 2; dense 5"), 12, 12,
				1, 3, TrainingSettings.DEFAULTS).getLayers();
		assertNull(((ColumnConvolutionLayer) second[0]).handoff);
		assertNull(((MaxPoolingLayer) second[2]).handoff);
		String was = System.setProperty(MaxPoolingLayer.PROPERTY, "false");
		try {
			Layer[] off = NetworkBuilder.network(NetworkSpec.parse(NetworkSpec.LENET_SPEC), 28, 28, 1, 3,
					TrainingSettings.DEFAULTS).getLayers();
			assertNull(((ColumnConvolutionLayer) off[0]).handoff);
			assertEquals(OneDnnSubsamplingLayer.class, off[1].getClass());
		} finally {
			System.setProperty(MaxPoolingLayer.PROPERTY, was);
		}
	}
}
