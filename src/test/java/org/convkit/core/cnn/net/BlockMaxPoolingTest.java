package org.convkit.core.cnn.net;

import org.bytedeco.dnnl.eltwise_backward;
import org.bytedeco.dnnl.memory;
import org.bytedeco.dnnl.pooling_backward;
import org.bytedeco.dnnl.pooling_forward;
import org.bytedeco.dnnl.reorder;
import org.bytedeco.dnnl.stream;
import org.bytedeco.javacpp.FloatPointer;
import org.convkit.core.cnn.runtime.ComputeThreads;
import org.convkit.core.cnn.runtime.CpuFeatures;
import org.convkit.core.cnn.spec.NetworkSpec;
import org.junit.Test;

import java.util.Random;

import static org.bytedeco.dnnl.global.dnnl.*;
import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;

/**
 * {@link BlockMaxPooling} against oneDNN's own max pooling for training (and, folded in, its ReLU backprop on the
 * pooled output), bit for bit, in every layout it reads, on values that test the order of comparisons (ties, −0.0
 * and 0.0, NaN, ±∞, −{@link Float#MAX_VALUE}); with one and two threads; the windows and layouts it leaves to oneDNN;
 * the switch; a block's training steps with either pooling. Each comparison runs with planes of ReLU outputs on the
 * integer path and with every plane on the exact loop.
 */
public class BlockMaxPoolingTest {
	private final Dnnl dnnl = Dnnl.get();

	@Test
	public void channelsLastAsLeNetsBlock() {
		for (boolean relu : new boolean[] { false, true }) {
			check(memory.format_tag.nhwc, 3, 20, 24, 24, 2, 2, relu);
			check(memory.format_tag.nhwc, 2, 50, 8, 8, 2, 2, relu);
		}
	}

	/** Small VGG's 32 channels in blocks of 8; 20 channels in blocks of 8 and 16, the last block padded. */
	@Test
	public void oneDnnsBlocksOfChannels() {
		for (boolean relu : new boolean[] { false, true }) {
			check(memory.format_tag.nChw8c, 2, 32, 16, 16, 2, 2, relu);
			check(memory.format_tag.nChw8c, 2, 20, 12, 10, 2, 2, relu);
			check(memory.format_tag.nChw16c, 2, 20, 8, 12, 2, 2, relu);
		}
	}

	/**
	 * ReLU outputs (0.0 and above, no NaN), which take the integer path: ties, zeros, +∞, the largest and smallest
	 * floats; one channel of every third image holds one other value (−0.0, a NaN, a negative), so its plane (the
	 * image, or its block of channels) takes the exact loop instead, the others not.
	 */
	@Test
	public void reluOutputsAndPlanesWithOtherValues() {
		for (boolean relu : new boolean[] { false, true })
			for (Data other : new Data[] { Data.RELU_OUTPUTS_AND_MINUS_0, Data.RELU_OUTPUTS_AND_NAN,
					Data.RELU_OUTPUTS_AND_MINUS_1, Data.RELU_OUTPUTS_AND_NEGATIVE_NAN }) {
				check(memory.format_tag.nhwc, 3, 20, 24, 24, 2, 2, relu, other);
				check(memory.format_tag.nChw8c, 3, 32, 16, 16, 2, 2, relu, other);
				check(memory.format_tag.nChw16c, 2, 20, 8, 12, 2, 2, relu, other);
				check(memory.format_tag.nChw8c, 2, 8, 8, 6, 2, 1, relu, other);
			}
	}

	@Test
	public void otherWindowsThatTileTheImage() {
		check(memory.format_tag.nhwc, 2, 5, 9, 12, 3, 3, false);
		check(memory.format_tag.nChw8c, 2, 8, 8, 6, 2, 1, true);
		check(memory.format_tag.nhwc, 1, 3, 4, 4, 4, 4, false); // one window per image
		check(memory.format_tag.nhwc, 2, 1, 6, 6, 1, 1, true); // windows of one value
	}

