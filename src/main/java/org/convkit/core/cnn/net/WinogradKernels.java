package org.convkit.core.cnn.net;

import org.bytedeco.dnnl.memory;
import org.bytedeco.javacpp.FloatPointer;
import org.convkit.core.cnn.runtime.ComputeThreads;
import org.convkit.core.cnn.runtime.CpuFeatures;

import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Locale;
import java.util.stream.IntStream;

/**
 * ConvKit's native Winograd F(4×4, 3×3) kernels (src/main/c/winograd_f43*) for the fused block's 3×3 convolutions
 * of stride 1 and padding 1 where oneDNN's kernels are AVX2 ones: oneDNN 2.5 has Winograd kernels for AVX-512 only, and
 * with AVX2 its direct kernels run Small VGG's inner convolutions at about the core's peak, so fewer multiplications
 * (36 instead of 144 per 4×4 output tile and channel pair) are the one way to go faster there. All three passes take
 * them: forward (bias and ReLU folded in), backward to the input, and the weight gradient (with the bias's),
 * F(3×3, 4×4) as the forward's transpose. Measured in docs/benchmarks.md ("Winograd kernels in C for AVX2" and "...
 * the weight gradient too"). Results differ from oneDNN's direct kernels by float rounding only (the transforms'
 * constants are exact in binary except 1/6, 1/12 and 1/24): a few millionths of the largest output or gradient at
 * Small VGG's sizes. A NaN or infinity in the input spreads to the whole 4×4 output tiles whose input it is in (the
 * transforms multiply it by 0 too), not only to its 3×3 neighbourhood, and one in an error to all 9 taps of its
 * channel's kernels; the image's class, the loss and the step are NaN either way.
 * <p>
 * The library comes in the plugin jar for Linux x86-64 ({@value #RESOURCE}, built by Maven where gcc is,
 * src/main/c/build.sh) and is loaded only where the processor has AVX2 and FMA ({@link CpuFeatures}: the AVX2 level
 * asks for both), never elsewhere: an instruction the processor lacks would end the JVM, and with it Fiji. Where it is
 * not loaded the block runs oneDNN's kernels as before. The switch {@value #PROPERTY}: {@code false} keeps oneDNN's
 * kernels, {@code true} takes these also where oneDNN's are AVX-512 ones (tests); unset, the rule of
 * {@link #wanted(String)}.
 * <p>
 * An instance holds one layer's transformed kernels, in memory of its own (not the plan's shared buffers, which other
 * plans reuse), made again only when the weights changed since (a bitwise comparison with a copy: every step in
 * training, never in classification), and splits a batch's images across the calling thread's compute threads
 * ({@link ComputeThreads#current()}); each image's arithmetic is the same on any thread count, and the weight
 * gradient's sums go by {@value #WEIGHT_PARTS} fixed parts of the batch: the same bits on any thread count too.
 */
final class WinogradKernels {
	static final String PROPERTY = "convkit.nativeWinograd";
	static final String RESOURCE = "/org/convkit/native/linux-x86_64/libconvkit_winograd.so";

	/**
	 * The weight gradient's parts: the batch's images in at most this many runs of consecutive images, each summed
	 * into its own accumulator and the parts then added in order, whatever the thread count (which takes whole parts):
	 * the same bits on any number of threads, and 8 threads at most for this pass.
	 */
	static final int WEIGHT_PARTS = 8;
	/**
	 * The parts' accumulators take at most this many floats (64 MB) where one part's take fewer: wide layers sum in
	 * fewer parts (a 256→256 layer's part is 9 MB: 7 parts; from 512→512 on, one part, on one thread).
	 */
	static final long ACCUMULATOR_FLOATS = 16L << 20;
	/**
	 * The most floats one pass's transformed kernels (36·in·out) may take, 64 MB: wider layers (beyond about 680
	 * channels in and out) stay on oneDNN's kernels rather than hold several times their weights in native memory.
	 */
	static final long KERNEL_FLOATS = 16L << 20;

	private final int batch, in, out, h, w;
	/** The forward pass's transformed kernels and the backward pass's to the input (null: no backward pass). */
	private final Transformed forward, backward;
	/** The weight gradient's parts' sums in Winograd's domain, {@link #stride} floats apart (null: inference). */
	private final FloatPointer accumulators;
	private final int parts;
	private final long stride;

	private WinogradKernels(FusedBlockShape.Geometry g, boolean backward, boolean training) {
		batch = (int) g.batch;
		in = (int) g.in;
		out = (int) g.out;
		h = (int) g.inH;
		w = (int) g.inW;
		forward = new Transformed(in, out, false);
		this.backward = backward ? new Transformed(out, in, true) : null;
		stride = 36L * in * out + out;
		parts = training ? (int) Math.max(1, Math.min(Math.min(batch, WEIGHT_PARTS), ACCUMULATOR_FLOATS / stride)) : 0;
		accumulators = training ? new FloatPointer(parts * stride) : null;
	}

