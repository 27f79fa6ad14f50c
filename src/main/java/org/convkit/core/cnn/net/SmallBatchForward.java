package org.convkit.core.cnn.net;

import org.convkit.core.cnn.net.ForwardSteps.Step;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.DropoutLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.conf.preprocessor.CnnToFeedForwardPreProcessor;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.activations.impl.ActivationSoftmax;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Supplier;

/**
 * The inference pass of a small ConvKit network in Java and OpenBLAS: each convolution is one {@link Im2Col} product
 * for the whole batch (the bias rides in the product as a row of ones), or for stride 1 a few products over a
 * {@link WidthUnfolding} ({@link WidthUnfoldedConvolution}), pooling, activations and softmax in Java,
 * dense layers one product per batch ({@link ForwardSteps}). DL4J's {@code MultiLayerNetwork.output} costs about a
 * millisecond per call for LeNet whatever the batch size — each layer sets up a libnd4j op, for a convolution a
 * oneDNN primitive and its memory reorders — which made classifying one image at a time 0.64–0.71× PyTorch's speed;
 * this path has no per-layer set-up. Where oneDNN lacks AVX-512 its convolutions are slow enough that this path
 * also wins for whole batches of LeNet-sized networks ({@link #serves}; docs/benchmarks.md, {@code ./convkit --bench
 * 3 inference}).
 * <p>
 * Gives DL4J's probabilities up to float rounding (the products sum in another order; SmallBatchForwardTest
 * compares every layer kind with DL4J). Covers the layers ConvKit's spec language makes, except batch
 * normalisation: NCHW convolutions (any kernel, stride, same or valid padding, no dilation), max and average
 * pooling, dense, dropout (nothing at inference), a softmax output layer; activations relu, leaky relu, tanh,
 * sigmoid, elu and identity. {@link #of} answers null for anything else, and for networks too large to gain
 * ({@link #MAX_MULTIPLY_ADDS}), and the caller uses DL4J. The weights are copied when the pass is made;
 * {@link #isCurrent} tells whether the network was trained since. It keeps its buffers for the last batch size
 * (LeNet, 64 images: about 33 MB). Not thread-safe.
 */
public final class SmallBatchForward {
	/*
	 * Where this path beats DL4J's output, from `./convkit --bench 3 inference` on a quiet 2-core machine, 1 thread
	 * (docs/benchmarks.md; SmallBatchForward / DL4J images per second):
	 *
	 *                       per image   1 image      4 images     16 images    64 images
	 *   AVX-512  LeNet 28    2.3 M      3.71         1.79         0.98         0.68
	 *            VGG 24     14 M        1.46         0.85         0.49         0.45
	 *            VGG 40     39 M        1.39         0.71         0.52         0.41
	 *            VGG 64    100 M        0.90         0.49         0.45         0.46
	 *   AVX2     LeNet 28    2.3 M      3.39         2.29         1.50         1.24
	 *            VGG 24     14 M        1.11         0.89         0.62         0.60
	 *            VGG 40     39 M        1.07         0.74         0.65         0.74
	 *            VGG 64    100 M        0.95         0.70         0.54         0.71
	 *
	 * (AVX2: this machine narrowed to it.) Hence the three bounds below. Against the fused-block twin ({@link
	 * FusedForward}; `./convkit --bench 3 inference`, 2026-12-05, SmallBatchForward / fused twin):
	 *
	 *                       per image   1 image      4 images     16 images    64 images
	 *   AVX-512  LeNet 28    2.3 M      2.09         1.41         1.04         0.59
	 *            VGG 24     14 M        0.44         0.29         0.44         0.39
	 *   AVX2     LeNet 28    2.3 M      2.48         0.93         0.78         0.70
	 *            VGG 24     14 M        0.35         0.35         0.35         0.51
	 *
	 * Hence the fourth bound, beside that twin.
	 */
	/** Networks with more multiply-adds per image than this are left to DL4J, one image at a time included. */
	static final long MAX_MULTIPLY_ADDS = 40_000_000L;
	/** Calls with more multiply-adds than this go to DL4J (LeNet: up to 13 images), unless the next rule holds. */
	static final long MAX_CALL = 32_000_000L;
	/**
	 * Where oneDNN lacks AVX-512, networks up to this many multiply-adds per image take whole batches: there its
	 * convolutions of few channels are slow (LeNet: 1.24× DL4J's speed at 64 images).
	 */
	static final long SMALL_NETWORK = 5_000_000L;
	/**
	 * Beside a fused-block twin, calls with more multiply-adds than this go to the twin (LeNet: up to 2 images; at 4,
	 * 9.2 million, this path won with AVX-512 and lost narrowed to AVX2; one Small VGG 24×24 image, 14 million, lost
	 * by 2.3–2.9×).
	 */
	static final long MAX_CALL_BESIDE_FUSED = 5_000_000L;

