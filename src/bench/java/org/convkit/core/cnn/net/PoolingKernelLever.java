package org.convkit.core.cnn.net;

import org.bytedeco.dnnl.memory;
import org.bytedeco.dnnl.pooling_backward;
import org.bytedeco.dnnl.pooling_forward;
import org.bytedeco.dnnl.stream;
import org.bytedeco.javacpp.FloatPointer;
import org.convkit.bench.RuntimeBenchmark;
import org.convkit.core.cnn.runtime.ComputeThreads;
import org.convkit.core.cnn.runtime.CpuFeatures;

import java.util.Locale;
import java.util.Random;

import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DIFF_DST;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DIFF_SRC;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DST;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_SRC;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_WORKSPACE;
import static org.bytedeco.dnnl.global.dnnl.algorithm;
import static org.bytedeco.dnnl.global.dnnl.prop_kind;

/**
 * The presets' max poolings (2×2, batch 64) on their own, ms per call in interleaved rounds in one JVM (medians of
 * the rounds after one warm-up): oneDNN's training kernel (forward with its workspace, then backward), ConvKit's Java
 * pooling on the same memories ({@link BlockMaxPooling}, forward then backward), oneDNN's inference kernel (forward
 * only, no workspace), Java's forward pass alone (it keeps the maxima's places, as for training) and Java's forward
 * and backward with every plane on the exact loop ({@link BlockMaxPooling#exactOnly}, all planes before the integer
 * path for ReLU outputs). Java's with ReLU's backprop folded in, as the block trains the presets. Layouts as the
 * fused block has them: channels last for LeNet, blocks of 16 channels with AVX-512 and of 8 without for Small VGG.
 * Inputs are ReLU outputs (half of them 0). Threads: the {@code OMP_NUM_THREADS} the bench runs with. Run
 * {@code ./convkit --bench ROUNDS pooling-kernels}, and narrowed to AVX2 (src/bench/run-all.sh's variables): on an
 * Intel core oneDNN 2.5's AVX2 pooling pays for legacy SSE instructions inside its loops (src/bench/sse-avx-mix.sh,
 * src/bench/onednn-jit-scan.sh). In this package for {@link BlockMaxPooling} and {@link Dnnl}.
 */
public final class PoolingKernelLever {
	private static final int BATCH = 64;

	private PoolingKernelLever() {
	}

	public static void run(int rounds) {
		Dnnl d = Dnnl.get();
		if (d == null) {
			System.out.println("oneDNN did not load: no pooling kernels to compare");
			return;
		}
		boolean avx512 = CpuFeatures.level() == CpuFeatures.Level.AVX512;
		System.out.printf(Locale.ROOT, "%nPooling kernels: ms per call (2×2 max pooling, batch %d), medians of %d "
				+ "interleaved rounds after 1 warm-up; %d thread(s); ONEDNN_MAX_CPU_ISA=%s; %s%n", BATCH, rounds,
				ComputeThreads.current(), System.getenv("ONEDNN_MAX_CPU_ISA"),
				org.convkit.bench.CnnBenchmark.machine());
		System.out.println("| pooling | layout | oneDNN's kernel | oneDNN training fwd + bwd | Java fwd + bwd | "
				+ "oneDNN / Java | oneDNN inference fwd | Java fwd (with the maxima's places) | Java fwd + bwd, "
				+ "exact loop only | exact / Java |");
		System.out.println("|---|---|---|---:|---:|---:|---:|---:|---:|---:|");
		memory.format_tag blocks = avx512 ? memory.format_tag.nChw16c : memory.format_tag.nChw8c;
		String blocked = avx512 ? "blocks of 16" : "blocks of 8";
		pooling(d, rounds, "LeNet 1st: 20 × 24×24", 20, 24, memory.format_tag.nhwc, "channels last");
		pooling(d, rounds, "LeNet 2nd: 50 × 8×8", 50, 8, memory.format_tag.nhwc, "channels last");
		pooling(d, rounds, "Small VGG 64 1st: 32 × 64×64", 32, 64, blocks, blocked);
		pooling(d, rounds, "Small VGG 64 2nd: 64 × 32×32", 64, 32, blocks, blocked);
		pooling(d, rounds, "Small VGG 96 1st: 32 × 96×96", 32, 96, blocks, blocked);
		pooling(d, rounds, "Small VGG 96 2nd: 64 × 48×48", 64, 48, blocks, blocked);
	}

