package org.convkit.core.cnn.net;

import org.bytedeco.dnnl.convolution_backward_data;
import org.bytedeco.dnnl.convolution_backward_weights;
import org.bytedeco.dnnl.convolution_forward;
import org.bytedeco.dnnl.memory;
import org.bytedeco.dnnl.post_ops;
import org.bytedeco.dnnl.primitive_attr;
import org.bytedeco.dnnl.reorder;
import org.bytedeco.dnnl.stream;
import org.bytedeco.javacpp.FloatPointer;
import org.convkit.bench.RuntimeBenchmark;
import org.convkit.core.cnn.runtime.ComputeThreads;

import java.util.Locale;
import java.util.Random;

import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_BIAS;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DIFF_BIAS;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DIFF_DST;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DIFF_SRC;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DIFF_WEIGHTS;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DST;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_SRC;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_WEIGHTS;
import static org.bytedeco.dnnl.global.dnnl.algorithm;
import static org.bytedeco.dnnl.global.dnnl.prop_kind;

/**
 * Small VGG's inner 3×3 convolutions on their own ({@code ./convkit --bench ROUNDS winograd-passes}), ms per call in
 * interleaved rounds in one JVM (medians after one warm-up), batch 64, on the same {@code nChw8c} memories: oneDNN's
 * direct kernel and ConvKit's {@link WinogradKernels}, the forward pass (bias and ReLU folded in), the backward pass
 * to the input and the weight gradient (with the bias's; oneDNN's reordered from its layout into DL4J's, as in the
 * block). As in training, every call has new weights (one weight changes), so oneDNN's reorder of the weights into its
 * layout and the kernels' transform of them are timed with each call. Blocks of 8 channels are AVX2's layout:
 * narrow a machine with AVX-512 (src/bench/run-all.sh's variables) for oneDNN's AVX2 kernels. Threads: the
 * {@code OMP_NUM_THREADS} the bench runs with. The last columns: the largest difference between the two forward
 * outputs, over the largest output, and between the two weight gradients, over the largest. In this package for
 * {@link WinogradKernels} and {@link Dnnl}.
 */
public final class WinogradPassLever {
	private static final int BATCH = 64;

	private WinogradPassLever() {
	}

