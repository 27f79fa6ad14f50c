package org.convkit.core.cnn.net;

import org.convkit.core.cnn.spec.NetworkSpec;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

import java.util.List;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

/**
 * Inner convolutions that oneDNN computes forward take their backprop from the input's width unfolding
 * ({@link WidthUnfoldedBackprop}) where the products are deep enough: their weight, bias and input gradients (every
 * gradient of the layers below depends on the last) against DL4J's own, for valid 5×5 (LeNet), "same" 5×5, an even
 * kernel with "same" padding (one more row and column after than before) and a non-square one, two batch sizes (buffers
 * made, then made again); layers too short or too thin for the products keep oneDNN's backward pass.
 */
public class WidthUnfoldedBackpropTest {
	private static final int CLASSES = 4;
	/**
	 * float32 sums in another order (OpenBLAS's products against oneDNN's convolution), relative to each gradient's
	 * norm: a missing or misplaced term is of the order of 1.
	 */
	private static final double REL_TOL = 1e-5;

	@Test
	public void leNetsSecondLayerGivesDl4jsGradients() {
		compare(NetworkSpec.LENET_SPEC, 28, 28, 1, new int[] { 0, 1 }, 40);
	}

	@Test
	public void paddedEvenAndNonSquareKernelsGiveDl4jsGradients() {
		// inner layers: 5 × 3 on 16 channels (depth 48), 6 × 4 "same" on 12 (48), 3 × 3 (too short: oneDNN's backward
		// pass), 5 × 5 "same" on 8 (40), 5 × 2 on 6 (12: too thin)
		compare("conv 3x3x16 relu; conv 5x3x12 pad=same relu; conv 6x4x12 pad=same relu; conv 3x3x8 relu; "
				+ "conv 5x5x6 pad=same relu; conv 5x2x4 relu; dense 8 relu", 13, 12, 2, new int[] { 0, 1, 1, 0, 1, 0 }, 9);
	}

	/** {@code byRows[i]}: 1 where layer i is expected to take the width unfolding's products, 0 where not. */
	private static void compare(String specText, int h, int w, int channels, int[] byRows, int batch) {
		NetworkSpec spec = NetworkSpec.parse(specText);
		MultiLayerNetwork ref = NetworkBuilder.network(spec, h, w, channels, CLASSES, TrainingSettings.DEFAULTS);
		MultiLayerNetwork net = NetworkBuilder.network(spec, h, w, channels, CLASSES, TrainingSettings.DEFAULTS);
		Nd4j.getRandom().setSeed(7); // biases start at 0: give them values so a dropped bias shows
		for (int i = 0; i < ref.getLayers().length; i++) {
			INDArray b = ref.getLayer(i).getParam("b");
			if (b == null) continue;
			INDArray v = Nd4j.rand(DataType.FLOAT, b.shape()).subi(0.5).muli(0.2);
			b.assign(v);
			net.getLayer(i).getParam("b").assign(v);
		}
		List<ColumnConvolutionLayer> layers = ColumnConvolutionLayer.install(net);
		assertTrue("the oneDNN helpers are there", Dl4jRuntime.helperLayers(net) > 0);
		for (ColumnConvolutionLayer l : layers) l.innerColumns = false; // oneDNN forward, as ColumnRule gives them
		ColumnConvolutionLayer.training(layers, true);
		for (int round = 0; round < 2; round++) {
			DataSet d = RandomBatch.of(31 + round, round == 0 ? batch : batch / 2 + 1, channels, h, w, CLASSES);
			RandomBatch.computeGradients(ref, d);
			RandomBatch.computeGradients(net, d);
			assertEquals(ref.score(), net.score(), 1e-6 * Math.abs(ref.score()));
			for (String key : ref.gradient().gradientForVariable().keySet()) {
				INDArray a = ref.gradient().getGradientFor(key), b = net.gradient().getGradientFor(key);
				double norm = a.norm2Number().doubleValue(), rel = a.sub(b).norm2Number().doubleValue() / norm;
				assertTrue(specText + ": gradient " + key + " differs by " + rel, norm > 0 && rel < REL_TOL);
			}
		}
		for (int i = 0; i < byRows.length; i++)
			assertEquals(specText + ", layer " + i, byRows[i] * 2, layers.get(i).byRowsBackprops);
	}
}
