package org.convkit.core.cnn.net;

import org.bytedeco.dnnl.convolution_backward_weights;
import org.bytedeco.dnnl.convolution_forward;
import org.bytedeco.dnnl.memory;
import org.bytedeco.dnnl.reorder;
import org.bytedeco.dnnl.stream;
import org.bytedeco.javacpp.FloatPointer;
import org.convkit.core.cnn.spec.NetworkSpec;
import org.junit.Test;
import org.nd4j.linalg.dataset.DataSet;

import java.util.Random;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertNull;

/**
 * {@link OneChannelWeightGradient} against the gradient summed in double precision by hand, for every error layout it
 * reads, kernels with and without padding, strides, non-square images, channel counts that leave the last block
 * padded (the padding filled with NaN: no gradient may read it), and images smaller than the kernel's reach; the
 * layouts and inputs it leaves to oneDNN; where the block takes it.
 */
public class OneChannelWeightGradientTest {
	private final Dnnl dnnl = Dnnl.get();

	@Test
	public void smallVggsFirstLayerInBlocksOfEight() {
		check(geometry(5, 16, 16, 32, 3, 3, 1, 1, 1, 1), memory.format_tag.aBcd8b);
	}

	@Test
	public void channelsThatLeaveTheLastBlockPadded() {
		check(geometry(3, 28, 28, 20, 5, 5, 1, 1, 0, 0), memory.format_tag.aBcd8b); // LeNet's: 20 of 24
		check(geometry(2, 12, 10, 20, 3, 3, 1, 1, 1, 1), memory.format_tag.aBcd16b); // 20 of 32
	}

	@Test
	public void channelsLastWithStridesAndAnOblongKernel() {
		check(geometry(4, 22, 18, 6, 5, 3, 2, 2, 0, 0), memory.format_tag.nhwc);
		check(geometry(2, 9, 7, 3, 3, 3, 2, 1, 1, 1), memory.format_tag.nhwc);
	}

	@Test
	public void plainLayoutAndImagesSmallerThanTheKernelsReach() {
		check(geometry(2, 1, 1, 4, 3, 3, 1, 1, 1, 1), memory.format_tag.nchw); // every tap but the centre on padding
		check(geometry(3, 3, 4, 5, 5, 5, 1, 1, 2, 2), memory.format_tag.aBcd8b);
		check(geometry(1, 8, 8, 8, 3, 3, 1, 1, 1, 1), memory.format_tag.nchw);
	}

	@Test
	public void leavesOtherInputsAndLayoutsToOneDnn() {
		FusedBlockShape.Geometry g = geometry(2, 8, 8, 16, 3, 3, 1, 1, 1, 1);
		PlanMemory d = new PlanMemory(dnnl.engine, new stream(dnnl.engine));
		memory.desc src = Dnnl.desc(new long[] { 2, 1, 8, 8 }, memory.format_tag.nchw);
		assertNotNull(OneChannelWeightGradient.of(d, g, src, errorDesc(g, memory.format_tag.aBcd8b)));
		assertNull("two input channels", OneChannelWeightGradient.of(d, new FusedBlockShape.Geometry(2, 2, 8, 8, 16, 8,
				8, 3, 3, 1, 1, 1, 1), Dnnl.desc(new long[] { 2, 2, 8, 8 }, memory.format_tag.nchw),
				errorDesc(g, memory.format_tag.aBcd8b)));
		assertNull("an error in blocks of four", OneChannelWeightGradient.of(d, g, src,
				errorDesc(g, memory.format_tag.aBcd4b)));
		assertNull("an input in blocks", OneChannelWeightGradient.of(d, g,
				Dnnl.desc(new long[] { 2, 1, 8, 8 }, memory.format_tag.aBcd8b), errorDesc(g, memory.format_tag.aBcd8b)));
	}