	@Test
	public void leavesOtherPoolingsToOneDnn() {
		memory.desc nhwc = Dnnl.desc(new long[] { 2, 4, 8, 8 }, memory.format_tag.nhwc),
				nhwcOut = Dnnl.desc(new long[] { 2, 4, 4, 4 }, memory.format_tag.nhwc);
		FusedBlockShape.Geometry tiles = new FusedBlockShape.Geometry(2, 4, 8, 8, 4, 4, 4, 2, 2, 2, 2, 0, 0);
		assertNotNull(BlockMaxPooling.of(tiles, nhwc, nhwcOut, false));
		// overlapping windows, strides that leave gaps, padding, an uncovered last row, a window of 132 values
		assertNull(BlockMaxPooling.of(new FusedBlockShape.Geometry(2, 4, 8, 8, 4, 3, 3, 3, 3, 2, 2, 0, 0), nhwc,
				Dnnl.desc(new long[] { 2, 4, 3, 3 }, memory.format_tag.nhwc), false));
		assertNull(BlockMaxPooling.of(new FusedBlockShape.Geometry(2, 4, 8, 8, 4, 3, 3, 2, 2, 3, 3, 0, 0), nhwc,
				Dnnl.desc(new long[] { 2, 4, 3, 3 }, memory.format_tag.nhwc), false));
		assertNull(BlockMaxPooling.of(new FusedBlockShape.Geometry(2, 4, 8, 8, 4, 5, 5, 2, 2, 2, 2, 1, 1), nhwc,
				Dnnl.desc(new long[] { 2, 4, 5, 5 }, memory.format_tag.nhwc), false));
		memory.desc nine = Dnnl.desc(new long[] { 2, 4, 9, 8 }, memory.format_tag.nhwc);
		assertNull(BlockMaxPooling.of(new FusedBlockShape.Geometry(2, 4, 9, 8, 4, 4, 4, 2, 2, 2, 2, 0, 0), nine,
				nhwcOut, false));
		memory.desc big = Dnnl.desc(new long[] { 1, 1, 12, 11 }, memory.format_tag.nhwc);
		assertNull(BlockMaxPooling.of(new FusedBlockShape.Geometry(1, 1, 12, 11, 1, 1, 1, 12, 11, 12, 11, 0, 0), big,
				Dnnl.desc(new long[] { 1, 1, 1, 1 }, memory.format_tag.nhwc), false));
		// layouts it does not read: NCHW, blocks of 4, input and output laid out differently
		assertNull(BlockMaxPooling.of(tiles, Dnnl.desc(new long[] { 2, 4, 8, 8 }, memory.format_tag.nchw),
				Dnnl.desc(new long[] { 2, 4, 4, 4 }, memory.format_tag.nchw), false));
		assertNull(BlockMaxPooling.of(tiles, Dnnl.desc(new long[] { 2, 4, 8, 8 }, memory.format_tag.nChw4c),
				Dnnl.desc(new long[] { 2, 4, 4, 4 }, memory.format_tag.nChw4c), false));
		assertNull(BlockMaxPooling.of(tiles, nhwc, Dnnl.desc(new long[] { 2, 4, 4, 4 }, memory.format_tag.nChw8c),
				false));
	}

	/** {@code java} and {@code oneDNN} in any case force either; anything else leaves the choice to the processor. */
	@Test
	public void theSwitch() {
		String was = System.getProperty(BlockMaxPooling.PROPERTY);
		try {
			for (String java : new String[] { "java", " JAVA ", "Java" }) {
				System.setProperty(BlockMaxPooling.PROPERTY, java);
				assertTrue(java, BlockMaxPooling.wanted("jit:avx512_core"));
			}
			for (String oneDnn : new String[] { "oneDNN", "ONEDNN ", "onednn" }) {
				System.setProperty(BlockMaxPooling.PROPERTY, oneDnn);
				assertFalse(oneDnn, BlockMaxPooling.wanted("jit:avx2"));
			}
			for (String auto : new String[] { "", "true", "false", "0", "-1", "NaN", "javaa", "one DNN" }) {
				System.setProperty(BlockMaxPooling.PROPERTY, auto);
				assertFalse(auto, BlockMaxPooling.wanted("jit:avx512_core"));
				assertEquals(auto, CpuFeatures.intel(), BlockMaxPooling.wanted("jit:avx2"));
				assertEquals(auto, CpuFeatures.intel(), BlockMaxPooling.wanted("ref:any"));
			}
		} finally {
			SystemPropertyRule.restore(BlockMaxPooling.PROPERTY, was);
		}
	}

	/**
	 * Small VGG (blocks of channels, ReLU's backprop in both poolings) and LeNet (channels last) train the same steps
	 * with their pooling in Java as in oneDNN, bit for bit: gradients and parameters after each of three steps.
	 */
	@Test
	public void aBlockTrainsTheSameStepsWithEitherPooling() {
		sameSteps(NetworkSpec.SMALL_VGG_SPEC.replace("; dropout 0.5", ""), 16, 16, 3, "[2, 5]");
		sameSteps(NetworkSpec.LENET_SPEC, 28, 28, 1, "[1, 3]");
	}

	private static void sameSteps(String spec, int h, int w, int c, String pools) {
		String was = System.getProperty(BlockMaxPooling.PROPERTY);
		try {
			SideBySide.sameSteps(spec, h, w, c, 60, () -> System.setProperty(BlockMaxPooling.PROPERTY, "java"),
					() -> System.setProperty(BlockMaxPooling.PROPERTY, "oneDNN"), (java, oneDnn) -> {
						assertEquals(spec, pools, java.javaPoolingLayers().toString());
						assertEquals(spec, "[]", oneDnn.javaPoolingLayers().toString());
					});
		} finally {
			SystemPropertyRule.restore(BlockMaxPooling.PROPERTY, was);
		}
	}