	/**
	 * The kernels for a convolution of geometry {@code g} whose input and output oneDNN lays out as {@code srcDesc} and
	 * {@code dstDesc}, or null where they do not apply: other than 3×3 with stride 1 and padding 1 on every side,
	 * channel counts not multiples of 8, layouts other than {@code nChw8c} (AVX2's), more values than an int counts, or
	 * transformed kernels beyond {@link #KERNEL_FLOATS}.
	 *
	 * @param backward whether the backward pass to the input will run too
	 * @param training whether the weight gradient will
	 */
	static WinogradKernels of(FusedBlockShape.Geometry g, memory.desc srcDesc, memory.desc dstDesc, boolean backward,
			boolean training) {
		if (g.kh != 3 || g.kw != 3 || g.sh != 1 || g.sw != 1 || g.padTop != 1 || g.padLeft != 1 || g.padBottom != 1
				|| g.padRight != 1 || g.outH != g.inH || g.outW != g.inW || g.in % 8 != 0 || g.out % 8 != 0
				|| g.in < 8 || g.out < 8 || g.batch < 1)
			return null;
		if (g.batch * Math.max(g.in, g.out) * g.inH * g.inW > Integer.MAX_VALUE || 36 * g.in * g.out > KERNEL_FLOATS)
			return null;
		memory.desc src = Dnnl.desc(new long[] { g.batch, g.in, g.inH, g.inW }, memory.format_tag.nChw8c),
				dst = Dnnl.desc(new long[] { g.batch, g.out, g.outH, g.outW }, memory.format_tag.nChw8c);
		if (!src.equals(srcDesc) || !dst.equals(dstDesc)) return null;
		return new WinogradKernels(g, backward, training);
	}

	/**
	 * Whether the block should run a convolution whose oneDNN forward kernel is {@code implementation} (e.g.
	 * "jit:avx2") on these kernels: the library is loaded, and the switch says so or, unset, oneDNN's kernel is not an
	 * AVX-512 one (with AVX-512 oneDNN has Winograd kernels of its own and twice the vector width).
	 */
	static boolean wanted(String implementation) {
		String forced = System.getProperty(PROPERTY, "").trim().toLowerCase(Locale.ROOT);
		if (forced.equals("false") || !forced.equals("true") && implementation.contains("avx512")) return false;
		return available(); // loaded only where it may be used
	}

	/** Whether the library is loaded in this JVM (loading it at the first call). */
	static boolean available() {
		return Library.REFUSAL == null;
	}

	/** Why the library is not loaded, or null when it is. */
	static String refusal() {
		return Library.REFUSAL;
	}

	/**
	 * The forward pass: {@code dst = relu?(conv(src, weights) + bias)}, src and dst in {@code nChw8c}, the weights
	 * [out][in][3][3] and the bias [out] as DL4J holds them (C order). Addresses of the plan's bound memories.
	 */
	void forward(long src, long weights, long bias, long dst, boolean relu) {
		run(src, forward.of(weights), bias, dst, in, out, relu, 0);
	}

	/**
	 * The backward pass to the input: {@code diffSrc} from {@code diffDst} (both {@code nChw8c}) and the weights; then,
	 * where {@code reluOutput} is not 0, the backprop of the ReLU below whose output (laid out as diffSrc) is there:
	 * each value times 1 where that output is above 0 and 0 elsewhere, as oneDNN's ReLU backprop does.
	 */
	void backwardData(long diffDst, long weights, long diffSrc, long reluOutput) {
		run(diffDst, backward.of(weights), 0, diffSrc, out, in, false, reluOutput);
	}

	/**
	 * The weight gradient [out][in][3][3] and the bias's [out] (DL4J's C order) at {@code weightGrad} and
	 * {@code biasGrad} from the input {@code src} and the output's error {@code diffDst} (both {@code nChw8c}).
	 */
	void weightGradient(long src, long diffDst, long weightGrad, long biasGrad) {
		int threads = Math.max(1, Math.min(ComputeThreads.current(), parts));
		long acc = accumulators.address();
		IntStream.range(0, threads).parallel().forEach(t -> {
			for (int p = parts * t / threads; p < parts * (t + 1) / threads; p++) {
				succeeded(weightGradient(src, diffDst, acc + p * stride * Float.BYTES, (int) ((long) batch * p
						/ parts), (int) ((long) batch * (p + 1) / parts), in, out, h, w));
			}
		});
		finishWeights(acc, parts, stride, weightGrad, biasGrad, in, out);
	}

	private void run(long src, long u, long bias, long dst, int inC, int outC, boolean relu, long mask) {
		int threads = Math.max(1, Math.min(ComputeThreads.current(), batch)); // one run of images each
		IntStream.range(0, threads).parallel().forEach(t -> {
			succeeded(convolve(src, u, bias, dst, (int) ((long) batch * t / threads),
					(int) ((long) batch * (t + 1) / threads), inC, outC, h, w, relu ? 1 : 0, mask));
		});
	}

