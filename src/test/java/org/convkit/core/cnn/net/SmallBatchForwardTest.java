package org.convkit.core.cnn.net;

import org.convkit.core.cnn.input.Normalisation;
import org.convkit.core.cnn.input.Resize;
import org.convkit.core.cnn.model.ModelBundle;
import org.convkit.core.cnn.model.TrainingHistory;
import org.convkit.core.cnn.runtime.CpuFeatures;
import org.convkit.core.cnn.spec.NetworkSpec;
import org.convkit.core.cnn.train.Predictor;
import org.convkit.testing.FloatTolerance;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Arrays;
import java.util.Collections;
import java.util.Random;

import static org.junit.Assert.*;

/**
 * The small-batch inference pass gives DL4J's probabilities for every layer kind it covers, refuses what it does
 * not cover, and the Predictor uses it for a few images (and again after more training).
 */
public class SmallBatchForwardTest {
	/**
	 * Float rounding only: the products add up in another order than oneDNN's and DL4J's. This test's networks have
	 * every weight scaled by 2.5 (sharp probabilities, so that mistakes show), which scales the rounding differences
	 * of their logits too: up to 1.2e-5 was measured for Small VGG with 17 images narrowed to AVX2, above
	 * {@link FloatTolerance#PROBABILITY}. 1e-4 is still two orders of magnitude below what a wrong pixel offset,
	 * padding, stride, weight layout or activation does (1e-2 or more).
	 */
	private static final double TOL = 1e-4;

	/** A network with random weights and biases, the weights scaled by 2.5 ({@link RandomisedNetwork}). */
	private static MultiLayerNetwork network(String spec, int h, int w, int c, int classes) {
		return RandomisedNetwork.of(spec, h, w, c, classes, 2.5);
	}

	private static float[] images(int n, int size, long seed) {
		Random r = new Random(seed);
		float[] x = new float[n * size];
		for (int i = 0; i < x.length; i++) x[i] = (float) r.nextGaussian();
		return x;
	}

	private static void assertLikeDl4j(String spec, int h, int w, int c, int classes) {
		MultiLayerNetwork net = network(spec, h, w, c, classes);
		SmallBatchForward f = SmallBatchForward.of(net, h, w, c);
		assertNotNull(spec, f);
		for (int n : new int[] { 1, 2, 3, 5, 17 }) { // a whole batch goes through each layer at once
			float[] x = images(n, c * h * w, n);
			float[][] ours = f.probabilities(x, n);
			float[][] dl4j = NdArrays.rows(net.output(NdArrays.array(x, n, c, h, w), false));
			double spread = 0;
			for (int i = 0; i < n; i++) {
				assertEquals(classes, ours[i].length);
				for (int k = 0; k < classes; k++) {
					assertEquals(spec + ", image " + i + " class " + k, dl4j[i][k], ours[i][k], TOL);
					spread = Math.max(spread, Math.abs(dl4j[i][k] - 1.0 / classes));
				}
			}
			assertTrue(spec + ": the test network must not be near uniform (" + spread + ")", spread > 0.05);
		}
	}

	@Test
	public void lenetAsDl4j() {
		assertLikeDl4j(NetworkSpec.LENET_SPEC, 28, 28, 1, 10);
	}

	@Test
	public void smallVggWithSamePaddingAndDropoutAsDl4j() {
		assertLikeDl4j(NetworkSpec.SMALL_VGG_SPEC, 20, 20, 3, 4);
	}

	@Test
	public void stridesOddSizesAveragePoolingAndEveryActivationAsDl4j() {
		assertLikeDl4j("conv 3x3x4 stride=2 pad=same leakyrelu; avgpool 2 pad=same; conv 2x3x5 tanh; "
				+ "maxpool 3 stride=2 pad=same; dense 7 sigmoid; dense 6 elu; dense 5 identity", 13, 11, 2, 3);
		assertLikeDl4j("conv 4x4x3 stride=3; avgpool 3 stride=2; conv 1x1x4 identity; maxpool 2 pad=same", 17, 19, 1,
				5);
		assertLikeDl4j("dense 9 relu; dropout 0.3", 3, 4, 1, 2); // dense right after the image
	}