	/**
	 * One pooling of {@code batch} images in layout {@code tag}, by oneDNN (a training forward pass with its workspace,
	 * ReLU's backprop on the output's error where {@code relu}, its backward pass) and by {@link BlockMaxPooling} with
	 * one and with two threads: the output and the input's error bit for bit, padded channels included. Both error
	 * outputs start as NaN, so a value neither writes would show.
	 */
	private void check(memory.format_tag tag, int batch, int c, int h, int w, int kh, int kw, boolean relu) {
		check(tag, batch, c, h, w, kh, kw, relu, Data.TESTING_THE_ORDER);
	}

	/** Values that test the order of comparisons, or ReLU outputs with one other value in some planes. */
	private enum Data {
		TESTING_THE_ORDER(0), RELU_OUTPUTS_AND_MINUS_0(-0f), RELU_OUTPUTS_AND_NAN(Float.NaN),
		RELU_OUTPUTS_AND_MINUS_1(-1f), RELU_OUTPUTS_AND_NEGATIVE_NAN(Float.intBitsToFloat(0xFFC00001));

		final float other;

		Data(float other) {
			this.other = other;
		}
	}

	private void check(memory.format_tag tag, int batch, int c, int h, int w, int kh, int kw, boolean relu, Data data) {
		int oh = h / kh, ow = w / kw;
		String what = tag + " " + batch + "x" + c + "x" + h + "x" + w + " by " + kh + "x" + kw + (relu ? ", ReLU" : "")
				+ ", " + data;
		float[] values = data == Data.TESTING_THE_ORDER ? values(batch * c * h * w, h, w, kh, kw, 1)
				: reluOutputs(batch * c * h * w, c, h, w, data.other, 1);
		long[] inDims = { batch, c, h, w }, outDims = { batch, c, oh, ow }, k = { kh, kw }, zero = { 0, 0 };
		memory.desc src = Dnnl.desc(inDims, tag), dst = Dnnl.desc(outDims, tag);
		stream s = new stream(dnnl.engine);
		memory in = filled(s, src, inDims, values);
		memory errorRef = filled(s, dst, outDims, errors(batch * c * oh * ow, 2)),
				error = filled(s, dst, outDims, errors(batch * c * oh * ow, 2));

		pooling_forward.primitive_desc fpd = new pooling_forward.primitive_desc(new pooling_forward.desc(
				prop_kind.forward_training, algorithm.pooling_max, src, dst, k, k, zero, zero), dnnl.engine);
		memory outRef = TestMemories.nan(dnnl, dst), ws = new memory(fpd.workspace_desc(), dnnl.engine),
				inErrorRef = TestMemories.nan(dnnl, src);
		new pooling_forward(fpd).execute(s, Dnnl.args(DNNL_ARG_SRC, in, DNNL_ARG_DST, outRef, DNNL_ARG_WORKSPACE, ws));
		if (relu) {
			eltwise_backward r = FusedStage.Conv.reluBackward(new PlanMemory(dnnl.engine, s), dst);
			r.execute(s, Dnnl.args(DNNL_ARG_DST, outRef, DNNL_ARG_DIFF_DST, errorRef, DNNL_ARG_DIFF_SRC, errorRef));
		}
		new pooling_backward(new pooling_backward.primitive_desc(new pooling_backward.desc(algorithm.pooling_max,
				src, dst, k, k, zero, zero), dnnl.engine, fpd)).execute(s,
						Dnnl.args(DNNL_ARG_DIFF_DST, errorRef, DNNL_ARG_DIFF_SRC, inErrorRef, DNNL_ARG_WORKSPACE, ws));
		s._wait();

		FusedBlockShape.Geometry g = new FusedBlockShape.Geometry(batch, c, h, w, c, oh, ow, kh, kw, kh, kw, 0, 0);
		for (int threads = 1; threads <= 2; threads++)
			for (boolean exact : new boolean[] { false, true }) {
				BlockMaxPooling p = BlockMaxPooling.of(g, src, dst, relu);
				assertNotNull(what, p);
				if (exact) p.exactOnly();
				memory out = TestMemories.nan(dnnl, dst), inError = TestMemories.nan(dnnl, src);
				try (ComputeThreads.Scope t = ComputeThreads.use(threads)) {
					p.forward(in, out);
					p.backward(error, inError);
				}
				String how = ", threads " + threads + (exact ? ", exact loop only" : "");
				long integer = p.integerPlanes();
				if (exact || kh != 2 || kw != 2 || data == Data.TESTING_THE_ORDER) assertEquals(what + how, 0, integer);
				else assertTrue(what + how + ": " + integer + " of " + p.planes() + " planes on the integer path",
						integer > 0 && integer < p.planes());
				assertArrayEquals(what + ", output" + how, bits(outRef), bits(out));
				assertArrayEquals(what + ", error" + how, bits(inErrorRef), bits(inError));
			}
	}

