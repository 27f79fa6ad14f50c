package org.convkit.core.cnn.net;

import org.convkit.core.cnn.spec.NetworkSpec;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.layers.convolution.subsampling.SubsamplingLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.convkit.core.cnn.runtime.CpuFeatures;
import org.junit.ClassRule;
import org.junit.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.ops.transforms.Transforms;

import java.util.List;

import static org.junit.Assert.*;

/**
 * Max pooling in Java gives DL4J's outputs and gradients: bit for bit for windows that do not overlap (ties
 * included: the first maximum gets the gradient, as in libnd4j), up to the order of additions where they overlap;
 * ConvKit's networks get it when they are made where oneDNN lacks AVX-512 (forced here, so that every processor tests
 * it), and training steps give DL4J's weights.
 */
public class MaxPoolingLayerTest {
	/** The per-layer replacements, not the fused block that stands in for them in training. */
	@ClassRule
	public static final FusedBlockOff BLOCK_OFF = new FusedBlockOff();

	@ClassRule
	public static final JavaPoolingForced JAVA_POOLING = new JavaPoolingForced();

	/**
	 * ConvKit's network (with MaxPoolingLayer) and the same network, same weights, whose pooling layers are DL4J's
	 * plain objects (libnd4j's pooling, no oneDNN helper): everything else (ConvKit's other layers) is alike, so any
	 * difference comes from the pooling.
	 */
	private static MultiLayerNetwork[] twins(String spec, int h, int w, int c, int classes) {
		MultiLayerNetwork ours = NetworkBuilder.network(NetworkSpec.parse(spec), h, w, c, classes,
				TrainingSettings.DEFAULTS.withSeed(5));
		MultiLayerNetwork dl4j = NetworkBuilder.network(NetworkSpec.parse(spec), h, w, c, classes,
				TrainingSettings.DEFAULTS.withSeed(5));
		dl4j.setParams(ours.params().dup());
		DataType type = dl4j.getLayerWiseConfigurations().getDataType();
		int pools = 0;
		for (int i = 0; i < dl4j.getLayers().length; i++)
			if (dl4j.getLayers()[i] instanceof MaxPoolingLayer) {
				LayerReplacement.replace((TrainableNetwork) dl4j, i, new SubsamplingLayer(dl4j.getLayers()[i].conf(),
						type));
				pools++;
			}
		assertTrue("ConvKit's network has Java max pooling", pools > 0);
		for (Layer l : dl4j.getLayers()) assertFalse(l instanceof MaxPoolingLayer);
		return new MultiLayerNetwork[] { ours, dl4j };
	}

	private static int javaForwards(MultiLayerNetwork net) {
		int n = 0;
		for (Layer l : net.getLayers()) if (l instanceof MaxPoolingLayer) n += ((MaxPoolingLayer) l).ownForwards;
		return n;
	}

	/** Outputs bit for bit; gradients bit for bit, or within {@code tolerance} (relative to the largest). */
	private static void assertLikeDl4j(String spec, int h, int w, int c, double tolerance) {
		MultiLayerNetwork[] t = twins(spec, h, w, c, 3);
		DataSet d = RandomBatch.of(11, 6, c, h, w, 3);
		assertArrayEquals(spec, t[1].output(d.getFeatures(), false).data().asFloat(),
				t[0].output(d.getFeatures(), false).data().asFloat(), 0f);
		int before = javaForwards(t[0]);
		RandomBatch.computeGradients(t[0], d);
		RandomBatch.computeGradients(t[1], d);
		assertTrue("the Java path ran", javaForwards(t[0]) > before);
		INDArray g0 = t[0].gradient().gradient(), g1 = t[1].gradient().gradient();
		if (tolerance == 0) {
			assertArrayEquals(spec, g1.data().asFloat(), g0.data().asFloat(), 0f);
		} else {
			double max = g1.amaxNumber().doubleValue();
			assertTrue(spec + ": a gradient to compare", max > 0);
			assertEquals(spec, 0, g0.sub(g1).amaxNumber().doubleValue() / max, tolerance);
		}
		assertEquals(t[1].score(), t[0].score(), 0);
	}

	@Test
	public void lenetAndSmallVggPoolingIsDl4jsBitForBit() {
		assertLikeDl4j(NetworkSpec.LENET_SPEC, 28, 28, 1, 0);
		// without its dropout layer: dropout draws random masks, which two networks do not share
		assertLikeDl4j(NetworkSpec.SMALL_VGG_SPEC.replace("; dropout 0.5", ""), 12, 12, 3, 0);
	}

