package org.convkit.core.cnn.net;

import org.convkit.core.cnn.runtime.CpuFeatures;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.convolution.subsampling.SubsamplingLayer;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * DL4J's max-pooling layer with its forward and backward pass in Java, for processors where oneDNN has no fast pooling
 * kernel for DL4J's layout. oneDNN (ND4J's build) has fast pooling kernels for DL4J's plain NCHW layout only with
 * AVX-512; with AVX2 alone it falls back to its reference kernel ({@code simple_nchw}), and LeNet's first pooling then
 * took more time than all its convolutions together (oneDNN's verbose log, narrowed to AVX2 on this project's
 * machine). libnd4j also runs the pooling forward twice per training step (once more in backprop, to find the maxima
 * again). Here the forward pass keeps where each maximum was, and backprop sends each output's gradient there: one
 * pass each. Measured ({@code ./convkit --bench 5 pooling}, docs/benchmarks.md): 1.23–1.49x faster training steps
 * narrowed to AVX2, 0.87–1.02x with AVX-512 — so {@link ConvKitLayers} installs it only where oneDNN lacks AVX-512
 * ({@link #wanted()}), and DL4J's layer with its oneDNN helper ({@link OneDnnSubsamplingLayer}) elsewhere — except
 * right after the network's first convolution, where it is installed on every processor for the convolution's
 * hand-over ({@link #handoff}): there the Java pass saves reading the convolution's output and, in backprop, writing
 * a gradient the convolution would read back, mask and transpose.
 * <p>
 * The same numbers as DL4J's: a maximum is a maximum (the forward pass is bit for bit DL4J's), and the gradient goes
 * to the first maximum of a window in row order, as libnd4j's does; only windows that overlap (stride smaller than
 * the kernel) add up their gradients in another order (MaxPoolingLayerTest). NaN is passed on as the maximum.
 * Average pooling, other layouts and dilation keep DL4J's path (with the oneDNN helper). The stored configuration is
 * DL4J's.
 */
public final class MaxPoolingLayer extends SubsamplingLayer {
	private float[] inputBuffer, outputBuffer, errorBuffer, gradientBuffer;
	/** Per output value of the last training forward pass: the index of its maximum in the input. */
	private int[] argMax;
	/** The input whose maxima {@link #argMax} holds. */
	private INDArray argMaxFor;
	/**
	 * The hand-over with the network's first convolution right before this layer ({@link PoolingHandoff}), or null.
	 * Such a layer is installed on every processor; where oneDNN has AVX-512 ({@link #wanted()} false) it takes this
	 * class's path only for what the convolution hands over (training steps on its column path), else DL4J's with the
	 * oneDNN helper.
	 */
	PoolingHandoff handoff;
	/** Whether the last training forward pass took its input from {@link #handoff}. */
	private boolean handedInput;
	/** For tests: how many forward passes took this class's path. */
	int ownForwards;

	/**
	 * {@value #PROPERTY}: {@code auto} (the default: where oneDNN lacks AVX-512, see {@link #wanted()}), {@code true}
	 * (always) or {@code false} (never); read when a network is made or loaded. For benchmarks and tests.
	 */
	public static final String PROPERTY = "convkit.javaPooling";

	/** Whether this layer takes its own path for every input it covers, not only for what is handed over. */
	private final boolean always;

	MaxPoolingLayer(NeuralNetConfiguration conf, DataType dataType) {
		this(conf, dataType, true);
	}

	/** {@code always}: as {@link #wanted()} says; false for a layer installed for its {@link #handoff} alone. */
	MaxPoolingLayer(NeuralNetConfiguration conf, DataType dataType, boolean always) {
		super(conf, dataType);
		this.always = always;
		if (helper == null) helper = OneDnn.subsamplingHelper(dataType); // for what stays on DL4J's path
	}

	/** Whether DL4J's max-pooling layer {@code conf} gets this class (see the class comment). */
	static boolean wanted(NeuralNetConfiguration conf) {
		return maxPooling(conf) && wanted();
	}

	/**
	 * Whether DL4J's max-pooling layer {@code conf} gets this class with a {@link #handoff} when it follows the
	 * network's first convolution: unless {@value #PROPERTY} is {@code false}.
	 */
	static boolean linkable(NeuralNetConfiguration conf) {
		return maxPooling(conf) && !setting().equals("false");
	}

	/** {@value #PROPERTY} as set (trimmed, lower case), {@code auto} when unset. */
	private static String setting() {
		return System.getProperty(PROPERTY, "auto").trim().toLowerCase(Locale.ROOT);
	}

	private static boolean maxPooling(NeuralNetConfiguration conf) {
		return conf.getLayer() instanceof org.deeplearning4j.nn.conf.layers.SubsamplingLayer
				&& ((org.deeplearning4j.nn.conf.layers.SubsamplingLayer) conf.getLayer()).getPoolingType()
						== PoolingType.MAX;
	}

	/**
	 * Whether max pooling runs in Java in this JVM: with {@value #PROPERTY} unset or {@code auto}, when oneDNN cannot
	 * use AVX-512 — the processor lacks it ({@link CpuFeatures#level()}, which also follows ConvKit's override) or
	 * oneDNN is told not to use it ({@code ONEDNN_MAX_CPU_ISA} / {@code DNNL_MAX_CPU_ISA} below AVX-512).
	 */
	public static boolean wanted() {
		String p = setting();
		if (p.equals("true")) return true;
		if (p.equals("false")) return false;
		return !OneDnn.usesAvx512();
	}

	/** Frees the training buffers of the network's Java pooling layers (see {@link #release()}). */
	static void releaseAll(List<MaxPoolingLayer> layers) {
		layers.forEach(MaxPoolingLayer::release);
	}

	/**
	 * Frees the buffers kept from one training step to the next (for 96×96 RGB Small VGG about 200 MB), so a trained
	 * network kept in memory does not hold them; called when training ends ({@link FastTraining#off()}).
	 */
	public void release() {
		inputBuffer = outputBuffer = errorBuffer = gradientBuffer = null;
		argMax = null;
		argMaxFor = null;
		if (handoff != null) handoff.release();
	}

	/** For tests: a buffer training keeps between steps, null once released. */
	float[] heldBuffer() {
		return outputBuffer;
	}

	/** Whether the last training forward pass took its input from the convolution's hand-over. */
	boolean handedInput() {
		return handedInput;
	}

	private boolean covered() {
		org.deeplearning4j.nn.conf.layers.SubsamplingLayer c = layerConf();
		return c.getPoolingType() == PoolingType.MAX && c.getCnn2dDataFormat() == CNN2DFormat.NCHW
				&& Arrays.equals(c.getDilation(), new int[] { 1, 1 }) && input != null && input.rank() == 4
				&& dataType == DataType.FLOAT
				&& (convolutionMode == ConvolutionMode.Same || convolutionMode == ConvolutionMode.Truncate)
				&& input.length() <= Integer.MAX_VALUE;
	}

	@Override
	public INDArray activate(boolean training, LayerWorkspaceMgr workspaceMgr) {
		argMaxFor = null;
		handedInput = false;
		float[] handed = training && handoff != null ? handoff.activationFor(input) : null;
		if (!covered() || handed == null && !always) return super.activate(training, workspaceMgr);
		assertInputSet(false);
		INDArray x = input.castTo(dataType);
		int n = (int) x.size(0), c = (int) x.size(1), h = (int) x.size(2), w = (int) x.size(3);
		org.deeplearning4j.nn.conf.layers.SubsamplingLayer conf = layerConf();
		int[] k = conf.getKernelSize(), s = conf.getStride();
		int[] g = WindowGeometry.of(x, convolutionMode, k, s, conf.getPadding(), conf.getDilation());
		int outH = g[0], outW = g[1], outSize = n * c * outH * outW;
		// training keeps its buffers from step to step (until release()); inference leaves nothing behind
		float[] in = handed != null ? handed : NdArrays.floats(x, training ? inputBuffer : null);
		float[] out = training && outputBuffer != null && outputBuffer.length == outSize ? outputBuffer
				: new float[outSize];
		int[] at = training && argMax != null && argMax.length == outSize ? argMax : new int[outSize];
		if (training) {
			if (handed == null) inputBuffer = in;
			outputBuffer = out;
			argMax = at;
			handedInput = handed != null;
		}
		forward(in, n * c, h, w, k[0], k[1], s[0], s[1], g[2], g[3], outH, outW, out, at);
		INDArray result = workspaceMgr.createUninitialized(ArrayType.ACTIVATIONS, dataType,
				new long[] { n, c, outH, outW }, 'c');
		result.data().asNioFloat().put(out, 0, outSize);
		if (training) argMaxFor = input;
		ownForwards++;
		return result;
	}

	/**
	 * Max over each window of each plane, the first maximum in row order winning (a NaN wins once met); windows
	 * clipped to the image (padding never wins). {@code at} gets the maximum's index in {@code in}.
	 */
	static void forward(float[] in, int planes, int h, int w, int kh, int kw, int sh, int sw, int padTop, int padLeft,
			int outH, int outW, float[] out, int[] at) {
		if (kh == 2 && kw == 2 && sh == 2 && sw == 2 && padTop == 0 && padLeft == 0 && 2 * outH <= h && 2 * outW <= w) {
			forwardTwoByTwo(in, planes, h, w, outH, outW, out, at);
			return;
		}
		forwardAnyWindow(in, planes, h, w, kh, kw, sh, sw, padTop, padLeft, outH, outW, out, at);
	}

	/** {@link #forward}'s general loop: any window, stride and padding. */
	static void forwardAnyWindow(float[] in, int planes, int h, int w, int kh, int kw, int sh, int sw, int padTop,
			int padLeft, int outH, int outW, float[] out, int[] at) {
		int o = 0;
		for (int p = 0; p < planes; p++) {
			int plane = p * h * w;
			for (int oy = 0; oy < outH; oy++) {
				int y0 = oy * sh - padTop, yStart = Math.max(0, y0), yEnd = Math.min(h, y0 + kh);
				for (int ox = 0; ox < outW; ox++, o++) {
					int x0 = ox * sw - padLeft, xStart = Math.max(0, x0), xEnd = Math.min(w, x0 + kw);
					int best = firstMax(in, plane + yStart * w + xStart, yEnd - yStart, xEnd - xStart, w);
					out[o] = in[best];
					at[o] = best;
				}
			}
		}
	}

	/**
	 * The common 2×2, stride 2 case with every window inside the plane: the same maxima and positions as the general
	 * loop without its branches, which mispredict on most windows (after a ReLU many values tie at 0). LeNet's first
	 * pooling of 64 images, one thread ({@code ./convkit --bench 5 hotspots}): 2.3 against 4.6 ms with AVX-512, 2.2
	 * against 4.0 ms narrowed to AVX2. Each value's order as an int key, the window's largest key, and the first value
	 * in row order that has it; the output is that value itself, so a -0 tied with 0 comes out as the general loop's.
	 * A window holding a NaN takes the general loop's rule (the first NaN).
	 * <p>
	 * A window of ReLU outputs (no sign bit set, no NaN) needs no keys: there a float's bits order as the float does,
	 * and equal bits are equal values. That window takes the bits themselves: on ReLU outputs 0.7–1.0 ms against the
	 * keys' 2.4 ms with AVX-512, 0.7 against 2.4 ms narrowed to AVX2 (the same benchmark, 2026-12-02).
	 */
	private static void forwardTwoByTwo(float[] in, int planes, int h, int w, int outH, int outW, float[] out,
			int[] at) {
		for (int p = 0, o = 0; p < planes; p++) {
			int plane = p * h * w;
			for (int oy = 0; oy < outH; oy++) {
				int r0 = plane + 2 * oy * w;
				for (int ox = 0; ox < outW; ox++, o++) {
					int i = r0 + 2 * ox;
					int a = Float.floatToRawIntBits(in[i]), b = Float.floatToRawIntBits(in[i + 1]),
							c = Float.floatToRawIntBits(in[i + w]), d = Float.floatToRawIntBits(in[i + w + 1]);
					int m = Math.max(Math.max(a, b), Math.max(c, d));
					// no sign bit among the four, and the largest at most +Infinity's bits (above: NaN)
					if ((a | b | c | d | (0x7f800000 - m)) >= 0) {
						at[o] = firstWith(m, a, b, c, i, w);
						out[o] = Float.intBitsToFloat(m);
						continue;
					}
					int best;
					if ((notNaN(a) & notNaN(b) & notNaN(c) & notNaN(d)) < 0) {
						int ka = key(a), kb = key(b), kc = key(c);
						best = firstWith(Math.max(Math.max(ka, kb), Math.max(kc, key(d))), ka, kb, kc, i, w);
					} else {
						best = firstMax(in, i, 2, 2, w); // a NaN: the general loop's rule
					}
					out[o] = in[best];
					at[o] = best;
				}
			}
		}
	}

	/**
	 * The index of the first of a window's four values in row order (top left at {@code i}, the plane {@code w} wide)
	 * whose key is {@code max}, the largest of the four; only the first three keys are needed (else the fourth).
	 */
	private static int firstWith(int max, int ka, int kb, int kc, int i, int w) {
		int best = i + w + 1;
		best = kc == max ? i + w : best;
		best = kb == max ? i + 1 : best;
		return ka == max ? i : best;
	}

	/**
	 * A float's order as an int, from its bits, -0 and 0 alike (as for {@code <}): sign-magnitude turned into two's
	 * complement. Ints, because the JIT selects between ints without a branch, and not between floats. Not for NaN.
	 */
	private static int key(int bits) {
		int k = bits ^ ((bits >> 31) & 0x7fffffff); // negative floats: the larger the magnitude, the smaller the key
		return k + (k >>> 31); // -0's key -1 becomes 0's key 0, the other negative keys move up by one
	}

	/** Negative unless the float with these bits is NaN (all exponent bits and some mantissa bit set). */
	private static int notNaN(int bits) {
		return (bits & 0x7fffffff) - 0x7f800001;
	}

	/**
	 * The index of a window's maximum: the window starts at {@code first} and spans {@code rows × cols} values of a
	 * plane {@code w} wide. The first maximum in row order wins (strictly greater replaces it); a NaN wins once met.
	 */
	private static int firstMax(float[] in, int first, int rows, int cols, int w) {
		int best = first;
		float max = in[best];
		for (int r = 0; r < rows && max == max; r++)
			for (int i = first + r * w, e = i + cols; i < e; i++) {
				float v = in[i];
				if (v > max || v != v) {
					max = v;
					best = i;
					if (v != v) break;
				}
			}
		return best;
	}

	@Override
	public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
		if (argMaxFor == null || argMaxFor != input || !covered()) return super.backpropGradient(epsilon, workspaceMgr);
		argMaxFor = null;
		assertInputSet(true);
		INDArray e = epsilon.castTo(dataType);
		int outSize = argMax.length;
		if (e.length() != outSize) return super.backpropGradient(epsilon, workspaceMgr);
		float[] err = errorBuffer = NdArrays.floats(e, errorBuffer);
		INDArray result = workspaceMgr.createUninitialized(ArrayType.ACTIVATION_GRAD, dataType, input.shape(), 'c');
		if (handedInput) handoff.backward(result, err, argMax, outputBuffer); // written only if the convolution asks
		else gradientBuffer = gradient(err, argMax, (int) input.length(), gradientBuffer, result);
		return new Pair<>(new DefaultGradient(), result);
	}

	/** {@code result}'s values: each error added at its maximum, zero elsewhere ({@code buffer}: reused, returned). */
	static float[] gradient(float[] err, int[] at, int inSize, float[] buffer, INDArray result) {
		float[] grad = buffer != null && buffer.length == inSize ? buffer : new float[inSize];
		Arrays.fill(grad, 0f);
		for (int o = 0; o < at.length; o++) grad[at[o]] += err[o];
		result.data().asNioFloat().put(grad, 0, inSize);
		return grad;
	}

	@Override
	public void clear() {
		super.clear();
		argMaxFor = null;
	}
}
