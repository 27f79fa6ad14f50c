package org.convkit.core.cnn.net;

import org.bytedeco.dnnl.memory;
import org.bytedeco.javacpp.FloatPointer;
import org.convkit.core.cnn.runtime.ComputeThreads;
import org.convkit.core.cnn.runtime.CpuFeatures;

import java.lang.ref.Reference;
import java.nio.FloatBuffer;
import java.util.Locale;
import java.util.stream.IntStream;

import static org.bytedeco.dnnl.global.dnnl.dnnl_memory_desc_equal;

/**
 * A fused block's max pooling for training, in Java, on the block's own memories: where oneDNN 2.5's AVX2 kernels
 * run on an Intel processor, its pooling for training took 5–10 times as long as its AVX-512 kernels for the same
 * job (Small VGG 64×64's first pooling: 32 ms forward and 21 backward of a 611 ms narrowed step; LeNet's two
 * poolings: 20 ms of a 41 ms step; on an AMD EPYC the same kernels took about 1 ms for all of LeNet's pooling).
 * Windows that tile the input exactly (kernel = stride, no padding), in the block's layouts that keep each pixel's
 * channels together: channels last, or oneDNN's blocks of 8 or 16 channels (padded channels are pooled too: they
 * hold zeros).
 * <p>
 * The values are oneDNN's, bit for bit: a window's maximum replaces the running one only where it is strictly
 * greater (the first of equal values wins, −0.0 before 0.0 keeps −0.0, NaN never wins, a window of NaN and −∞ gives
 * −{@link Float#MAX_VALUE} at index 0), computed without branches on the data (the maxima of ReLU outputs are
 * unpredictable). The forward pass keeps each maximum's index in its window; the backward pass writes the error
 * there and 0 elsewhere. Where ReLU's backprop folds into the pooling ({@link FusedStage.Pool}), a maximum that is not
 * above 0 keeps no index, so its error becomes 0: oneDNN's {@code eltwise_relu_use_dst_for_bwd} on the pooled output.
 * <p>
 * The switch {@value #PROPERTY}: {@code java} or {@code oneDNN} (any case) forces either where this class applies;
 * anything else is the automatic choice ({@link #wanted}).
 */
final class BlockMaxPooling {
	static final String PROPERTY = "convkit.blockPooling";
	private static final int LOWEST = Float.floatToRawIntBits(-Float.MAX_VALUE);

	/** Images × channel blocks; the values of one channel block of one image; the channels per pixel in a block. */
	private final int planes, inPlane, outPlane, lanes;
	private final int inW, outH, outW, kh, kw;
	private final long inValues, outValues;
	private final boolean reluBackprop;
	/** Per output value (padded channels too): its maximum's place in its window, row by row; -1: error 0. */
	private final byte[] argMax;

	private BlockMaxPooling(int planes, int lanes, int inH, int inW, int outH, int outW, int kh, int kw,
			boolean reluBackprop) {
		this.planes = planes;
		this.lanes = lanes;
		this.inW = inW;
		this.outH = outH;
		this.outW = outW;
		this.kh = kh;
		this.kw = kw;
		this.reluBackprop = reluBackprop;
		inPlane = inH * inW * lanes;
		outPlane = outH * outW * lanes;
		inValues = (long) planes * inPlane;
		outValues = (long) planes * outPlane;
		argMax = new byte[(int) outValues];
	}

	/**
	 * Whether max pooling whose oneDNN training kernel is {@code implementation} (e.g. "jit:avx2") should run here:
	 * forced by {@value #PROPERTY}, else on Intel processors where that kernel is not one of AVX-512's. oneDNN 2.5's
	 * pooling kernels run legacy-SSE {@code movq} inside their loops, which an Intel core in the dirty-upper state
	 * charges for (~230 ticks each on an Intel Xeon, 3–11× the time of AVX-512's kernels, which run fewer of them;
	 * docs/benchmarks.md); on AMD's cores oneDNN's AVX2 kernels were fast and stay.
	 */
	static boolean wanted(String implementation) {
		String forced = System.getProperty(PROPERTY, "").trim().toLowerCase(Locale.ROOT);
		if (forced.equals("java")) return true;
		if (forced.equals("onednn")) return false;
		return CpuFeatures.intel() && !implementation.contains("avx512");
	}