	/**
	 * In the block, Small VGG's one-channel first layer takes the product exactly where oneDNN's own weight gradient in
	 * its blocked layout is its reference kernel (with AVX2 only: CI's narrowed pass; with AVX-512 oneDNN's kernel
	 * stays), and the first step's weight gradient agrees with that of the path it replaced (the error reordered to
	 * NCHW for oneDNN's im2col kernel) within float rounding; the other layers' gradients are the same, bit for bit.
	 */
	@Test
	public void theBlockTakesItWhereOneDnnHasOnlyItsReferenceKernel() {
		String vgg = NetworkSpec.SMALL_VGG_SPEC.replace("; dropout 0.5", "");
		TrainableNetwork a = NetworkBuilder.network(NetworkSpec.parse(vgg), 16, 16, 1, 5, TrainingSettings.DEFAULTS),
				b = NetworkBuilder.network(NetworkSpec.parse(vgg), 16, 16, 1, 5, TrainingSettings.DEFAULTS);
		FastTraining fa = FastTraining.on(a), fb = FastTraining.on(b);
		String was = System.getProperty(FusedLayers.PRODUCT_PROPERTY);
		try {
			DataSet batch = RandomBatch.of(11, 8, 1, 16, 16, 5);
			System.clearProperty(FusedLayers.PRODUCT_PROPERTY);
			a.fit(batch);
			System.setProperty(FusedLayers.PRODUCT_PROPERTY, " FALSE ");
			b.fit(batch);
			FusedConvStack withProduct = ((FusedLayers.Convolution) a.getLayers()[0]).stack(),
					without = ((FusedLayers.Convolution) b.getLayers()[0]).stack();
			assertEquals("steps through the blocks", 2, withProduct.steps + without.steps);
			assertEquals("the product where oneDNN's own kernel is its reference", oneDnnsOwnIsItsReference(),
					withProduct.oneChannelProduct());
			assertFalse("the product switched off", without.oneChannelProduct());
			float[] ga = NdArrays.floats(a.getGradientsViewArray(), null),
					gb = NdArrays.floats(b.getGradientsViewArray(), null);
			int firstWeights = (int) a.getLayer(0).conf().getLayer().initializer().numParams(a.getLayer(0).conf());
			float largest = 0;
			for (int i = 0; i < firstWeights; i++)
				largest = Math.max(largest, Math.abs(gb[i]));
			// 8 images of 16×16 pixels: sums of 2,048 float products in two orders
			for (int i = 0; i < ga.length; i++)
				assertEquals("gradient " + i, gb[i], ga[i], i < firstWeights ? 1e-5f * largest : 0f);
		} finally {
			SystemPropertyRule.restore(FusedLayers.PRODUCT_PROPERTY, was);
			fa.off();
			fb.off();
		}
	}

	/** Whether oneDNN, asked as the block asks, gives a one-channel first layer's weight gradient its reference kernel. */
	private boolean oneDnnsOwnIsItsReference() {
		long[] src = { 8, 1, 16, 16 }, dst = { 8, 32, 16, 16 }, w = { 32, 1, 3, 3 }, one = { 1, 1 };
		memory.desc weights = Dnnl.desc(w, memory.format_tag.any), bias = Dnnl.desc(new long[] { 32 },
				memory.format_tag.x);
		convolution_forward.primitive_desc fpd = new convolution_forward.primitive_desc(new convolution_forward.desc(
				org.bytedeco.dnnl.global.dnnl.prop_kind.forward_training,
				org.bytedeco.dnnl.global.dnnl.algorithm.convolution_direct, Dnnl.desc(src, memory.format_tag.any),
				weights, bias, Dnnl.desc(dst, memory.format_tag.any), one, one, one), dnnl.engine);
		return FusedStage.reference(new convolution_backward_weights.primitive_desc(
				new convolution_backward_weights.desc(org.bytedeco.dnnl.global.dnnl.algorithm.convolution_direct,
						fpd.src_desc(), weights, bias, fpd.dst_desc(), one, one, one), dnnl.engine, fpd));
	}

	/** A one-channel layer's geometry, its output size as DL4J's truncation gives it. */
	private static FusedBlockShape.Geometry geometry(int batch, int h, int w, int out, int kh, int kw, int sh, int sw,
			int padTop, int padLeft) {
		int outH = (h + 2 * padTop - kh) / sh + 1, outW = (w + 2 * padLeft - kw) / sw + 1;
		return new FusedBlockShape.Geometry(batch, 1, h, w, out, outH, outW, kh, kw, sh, sw, padTop, padLeft);
	}

	private static memory.desc errorDesc(FusedBlockShape.Geometry g, memory.format_tag layout) {
		return Dnnl.desc(new long[] { g.batch, g.out, g.outH, g.outW }, layout);
	}