	private static void pooling(Dnnl d, int rounds, String name, int channels, int size, memory.format_tag tag,
			String layout) {
		long[] in = { BATCH, channels, size, size }, out = { BATCH, channels, size / 2, size / 2 };
		long[] two = { 2, 2 }, none = { 0, 0 };
		memory.desc src = Dnnl.desc(in, tag), dst = Dnnl.desc(out, tag);
		stream s = new stream(d.engine);
		memory mSrc = new memory(src, d.engine), mDst = new memory(dst, d.engine);
		memory mDiffDst = new memory(dst, d.engine), mDiffSrc = new memory(src, d.engine);
		fill(mSrc, src.get_size(), true);
		fill(mDiffDst, dst.get_size(), false);
		pooling_forward.primitive_desc train = new pooling_forward.primitive_desc(new pooling_forward.desc(
				prop_kind.forward_training, algorithm.pooling_max, src, dst, two,
				two, none, none), d.engine);
		pooling_forward.primitive_desc infer = new pooling_forward.primitive_desc(new pooling_forward.desc(
				prop_kind.forward_inference, algorithm.pooling_max, src, dst, two,
				two, none, none), d.engine);
		pooling_backward.primitive_desc back = new pooling_backward.primitive_desc(new pooling_backward.desc(
				algorithm.pooling_max, src, dst, two, two, none, none), d.engine, train);
		memory workspace = new memory(train.workspace_desc(), d.engine);
		pooling_forward trainFwd = new pooling_forward(train), inferFwd = new pooling_forward(infer);
		pooling_backward bwd = new pooling_backward(back);
		var fwdArgs = Dnnl.args(DNNL_ARG_SRC, mSrc, DNNL_ARG_DST, mDst, DNNL_ARG_WORKSPACE, workspace);
		var bwdArgs = Dnnl.args(DNNL_ARG_DIFF_DST, mDiffDst, DNNL_ARG_DIFF_SRC, mDiffSrc, DNNL_ARG_WORKSPACE,
				workspace);
		var inferArgs = Dnnl.args(DNNL_ARG_SRC, mSrc, DNNL_ARG_DST, mDst);
		FusedBlockShape.Geometry g = new FusedBlockShape.Geometry(BATCH, channels, size, size, channels, size / 2,
				size / 2, 2, 2, 2, 2, 0, 0);
		// with ReLU's backprop folded in, as the block trains every pooling of the presets
		BlockMaxPooling java = BlockMaxPooling.of(g, src, dst, true),
				exact = BlockMaxPooling.of(g, src, dst, true).exactOnly();
		Runnable[] work = { () -> {
			trainFwd.execute(s, fwdArgs);
			bwd.execute(s, bwdArgs);
			s._wait();
		}, () -> {
			java.forward(mSrc, mDst);
			java.backward(mDiffDst, mDiffSrc);
		}, () -> {
			inferFwd.execute(s, inferArgs);
			s._wait();
		}, () -> java.forward(mSrc, mDst), () -> {
			exact.forward(mSrc, mDst);
			exact.backward(mDiffDst, mDiffSrc);
		} };
		int calls = Math.max(3, (int) (200_000_000L / ((long) BATCH * channels * size * size)));
		double[][] ms = new double[work.length][rounds];
		for (int round = 0; round <= rounds; round++)
			for (int k = 0; k < work.length; k++) {
				long t0 = System.nanoTime();
				for (int i = 0; i < calls; i++) work[k].run();
				if (round > 0) ms[k][round - 1] = (System.nanoTime() - t0) / (calls * 1e6);
			}
		double onednn = RuntimeBenchmark.Stats.median(ms[0]), inJava = RuntimeBenchmark.Stats.median(ms[1]);
		double exactLoop = RuntimeBenchmark.Stats.median(ms[4]);
		System.out.printf(Locale.ROOT, "| %s | %s | %s | %.3f | %.3f | %.2f | %.3f | %.3f | %.3f | %.2f |%n", name,
				layout, train.impl_info_str().getString(), onednn, inJava, onednn / inJava,
				RuntimeBenchmark.Stats.median(ms[2]), RuntimeBenchmark.Stats.median(ms[3]), exactLoop,
				exactLoop / inJava);
		System.out.flush();
	}

	/** Seeded values: ReLU outputs (about half 0) for the input, signed ones for the error. */
	private static void fill(memory m, long bytes, boolean relu) {
		FloatPointer p = new FloatPointer(m.get_data_handle()).capacity(bytes / Float.BYTES);
		Random r = new Random(relu ? 1 : 2);
		for (long i = 0; i < p.capacity(); i++) {
			float v = (float) r.nextGaussian();
			p.put(i, relu ? Math.max(0f, v) : v);
		}
	}
}