	/** Large networks go to DL4J, whose oneDNN convolutions are faster there (see MAX_MULTIPLY_ADDS). */
	@Test
	public void networksTooLargeToGainAreLeftToDl4j() {
		assertNotNull("LeNet 28x28, 2.3 million", SmallBatchForward.of(network(NetworkSpec.LENET_SPEC, 28, 28, 1, 10),
				28, 28, 1));
		assertNotNull("Small VGG 20x20 RGB, 9.8 million",
				SmallBatchForward.of(network(NetworkSpec.SMALL_VGG_SPEC, 20, 20, 3, 4), 20, 20, 3));
		assertNull("Small VGG 64x64, about 100 million",
				SmallBatchForward.of(network(NetworkSpec.SMALL_VGG_SPEC, 64, 64, 1, 10), 64, 64, 1));
		assertNull("one dense layer over the bound", SmallBatchForward.of(network("dense 10000", 64, 64, 1, 2), 64, 64,
				1));
		assertNotNull("just under it", SmallBatchForward.of(network("dense 9500", 64, 64, 1, 2), 64, 64, 1));
	}

	/**
	 * A call of few multiply-adds takes this path; where oneDNN lacks AVX-512, whole batches of LeNet-sized networks do
	 * too, and larger networks' batches still go to DL4J ({@code ./convkit --bench 3 inference}).
	 */
	@Test
	public void wholeBatchesOfSmallNetworksWhereOneDnnLacksAvx512() {
		MultiLayerNetwork lenet = network(NetworkSpec.LENET_SPEC, 28, 28, 1, 10);
		MultiLayerNetwork vgg = network(NetworkSpec.SMALL_VGG_SPEC, 20, 20, 3, 4); // 9.8 million per image
		String was = System.getProperty(CpuFeatures.OVERRIDE_PROPERTY);
		System.setProperty(CpuFeatures.OVERRIDE_PROPERTY, "avx2");
		try {
			SmallBatchForward f = SmallBatchForward.of(lenet, 28, 28, 1);
			assertTrue("LeNet, 64 images, no AVX-512", f.serves(64));
			assertTrue("LeNet, 100,000 images, no AVX-512", f.serves(100_000));
			assertFalse(f.serves(0));
			SmallBatchForward v = SmallBatchForward.of(vgg, 20, 20, 3);
			assertTrue("Small VGG 20x20 RGB, 3 images", v.serves(3));
			assertFalse("Small VGG 20x20 RGB, 4 images", v.serves(4));
			assertFalse("Small VGG 20x20 RGB, 64 images", v.serves(64));
		} finally {
			if (was == null) System.clearProperty(CpuFeatures.OVERRIDE_PROPERTY);
			else System.setProperty(CpuFeatures.OVERRIDE_PROPERTY, was);
		}
		if (OneDnn.usesAvx512()) {
			SmallBatchForward f = SmallBatchForward.of(lenet, 28, 28, 1);
			assertTrue("LeNet, 13 images, AVX-512", f.serves(13));
			assertFalse("LeNet, 14 images, AVX-512: DL4J's oneDNN path is faster", f.serves(14));
		}
		SmallBatchForward big = SmallBatchForward.of(network("dense 9000", 64, 64, 1, 2), 64, 64, 1); // 37 million
		assertNotNull(big);
		assertTrue("one image always", big.serves(1));
		assertEquals(1, big.maxImages());
	}