	private final MultiLayerNetwork net;
	private final int iterations, epochs, inputSize, channels, plane, classes;
	private final List<Step> steps;
	/** Multiply-adds per image, and per call up to which this path is the faster one on this processor. */
	private final long work, maxCallWork;

	private SmallBatchForward(MultiLayerNetwork net, int channels, int plane, List<Step> steps, int classes,
			long work) {
		this.net = net;
		this.work = work;
		this.maxCallWork = !OneDnn.usesAvx512() && work <= SMALL_NETWORK ? Long.MAX_VALUE : MAX_CALL;
		this.iterations = net.getIterationCount();
		this.epochs = net.getEpochCount();
		this.channels = channels;
		this.plane = plane;
		this.inputSize = channels * plane;
		this.steps = steps;
		this.classes = classes;
	}

	/**
	 * The pass for a network with NCHW input of the given size, with a copy of its current weights; null when a
	 * layer, activation or pre-processor is one this class does not cover, and when ConvKit's run-time replacements
	 * are switched off ({@link FastTraining#enabled()}): then DL4J's own output answers, as shipped.
	 */
	public static SmallBatchForward of(MultiLayerNetwork net, int height, int width, int channels) {
		return of(net, height, width, channels, MAX_MULTIPLY_ADDS);
	}