	/**
	 * Pixel values, NCHW: mostly Gaussian with every tenth −0.0 or 0.0 and many ties; windows of 2×2 in the first
	 * window row of each image's channels take turns among windows of NaN only, NaN with −∞ and −MAX_VALUE (oneDNN
	 * keeps its starting −MAX_VALUE at index 0), signed zeros, equal values, −∞ only, +∞ between a NaN and an equal
	 * +∞, and a tie after a smaller value.
	 */
	private static float[] values(int n, int h, int w, int kh, int kw, long seed) {
		Random r = new Random(seed);
		float[] v = new float[n];
		for (int i = 0; i < n; i++) {
			int pick = r.nextInt(10);
			v[i] = pick == 0 ? (r.nextBoolean() ? -0f : 0f) : pick == 1 ? 1.5f : (float) r.nextGaussian();
		}
		float nan = Float.NaN, inf = Float.POSITIVE_INFINITY, max = Float.MAX_VALUE;
		float[][] windows = { { nan, nan, nan, nan }, { nan, -max, -inf, nan }, { -0f, 0f, -0f, 0f },
				{ 0f, -0f, 0f, -0f }, { 2f, 2f, 2f, 2f }, { -inf, -inf, -inf, -inf }, { nan, inf, 1f, inf },
				{ -1f, 3f, 3f, 3f } };
		if (kh == 2 && kw == 2) // the first window row of every plane (image and channel)
			for (int plane = 0; plane < n / (h * w); plane++)
				for (int j = 0; 2 * j + 1 < w; j++) {
					float[] p = windows[(plane + j) % windows.length];
					int at = plane * h * w + 2 * j;
					v[at] = p[0];
					v[at + 1] = p[1];
					v[at + w] = p[2];
					v[at + w + 1] = p[3];
				}
		return v;
	}

	/**
	 * NCHW ReLU outputs: half 0.0, many ties at 1.5, the rest positive Gaussian; in each plane's first pixels the
	 * values that bound the integer path (+∞, the largest float, the smallest denormal) beside ties and zeros; one
	 * channel of every third image (the second, fifth, …) gets one value a ReLU does not give, {@code other}.
	 */
	private static float[] reluOutputs(int n, int c, int h, int w, float other, long seed) {
		Random r = new Random(seed);
		float[] v = new float[n];
		for (int i = 0; i < n; i++) {
			int pick = r.nextInt(10);
			v[i] = pick < 5 ? 0f : pick == 5 ? 1.5f : Math.abs((float) r.nextGaussian());
		}
		float[] bounds = { Float.POSITIVE_INFINITY, 1f, Float.POSITIVE_INFINITY, Float.MAX_VALUE, Float.MAX_VALUE,
				Float.MIN_VALUE, 0f, Float.MIN_VALUE, 3f, 3f, 3f, 0f };
		for (int plane = 0; plane < n / (h * w); plane++)
			for (int i = 0; i < bounds.length && i < h * w; i++) v[plane * h * w + i] = bounds[i];
		for (int image = 1; image < n / (c * h * w); image += 3)
			v[(image * c + r.nextInt(c)) * h * w + r.nextInt(h * w)] = other;
		return v;
	}

	private static float[] errors(int n, long seed) {
		Random r = new Random(seed);
		float[] e = new float[n];
		for (int i = 0; i < n; i++) e[i] = (float) r.nextGaussian();
		return e;
	}

	/** A memory in layout {@code desc} holding {@code nchw} (reordered: oneDNN zeroes padded channels). */
	private memory filled(stream s, memory.desc desc, long[] dims, float[] nchw) {
		memory user = new memory(Dnnl.desc(dims, memory.format_tag.nchw), dnnl.engine),
				m = new memory(desc, dnnl.engine);
		new FloatPointer(user.get_data_handle()).capacity(nchw.length).put(nchw);
		new reorder(user, m).execute(s, user, m);
		s._wait();
		return m;
	}

	private static int[] bits(memory m) {
		FloatPointer p = new FloatPointer(m.get_data_handle()).capacity(m.get_desc().get_size() / 4);
		int[] out = new int[(int) p.capacity()];
		for (int i = 0; i < out.length; i++) out[i] = Float.floatToRawIntBits(p.get(i));
		return out;
	}
}