	/** Random input and error (the error reordered from NCHW into {@code layout}), the product's gradients, the sums. */
	private void check(FusedBlockShape.Geometry g, memory.format_tag layout) {
		int batch = (int) g.batch, out = (int) g.out, inH = (int) g.inH, inW = (int) g.inW, outH = (int) g.outH,
				outW = (int) g.outW, kh = (int) g.kh, kw = (int) g.kw;
		String what = layout + " " + g.batch + "×" + inH + "×" + inW + " → " + out + "×" + outH + "×" + outW
				+ ", kernel " + kh + "×" + kw + ", stride " + g.sh + "×" + g.sw + ", padding " + g.padTop + ","
				+ g.padLeft;
		Random r = new Random(out * 31 + inH);
		float[] in = new float[batch * inH * inW], err = new float[batch * out * outH * outW];
		for (int i = 0; i < in.length; i++)
			in[i] = r.nextFloat() * 2 - 1;
		for (int i = 0; i < err.length; i++)
			err[i] = r.nextFloat() * 2 - 1;
		stream s = new stream(dnnl.engine);
		PlanMemory d = new PlanMemory(dnnl.engine, s);
		memory.desc srcDesc = Dnnl.desc(new long[] { batch, 1, inH, inW }, memory.format_tag.nchw);
		memory src = TestMemories.filled(dnnl, srcDesc, in);
		memory plainError = TestMemories.filled(dnnl, errorDesc(g, memory.format_tag.nchw), err);
		memory error = new memory(errorDesc(g, layout), dnnl.engine);
		new reorder(plainError, error).execute(s, plainError, error);
		s._wait();
		poisonPadding(error, g, layout);
		OneChannelWeightGradient product = OneChannelWeightGradient.of(d, g, srcDesc, errorDesc(g, layout));
		assertNotNull(what, product);
		d.bind(new PlanMemory.Buffers(dnnl.engine));
		memory weightGrad = new memory(Dnnl.desc(new long[] { out, 1, kh, kw }, memory.format_tag.oihw), dnnl.engine);
		memory biasGrad = new memory(Dnnl.desc(new long[] { out }, memory.format_tag.x), dnnl.engine);
		for (int run = 0; run < 2; run++) { // twice: the second run reuses the first's arrays
			product.run(d, src, error, weightGrad, biasGrad);
			float[] w = TestMemories.floats(weightGrad, out * kh * kw), b = TestMemories.floats(biasGrad, out);
			for (int c = 0; c < out; c++) {
				for (int ky = 0; ky < kh; ky++)
					for (int kx = 0; kx < kw; kx++)
						assertClose(what + ", weight " + c + "," + ky + "," + kx, expected(g, in, err, c, ky, kx),
								w[(c * kh + ky) * kw + kx]);
				assertClose(what + ", bias " + c, expected(g, in, err, c, -1, -1), b[c]);
			}
		}
	}

	/**
	 * The gradient of weight (c, ky, kx), or of bias c when ky < 0, in double precision: {@code [0]} the sum,
	 * {@code [1]} the sum of the terms' magnitudes.
	 */
	private static double[] expected(FusedBlockShape.Geometry g, float[] in, float[] err, int c, int ky, int kx) {
		double sum = 0, magnitude = 0;
		for (int n = 0; n < g.batch; n++)
			for (int oy = 0; oy < g.outH; oy++)
				for (int ox = 0; ox < g.outW; ox++) {
					double e = err[(int) (((n * g.out + c) * g.outH + oy) * g.outW + ox)], x = 1;
					if (ky >= 0) {
						long iy = oy * g.sh - g.padTop + ky, ix = ox * g.sw - g.padLeft + kx;
						x = iy < 0 || iy >= g.inH || ix < 0 || ix >= g.inW ? 0 : in[(int) ((n * g.inH + iy) * g.inW + ix)];
					}
					sum += e * x;
					magnitude += Math.abs(e * x);
				}
		return new double[] { sum, magnitude };
	}

	/**
	 * Float products summed in another order than the double sum (oneDNN's product in blocks, then over the images):
	 * each partial sum rounds to within 2^-24 of itself, and there are at most a few thousand of them, so 1e-5 of the
	 * terms' magnitudes holds with a wide margin; 1e-6 absolute for sums of a few tiny terms.
	 */
	private static void assertClose(String what, double[] expected, float actual) {
		assertEquals(what, expected[0], actual, 1e-5 * expected[1] + 1e-6);
	}

	/** NaN in the padded channels of the last block (oneDNN writes zeros there; a gradient must not read them). */
	private static void poisonPadding(memory error, FusedBlockShape.Geometry g, memory.format_tag layout) {
		int block = layout == memory.format_tag.aBcd8b ? 8 : layout == memory.format_tag.aBcd16b ? 16 : 0;
		if (block == 0 || g.out % block == 0) return;
		long blocks = (g.out + block - 1) / block, pixels = g.outH * g.outW;
		FloatPointer f = new FloatPointer(error.get_data_handle()).capacity(g.batch * blocks * pixels * block);
		for (long n = 0; n < g.batch; n++)
			for (long p = 0; p < pixels; p++)
				for (long c = g.out % block; c < block; c++)
					f.put(((n * blocks + blocks - 1) * pixels + p) * block + c, Float.NaN);
	}
}