	/**
	 * Beside the fused-block twin, which is faster for all but the smallest calls, only calls up to 5 million
	 * multiply-adds take this path (LeNet up to 2 images; not even one Small VGG image), on any processor; beside
	 * the channels-last twin or DL4J's output the rules above hold.
	 */
	@Test
	public void besideTheFusedTwinOnlyTheSmallestCalls() {
		MultiLayerNetwork lenet = network(NetworkSpec.LENET_SPEC, 28, 28, 1, 10);
		MultiLayerNetwork vgg = network(NetworkSpec.SMALL_VGG_SPEC, 20, 20, 3, 4);
		SmallBatchForward f = SmallBatchForward.of(lenet, 28, 28, 1), v = SmallBatchForward.of(vgg, 20, 20, 3);
		NetworkTwin fused = FusedForward.of(lenet, 28, 28, 1);
		assertNotNull(fused);
		assertTrue("LeNet, 1 image", f.serves(1, () -> fused));
		assertTrue("LeNet, 2 images", f.serves(2, () -> fused));
		assertFalse("LeNet, 3 images", f.serves(3, () -> fused));
		assertFalse("LeNet, 64 images", f.serves(64, () -> fused));
		assertFalse(f.serves(0, () -> fused));
		NetworkTwin vggFused = FusedForward.of(vgg, 20, 20, 3);
		assertFalse("Small VGG 20x20 RGB, 1 image (9.8 million)", v.serves(1, () -> vggFused));
		NetworkTwin channelsLast = ChannelsLastForward.twinOf(vgg, 20, 20, 3);
		for (int n : new int[] { 0, 1, 3, 4, 5, 13, 14, 64 }) {
			assertEquals("no twin, " + n, f.serves(n), f.serves(n, () -> null));
			assertEquals("channels-last twin, " + n, v.serves(n), v.serves(n, () -> channelsLast));
		}
	}

	/** The smallest calls are this path's whatever the twin: they do not make one (the first loads oneDNN's library). */
	@Test
	public void theSmallestCallsDoNotAskForATwin() {
		SmallBatchForward f = SmallBatchForward.of(network(NetworkSpec.LENET_SPEC, 28, 28, 1, 10), 28, 28, 1);
		int[] asked = { 0 };
		java.util.function.Supplier<NetworkTwin> counting = () -> {
			asked[0]++;
			return null;
		};
		assertTrue(f.serves(1, counting));
		assertTrue(f.serves(2, counting));
		assertEquals("no twin asked for", 0, asked[0]);
		f.serves(64, counting);
		assertEquals("a batch asks", 1, asked[0]);
	}

	@Test
	public void batchNormalisationIsLeftToDl4j() {
		assertNull(SmallBatchForward.of(network("conv 3x3x4; batchnorm; dense 5", 8, 8, 1, 2), 8, 8, 1));
	}

	@Test
	public void theFastTrainingSwitchTurnsItOff() {
		MultiLayerNetwork net = network("conv 3x3x4; maxpool 2; dense 5", 8, 8, 1, 2);
		assertNotNull(SmallBatchForward.of(net, 8, 8, 1));
		String was = System.getProperty(FastTraining.ENABLED_PROPERTY);
		System.setProperty(FastTraining.ENABLED_PROPERTY, "false");
		try {
			assertNull("-Dconvkit.fastTraining=false leaves inference to DL4J", SmallBatchForward.of(net, 8, 8, 1));
		} finally {
			if (was == null) System.clearProperty(FastTraining.ENABLED_PROPERTY);
			else System.setProperty(FastTraining.ENABLED_PROPERTY, was);
		}
	}

