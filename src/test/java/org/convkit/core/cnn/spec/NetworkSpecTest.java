package org.convkit.core.cnn.spec;

import org.junit.Test;

import java.util.List;

import static org.convkit.testing.Expect.expectError;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;

public class NetworkSpecTest {
	@Test
	public void parsesTheIssueExample() {
		NetworkSpec s = NetworkSpec.parse(
				"conv 5x5x20 stride=1 pad=same relu; maxpool 2; conv 3x3x64 relu; maxpool 2; dense 256 relu; dropout 0.5");
		List<LayerSpec> l = s.layers();
		assertEquals(6, l.size());
		assertEquals(LayerSpec.conv(5, 5, 20, 1, Padding.SAME, Activation.RELU), l.get(0));
		assertEquals(LayerSpec.maxPool(2, 2, Padding.VALID), l.get(1));
		assertEquals(LayerSpec.conv(3, 3, 64, 1, Padding.VALID, Activation.RELU), l.get(2));
		assertEquals(LayerSpec.dense(256, Activation.RELU), l.get(4));
		assertEquals(0.5, l.get(5).dropProbability(), 0);
		assertEquals("conv 5x5x20 pad=same relu; maxpool 2; conv 3x3x64 relu; maxpool 2; dense 256 relu; dropout 0.5",
				s.toString());
	}

	@Test
	public void defaultsCaseAndSpacing() {
		NetworkSpec s = NetworkSpec.parse("  CONV 3 x 5 x 8   Stride = 2 ;AvgPool 3 stride=2 PAD=SAME;"
				+ " conv 5x5 filters=4 tanh; batchnorm; dense 10; ");
		assertEquals(LayerSpec.conv(3, 5, 8, 2, Padding.VALID, Activation.RELU), s.layers().get(0));
		assertEquals(LayerSpec.avgPool(3, 2, Padding.SAME), s.layers().get(1));
		assertEquals(LayerSpec.conv(5, 5, 4, 1, Padding.VALID, Activation.TANH), s.layers().get(2));
		assertEquals(LayerSpec.Kind.BATCHNORM, s.layers().get(3).kind());
		assertEquals(LayerSpec.dense(10, Activation.RELU), s.layers().get(4));
		assertEquals("conv 3x5x8 stride=2 relu; avgpool 3 stride=2 pad=same; conv 5x5x4 tanh; batchnorm; dense 10 relu",
				s.toString());
		// maxpool's stride defaults to its size; a different stride is kept
		assertEquals(3, NetworkSpec.parse("maxpool 3").layers().get(0).stride());
		assertEquals(1, NetworkSpec.parse("maxpool 3 stride=1").layers().get(0).stride());
	}

	@Test
	public void canonicalTextRoundTrips() {
		String[] specs = { NetworkSpec.LENET_SPEC, NetworkSpec.SMALL_VGG_SPEC,
				"conv 7x3x16 stride=3 pad=same leakyrelu; maxpool 3 stride=1 pad=same; avgpool 2; batchnorm; "
						+ "conv 1x1x2 elu; dense 7 sigmoid; dropout 0.0001; dense 3 identity; batchnorm; dropout 0.25",
				"DENSE 5 TANH", "dropout 0.75; conv 2x2x1 stride=1 pad=valid identity" };
		for (String text : specs) {
			NetworkSpec s = NetworkSpec.parse(text);
			NetworkSpec again = NetworkSpec.parse(s.toString());
			assertEquals(text, s, again);
			assertEquals(s.hashCode(), again.hashCode());
			assertEquals(s.toString(), again.toString());
		}
		assertEquals("dropout 0.0001", NetworkSpec.parse("dropout 1e-4").toString());
	}

	@Test
	public void dropoutIsTheDropProbability() {
		LayerSpec d = NetworkSpec.parse("dropout 0.2").layers().get(0);
		assertEquals(0.2, d.dropProbability(), 0);
		assertEquals(0.8, d.retainProbability(), 1e-15);
	}

	@Test
	public void presets() {
		assertEquals(NetworkSpec.parse(NetworkSpec.LENET_SPEC), NetworkSpec.preset("LeNet"));
		assertEquals(NetworkSpec.parse(NetworkSpec.SMALL_VGG_SPEC), NetworkSpec.preset("small vgg"));
		expectError(() -> NetworkSpec.preset("ResNet"), "'ResNet'", "LeNet", "Small VGG");
	}