	public static void run(int rounds) {
		Dnnl d = Dnnl.get();
		if (d == null || !WinogradKernels.available()) {
			System.out.println("oneDNN or ConvKit's Winograd kernels did not load: nothing to compare ("
					+ WinogradKernels.refusal() + ")");
			return;
		}
		System.out.printf(Locale.ROOT, "%nWinograd passes: ms per call (3×3, stride 1, padding 1, batch %d, nChw8c), "
				+ "medians of %d interleaved rounds after 1 warm-up; %d thread(s); ONEDNN_MAX_CPU_ISA=%s; %s%n", BATCH,
				rounds, ComputeThreads.current(), System.getenv("ONEDNN_MAX_CPU_ISA"),
				org.convkit.bench.CnnBenchmark.machine());
		System.out.println("| layer | oneDNN's kernel | oneDNN forward | Winograd forward | oneDNN / Winograd | "
				+ "oneDNN backward to the input | Winograd backward | oneDNN / Winograd | oneDNN weight gradient | "
				+ "Winograd weight gradient | oneDNN / Winograd | forward difference | weight gradient difference |");
		System.out.println("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
		layer(d, rounds, "Small VGG 64 conv2: 32→32, 64×64", 32, 32, 64);
		layer(d, rounds, "Small VGG 64 conv3: 32→64, 32×32", 32, 64, 32);
		layer(d, rounds, "Small VGG 64 conv4: 64→64, 32×32", 64, 64, 32);
		layer(d, rounds, "Small VGG 96 conv2: 32→32, 96×96", 32, 32, 96);
		layer(d, rounds, "Small VGG 96 conv3: 32→64, 48×48", 32, 64, 48);
		layer(d, rounds, "Small VGG 96 conv4: 64→64, 48×48", 64, 64, 48);
	}

	private static void layer(Dnnl d, int rounds, String name, int in, int out, int size) {
		long[] src = { BATCH, in, size, size }, dst = { BATCH, out, size, size }, wDims = { out, in, 3, 3 },
				one = { 1, 1 };
		memory.desc srcDesc = Dnnl.desc(src, memory.format_tag.nChw8c), dstDesc = Dnnl.desc(dst,
				memory.format_tag.nChw8c), plainW = Dnnl.desc(wDims, memory.format_tag.oihw),
				anyW = Dnnl.desc(wDims, memory.format_tag.any), biasDesc = Dnnl.desc(new long[] { out },
						memory.format_tag.x);
		stream s = new stream(d.engine);
		primitive_attr attr = new primitive_attr();
		post_ops ops = new post_ops();
		ops.append_eltwise(1f, algorithm.eltwise_relu, 0f, 0f);
		attr.set_post_ops(ops);
		convolution_forward.primitive_desc fpd = new convolution_forward.primitive_desc(new convolution_forward.desc(
				prop_kind.forward_training, algorithm.convolution_direct, srcDesc, anyW, biasDesc, dstDesc, one, one,
				one), attr, d.engine, false);
		convolution_backward_data.primitive_desc bpd = new convolution_backward_data.primitive_desc(
				new convolution_backward_data.desc(algorithm.convolution_direct, srcDesc, anyW, dstDesc, one, one,
						one), d.engine, fpd);
		memory x = filled(d, srcDesc, 1, true), w = filled(d, plainW, 2, false), b = filled(d, biasDesc, 3, false),
				error = filled(d, dstDesc, 4, false), y1 = new memory(dstDesc, d.engine),
				y2 = new memory(dstDesc, d.engine), e1 = new memory(srcDesc, d.engine),
				e2 = new memory(srcDesc, d.engine), fw = new memory(fpd.weights_desc(), d.engine),
				bw = new memory(bpd.weights_desc(), d.engine);
		convolution_backward_weights.primitive_desc wpd = new convolution_backward_weights.primitive_desc(
				new convolution_backward_weights.desc(algorithm.convolution_direct, srcDesc, anyW, biasDesc, dstDesc,
						one, one, one), d.engine, fpd);
		memory dw = new memory(wpd.diff_weights_desc(), d.engine), dw1 = new memory(plainW, d.engine),
				dw2 = new memory(plainW, d.engine), db1 = new memory(biasDesc, d.engine),
				db2 = new memory(biasDesc, d.engine);
		convolution_backward_weights wgrad = new convolution_backward_weights(wpd);
		reorder fromDw = new reorder(dw, dw1);
		var wArgs = Dnnl.args(DNNL_ARG_SRC, x, DNNL_ARG_DIFF_DST, error, DNNL_ARG_DIFF_WEIGHTS, dw,
				DNNL_ARG_DIFF_BIAS, db1);
		convolution_forward fwd = new convolution_forward(fpd);
		convolution_backward_data bwd = new convolution_backward_data(bpd);
		reorder toFw = new reorder(w, fw), toBw = new reorder(w, bw);
		var fArgs = Dnnl.args(DNNL_ARG_SRC, x, DNNL_ARG_WEIGHTS, fw, DNNL_ARG_BIAS, b, DNNL_ARG_DST, y1);
		var bArgs = Dnnl.args(DNNL_ARG_DIFF_DST, error, DNNL_ARG_WEIGHTS, bw, DNNL_ARG_DIFF_SRC, e1);
		WinogradKernels k = WinogradKernels.of(new FusedBlockShape.Geometry(BATCH, in, size, size, out, size, size,
				3, 3, 1, 1, 1, 1), srcDesc, dstDesc, true, true);
		FloatPointer weights = new FloatPointer(w.get_data_handle()).capacity((long) out * in * 9);
		long xa = Dnnl.address(x), wa = Dnnl.address(w), ba = Dnnl.address(b), ea = Dnnl.address(error),
				y2a = Dnnl.address(y2), e2a = Dnnl.address(e2), dw2a = Dnnl.address(dw2), db2a = Dnnl.address(db2);
		int[] step = { 0 };
		Runnable next = () -> weights.put(0, 0.01f * (++step[0] % 7)); // new weights for every call, as in training
		Runnable[] work = { () -> {
			next.run();
			toFw.execute(s, w, fw);
			fwd.execute(s, fArgs);
			s._wait();
		}, () -> {
			next.run();
			k.forward(xa, wa, ba, y2a, true);
		}, () -> {
			next.run();
			toBw.execute(s, w, bw);
			bwd.execute(s, bArgs);
			s._wait();
		}, () -> {
			next.run();
			k.backwardData(ea, wa, e2a, 0);
		}, () -> {
			wgrad.execute(s, wArgs);
			fromDw.execute(s, dw, dw1);
			s._wait();
		}, () -> k.weightGradient(xa, ea, dw2a, db2a) };
		double[][] ms = new double[work.length][rounds];
		for (int round = 0; round <= rounds; round++)
			for (int j = 0; j < work.length; j++) {
				int calls = 3;
				long t0 = System.nanoTime();
				for (int i = 0; i < calls; i++) work[j].run();
				if (round > 0) ms[j][round - 1] = (System.nanoTime() - t0) / (calls * 1e6);
			}
		double[] m = new double[work.length];
		for (int j = 0; j < m.length; j++) m[j] = RuntimeBenchmark.Stats.median(ms[j]);
		// the same weights for both before comparing the outputs
		toFw.execute(s, w, fw);
		fwd.execute(s, fArgs);
		s._wait();
		k.forward(xa, wa, ba, y2a, true);
		System.out.printf(Locale.ROOT, "| %s | %s | %.2f | %.2f | **%.2f** | %.2f | %.2f | **%.2f** | %.2f | %.2f | "
				+ "**%.2f** | %.1e | %.1e |%n", name, fpd.impl_info_str().getString(), m[0], m[1], m[0] / m[1], m[2],
				m[3], m[2] / m[3], m[4], m[5], m[4] / m[5], relativeDifference(y1, y2), relativeDifference(dw1, dw2));
		System.out.flush();
	}

	private static double relativeDifference(memory a, memory b) {
		long n = a.get_desc().get_size() / Float.BYTES;
		FloatPointer pa = new FloatPointer(a.get_data_handle()).capacity(n),
				pb = new FloatPointer(b.get_data_handle()).capacity(n);
		double largest = 0, diff = 0;
		for (long i = 0; i < n; i++) {
			largest = Math.max(largest, Math.abs(pa.get(i)));
			diff = Math.max(diff, Math.abs(pa.get(i) - pb.get(i)));
		}
		return diff / largest;
	}

	/** Seeded values: ReLU outputs (half 0) for an input, small Gaussians for weights, bias and an error. */
	private static memory filled(Dnnl d, memory.desc desc, long seed, boolean relu) {
		memory m = new memory(desc, d.engine);
		FloatPointer p = new FloatPointer(m.get_data_handle()).capacity(desc.get_size() / Float.BYTES);
		Random r = new Random(seed);
		for (long i = 0; i < p.capacity(); i++) {
			float v = (float) r.nextGaussian();
			p.put(i, relu ? Math.max(0f, v) : 0.1f * v);
		}
		return m;
	}
}