	@Test
	public void thePredictorUsesItForAFewImagesAndNoticesMoreTraining() {
		MultiLayerNetwork net = network(NetworkSpec.LENET_SPEC, 28, 28, 1, 10);
		ModelBundle bundle = new ModelBundle(net, NetworkSpec.parse(NetworkSpec.LENET_SPEC),
				Arrays.asList("0", "1", "2", "3", "4", "5", "6", "7", "8", "9"), 28, 28, 1,
				Normalisation.none(1), TrainingSettings.DEFAULTS, TrainingHistory.empty(), Resize.SCALE);
		Predictor p = new Predictor(bundle);
		ij.process.FloatProcessor image = new ij.process.FloatProcessor(28, 28, images(1, 784, 9));
		float[] x = (float[]) image.getPixels();
		float[] before = p.predict(image);
		assertArrayEquals(SmallBatchForward.of(net, 28, 28, 1).probabilities(x.clone(), 1)[0], before, 0f);

		// one training step changes the weights: the next prediction follows them
		INDArray features = NdArrays.array(images(8, 784, 10), 8, 1, 28, 28);
		INDArray labels = Nd4j.zeros(DataType.FLOAT, 8, 10);
		for (int i = 0; i < 8; i++) labels.putScalar(i, i, 1);
		net.fit(features, labels);
		float[] after = p.predict(image);
		float[] dl4j = NdArrays.rows(net.output(NdArrays.array(x.clone(), 1, 1, 28, 28), false))[0];
		for (int k = 0; k < 10; k++) assertEquals(dl4j[k], after[k], TOL);
		assertFalse(Arrays.equals(before, after));
		// a batch larger than this path serves goes through DL4J (not where oneDNN lacks AVX-512: there this path
		// takes LeNet's batches of any size): the same within rounding
		int count = (int) Math.min(SmallBatchForward.of(net, 28, 28, 1).maxImages() + 1L, 100);
		float[][] many = p.predict(Collections.nCopies(count, image));
		for (float[] row : many)
			for (int k = 0; k < 10; k++) assertEquals(after[k], row[k], TOL);
	}

	/**
	 * The 2×2 max pooling's own loop gives its general loop's values bit for bit (so -0 and 0 as the general loop
	 * gives them) on signed values, ReLU outputs, ties and special values (±Infinity, -0, NaNs); a NaN only as a NaN:
	 * which NaN {@code Math.max} returns (an argument's payload or the canonical one) depends on how it is compiled.
	 */
	@Test
	public void twoByTwoMaxPoolingGivesTheGeneralLoopsValues() {
		float[] special = { 0f, -0f, 1f, 1f, -1f, Float.MIN_VALUE, Float.MAX_VALUE, Float.POSITIVE_INFINITY,
				Float.NEGATIVE_INFINITY, Float.NaN, Float.intBitsToFloat(0x7f800001), Float.intBitsToFloat(0xffc00000) };
		Random r = new Random(11);
		for (int[] hw : new int[][] { { 24, 24 }, { 7, 9 }, { 2, 2 } })
			for (int mode = 0; mode < 3; mode++) {
				int n = 3, c = 4, h = hw[0], w = hw[1];
				ForwardSteps.Pooling pooling = ForwardSteps.Pooling.of(new org.deeplearning4j.nn.conf.layers.SubsamplingLayer
						.Builder(org.deeplearning4j.nn.conf.layers.PoolingType.MAX).kernelSize(2, 2).stride(2, 2)
						.convolutionMode(org.deeplearning4j.nn.conf.ConvolutionMode.Truncate).build(),
						c, h, w);
				float[] in = new float[n * c * h * w];
				for (int i = 0; i < in.length; i++)
					in[i] = mode == 0 ? (float) r.nextGaussian() : mode == 1 ? Math.max(0f, (float) r.nextGaussian())
							: special[r.nextInt(special.length)];
				float[] general = new float[n * c * pooling.outH * pooling.outW], fast = general.clone();
				pooling.anyWindow(in, n * c, general);
				ForwardSteps.Pooling.maxTwoByTwo(in, n * c, h, w, pooling.outH, pooling.outW, fast);
				for (int o = 0; o < fast.length; o++)
					if (!Float.isNaN(general[o]) || !Float.isNaN(fast[o]))
						assertEquals(h + "x" + w + " mode " + mode + " at " + o, Float.floatToRawIntBits(general[o]),
								Float.floatToRawIntBits(fast[o]));
				assertArrayEquals(fast, pooling.apply(in, n), 0f); // apply takes the 2×2 loop
			}
	}
}