	/**
	 * A negative padding — "same" with a stride 2 or more above the window: on 9 rows, window 1 and stride 3 half the
	 * overhang, (3 - 1) · 3 + 1 - 9 = -2, is -1 — starts the windows inside the image, at rows 1, 4, 7, as libnd4j's
	 * pooling does. ConvKit's networks refuse such layers (DL4J's backprop cannot run them), but a model made elsewhere
	 * may hold one, and DL4J's Java formula for the padding threw where the Java pooling ran (without AVX-512).
	 */
	@Test
	public void aNegativePaddingStartsTheWindowsInsideTheImage() {
		int h = 9, w = 7;
		float[] in = new float[2 * h * w];
		for (int i = 0; i < in.length; i++) in[i] = (i * 37 % 101) - 50;
		float[] out = new float[2 * 3 * 3];
		int[] at = new int[out.length];
		int[] g = WindowGeometry.of(org.nd4j.linalg.factory.Nd4j.create(DataType.FLOAT, 2, 1, h, w),
				org.deeplearning4j.nn.conf.ConvolutionMode.Same, new int[] { 1, 1 }, new int[] { 3, 3 },
				new int[] { 0, 0 }, new int[] { 1, 1 });
		assertArrayEquals(new int[] { 3, 3, -1, 0 }, g);
		MaxPoolingLayer.forward(in, 2, h, w, 1, 1, 3, 3, g[2], g[3], 3, 3, out, at);
		for (int p = 0, o = 0; p < 2; p++)
			for (int i = 0; i < 3; i++)
				for (int j = 0; j < 3; j++, o++) {
					int expected = p * h * w + (3 * i + 1) * w + 3 * j; // rows 1, 4, 7; columns 0, 3, 6
					assertEquals("plane " + p + " at " + j + "," + i, expected, at[o]);
					assertEquals(in[expected], out[o], 0f);
				}
	}

	@Test
	public void oddSizesStridesAndSamePaddingAsDl4j() {
		assertLikeDl4j("conv 3x3x4; maxpool 2; conv 2x2x3; maxpool 3 stride=3 pad=same; dense 5", 13, 11, 2, 0);
		assertLikeDl4j("conv 3x3x4 tanh; maxpool 2 stride=3; dense 5", 9, 10, 1, 0); // gaps between windows
	}

	/**
	 * Windows that overlap add several gradients into one input value, in another order than libnd4j: float
	 * rounding only (measured here: 0 — the sums have at most a few terms).
	 */
	@Test
	public void overlappingWindowsAgreeUpToRounding() {
		assertLikeDl4j("conv 3x3x4; maxpool 3 stride=2 pad=same; conv 2x2x3; maxpool 2 stride=1; dense 5", 15, 15, 1,
				1e-6);
		assertLikeDl4j("conv 3x3x4 tanh; maxpool 3 stride=1; dense 5", 9, 10, 1, 1e-6);
	}