	/** As {@link #of(MultiLayerNetwork, int, int, int)} with another bound: for measuring where the bound lies. */
	public static SmallBatchForward of(MultiLayerNetwork net, int height, int width, int channels,
			long maxMultiplyAdds) {
		if (!FastTraining.enabled()) return null;
		MultiLayerConfiguration conf = net.getLayerWiseConfigurations();
		Layer[] layers = net.getLayers();
		List<Step> steps = new ArrayList<>();
		int c = channels, h = height, w = width;
		boolean flat = false, featureMajor = false;
		long work = 0;
		for (int i = 0; i < layers.length; i++) {
			org.deeplearning4j.nn.conf.layers.Layer l = conf.getConf(i).getLayer();
			InputPreProcessor pre = conf.getInputPreProcess(i);
			if (pre != null) {
				if (!(pre instanceof CnnToFeedForwardPreProcessor)
						|| ((CnnToFeedForwardPreProcessor) pre).getFormat() != CNN2DFormat.NCHW)
					return null;
				flat = true; // NCHW flattened in C order per image
			}
			Step s;
			if (l instanceof ConvolutionLayer && l.getClass() == ConvolutionLayer.class && !flat) {
				ConvolutionLayer cl = (ConvolutionLayer) l;
				if (cl.getCnn2dDataFormat() != CNN2DFormat.NCHW || !Arrays.equals(cl.getDilation(), new int[] { 1, 1 })
						|| ForwardSteps.activation(cl.getActivationFn()) == null || !cl.hasBias())
					return null;
				ForwardSteps.Convolution conv = ForwardSteps.Convolution.of(layers[i], cl, c, h, w);
				if (conv == null) return null;
				work += (long) conv.unfold.outH() * conv.unfold.outW() * cl.getNOut() * cl.getKernelSize()[0]
						* cl.getKernelSize()[1] * c;
				s = conv;
				c = (int) cl.getNOut();
				h = conv.unfold.outH();
				w = conv.unfold.outW();
			} else if (l instanceof SubsamplingLayer && l.getClass() == SubsamplingLayer.class && !flat) {
				ForwardSteps.Pooling p = ForwardSteps.Pooling.of((SubsamplingLayer) l, c, h, w);
				if (p == null) return null;
				s = p;
				h = p.outH;
				w = p.outW;
			} else if ((l.getClass() == DenseLayer.class || l.getClass() == OutputLayer.class)) {
				org.deeplearning4j.nn.conf.layers.FeedForwardLayer f = (org.deeplearning4j.nn.conf.layers.FeedForwardLayer) l;
				boolean output = l instanceof OutputLayer;
				IActivation a = f.getActivationFn();
				if (f.getNIn() != (long) c * h * w || (output ? a.getClass() != ActivationSoftmax.class
						: ForwardSteps.activation(a) == null) || (output && i != layers.length - 1)
						|| layers[i].getParam("b") == null)
					return null;
				if (!featureMajor) steps.add(ForwardSteps.toFeatureMajor(c, h * w));
				featureMajor = true;
				s = new ForwardSteps.Dense(layers[i], (int) f.getNIn(), (int) f.getNOut(), output ? null : a);
				work += f.getNIn() * f.getNOut();
				c = (int) f.getNOut();
				h = 1;
				w = 1;
				flat = true;
			} else if (l.getClass() == DropoutLayer.class) {
				s = (in, n) -> in; // dropout only acts in training
			} else {
				return null;
			}
			steps.add(s);
		}
		if (steps.isEmpty() || !(conf.getConf(layers.length - 1).getLayer() instanceof OutputLayer)) return null;
		if (work > maxMultiplyAdds) return null;
		return new SmallBatchForward(net, channels, height * width, steps, c, work);
	}

	/** Whether this path is the faster one for a call with {@code n} images (any n works; this is about speed). */
	public boolean serves(int n) {
		return n >= 1 && n <= maxImages();
	}

	/**
	 * Whether this path is the faster one for a call with {@code n} images when DL4J's calls go through the twin
	 * {@code twin} gives (null: DL4J's own output): the fused-block twin is faster than this path for all but the
	 * smallest calls. The smallest calls are this path's whatever the twin, so they do not ask for one (making the
	 * first twin in a JVM loads oneDNN's library).
	 */
	public boolean serves(int n, Supplier<NetworkTwin> twin) {
		if (n >= 1 && (long) n * work <= MAX_CALL_BESIDE_FUSED) return true; // also within serves(n): MAX_CALL is larger
		return twin.get() instanceof FusedForward ? false : serves(n);
	}

	/** The most images per call for which this path is the faster one here (at least 1: one image always is). */
	public int maxImages() {
		return (int) Math.max(1, Math.min(Integer.MAX_VALUE, maxCallWork / Math.max(1, work)));
	}

	/** False once the network was trained after this pass copied its weights (make a new one then). */
	public boolean isCurrent() {
		return net.getIterationCount() == iterations && net.getEpochCount() == epochs;
	}

	/** Softmax probabilities of {@code n} images given NCHW one after another in {@code x} (resized, normalised). */
	public float[][] probabilities(float[] x, int n) {
		if (n < 1 || x.length != n * inputSize)
			throw new IllegalArgumentException(x.length + " values for " + n + " images of " + inputSize);
		float[] v = ForwardSteps.toChannelMajor(x, n, channels, plane);
		for (Step s : steps) v = s.apply(v, n);
		float[][] out = new float[n][classes]; // v is [classes][n]
		for (int i = 0; i < n; i++) {
			for (int k = 0; k < classes; k++) out[i][k] = v[k * n + i];
			softmax(out[i]);
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
}
