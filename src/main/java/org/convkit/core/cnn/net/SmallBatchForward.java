package org.convkit.core.cnn.net;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.DropoutLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.conf.preprocessor.CnnToFeedForwardPreProcessor;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ConvolutionUtils;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.activations.impl.ActivationELU;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.activations.impl.ActivationLReLU;
import org.nd4j.linalg.activations.impl.ActivationSigmoid;
import org.nd4j.linalg.activations.impl.ActivationSoftmax;
import org.nd4j.linalg.activations.impl.ActivationTanH;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The inference pass of a ConvKit network for a few images at a time: convolutions as {@link Im2Col} columns and one
 * OpenBLAS product per image (the bias rides in the product as a row of ones), pooling, activations and softmax in
 * Java, dense layers as one product per image. DL4J's {@code MultiLayerNetwork.output} costs about a millisecond per
 * call for LeNet whatever the batch size — each layer sets up a libnd4j op, for a convolution a oneDNN primitive
 * and its memory reorders — which made classifying one image at a time 0.64–0.71× PyTorch's speed; this path has
 * no per-layer set-up (see docs/benchmarks.md). For batches, DL4J's path is faster and stays in use.
 * <p>
 * Gives DL4J's probabilities up to float rounding (the products sum in another order; SmallBatchForwardTest
 * compares every layer kind with DL4J). Covers the layers ConvKit's spec language makes, except batch
 * normalisation: NCHW convolutions (any kernel, stride, same or valid padding, no dilation), max and average
 * pooling, dense, dropout (nothing at inference), a softmax output layer; activations relu, leaky relu, tanh,
 * sigmoid, elu and identity. {@link #of} answers null for anything else, and for networks too large to gain
 * ({@link #MAX_MULTIPLY_ADDS}), and the caller uses DL4J. The weights are
 * copied when the pass is made; {@link #isCurrent} tells whether the network was trained since. Not thread-safe.
 */
public final class SmallBatchForward {
	/** Up to this many images per call this path beats DL4J's (measured for LeNet and Small VGG). */
	public static final int MAX_BATCH = 4;
	/**
	 * Networks with more multiply-adds per image than this are left to DL4J: its oneDNN convolutions outrun one
	 * OpenBLAS product per layer once the layers are large. Measured one image at a time on a quiet 2-core machine
	 * (docs/benchmarks.md): LeNet 28×28 (2.3 million) 1.39× DL4J with AVX-512, 2.27× narrowed to AVX2; Small VGG
	 * 64×64 (about 100 million) 0.79× with AVX-512. The bound lies between, near their geometric mean; the crossing
	 * itself was not measured.
	 */
	static final long MAX_MULTIPLY_ADDS = 15_000_000L;

	private final MultiLayerNetwork net;
	private final int iterations, epochs, inputSize, classes;
	private final List<Step> steps;

	/** One layer: values of one image in, values of one image out. */
	private interface Step {
		float[] apply(float[] in);
	}

	private SmallBatchForward(MultiLayerNetwork net, int inputSize, List<Step> steps, int classes) {
		this.net = net;
		this.iterations = net.getIterationCount();
		this.epochs = net.getEpochCount();
		this.inputSize = inputSize;
		this.steps = steps;
		this.classes = classes;
	}

	/**
	 * The pass for a network with NCHW input of the given size, with a copy of its current weights; null when a
	 * layer, activation or pre-processor is one this class does not cover, and when ConvKit's run-time replacements
	 * are switched off ({@link FastTraining#enabled()}): then DL4J's own output answers, as shipped.
	 */
	public static SmallBatchForward of(MultiLayerNetwork net, int height, int width, int channels) {
		if (!FastTraining.enabled()) return null;
		MultiLayerConfiguration conf = net.getLayerWiseConfigurations();
		Layer[] layers = net.getLayers();
		List<Step> steps = new ArrayList<>();
		int c = channels, h = height, w = width;
		boolean flat = false;
		long work = 0;
		for (int i = 0; i < layers.length; i++) {
			org.deeplearning4j.nn.conf.layers.Layer l = conf.getConf(i).getLayer();
			InputPreProcessor pre = conf.getInputPreProcess(i);
			if (pre != null) {
				if (!(pre instanceof CnnToFeedForwardPreProcessor)
						|| ((CnnToFeedForwardPreProcessor) pre).getFormat() != CNN2DFormat.NCHW)
					return null;
				flat = true; // NCHW flattened in C order: the values as they are
			}
			Step s;
			if (l instanceof ConvolutionLayer && l.getClass() == ConvolutionLayer.class && !flat) {
				ConvolutionLayer cl = (ConvolutionLayer) l;
				if (cl.getCnn2dDataFormat() != CNN2DFormat.NCHW || !Arrays.equals(cl.getDilation(), new int[] { 1, 1 })
						|| activation(cl.getActivationFn()) == null || !cl.hasBias())
					return null;
				Convolution conv = Convolution.of(layers[i], cl, c, h, w);
				if (conv == null) return null;
				work += (long) conv.unfold.outH() * conv.unfold.outW() * cl.getNOut() * cl.getKernelSize()[0]
						* cl.getKernelSize()[1] * c;
				s = conv;
				c = (int) cl.getNOut();
				h = conv.unfold.outH();
				w = conv.unfold.outW();
			} else if (l instanceof SubsamplingLayer && l.getClass() == SubsamplingLayer.class && !flat) {
				Pooling p = Pooling.of((SubsamplingLayer) l, c, h, w);
				if (p == null) return null;
				s = p;
				h = p.outH;
				w = p.outW;
			} else if ((l.getClass() == DenseLayer.class || l.getClass() == OutputLayer.class)) {
				org.deeplearning4j.nn.conf.layers.FeedForwardLayer f = (org.deeplearning4j.nn.conf.layers.FeedForwardLayer) l;
				boolean output = l instanceof OutputLayer;
				IActivation a = f.getActivationFn();
				if (f.getNIn() != (long) c * h * w || (output ? a.getClass() != ActivationSoftmax.class
						: activation(a) == null) || (output && i != layers.length - 1))
					return null;
				Dense d = new Dense(layers[i], (int) f.getNIn(), (int) f.getNOut(), output ? null : a);
				if (!d.hasBias) return null;
				work += f.getNIn() * f.getNOut();
				s = d;
				c = (int) f.getNOut();
				h = 1;
				w = 1;
				flat = true;
			} else if (l.getClass() == DropoutLayer.class) {
				s = in -> in; // dropout only acts in training
			} else {
				return null;
			}
			steps.add(s);
		}
		if (steps.isEmpty() || !(conf.getConf(layers.length - 1).getLayer() instanceof OutputLayer)) return null;
		if (work > MAX_MULTIPLY_ADDS) return null;
		return new SmallBatchForward(net, channels * height * width, steps, c);
	}

	/** False once the network was trained after this pass copied its weights (make a new one then). */
	public boolean isCurrent() {
		return net.getIterationCount() == iterations && net.getEpochCount() == epochs;
	}

	/** Softmax probabilities of {@code n} images given NCHW one after another in {@code x} (resized, normalised). */
	public float[][] probabilities(float[] x, int n) {
		if (x.length != n * inputSize)
			throw new IllegalArgumentException(x.length + " values for " + n + " images of " + inputSize);
		float[][] out = new float[n][];
		for (int i = 0; i < n; i++) {
			float[] v = Arrays.copyOfRange(x, i * inputSize, (i + 1) * inputSize);
			for (Step s : steps) v = s.apply(v);
			softmax(v);
			out[i] = v;
		}
		return out;
	}

	public int classes() {
		return classes;
	}

	private static void softmax(float[] z) {
		float max = Float.NEGATIVE_INFINITY;
		for (float v : z) max = Math.max(max, v);
		double sum = 0;
		for (int i = 0; i < z.length; i++) {
			z[i] = (float) Math.exp(z[i] - max);
			sum += z[i];
		}
		for (int i = 0; i < z.length; i++) z[i] = (float) (z[i] / sum);
	}

	/** The activation as a function of one value, or null when not covered. */
	private interface Act {
		float apply(float v);
	}

	private static Act activation(IActivation a) {
		if (a instanceof ActivationIdentity) return v -> v;
		if (a.getClass() == org.nd4j.linalg.activations.impl.ActivationReLU.class)
			return Relu.isPlain(a) ? v -> Math.max(v, 0f) : null;
		if (a instanceof ActivationLReLU) {
			float alpha = (float) ((ActivationLReLU) a).getAlpha();
			return v -> v < 0 ? alpha * v : v;
		}
		if (a instanceof ActivationTanH) return v -> (float) Math.tanh(v);
		if (a instanceof ActivationSigmoid) return v -> (float) (1 / (1 + Math.exp(-v)));
		if (a instanceof ActivationELU) {
			double alpha = ((ActivationELU) a).getAlpha();
			return v -> v >= 0 ? v : (float) (alpha * (Math.exp(v) - 1));
		}
		return null;
	}

	/** [rows × cols] · [cols × n] on OpenBLAS, into arrays made once. */
	private static final class Product {
		final INDArray left, right, result;
		final FloatBuffer rightBuffer, resultBuffer;
		final int outLength;

		Product(float[] leftValues, int rows, int inner, int cols) {
			left = NdArrays.array(leftValues, rows, inner);
			right = NdArrays.detached(null, inner, cols);
			result = NdArrays.detached(null, rows, cols);
			rightBuffer = right.data().asNioFloat();
			resultBuffer = result.data().asNioFloat();
			outLength = rows * cols;
		}

		float[] times(float[] rightValues) {
			rightBuffer.position(0);
			rightBuffer.put(rightValues, 0, rightValues.length);
			Nd4j.gemm(left, right, result, false, false, 1.0, 0.0);
			float[] out = new float[outLength];
			resultBuffer.position(0);
			resultBuffer.get(out);
			return out;
		}
	}

	private static final class Convolution implements Step {
		final Im2Col unfold;
		final Product product;
		final Act act;
		final float[] columns;

		private Convolution(Im2Col unfold, Product product, Act act) {
			this.unfold = unfold;
			this.product = product;
			this.act = act;
			columns = new float[unfold.rows() * unfold.positions()];
			unfold.fillOnes(columns, 1);
		}

		static Convolution of(Layer layer, ConvolutionLayer cl, int c, int h, int w) {
			int[] k = cl.getKernelSize(), s = cl.getStride(), pad, out;
			INDArray shapeOnly = Nd4j.create(DataType.FLOAT, 1, c, h, w); // the helpers below read its shape
			if (cl.getConvolutionMode() == ConvolutionMode.Same) {
				out = ConvolutionUtils.getOutputSize(shapeOnly, k, s, null, ConvolutionMode.Same, cl.getDilation(),
						CNN2DFormat.NCHW);
				pad = ConvolutionUtils.getSameModeTopLeftPadding(out, new int[] { h, w }, k, s, cl.getDilation());
			} else if (cl.getConvolutionMode() == ConvolutionMode.Truncate) {
				pad = cl.getPadding();
				out = ConvolutionUtils.getOutputSize(shapeOnly, k, s, pad, ConvolutionMode.Truncate, cl.getDilation(),
						CNN2DFormat.NCHW);
			} else {
				return null;
			}
			Im2Col unfold = new Im2Col(c, h, w, k[0], k[1], s[0], s[1], pad[0], pad[1], out[0], out[1]);
			int nOut = (int) cl.getNOut(), taps = unfold.rows() - 1;
			float[] weights = NdArrays.floats(layer.getParam("W"), null), bias = NdArrays.floats(layer.getParam("b"),
					null);
			float[] withBias = new float[nOut * unfold.rows()];
			for (int o = 0; o < nOut; o++) {
				System.arraycopy(weights, o * taps, withBias, o * unfold.rows(), taps);
				withBias[o * unfold.rows() + taps] = bias[o];
			}
			return new Convolution(unfold, new Product(withBias, nOut, unfold.rows(), unfold.positions()),
					activation(cl.getActivationFn()));
		}

		@Override
		public float[] apply(float[] in) {
			unfold.fill(in, 0, 1, columns);
			float[] z = product.times(columns); // [nOut, outH·outW] = NCHW of one image
			for (int i = 0; i < z.length; i++) z[i] = act.apply(z[i]);
			return z;
		}
	}

	private static final class Dense implements Step {
		final Product product;
		final float[] bias;
		final Act act; // null: the output layer (softmax after the last step)
		final boolean hasBias;

		Dense(Layer layer, int nIn, int nOut, IActivation a) {
			INDArray b = layer.getParam("b");
			hasBias = b != null;
			bias = hasBias ? NdArrays.floats(b, null) : null;
			// x · W as Wᵀ · x: W is [nIn, nOut]; its transpose as the left matrix makes the image a column
			product = new Product(NdArrays.floats(layer.getParam("W").transpose(), null), nOut, nIn, 1);
			act = a == null ? null : activation(a);
		}

		@Override
		public float[] apply(float[] in) {
			float[] z = product.times(in);
			for (int i = 0; i < z.length; i++) {
				z[i] += bias[i];
				if (act != null) z[i] = act.apply(z[i]);
			}
			return z;
		}
	}

	private static final class Pooling implements Step {
		final boolean max, includePad;
		final int c, h, w, kh, kw, sh, sw, padTop, padLeft, outH, outW;

		private Pooling(boolean max, boolean includePad, int c, int h, int w, int[] k, int[] s, int[] pad, int[] out) {
			this.max = max;
			this.includePad = includePad;
			this.c = c;
			this.h = h;
			this.w = w;
			kh = k[0];
			kw = k[1];
			sh = s[0];
			sw = s[1];
			padTop = pad[0];
			padLeft = pad[1];
			outH = out[0];
			outW = out[1];
		}

		static Pooling of(SubsamplingLayer l, int c, int h, int w) {
			PoolingType t = l.getPoolingType();
			if ((t != PoolingType.MAX && t != PoolingType.AVG) || l.getCnn2dDataFormat() != CNN2DFormat.NCHW
					|| !Arrays.equals(l.getDilation(), new int[] { 1, 1 }))
				return null;
			int[] k = l.getKernelSize(), s = l.getStride(), pad, out;
			INDArray shapeOnly = Nd4j.create(DataType.FLOAT, 1, c, h, w);
			if (l.getConvolutionMode() == ConvolutionMode.Same) {
				out = ConvolutionUtils.getOutputSize(shapeOnly, k, s, null, ConvolutionMode.Same, l.getDilation(),
						CNN2DFormat.NCHW);
				pad = ConvolutionUtils.getSameModeTopLeftPadding(out, new int[] { h, w }, k, s, l.getDilation());
			} else if (l.getConvolutionMode() == ConvolutionMode.Truncate) {
				pad = l.getPadding();
				out = ConvolutionUtils.getOutputSize(shapeOnly, k, s, pad, ConvolutionMode.Truncate, l.getDilation(),
						CNN2DFormat.NCHW);
			} else {
				return null;
			}
			return new Pooling(t == PoolingType.MAX, l.isAvgPoolIncludePadInDivisor(), c, h, w, k, s, pad, out);
		}

		@Override
		public float[] apply(float[] in) {
			float[] out = new float[c * outH * outW];
			for (int ch = 0, o = 0; ch < c; ch++) {
				int plane = ch * h * w;
				for (int oy = 0; oy < outH; oy++)
					for (int ox = 0; ox < outW; ox++, o++) {
						int y0 = oy * sh - padTop, x0 = ox * sw - padLeft;
						float best = Float.NEGATIVE_INFINITY, sum = 0;
						int count = 0;
						for (int y = Math.max(0, y0); y < Math.min(h, y0 + kh); y++)
							for (int x = Math.max(0, x0); x < Math.min(w, x0 + kw); x++) {
								float v = in[plane + y * w + x];
								best = Math.max(best, v);
								sum += v;
								count++;
							}
						out[o] = max ? best : sum / (includePad ? kh * kw : count);
					}
			}
			return out;
		}
	}
}