	/**
	 * A window whose maximum is tied sends its whole gradient to one of the tied values: here always the first in
	 * row order. libnd4j's choice depends on its kernel (the first with AVX-512; another one narrowed to AVX2, where
	 * oneDNN's reference kernel runs), so against DL4J only these hold on every processor: each window's gradient goes
	 * to one maximum of it, and windows without a tie get DL4J's gradient bit for bit. Training does not care which
	 * tied value gets it (any one is a subgradient; after a ReLU the ties are mostly zeros, whose gradient the ReLU
	 * stops).
	 */
	@Test
	public void tiesSendTheGradientToOneMaximumTheFirstHere() {
		MultiLayerNetwork[] t = twins("maxpool 2; dense 4 identity", 6, 6, 2, 2);
		LayerWorkspaceMgr mgr = LayerWorkspaceMgr.noWorkspaces();
		// whole numbers 0..2: most windows hold a tie of their maximum
		INDArray x = Transforms.floor(RandomBatch.of(2, 3, 2, 6, 6, 2).getFeatures().add(0.3).mul(3));
		float[] v = x.data().asFloat();
		Layer ours = t[0].getLayer(0), dl4j = t[1].getLayer(0);
		INDArray eps = RandomBatch.of(3, 3, 2, 3, 3, 2).getFeatures();
		float[] e = eps.data().asFloat();
		float[][] g = new float[2][];
		for (int k = 0; k < 2; k++) {
			Layer l = k == 0 ? ours : dl4j;
			l.setInput(x, mgr);
			INDArray out = l.activate(true, mgr);
			assertArrayEquals(new long[] { 3, 2, 3, 3 }, out.shape());
			g[k] = l.backpropGradient(eps, mgr).getSecond().data().asFloat();
		}
		int ties = 0;
		for (int p = 0, w = 0; p < 6; p++)
			for (int y = 0; y < 6; y += 2)
				for (int c = 0; c < 6; c += 2, w++) {
					int o = p * 36 + y * 6 + c;
					int[] at = { o, o + 1, o + 6, o + 7 };
					float max = Float.NEGATIVE_INFINITY;
					for (int i : at) max = Math.max(max, v[i]);
					int first = -1, tied = 0;
					for (int i : at)
						if (v[i] == max) {
							tied++;
							if (first < 0) first = i;
						}
					ties += tied > 1 ? 1 : 0;
					for (int i : at) {
						assertEquals("ours: window " + w + " to its first maximum", i == first ? e[w] : 0f, g[0][i], 0f);
						if (v[i] != max) assertEquals("DL4J: window " + w + " only to a maximum", 0f, g[1][i], 0f);
						if (tied == 1) assertEquals("no tie: DL4J's gradient", g[1][i], g[0][i], 0f);
					}
					float dl4jSum = 0;
					int dl4jNonZero = 0;
					for (int i : at) {
						dl4jSum += g[1][i];
						dl4jNonZero += g[1][i] != 0 ? 1 : 0;
					}
					assertEquals("DL4J: window " + w + " to one value", e[w], dl4jSum, 0f);
					assertTrue("DL4J: window " + w + " to one value", dl4jNonZero <= 1);
				}
		assertTrue("ties to break: " + ties, ties > 20);
	}

	/**
	 * The 2×2 path (without branches) against the general loop, value for value and position for position: ties
	 * (whole numbers), -0 against 0, NaN of either sign, infinities, and planes with a row and a column left over.
	 */
	@Test
	public void twoByTwoPathChoosesAsTheGeneralLoop() {
		java.util.Random r = new java.util.Random(7);
		// NaN with the sign bit set too: the NaN x86 arithmetic makes
		float[] special = { 0f, -0f, Float.NaN, Float.intBitsToFloat(0xffc00000), Float.POSITIVE_INFINITY,
				Float.NEGATIVE_INFINITY, 1f, -1f, Float.MIN_VALUE, -Float.MIN_VALUE, Float.MAX_VALUE, -Float.MAX_VALUE };
		// ReLU outputs (no sign bit) take the path on the bits themselves: ties at 0 and at 1, and the values at its
		// edges (+Infinity is the largest it takes, a NaN above it and a negative one must leave it)
		float[] relu = { 0f, 0f, 1f, 1f, Float.MIN_VALUE, Float.MAX_VALUE, Float.POSITIVE_INFINITY, Float.NaN, -0f,
				Float.intBitsToFloat(0x7f800001), Float.intBitsToFloat(0xffc00000) };
		int[][] sizes = { { 24, 24 }, { 7, 9 }, { 2, 2 }, { 5, 4 } };
		for (int[] hw : sizes)
			for (int mode = 0; mode < 5; mode++) {
				int planes = 5, h = hw[0], w = hw[1], outH = h / 2, outW = w / 2;
				float[] in = new float[planes * h * w];
				for (int i = 0; i < in.length; i++)
					in[i] = mode == 0 ? (float) r.nextGaussian() : mode == 1 ? r.nextInt(3) - 1 // ties
							: mode == 2 ? special[r.nextInt(special.length)]
							: mode == 3 ? Math.max(0f, (float) r.nextGaussian()) // half of them 0
							: relu[r.nextInt(relu.length)];
				float[] fast = new float[planes * outH * outW], general = fast.clone();
				int[] fastAt = new int[fast.length], generalAt = fastAt.clone();
				MaxPoolingLayer.forward(in, planes, h, w, 2, 2, 2, 2, 0, 0, outH, outW, fast, fastAt);
				MaxPoolingLayer.forwardAnyWindow(in, planes, h, w, 2, 2, 2, 2, 0, 0, outH, outW, general, generalAt);
				String what = h + "x" + w + " mode " + mode;
				assertArrayEquals(what, generalAt, fastAt);
				for (int o = 0; o < fast.length; o++)
					assertEquals(what + " at " + o, Float.floatToRawIntBits(general[o]), Float.floatToRawIntBits(fast[o]));
			}
	}