	@Test
	public void errorsNameTheLayerAndTheToken() {
		String[][] cases = {
				{ "conv 5x5x20; maxpool 2; conv 3x3x", "layer 3 'conv 3x3x'", "filter count missing" },
				{ "conv 5x5", "layer 1 'conv 5x5'", "filter count missing", "5x5xN" },
				{ "conv", "layer 1", "kernel size missing" },
				{ "conv 5", "layer 1", "'5'", "KxKxN" },
				{ "conv 5x5x20x3", "'5x5x20x3'" },
				{ "conv ax5x20", "kernel height 'a'", "'ax5x20'" },
				{ "conv 5x5x0", "filter count", "at least 1" },
				{ "conv 5x5x20 stride=0", "'stride=0'", "at least 1" },
				{ "conv 5x5x20 stride=", "stride missing", "'stride='" },
				{ "conv 5x5x20 pad=full", "'pad=full'", "same or valid" },
				{ "conv 5x5x20 relu tanh", "'tanh' repeats the activation" },
				{ "conv 5x5x20 filters=3", "'filters=3' repeats the filter count" },
				{ "conv 5x5x20 stride=1 stride=2", "'stride=2' repeats" },
				{ "conv 5x5x20 softmax", "unknown token 'softmax'", "relu" },
				{ "conv 5000x5x20", "layer 1", "kernel height must be between 1 and 1024" },
				{ "conv 5x5x99999999999", "filter count '99999999999'" },
				{ "maxpool", "pool size missing" },
				{ "conv 3x3x4; avgpool 2 relu", "layer 2 'avgpool 2 relu'", "unknown token 'relu'" },
				{ "maxpool -2", "pool size '-2'" },
				{ "dense", "unit count missing" },
				{ "dense 10 relu extra", "unexpected token 'extra'" },
				{ "dense 10 swish", "unknown activation 'swish'" },
				{ "dense 1.5", "unit count '1.5'" },
				{ "dropout", "drop probability missing" },
				{ "dropout 1", "'1'", "between 0 and 1" },
				{ "dropout 0", "'0'", "between 0 and 1" },
				{ "dropout abc", "'abc' is not a number" },
				{ "dropout NaN", "'nan' is not a number" },
				{ "dropout 0.5 0.2", "unexpected token '0.2'" },
				{ "batchnorm 3", "unexpected token '3'" },
				{ "conv 3x3x4;; dense 3", "layer 2 is empty" },
				{ "conv 3x3x4; pool 2", "layer 2 'pool 2'", "unknown layer type 'pool'" },
				{ "dense 10; conv 3x3x3", "layer 2 'conv 3x3x3 relu'", "cannot follow a dense layer" },
				{ "dense 10; dropout 0.5; maxpool 2", "layer 3", "cannot follow a dense layer" },
				{ "", "empty" }, { " ; ", "empty" } };
		for (String[] c : cases) {
			String[] expected = new String[c.length - 1];
			System.arraycopy(c, 1, expected, 0, expected.length);
			expectError(() -> NetworkSpec.parse(c[0]), expected);
		}
		expectError(() -> NetworkSpec.parse(null), "empty");
	}

	@Test
	public void lenetShapesAndParameters() {
		List<LayerShape> s = NetworkSpec.preset("LeNet").shapes(28, 28, 1, 10);
		int[][] hwc = { { 24, 24, 20 }, { 12, 12, 20 }, { 8, 8, 50 }, { 4, 4, 50 }, { 1, 1, 500 }, { 1, 1, 10 } };
		long[] params = { 5 * 5 * 20 + 20, 0, 5 * 5 * 20 * 50 + 50, 0, 800 * 500 + 500, 500 * 10 + 10 };
		assertEquals(6, s.size());
		for (int i = 0; i < 6; i++) {
			assertEquals(i + 1, s.get(i).number);
			assertEquals("layer " + (i + 1), hwc[i][0] + "x" + hwc[i][1] + "x" + hwc[i][2],
					s.get(i).height + "x" + s.get(i).width + "x" + s.get(i).channels);
			assertEquals("layer " + (i + 1), params[i], s.get(i).params);
		}
		assertNull(s.get(5).layer);
		assertTrue(s.get(4).flat);
		assertEquals("500", s.get(4).shapeText());
		assertEquals(431080, NetworkSpec.preset("LeNet").parameterCount(28, 28, 1, 10));
	}

