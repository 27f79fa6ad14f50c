package org.convkit.core.cnn.inspect;

import org.convkit.core.cnn.model.ModelBundle;
import org.convkit.core.cnn.net.NdArrays;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.Test;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.List;

import static org.junit.Assert.*;

/**
 * The adapter against DL4J's own inference pass (activations) and against central finite differences of the
 * logits that DL4J's inference pass gives (gradients), for networks with batch norm, dropout, strides, average
 * and max pooling.
 */
public class InspectionNetworkTest {
	/** Smooth everywhere (tanh, average pooling), so finite differences are exact up to float rounding. */
	static final String SMOOTH = "conv 3x3x4 pad=same tanh; batchnorm; avgpool 2; conv 3x3x5 stride=2 pad=same tanh; "
			+ "dense 8 tanh; batchnorm; dropout 0.5";
	/** ReLU and max pooling (kinks), batch norm and dropout. */
	static final String RELU = "conv 3x3x4; batchnorm; maxpool 2; conv 3x3x6 pad=same; dense 10; dropout 0.3";

	@Test
	public void everyLayersActivationEqualsDl4jsInferencePass() {
		ModelBundle b = InspectFixtures.bundle(RELU, 14, 12, 1, 3, 5);
		InspectionNetwork net = InspectionNetwork.of(b);
		Tensor x = InspectFixtures.input(1, 3, 1, 14, 12);
		List<INDArray> ff = b.network().feedForward(NdArrays.array(x.data, 3, 1, 14, 12), false);
		int[] all = new int[net.names().size()];
		for (int i = 0; i < all.length; i++) all[i] = i;
		Tensor[] a = net.activations(x, all);
		for (int i = 0; i < all.length; i++) {
			float[] expected = NdArrays.floats(ff.get(i + 1), null); // feedForward lists the input first
			assertArrayEquals(net.names().get(i), expected, a[i].data, 1e-6f);
		}
		assertEquals(3, a[net.outputLayer()].channels);
		assertEquals("conv1 is 12x10x4", "3x4x12x10", a[0].shapeText());
	}

	@Test
	public void logitGradientEqualsFiniteDifferencesOfDl4jsLogitsWithBatchNormAndDropout() {
		ModelBundle b = InspectFixtures.bundle(SMOOTH, 12, 10, 2, 3, 8);
		checkLogitGradient(b, 12, 10, 2, 1e-2, 2e-3);
	}

	@Test
	public void logitGradientEqualsFiniteDifferencesWithReluAndMaxPooling() {
		ModelBundle b = InspectFixtures.bundle(RELU, 14, 12, 1, 3, 8);
		checkLogitGradient(b, 14, 12, 1, 1e-3, 2e-2);
	}

	/** d logit_c / d x against (z(x + h) - z(x - h)) / 2h at every third input value, for two classes. */
	private static void checkLogitGradient(ModelBundle b, int h, int w, int c, double step, double tolerance) {
		InspectionNetwork net = InspectionNetwork.of(b);
		Tensor x = InspectFixtures.input(7, 1, c, h, w);
		for (int cls = 0; cls < 3; cls += 2) {
			InspectionNetwork.Gradient g = net.gradient(x, Objectives.logit(net.outputLayer(), new int[] {cls}), -1);
			float[] fd = new float[x.data.length];
			double max = 0;
			for (int i = cls % 3; i < x.data.length; i += 3) {
				float v = x.data[i];
				x.data[i] = (float) (v + step);
				double up = dl4jLogits(b.network(), x)[cls];
				x.data[i] = (float) (v - step);
				double down = dl4jLogits(b.network(), x)[cls];
				x.data[i] = v;
				fd[i] = (float) ((up - down) / (2 * step));
				max = Math.max(max, Math.abs(fd[i]));
			}
			assertTrue("the gradient is not trivial", max > 1e-3);
			int bad = 0, checked = 0;
			for (int i = cls % 3; i < fd.length; i += 3, checked++)
				if (Math.abs(fd[i] - g.gradient.data[i]) > tolerance * max) bad++;
			// ReLU and max-pooling kinks within +-step may spoil a few finite differences, never many
			assertTrue(bad + " of " + checked + " values differ from finite differences (class " + cls + ")",
					bad <= checked / 40);
			// deterministic: dropout is off and batch norm uses its running statistics
			assertArrayEquals(g.gradient.data, net.gradient(x, Objectives.logit(net.outputLayer(), new int[] {cls}),
					-1).gradient.data, 0f);
		}
	}

	/** The logits from DL4J's inference pass: the output layer's input times its weights plus bias, in double. */
	static double[] dl4jLogits(MultiLayerNetwork n, Tensor x) {
		List<INDArray> ff = n.feedForward(NdArrays.array(x.data, x.n, x.channels, x.height, x.width), false);
		int out = n.getLayers().length - 1;
		INDArray in = ff.get(out); // the input of the output layer (flattened by DL4J's preprocessor if needed)
		float[] a = NdArrays.floats(in.reshape(in.size(0), in.length() / in.size(0)), null);
		float[] wgt = NdArrays.floats(n.getLayer(out).getParam("W"), null);
		float[] bias = NdArrays.floats(n.getLayer(out).getParam("b"), null);
		int classes = bias.length, units = a.length;
		double[] z = new double[classes];
		for (int k = 0; k < classes; k++) {
			double s = bias[k];
			for (int u = 0; u < units; u++) s += (double) a[u] * wgt[u * classes + k];
			z[k] = s;
		}
		return z;
	}

	@Test
	public void tiledWholeImageMapsEqualTheUntiledPassAndDl4j() {
		// same padding with stride 2 and 3 (padding depends on the length), a valid 5x5, pooling, odd sizes
		String spec = "conv 3x3x3 stride=2 pad=same; conv 5x5x4; maxpool 3 stride=3 pad=same; conv 3x3x2 pad=same; "
				+ "dense 4";
		ModelBundle b = InspectFixtures.bundle(spec, 30, 30, 1, 2, 2);
		InspectionNetwork net = InspectionNetwork.of(b);
		int[] layers = {0, 1, 2, 3};
		for (int[] size : new int[][] {{97, 131}, {100, 64}, {61, 75}}) {
			Tensor x = InspectFixtures.input(size[0], 1, 1, size[0], size[1]);
			Tensor[] whole = net.activations(x, layers);
			FeatureMaps.ChannelPlanes[] tiled = FeatureMaps.wholeImage(net, x, layers, 12, Progress.NONE);
			List<INDArray> ff = b.network().feedForwardToLayer(3, NdArrays.array(x.data, 1, 1, size[0], size[1]));
			for (int i = 0; i < layers.length; i++) {
				assertEquals(whole[i].channels, tiled[i].channels.length);
				assertEquals(whole[i].width, tiled[i].width);
				assertEquals(whole[i].height, tiled[i].height);
				for (int c = 0; c < whole[i].channels; c++)
					assertArrayEquals(size[0] + "x" + size[1] + " " + net.names().get(i) + " channel " + c,
							whole[i].plane(0, c), tiled[i].channels[c], 1e-5f);
				assertArrayEquals(NdArrays.floats(ff.get(i + 1), null), whole[i].data, 1e-5f);
			}
		}
	}
}