	/** A native pass's status: 0, or 1 when its tile buffers could not be allocated. */
	private static void succeeded(int status) {
		if (status != 0) throw new OutOfMemoryError("native memory for the Winograd kernels' tiles");
	}

	/** One pass's transformed kernels and the weights they were made from. */
	private static final class Transformed {
		private final int inC, outC;
		private final boolean backward;
		private final FloatPointer kernels, weights;
		/** Whether {@link #weights} holds the weights {@link #kernels} were made from. */
		private boolean known;
		/** For tests: how many times the kernels were made. */
		int made;

		Transformed(int inC, int outC, boolean backward) {
			this.inC = inC;
			this.outC = outC;
			this.backward = backward;
			kernels = new FloatPointer(36L * inC * outC);
			weights = new FloatPointer(9L * inC * outC);
		}

		/** The address of the kernels for the weights at {@code address}, made again if those changed. */
		long of(long address) {
			if (transform(address, kernels.address(), weights.address(), inC, outC, backward ? 1 : 0,
					known ? 1 : 0) != 0)
				made++;
			known = true;
			return kernels.address();
		}
	}

	/** For tests: in how many parts the weight gradient is summed (0: inference only). */
	int weightParts() {
		return parts;
	}

	/** For tests: how many times the forward pass's kernels were made. */
	int forwardKernelsMade() {
		return forward.made;
	}

	/**
	 * {@code u} = the 36 transformed kernels of every (in, out) pair (backward: of the turned, swapped kernels) and
	 * {@code copy} = the weights, unless {@code known} and the weights equal {@code copy}; 1 when it made them.
	 */
	private static native int transform(long weights, long u, long copy, int inC, int outC, int backward, int known);

	/**
	 * Images [first, end) of src convolved with the transformed kernels u into dst, then masked by a ReLU's output at
	 * mask (0: not); 0, or 1 when memory ran out.
	 */
	private static native int convolve(long src, long u, long bias, long dst, int first, int end, int inC, int outC,
			int h, int w, int relu, long mask);

	/**
	 * Images [first, end)'s weight gradient in Winograd's domain and their error sums per output channel into the
	 * 36·in·out + out floats at acc (overwritten); 0, or 1 when memory ran out.
	 */
	private static native int weightGradient(long src, long diffDst, long acc, int first, int end, int inC, int outC,
			int h, int w);

	/** The parts' sums at acc, stride floats apart, added and transformed into the gradients (oihw, [out]). */
	private static native void finishWeights(long acc, int parts, long stride, long weightGrad, long biasGrad,
			int inC, int outC);

	/** Loads the library once per JVM, at the first question; REFUSAL says why not (null: loaded). */
	private static final class Library {
		static final String REFUSAL = load();

		private static String load() {
			String refusal = refusal(CpuFeatures.level(), System.getProperty("os.name", ""),
					System.getProperty("os.arch", ""), WinogradKernels.class.getResource(RESOURCE) != null);
			return refusal != null ? refusal : loadFrom(WinogradKernels.class.getResource(RESOURCE));
		}
	}

	/**
	 * Copies the library at {@code url} to a temporary file, loads it and deletes the file (the loaded code stays
	 * mapped); null, or why it did not load (a missing or damaged file, a temporary folder that may not hold code).
	 */
	static String loadFrom(URL url) {
		Path file = null;
		try (InputStream s = url.openStream()) {
			file = Files.createTempFile("convkit-winograd", ".so");
			Files.copy(s, file, StandardCopyOption.REPLACE_EXISTING);
			System.load(file.toString());
			return null;
		} catch (IOException | RuntimeException | UnsatisfiedLinkError e) {
			return "the library did not load: " + e.getMessage();
		} finally {
			if (file != null) try {
				Files.deleteIfExists(file);
			} catch (IOException e) {
				file.toFile().deleteOnExit();
			}
		}
	}

	/**
	 * Why the library must not be loaded on a system of this processor level, os.name and os.arch (null: it may):
	 * it holds AVX2 and FMA instructions for Linux x86-64.
	 */
	static String refusal(CpuFeatures.Level level, String os, String arch, boolean resourcePresent) {
		if (!os.toLowerCase(Locale.ROOT).startsWith("linux") || !(arch.equals("amd64") || arch.equals("x86_64")))
			return "built for Linux x86-64 only (this is " + os + " " + arch + ")";
		if (level == CpuFeatures.Level.GENERIC) return "the processor lacks AVX2 or FMA (or its level was lowered)";
		if (!resourcePresent) return "not in this build (no gcc where it was built: src/main/c/build.sh)";
		return null;
	}
}