	/**
	 * The pooling of geometry {@code g} from {@code src} (layout {@code srcDesc}) to {@code dst}, or null where this
	 * class does not apply: windows that overlap, leave gaps or leave part of the input out, padding, windows of more
	 * than 127 values, other layouts, or more values than a Java array holds.
	 */
	static BlockMaxPooling of(FusedBlockShape.Geometry g, memory.desc srcDesc, memory.desc dstDesc,
			boolean reluBackprop) {
		if (g.kh != g.sh || g.kw != g.sw || g.padTop != 0 || g.padLeft != 0 || g.inH != g.outH * g.kh
				|| g.inW != g.outW * g.kw || g.kh * g.kw > Byte.MAX_VALUE)
			return null;
		long lanes = sameLayout(g, srcDesc, dstDesc, memory.format_tag.nhwc) ? g.out
				: sameLayout(g, srcDesc, dstDesc, memory.format_tag.nChw8c) ? 8
						: sameLayout(g, srcDesc, dstDesc, memory.format_tag.nChw16c) ? 16 : 0;
		if (lanes == 0) return null;
		long planes = g.batch * ((g.out + lanes - 1) / lanes);
		if (planes * g.inH * g.inW * lanes > Integer.MAX_VALUE) return null;
		return new BlockMaxPooling((int) planes, (int) lanes, (int) g.inH, (int) g.inW, (int) g.outH, (int) g.outW,
				(int) g.kh, (int) g.kw, reluBackprop);
	}

	private static boolean sameLayout(FusedBlockShape.Geometry g, memory.desc src, memory.desc dst,
			memory.format_tag tag) {
		memory.desc s = Dnnl.desc(new long[] { g.batch, g.out, g.inH, g.inW }, tag),
				d = Dnnl.desc(new long[] { g.batch, g.out, g.outH, g.outW }, tag);
		boolean same = dnnl_memory_desc_equal(src.data(), s.data()) != 0
				&& dnnl_memory_desc_equal(dst.data(), d.data()) != 0;
		// data() points into s and d: JavaCPP frees their native part once they are unreachable, so not before here
		Reference.reachabilityFence(s);
		Reference.reachabilityFence(d);
		Reference.reachabilityFence(src);
		Reference.reachabilityFence(dst);
		return same;
	}

	/** Pools {@code src} into {@code dst} and keeps each maximum's place for {@link #backward}. */
	void forward(memory src, memory dst) {
		FloatBuffer in = floats(src, inValues), out = floats(dst, outValues);
		inParallel((from, to) -> forward(in, out, from, to));
	}

	/** Writes the error with respect to the input, {@code diffSrc}, from the error of the output, {@code diffDst}. */
	void backward(memory diffDst, memory diffSrc) {
		FloatBuffer e = floats(diffDst, outValues), out = floats(diffSrc, inValues);
		inParallel((from, to) -> backward(e, out, from, to));
	}

	private void forward(FloatBuffer in, FloatBuffer out, int fromPlane, int toPlane) {
		if (kh == 2 && kw == 2) {
			forward2x2(in, out, fromPlane, toPlane);
			return;
		}
		for (int p = fromPlane; p < toPlane; p++)
			for (int oh = 0; oh < outH; oh++)
				for (int ow = 0; ow < outW; ow++) {
					int window = p * inPlane + (oh * kh * inW + ow * kw) * lanes;
					int o = p * outPlane + (oh * outW + ow) * lanes;
					for (int l = 0; l < lanes; l++) {
						int max = LOWEST, at = 0, k = 0;
						for (int y = 0; y < kh; y++)
							for (int x = 0; x < kw; x++, k++) {
								float v = in.get(window + (y * inW + x) * lanes + l);
								int greater = Float.intBitsToFloat(max) < v ? -1 : 0; // a mask, not a branch
								max = Float.floatToRawIntBits(v) & greater | max & ~greater;
								at = k & greater | at & ~greater;
							}
						out.put(o + l, Float.intBitsToFloat(max));
						argMax[o + l] = (byte) (reluBackprop && !(Float.intBitsToFloat(max) > 0) ? -1 : at);
					}
				}
	}

