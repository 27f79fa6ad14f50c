package org.convkit.core.cnn.inspect;

import org.convkit.core.cnn.model.ModelBundle;
import org.convkit.core.cnn.net.Dl4jRuntime;
import org.convkit.core.cnn.net.NdArrays;
import org.convkit.core.cnn.runtime.ComputeThreads;
import org.convkit.core.cnn.spec.LayerNames;
import org.convkit.core.cnn.spec.LayerSpec;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.params.BatchNormalizationParamInitializer;
import org.deeplearning4j.nn.params.DefaultParamInitializer;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Arrays;
import java.util.List;

/**
 * The one place where the explainers meet DL4J: a model's network run layer by layer in inference mode, forward
 * (every layer's activations) and backward (the gradient of an {@link Objective} on some layers with respect to
 * the input or to a chosen layer's activations).
 * <p>
 * Why not DL4J's own calls: {@code calculateGradients} always runs the forward pass in training mode (dropout on,
 * batch norm on batch statistics) and starts from the loss; {@code backpropGradient} of a network that ends in an
 * output layer throws. Here the forward pass is {@code layer.activate(x, false)} per layer (DL4J's inference path,
 * input preprocessors included) and the backward pass is each layer's {@code backpropGradient} for convolution,
 * pooling and dense layers, while the two layers whose training and inference behaviour differ are done here in
 * their inference form: dropout passes the gradient unchanged, batch normalisation scales it by
 * {@code gamma / sqrt(runningVariance + eps)} per channel. The output layer is read as logits
 * {@code z = a W + b} (the class score before the softmax), so an objective on it is an objective on logits.
 * <p>
 * The network is a private copy of the bundle's (same configuration and weights, fresh layer objects): DL4J layers
 * keep forward-pass caches from training that a backward pass would otherwise pick up, and computing gradients
 * writes into the network's gradient buffers. Methods are synchronized: the layers hold the forward pass's inputs
 * until the backward pass has used them.
 */
public final class InspectionNetwork {
	/** What a gradient is taken of: a scalar function of some layers' activations. */
	public interface Objective {
		/** The layers (indices as in {@link LayerNames#of}) whose activations the objective reads. */
		int[] layers();

		/**
		 * d objective / d activation of {@code layer}, of the activation's shape. For the output layer the
		 * activation passed is the logits (before the softmax).
		 */
		Tensor epsilon(int layer, Tensor activation);
	}

	/** The result of {@link #gradient}. */
	public static final class Gradient {
		/** d objective / d (activation of the chosen layer), or / d (normalised input) for layer -1. */
		public final Tensor gradient;
		/** The chosen layer's activation (the input for layer -1). */
		public final Tensor activation;

		Gradient(Tensor gradient, Tensor activation) {
			this.gradient = gradient;
			this.activation = activation;
		}
	}

	private static InspectionNetwork cached;

	private final ModelBundle bundle;
	private final MultiLayerNetwork net;
	private final MultiLayerConfiguration conf;
	private final Layer[] layers;
	private final List<String> names;
	private final int output;
	private final LayerWorkspaceMgr mgr = LayerWorkspaceMgr.noWorkspaces();
	/** The output layer's weights (nIn × classes) and bias, for the logits. */
	private final INDArray outW, outB;
	/** Per batch-norm layer, its inference scale gamma / sqrt(var + eps); null for other layers. */
	private final float[][] batchNormScale;
	/** One image's multiply-adds, for the thread count of each call ({@link ComputeThreads}). */
	private final long multiplyAdds;
	/** The preprocessed input of the output layer in the last forward pass. */
	private INDArray outputInput;

	private InspectionNetwork(ModelBundle bundle) {
		this.bundle = bundle;
		Dl4jRuntime.configure();
		MultiLayerNetwork source = bundle.network();
		synchronized (bundle) {
			conf = source.getLayerWiseConfigurations().clone();
			net = new MultiLayerNetwork(conf);
			net.init(source.params().dup(), false);
		}
		net.initGradientsView();
		layers = net.getLayers();
		names = LayerNames.of(bundle.spec());
		multiplyAdds = ComputeThreads.multiplyAdds(bundle.spec(), bundle.inputHeight(), bundle.inputWidth(),
				bundle.inputChannels(), bundle.labels().size());
		output = layers.length - 1;
		if (names.size() != layers.length)
			throw new IllegalStateException("the network has " + layers.length + " layers but the spec names "
					+ names.size());
		outW = layers[output].getParam(DefaultParamInitializer.WEIGHT_KEY);
		outB = layers[output].getParam(DefaultParamInitializer.BIAS_KEY);
		batchNormScale = new float[layers.length][];
		for (int i = 0; i < output; i++)
			if (kind(i) == LayerSpec.Kind.BATCHNORM) batchNormScale[i] = batchNormScale(layers[i]);
	}

