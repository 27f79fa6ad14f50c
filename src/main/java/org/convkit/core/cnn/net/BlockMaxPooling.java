package org.convkit.core.cnn.net;

import org.bytedeco.dnnl.memory;
import org.bytedeco.javacpp.IntPointer;
import org.convkit.core.cnn.runtime.ComputeThreads;
import org.convkit.core.cnn.runtime.CpuFeatures;

import java.lang.ref.Reference;
import java.nio.IntBuffer;
import java.util.Locale;
import java.util.concurrent.atomic.LongAdder;
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
 * −{@link Float#MAX_VALUE} at index 0). Planes of ReLU outputs (0.0 and above, no NaN: the presets' case) take
 * integer operations without a branch on the data (the maxima of ReLU outputs are unpredictable); a plane with any
 * other value takes the exact comparisons. The forward pass keeps each maximum's index in its window; the backward
 * pass writes the error there and 0 elsewhere. Where ReLU's backprop folds into the pooling ({@link FusedStage.Pool}),
 * a maximum that is not above 0 keeps no index, so its error becomes 0: oneDNN's {@code eltwise_relu_use_dst_for_bwd}
 * on the pooled output.
 * <p>
 * The switch {@value #PROPERTY}: {@code java} or {@code oneDNN} (any case) forces either where this class applies;
 * anything else is the automatic choice ({@link #wanted}).
 */
final class BlockMaxPooling {
	static final String PROPERTY = "convkit.blockPooling";
	private static final int LOWEST = Float.floatToRawIntBits(-Float.MAX_VALUE);
	private static final int POSITIVE_INFINITY = Float.floatToRawIntBits(Float.POSITIVE_INFINITY);

	/** Images × channel blocks; the values of one channel block of one image; the channels per pixel in a block. */
	private final int planes, inPlane, outPlane, lanes;
	private final int inW, outH, outW, kh, kw;
	private final long inValues, outValues;
	private final boolean reluBackprop;
	/** Per output value (padded channels too): its maximum's place in its window, row by row; -1: error 0. */
	private final byte[] argMax;
	private boolean exactOnly;
	/** Planes pooled forward on the integer path since this object was made (for the tests). */
	private final LongAdder integerPlanes = new LongAdder();

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
		IntBuffer in = bits(src, inValues), out = bits(dst, outValues);
		inParallel((from, to) -> forward(in, out, from, to));
	}

	/** Writes the error with respect to the input, {@code diffSrc}, from the error of the output, {@code diffDst}. */
	void backward(memory diffDst, memory diffSrc) {
		IntBuffer e = bits(diffDst, outValues), out = bits(diffSrc, inValues);
		inParallel((from, to) -> backward(e, out, from, to));
	}

	/** This pooling with every plane on the exact loop, for the tests and the bench lever. */
	BlockMaxPooling exactOnly() {
		exactOnly = true;
		return this;
	}

	long integerPlanes() {
		return integerPlanes.sum();
	}

	/** The planes (images × channel blocks) of one call. */
	int planes() {
		return planes;
	}

	private void forward(IntBuffer in, IntBuffer out, int fromPlane, int toPlane) {
		if (kh != 2 || kw != 2) {
			for (int p = fromPlane; p < toPlane; p++) forwardExact(in, out, p);
			return;
		}
		// this part's rows, and buffers of its own to read and write them at a position
		int[] two = new int[2 * inW * lanes], pooled = new int[outW * lanes];
		IntBuffer from = in.duplicate(), to = out.duplicate();
		for (int p = fromPlane; p < toPlane; p++)
			if (!exactOnly && forward2x2OfReluOutputs(from, to, p, two, pooled)) integerPlanes.increment();
			else forward2x2Exact(in, out, p);
	}

	/** One plane (image and channel block), any window: the comparisons as oneDNN makes them. */
	private void forwardExact(IntBuffer in, IntBuffer out, int p) {
		for (int oh = 0; oh < outH; oh++)
			for (int ow = 0; ow < outW; ow++) {
				int window = p * inPlane + (oh * kh * inW + ow * kw) * lanes;
				int o = p * outPlane + (oh * outW + ow) * lanes;
				for (int l = 0; l < lanes; l++) {
					int max = LOWEST, at = 0, k = 0;
					for (int y = 0; y < kh; y++)
						for (int x = 0; x < kw; x++, k++) {
							int v = in.get(window + (y * inW + x) * lanes + l);
							int greater = Float.intBitsToFloat(max) < Float.intBitsToFloat(v) ? -1 : 0;
							max = v & greater | max & ~greater;
							at = k & greater | at & ~greater;
						}
					out.put(o + l, max);
					argMax[o + l] = (byte) (reluBackprop && !(Float.intBitsToFloat(max) > 0) ? -1 : at);
				}
			}
	}

	/** {@link #forwardExact} for windows of 2×2 (every pooling of the presets), written out: 1.5–3× as fast. */
	private void forward2x2Exact(IntBuffer in, IntBuffer out, int p) {
		int row = inW * lanes;
		for (int oh = 0; oh < outH; oh++)
			for (int ow = 0; ow < outW; ow++) {
				int a = p * inPlane + (oh * 2 * inW + ow * 2) * lanes, o = p * outPlane + (oh * outW + ow) * lanes;
				for (int l = 0; l < lanes; l++) {
					float va = Float.intBitsToFloat(in.get(a + l)), vb = Float.intBitsToFloat(in.get(a + lanes + l)),
							vc = Float.intBitsToFloat(in.get(a + row + l)),
							vd = Float.intBitsToFloat(in.get(a + row + lanes + l));
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
					out.put(o + l, max);
					argMax[o + l] = (byte) (reluBackprop && !(Float.intBitsToFloat(max) > 0) ? -1 : at);
				}
			}
	}

	/**
	 * One plane of 2×2 windows whose values are all 0.0 or above and none NaN, as a ReLU gives them (every pooling
	 * of the presets follows a ReLU convolution): there a float's bits order as the float does and equal bits are
	 * equal floats, so the maximum is an integer maximum and its place the first value equal to it, all without a
	 * branch on the data. The exact loop's comparisons compile to branches that such data mispredicts (2.5× the time
	 * of the same loop on constant values). False where the plane holds another value (its sign bit set: negative,
	 * −0.0, a negative NaN; or above +∞'s bits: a NaN), for the exact loop to do the plane again. The same test as
	 * {@link MaxPoolingLayer}'s per window, here per plane: no branch inside the loop at all. {@code from} and
	 * {@code to} are the calling part's own views of the memories, {@code two} and {@code pooled} its row arrays.
	 */
	private boolean forward2x2OfReluOutputs(IntBuffer from, IntBuffer to, int p, int[] two, int[] pooled) {
		int row = inW * lanes, outRow = outW * lanes, notAbove0 = reluBackprop ? -1 : 0, other = 0;
		for (int oh = 0; oh < outH; oh++) {
			from.position(p * inPlane + oh * 2 * row);
			from.get(two); // the window row's two input rows lie one after the other
			int at0 = p * outPlane + oh * outRow;
			for (int ow = 0; ow < outW; ow++) {
				int a = ow * 2 * lanes, o = ow * lanes;
				for (int l = 0; l < lanes; l++) {
					int va = two[a + l], vb = two[a + lanes + l], vc = two[a + row + l], vd = two[a + row + lanes + l];
					int max = Math.max(Math.max(va, vb), Math.max(vc, vd));
					other |= va | vb | vc | vd | POSITIVE_INFINITY - max;
					int notA = differs(va, max), notAorB = notA & differs(vb, max);
					pooled[o + l] = max;
					argMax[at0 + o + l] = (byte) (notA + notAorB + (notAorB & differs(vc, max))
							| max - 1 >> 31 & notAbove0);
				}
			}
			to.position(at0);
			to.put(pooled);
		}
		return other >= 0;
	}

	/** 1 where {@code x != y}, 0 where equal, without a branch. */
	private static int differs(int x, int y) {
		int d = x ^ y;
		return (d | -d) >>> 31;
	}

	private void backward(IntBuffer e, IntBuffer out, int fromPlane, int toPlane) {
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
						int error = e.get(o + l), at = argMax[o + l], k = 0;
						for (int y = 0; y < kh; y++)
							for (int x = 0; x < kw; x++, k++)
								out.put(window + (y * inW + x) * lanes + l, error & same(at, k));
					}
				}
	}

	/**
	 * The backward pass for windows of 2×2, written out, the error's place chosen without a branch on the data; a
	 * window row's two input rows (one after the other in the block's layouts) built in an array and written at once.
	 */
	private void backward2x2(IntBuffer e, IntBuffer out, int fromPlane, int toPlane) {
		int row = inW * lanes, outRow = outW * lanes;
		int[] errors = new int[outRow], two = new int[2 * row];
		IntBuffer from = e.duplicate(), to = out.duplicate();
		for (int p = fromPlane; p < toPlane; p++)
			for (int oh = 0; oh < outH; oh++) {
				int at0 = p * outPlane + oh * outRow;
				from.position(at0);
				from.get(errors);
				for (int ow = 0; ow < outW; ow++) {
					int a = ow * 2 * lanes, o = ow * lanes;
					for (int l = 0; l < lanes; l++) {
						int error = errors[o + l], at = argMax[at0 + o + l];
						two[a + l] = error & same(at, 0);
						two[a + lanes + l] = error & same(at, 1);
						two[a + row + l] = error & same(at, 2);
						two[a + row + lanes + l] = error & same(at, 3);
					}
				}
				to.position(p * inPlane + oh * 2 * row);
				to.put(two);
			}
	}

	/** −1 (all bits) where the kept place {@code at} (−1 for none) is {@code k}, else 0, without a branch. */
	private static int same(int at, int k) {
		int d = at ^ k;
		return (d - 1 & ~d) >> 31;
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

	/** The memory's floats as their bits (native order). */
	private static IntBuffer bits(memory m, long count) {
		return new IntPointer(m.get_data_handle()).capacity(count).asBuffer();
	}
}