	private void backward(FloatBuffer e, FloatBuffer out, int fromPlane, int toPlane) {
		if (kh == 2 && kw == 2) {
			backward2x2(e, out, fromPlane, toPlane);
			return;
		}
		for (int p = fromPlane; p < toPlane; p++)
			for (int oh = 0; oh < outH; oh++)
				for (int ow = 0; ow < outW; ow++) {
					int window = p * inPlane + (oh * kh * inW + ow * kw) * lanes;
					int o = p * outPlane + (oh * outW + ow) * lanes;
					for (int l = 0; l < lanes; l++) {
						int error = Float.floatToRawIntBits(e.get(o + l)), at = argMax[o + l], k = 0;
						for (int y = 0; y < kh; y++)
							for (int x = 0; x < kw; x++, k++)
								out.put(window + (y * inW + x) * lanes + l, Float.intBitsToFloat(k == at ? error : 0));
					}
				}
	}

	/**
	 * {@link #forward(FloatBuffer, FloatBuffer, int, int)} for windows of 2×2 (every pooling of the presets), written
	 * out: the general loops took 1.5–3 times as long.
	 */
	private void forward2x2(FloatBuffer in, FloatBuffer out, int fromPlane, int toPlane) {
		int row = inW * lanes;
		for (int p = fromPlane; p < toPlane; p++)
			for (int oh = 0; oh < outH; oh++)
				for (int ow = 0; ow < outW; ow++) {
					int a = p * inPlane + (oh * 2 * inW + ow * 2) * lanes, o = p * outPlane + (oh * outW + ow) * lanes;
					for (int l = 0; l < lanes; l++) {
						float va = in.get(a + l), vb = in.get(a + lanes + l), vc = in.get(a + row + l),
								vd = in.get(a + row + lanes + l);
						int greater = -Float.MAX_VALUE < va ? -1 : 0;
						int max = Float.floatToRawIntBits(va) & greater | LOWEST & ~greater;
						greater = Float.intBitsToFloat(max) < vb ? -1 : 0;
						max = Float.floatToRawIntBits(vb) & greater | max & ~greater;
						int at = 1 & greater;
						greater = Float.intBitsToFloat(max) < vc ? -1 : 0;
						max = Float.floatToRawIntBits(vc) & greater | max & ~greater;
						at = 2 & greater | at & ~greater;
						greater = Float.intBitsToFloat(max) < vd ? -1 : 0;
						max = Float.floatToRawIntBits(vd) & greater | max & ~greater;
						at = 3 & greater | at & ~greater;
						out.put(o + l, Float.intBitsToFloat(max));
						argMax[o + l] = (byte) (reluBackprop && !(Float.intBitsToFloat(max) > 0) ? -1 : at);
					}
				}
	}

	private void backward2x2(FloatBuffer e, FloatBuffer out, int fromPlane, int toPlane) {
		int row = inW * lanes;
		for (int p = fromPlane; p < toPlane; p++)
			for (int oh = 0; oh < outH; oh++)
				for (int ow = 0; ow < outW; ow++) {
					int a = p * inPlane + (oh * 2 * inW + ow * 2) * lanes, o = p * outPlane + (oh * outW + ow) * lanes;
					for (int l = 0; l < lanes; l++) {
						int error = Float.floatToRawIntBits(e.get(o + l)), at = argMax[o + l];
						out.put(a + l, Float.intBitsToFloat(at == 0 ? error : 0));
						out.put(a + lanes + l, Float.intBitsToFloat(at == 1 ? error : 0));
						out.put(a + row + l, Float.intBitsToFloat(at == 2 ? error : 0));
						out.put(a + row + lanes + l, Float.intBitsToFloat(at == 3 ? error : 0));
					}
				}
	}

	/** Runs {@code part} over the planes in as many pieces as the calling thread's compute thread count. */
	private void inParallel(Part part) {
		int threads = Math.max(1, Math.min(planes, ComputeThreads.current()));
		if (threads == 1) {
			part.run(0, planes);
			return;
		}
		IntStream.range(0, threads).parallel()
				.forEach(t -> part.run((int) ((long) planes * t / threads), (int) ((long) planes * (t + 1) / threads)));
	}

	private interface Part {
		void run(int fromPlane, int toPlane);
	}

	private static FloatBuffer floats(memory m, long count) {
		return new FloatPointer(m.get_data_handle()).capacity(count).asBuffer();
	}
}