	/** The inspection network of a bundle; the last one built is kept (one slot, like the bundle cache). */
	public static synchronized InspectionNetwork of(ModelBundle bundle) {
		if (bundle == null) throw new IllegalArgumentException("model missing");
		if (cached == null || cached.bundle != bundle) {
			cached = null;
			cached = new InspectionNetwork(bundle);
		}
		return cached;
	}

	public ModelBundle bundle() {
		return bundle;
	}

	/** The layer names ({@link LayerNames#of}); indices into this list are the layer indices of this class. */
	public List<String> names() {
		return names;
	}

	/** The index of the output (softmax) layer: the last one. */
	public int outputLayer() {
		return output;
	}

	/** The spec layer at {@code index}, or null for the output layer. */
	public LayerSpec spec(int index) {
		return index == output ? null : bundle.spec().layers().get(index);
	}

	/** The kind of spec layer at {@code index}, or null for the output layer. */
	public LayerSpec.Kind kind(int index) {
		LayerSpec l = spec(index);
		return l == null ? null : l.kind();
	}

	/** Whether the layer's output is an image (channels × height × width): no dense layer at or before it. */
	public boolean isSpatial(int index) {
		if (index == output) return false;
		for (int i = 0; i <= index; i++)
			if (kind(i) == LayerSpec.Kind.DENSE) return false;
		return true;
	}

	/**
	 * Activations of the requested layers for a batch of normalised inputs (NCHW at any size the spatial layers
	 * accept; the model's size when a dense or the output layer is asked for). The output layer gives the class
	 * probabilities. Returned in the order requested.
	 */
	public synchronized Tensor[] activations(Tensor input, int... requested) {
		int last = -1;
		for (int r : requested) {
			checkIndex(r);
			last = Math.max(last, r);
		}
		try (ComputeThreads.Scope threads = threadsFor(input)) {
			INDArray[] a = forward(input, last);
			Tensor[] out = new Tensor[requested.length];
			for (int i = 0; i < requested.length; i++) out[i] = tensor(a[requested[i]]);
			return out;
		}
	}

	/**
	 * Runs the input forward to the objective's deepest layer and back to {@code layer}: d objective / d activation
	 * of {@code layer} ({@code -1}: d objective / d normalised input), with that activation.
	 */
	public synchronized Gradient gradient(Tensor input, Objective objective, int layer) {
		int[] objectiveLayers = objective.layers().clone();
		Arrays.sort(objectiveLayers);
		if (objectiveLayers.length == 0) throw new IllegalArgumentException("the objective reads no layer");
		for (int l : objectiveLayers) checkIndex(l);
		if (layer < -1 || layer >= objectiveLayers[0])
			throw new IllegalArgumentException("the gradient is taken at a layer before the objective's layers");
		int deepest = objectiveLayers[objectiveLayers.length - 1];
		try (ComputeThreads.Scope threads = threadsFor(input)) {
			INDArray[] a = forward(input, deepest);
			INDArray eps = null;
			for (int i = deepest; i > layer; i--) {
				if (Arrays.binarySearch(objectiveLayers, i) >= 0) {
					INDArray activation = i == output ? logits() : a[i];
					Tensor e = objective.epsilon(i, tensor(activation));
					checkShape(e, activation, i);
					INDArray ea = NdArrays.array(e.data, activation.shape());
					eps = eps == null ? ea : eps.addi(ea);
				}
				if (eps != null) eps = backpropLayer(i, eps, input.n);
			}
			if (eps == null) throw new IllegalStateException("no gradient reached layer " + layer);
			Tensor activation = layer < 0 ? input : tensor(a[layer]);
			return new Gradient(tensor(eps), activation);
		}
	}

	/**
	 * The kernels of a convolution layer as filters × input channels × kernel height × kernel width. DL4J
	 * correlates (no flip): {@code out[f](y, x) = bias[f] + sum over c, i, j of w[f][c][i][j] * in[c](y * s + i - pad,
	 * x * s + j - pad)}, then the activation.
	 */
	public Tensor convolutionWeights(int layer) {
		requireConvolution(layer);
		return tensor(layers[layer].getParam(DefaultParamInitializer.WEIGHT_KEY));
	}

	/** The biases of a convolution layer, one per filter. */
	public float[] convolutionBiases(int layer) {
		requireConvolution(layer);
		return NdArrays.floats(layers[layer].getParam(DefaultParamInitializer.BIAS_KEY), null);
	}

	private void requireConvolution(int layer) {
		checkIndex(layer);
		if (kind(layer) != LayerSpec.Kind.CONV)
			throw new IllegalArgumentException(names.get(layer) + " is not a convolution layer (those with filters: "
					+ String.join(", ", convolutionNames()) + ")");
	}

	/** The names of the convolution layers, in order. */
	public List<String> convolutionNames() {
		List<String> c = new java.util.ArrayList<>();
		for (int i = 0; i < output; i++) if (kind(i) == LayerSpec.Kind.CONV) c.add(names.get(i));
		return c;
	}