	@Test
	public void trainingStepsGiveDl4jsWeights() {
		MultiLayerNetwork[] t = twins(NetworkSpec.LENET_SPEC, 28, 28, 1, 10);
		FastTraining fast = FastTraining.on(t[0]);
		for (int step = 0; step < 3; step++) {
			DataSet d = RandomBatch.of(20 + step, 16, 1, 28, 28, 10);
			t[0].fit(d);
			t[1].fit(d);
		}
		fast.off();
		// the first layer's Java backprop sums in another order (ColumnConvolutionLayerTest): the same tolerance
		assertEquals(0, t[0].params().sub(t[1].params()).amaxNumber().doubleValue(), 5e-5);
	}

	@Test
	public void averagePoolingStaysDl4js() {
		MultiLayerNetwork net = NetworkBuilder.network(NetworkSpec.parse("conv 3x3x2; avgpool 2; maxpool 2; dense 3"),
				12, 12, 1, 2, TrainingSettings.DEFAULTS);
		Layer[] l = net.getLayers();
		assertEquals(OneDnnSubsamplingLayer.class, l[1].getClass());
		assertEquals(MaxPoolingLayer.class, l[2].getClass());
		List<MaxPoolingLayer> again = ConvKitLayers.all(net, MaxPoolingLayer.class); // idempotent
		assertEquals(1, again.size());
		assertSame(l[2], again.get(0));
	}

	/** The choice: Java pooling where oneDNN lacks AVX-512 (the processor, ConvKit's override or oneDNN's cap). */
	@Test
	public void installedOnlyWhereOneDnnLacksAvx512() {
		String isa = System.getProperty(CpuFeatures.OVERRIDE_PROPERTY);
		try {
			System.setProperty(MaxPoolingLayer.PROPERTY, "false");
			assertFalse(MaxPoolingLayer.wanted());
			assertEquals(OneDnnSubsamplingLayer.class, lenetPooling().getClass());
			System.setProperty(MaxPoolingLayer.PROPERTY, "auto");
			System.setProperty(CpuFeatures.OVERRIDE_PROPERTY, "avx2"); // as on an AVX2-only processor
			assertTrue(MaxPoolingLayer.wanted());
			assertEquals(MaxPoolingLayer.class, lenetPooling().getClass());
			System.setProperty(CpuFeatures.OVERRIDE_PROPERTY, "avx512"); // lowers only: the processor's own level
			boolean avx512 = CpuFeatures.level() == CpuFeatures.Level.AVX512;
			boolean capped = OneDnn.narrowedBelowAvx512(System.getenv("ONEDNN_MAX_CPU_ISA"))
					|| OneDnn.narrowedBelowAvx512(System.getenv("DNNL_MAX_CPU_ISA"));
			assertEquals(!avx512 || capped, MaxPoolingLayer.wanted());
		} finally {
			if (isa == null) System.clearProperty(CpuFeatures.OVERRIDE_PROPERTY);
			else System.setProperty(CpuFeatures.OVERRIDE_PROPERTY, isa);
			System.setProperty(MaxPoolingLayer.PROPERTY, "true");
		}
	}

	@Test
	public void oneDnnCapsBelowAvx512() {
		for (String cap : new String[] { "AVX2", "avx2", "SSE41", "AVX", "AVX2_VNNI", " avx2 " })
			assertTrue(cap, OneDnn.narrowedBelowAvx512(cap));
		for (String cap : new String[] { null, "", "ALL", "AVX512_CORE", "avx512_core_amx", "AVX10_1_512" })
			assertFalse(cap, OneDnn.narrowedBelowAvx512(cap));
	}

	@Test
	public void trainingBuffersAreFreedWhenTrainingEnds() {
		MultiLayerNetwork net = NetworkBuilder.network(NetworkSpec.parse(NetworkSpec.LENET_SPEC), 28, 28, 1, 10,
				TrainingSettings.DEFAULTS.withSeed(3));
		FastTraining fast = FastTraining.on(net);
		net.fit(RandomBatch.of(4, 8, 1, 28, 28, 10));
		MaxPoolingLayer first = ConvKitLayers.all(net, MaxPoolingLayer.class).get(0);
		assertNotNull("training keeps its buffers between steps", first.heldBuffer());
		fast.off();
		assertNull(first.heldBuffer());
	}

	private static Layer lenetPooling() {
		return NetworkBuilder.network(NetworkSpec.parse(NetworkSpec.LENET_SPEC), 28, 28, 1, 10,
				TrainingSettings.DEFAULTS).getLayers()[1];
	}
}