	/**
	 * A "same" convolution or pooling whose stride exceeds its window by 2 or more on an input it cannot pad (DL4J's
	 * convolution, and its pooling's backprop, stop there) is refused with the layer named; where the overhang is -1
	 * or more it is accepted.
	 */
	@Test
	public void aSameConvolutionDl4jCannotPadIsRefused() {
		expectError(() -> NetworkSpec.parse("conv 1x1x4 stride=3 pad=same; dense 5").shapes(27, 25, 1),
				"layer 1 'conv 1x1x4 stride=3 pad=same", "27x25x1", "at least 2 pixels");
		expectError(() -> NetworkSpec.parse("conv 3x3x4; conv 1x1x6 stride=3 pad=same").shapes(11, 13, 2),
				"layer 2", "9x11x4");
		expectError(() -> NetworkSpec.parse("conv 1x1x4 stride=4 pad=same").shapes(8, 9, 1), "8x9x1");
		assertEquals("9x9x4", NetworkSpec.parse("conv 1x1x4 stride=3 pad=same").shapes(26, 25, 1).get(0).shapeText());
		assertEquals("9x9x4", NetworkSpec.parse("conv 2x2x4 stride=3 pad=same").shapes(27, 25, 1).get(0).shapeText());
		expectError(() -> NetworkSpec.parse("maxpool 1 stride=3 pad=same").shapes(9, 8, 1), "layer 1 'maxpool 1",
				"9x8x1");
		expectError(() -> NetworkSpec.parse("avgpool 2 stride=4 pad=same").shapes(8, 12, 1), "'avgpool 2");
		assertEquals("3x3x1", NetworkSpec.parse("maxpool 1 stride=3 pad=same").shapes(8, 8, 1).get(0).shapeText());
		assertEquals("3x3x1", NetworkSpec.parse("maxpool 1 stride=3 pad=valid").shapes(9, 9, 1).get(0).shapeText());
	}

	@Test
	public void smallVggAndStrideSameShapes() {
		List<LayerShape> s = NetworkSpec.preset("Small VGG").shapes(32, 30, 3);
		assertEquals("32x30x32", s.get(0).shapeText());
		assertEquals(3 * 3 * 3 * 32 + 32, s.get(0).params);
		assertEquals(3 * 3 * 32 * 32 + 32, s.get(1).params);
		assertEquals("16x15x32", s.get(2).shapeText());
		assertEquals("8x7x64", s.get(5).shapeText());
		assertEquals(8 * 7 * 64 * 256 + 256, s.get(6).params);
		assertEquals(0, s.get(7).params);
		// same: ceil(in / stride); valid: floor((in - k) / stride) + 1; batch norm 4 values per channel
		List<LayerShape> t = NetworkSpec.parse("conv 3x3x8 stride=2 pad=same; conv 4x2x6 stride=3; batchnorm; "
				+ "avgpool 2 stride=1; dense 5; batchnorm").shapes(29, 17, 2);
		assertEquals("15x9x8", t.get(0).shapeText());
		assertEquals("4x3x6", t.get(1).shapeText());
		assertEquals(4 * 2 * 8 * 6 + 6, t.get(1).params);
		assertEquals(24, t.get(2).params);
		assertEquals("3x2x6", t.get(3).shapeText());
		assertEquals(36 * 5 + 5, t.get(4).params);
		assertEquals(20, t.get(5).params);
	}

	@Test
	public void rejectsSpecsThatShrinkTheImageBelowOnePixel() {
		expectError(() -> NetworkSpec.preset("LeNet").shapes(12, 12, 1), "layer 3 'conv 5x5x50 relu'", "below 1x1",
				"input 4x4x20");
		expectError(() -> NetworkSpec.parse("maxpool 2; maxpool 2").shapes(3, 8, 1), "layer 2 'maxpool 2'",
				"below 1x1");
		expectError(() -> NetworkSpec.parse("conv 1x9x2").shapes(20, 8, 1), "layer 1", "below 1x1");
		// same padding never shrinks below 1
		assertEquals("1x1x2", NetworkSpec.parse("conv 5x5x2 stride=9 pad=same").shapes(3, 3, 1).get(0).shapeText());
		expectError(() -> NetworkSpec.parse("dense 2").shapes(0, 3, 1), "at least 1x1x1");
		expectError(() -> NetworkSpec.parse("conv 3x3x1 pad=same stride=2").shapes(Integer.MAX_VALUE, 3, 1),
				"too large");
		expectError(() -> NetworkSpec.parse("dense 2").shapes(3, 3, 1, 1), "at least 2 classes");
	}

	@Test
	public void fittingScaleIsTheSmallestWholeFactorTheNetworkAccepts() {
		NetworkSpec lenet = NetworkSpec.preset(NetworkSpec.LENET); // needs at least 16x16
		assertEquals(1, lenet.fittingScale(28, 28, 1));
		assertEquals(1, lenet.fittingScale(16, 16, 3));
		assertEquals(2, lenet.fittingScale(8, 8, 1));
		assertEquals(2, lenet.fittingScale(15, 40, 1));
		assertEquals(4, lenet.fittingScale(4, 4, 1));
		assertEquals(16, lenet.fittingScale(1, 1, 1));
		assertEquals(0, lenet.fittingScale(NetworkSpec.MAX_INPUT_SIZE, 1, 1)); // no factor keeps the size in range
		assertEquals(1, NetworkSpec.parse("dense 4").fittingScale(1, 1, 1));
	}
}