	/** The class logits (before the softmax) of the last forward pass that reached the output layer. */
	private INDArray logits() {
		return outputInput.mmul(outW).addiRowVector(outB);
	}

	/** ConvKit's ND4J thread count for a call on {@code input}'s images (a larger input than the model's costs more). */
	private ComputeThreads.Scope threadsFor(Tensor input) {
		double scale = (double) input.height * input.width / ((long) bundle.inputHeight() * bundle.inputWidth());
		return ComputeThreads.use(ComputeThreads.forCall((long) (multiplyAdds * Math.max(1, scale)), input.n));
	}

	/** Layers 0..last in inference mode; keeps each layer's input for the backward pass. */
	private INDArray[] forward(Tensor input, int last) {
		int n = input.n;
		INDArray x = NdArrays.array(input.data, n, input.channels, input.height, input.width);
		INDArray[] out = new INDArray[last + 1];
		for (int i = 0; i <= last; i++) {
			InputPreProcessor pre = conf.getInputPreProcess(i);
			if (pre != null) x = pre.preProcess(x, n, mgr);
			if (i == output) outputInput = x;
			x = layers[i].activate(x, false, mgr);
			out[i] = x;
		}
		return out;
	}

	/** d objective / d (input of layer i, before its preprocessor) from d objective / d (output of layer i). */
	private INDArray backpropLayer(int i, INDArray eps, int n) {
		if (i == output) {
			eps = eps.mmul(outW.transpose());
		} else if (kind(i) == LayerSpec.Kind.DROPOUT) {
			// inference: dropout is the identity
		} else if (kind(i) == LayerSpec.Kind.BATCHNORM) {
			eps = scaleChannels(eps, batchNormScale[i]);
		} else {
			eps = layers[i].backpropGradient(eps, mgr).getSecond();
		}
		InputPreProcessor pre = conf.getInputPreProcess(i);
		if (pre != null) eps = pre.backprop(eps, n, mgr);
		return eps;
	}

	private static INDArray scaleChannels(INDArray eps, float[] scale) {
		long[] shape = eps.shape();
		float[] v = NdArrays.floats(eps, null);
		int channels = (int) shape[1];
		int plane = shape.length == 4 ? (int) (shape[2] * shape[3]) : 1;
		for (int i = 0; i < v.length; i++) v[i] *= scale[(i / plane) % channels];
		return NdArrays.array(v, shape);
	}

	/** gamma / sqrt(var + eps) per channel, from the layer's parameters as DL4J's inference pass reads them. */
	private static float[] batchNormScale(Layer layer) {
		org.deeplearning4j.nn.conf.layers.BatchNormalization c =
				(org.deeplearning4j.nn.conf.layers.BatchNormalization) layer.conf().getLayer();
		int channels = (int) c.getNOut();
		float[] gamma = new float[channels];
		if (c.isLockGammaBeta()) Arrays.fill(gamma, (float) c.getGamma());
		else gamma = NdArrays.floats(layer.getParam(BatchNormalizationParamInitializer.GAMMA), null);
		float[] var;
		if (c.isUseLogStd()) {
			float[] log10Std = NdArrays.floats(layer.getParam(BatchNormalizationParamInitializer.GLOBAL_LOG_STD), null);
			var = new float[channels];
			for (int i = 0; i < channels; i++) {
				double s = Math.pow(10, log10Std[i]);
				var[i] = (float) (s * s);
			}
		} else {
			var = NdArrays.floats(layer.getParam(BatchNormalizationParamInitializer.GLOBAL_VAR), null);
		}
		float[] scale = new float[channels];
		for (int i = 0; i < channels; i++) scale[i] = (float) (gamma[i] / Math.sqrt(var[i] + c.getEps()));
		return scale;
	}

	private void checkIndex(int layer) {
		if (layer < 0 || layer > output)
			throw new IllegalArgumentException("layer index " + layer + " is not in 0.." + output);
	}

	private static void checkShape(Tensor e, INDArray activation, int layer) {
		if (e.data.length != activation.length())
			throw new IllegalArgumentException("the objective's gradient for layer " + layer + " has " + e.data.length
					+ " values, the activation " + activation.length());
	}

	/** A Tensor copy of an activation: rank 4 NCHW, or rank 2 (n × units) as units × 1 × 1. */
	static Tensor tensor(INDArray a) {
		long[] s = a.shape();
		float[] v = NdArrays.floats(a, null);
		if (s.length == 4) return new Tensor(v, (int) s[0], (int) s[1], (int) s[2], (int) s[3]);
		if (s.length == 2) return new Tensor(v, (int) s[0], (int) s[1], 1, 1);
		throw new IllegalStateException("unexpected activation rank " + s.length);
	}
}
