package org.convkit.core.cnn.net;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.params.ConvolutionParamInitializer;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Locale;

/**
 * The layer objects that run a {@link FusedConvStack} inside DL4J's fit step, in place of the block's own layer
 * objects while ConvKit's Trainer trains ({@link FastTraining#on} to {@link FastTraining#off}; put in and taken out
 * with {@link LayerReplacement}, sharing the layers' weights and gradients) — or inside DL4J's output, in a twin of a
 * network that classifies ({@link FusedForward}, {@link #installForInference}).
 * <p>
 * In a training forward pass the bottom layer starts the step, the layers below the top hand their input up
 * unchanged, and the top layer runs the whole block and returns its output; in backprop the top layer runs the whole
 * block backward, writing every layer's gradient arrays, and every layer returns its gradient views and no error for
 * the layer below (DL4J passes the missing error on; there are no preprocessors inside the block). DL4J's inference
 * passes (validation between epochs) run the block forward too, the layers below the top handing up a placeholder
 * (the block reads the input the bottom layer kept); a batch the block has no plan for goes to the layers' own
 * objects. A block that classifies does the same in DL4J's inference pass and never trains.
 * <p>
 * The switch {@value #PROPERTY}: {@code false} keeps the layers' own objects; {@code true} or unset uses the block
 * where oneDNN's library loads ({@link Dnnl}). {@value #WINOGRAD_PROPERTY}{@code =false} keeps oneDNN from its
 * Winograd kernels. {@value #LAYOUT_PROPERTY}: {@code channelsLast} lays the block's activations out channels last,
 * {@code oneDNN} as oneDNN chooses, unset (or anything else) channels last only where oneDNN's choice pads channels
 * ({@link FusedConvStack.Layout}). {@value #PRODUCT_PROPERTY}{@code =false}: where oneDNN has only its reference
 * kernel for a one-channel first layer's weight gradient in its layout (AVX2), that pass runs on oneDNN's im2col kernel
 * after reordering the error to NCHW, as before ConvKit's product ({@link OneChannelWeightGradient}, the default).
 */
final class FusedLayers {
	static final String PROPERTY = FastTraining.FUSED_PROPERTY, WINOGRAD_PROPERTY = "convkit.winograd",
			LAYOUT_PROPERTY = "convkit.fusedLayout", PRODUCT_PROPERTY = "convkit.firstLayerProduct";
	/**
	 * {@code false}: a convolution's ReLU backprop stays a oneDNN pass where ConvKit's Winograd kernels run the
	 * convolution above it (by default they apply it as they store its error).
	 */
	static final String NATIVE_RELU_PROPERTY = "convkit.nativeReluBackprop";

	private final TrainableNetwork net;
	private final FusedConvStack stack;
	private final Layer[] originals;

	private FusedLayers(TrainableNetwork net, FusedConvStack stack) {
		this.net = net;
		this.stack = stack;
		originals = new Layer[stack.size()];
		for (int i = 0; i < originals.length; i++) {
			Layer original = net.getLayers()[i];
			originals[i] = original;
			NeuralNetConfiguration conf = original.conf();
			DataType type = net.getLayerWiseConfigurations().getDataType();
			Layer member = conf.getLayer() instanceof org.deeplearning4j.nn.conf.layers.ConvolutionLayer
					? new Convolution(conf, type, original, stack, i == 0) : new Pooling(conf, type, original, stack);
			LayerReplacement.replace(net, i, member);
			stack.setLayer(i, member);
		}
	}

	/** Whether the switch allows the block in this JVM (read at each use). */
	static boolean wanted() {
		return !"false".equals(System.getProperty(PROPERTY, "").trim().toLowerCase(Locale.ROOT))
				&& FastTraining.enabled();
	}

	/**
	 * How many of the bottom layers of a network so configured the block would train in this JVM: 0 when the switch
	 * keeps it out, oneDNN's library does not load, or the network has no block.
	 */
	static int coverage(MultiLayerConfiguration conf) {
		int k = wanted() ? FusedBlockShape.blockLength(conf) : 0;
		return k > 0 && Dnnl.get() != null ? k : 0;
	}

	/** Puts the block's objects in place for training, or returns null when the network has no block. */
	static FusedLayers install(TrainableNetwork net) {
		return install(net, true);
	}

	/**
	 * Puts the objects of a block that only classifies in place, for good (in a network that is itself not trained:
	 * {@link FusedForward}'s twin), or returns null when the network has no block.
	 */
	static FusedLayers installForInference(TrainableNetwork net) {
		return install(net, false);
	}

	private static FusedLayers install(TrainableNetwork net, boolean training) {
		if (!wanted()) return null;
		FusedConvStack stack = FusedConvStack.of(net, FastTraining.switchedOn(WINOGRAD_PROPERTY),
				FusedConvStack.Layout.of(System.getProperty(LAYOUT_PROPERTY)), training);
		return stack == null ? null : new FusedLayers(net, stack);
	}

	/** The block these objects run. */
	FusedConvStack stack() {
		return stack;
	}

	/** Gives the network its own layer objects back and frees the block's native memory. */
	void uninstall() {
		for (int i = 0; i < originals.length; i++)
			LayerReplacement.replace(net, i, originals[i]);
		stack.release();
	}

	/**
	 * A block layer's forward pass once the step is started or not: the layer's own object's when the block does not
	 * take it (a batch without a plan; a training pass through a block that only classifies), the block's output from
	 * the top layer, from the others the input handed up unchanged in a training pass (copied once into DL4J's
	 * activation workspace, where DL4J checks it is; backprop reads each layer's input) or a one-value placeholder in
	 * an inference pass (the block reads the input the bottom layer kept). A training block serves inference passes
	 * too — the validation between epochs — through its training primitives, whose outputs are the same: through the
	 * layers' own objects Small VGG's validation took about as long per image as a training step (JFR, 2026-12-05).
	 */
	private static INDArray forward(Layer self, Layer original, FusedConvStack stack, INDArray input, boolean training,
			LayerWorkspaceMgr workspaceMgr) {
		if (!stack.started()) {
			original.setInput(input, workspaceMgr);
			return original.activate(training, workspaceMgr);
		}
		if (stack.isTop(self)) {
			INDArray out = stack.forward(workspaceMgr);
			if (!training) stack.abandon();
			return out;
		}
		if (!training) return workspaceMgr.create(ArrayType.ACTIVATIONS, DataType.FLOAT, 1);
		return input.isAttached() ? workspaceMgr.leverageTo(ArrayType.ACTIVATIONS, input)
				: workspaceMgr.dup(ArrayType.ACTIVATIONS, input); // ND4J's leverage leaves detached arrays alone
	}

	/** A convolution of the block. */
	static final class Convolution extends org.deeplearning4j.nn.layers.convolution.ConvolutionLayer {
		private final Layer original;
		private final FusedConvStack stack;
		private final boolean bottom;

		Convolution(NeuralNetConfiguration conf, DataType type, Layer original, FusedConvStack stack, boolean bottom) {
			super(conf, type);
			this.original = original;
			this.stack = stack;
			this.bottom = bottom;
		}

		/** The block this layer belongs to. */
		FusedConvStack stack() {
			return stack;
		}

		@Override
		public INDArray activate(boolean training, LayerWorkspaceMgr workspaceMgr) {
			if (bottom) {
				if (training && !stack.training) stack.abandon(); // a block that only classifies has no backward
				else stack.start(input);
			}
			return forward(this, original, stack, input, training, workspaceMgr);
		}

		@Override
		public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
			if (!stack.training || !stack.started()) return original.backpropGradient(epsilon, workspaceMgr);
			if (stack.isTop(this)) stack.backward(epsilon);
			if (bottom) stack.abandon();
			Gradient g = new DefaultGradient();
			g.setGradientFor(ConvolutionParamInitializer.BIAS_KEY,
					gradientViews.get(ConvolutionParamInitializer.BIAS_KEY));
			g.setGradientFor(ConvolutionParamInitializer.WEIGHT_KEY,
					gradientViews.get(ConvolutionParamInitializer.WEIGHT_KEY), 'c');
			return new Pair<>(g, null);
		}
	}

	/** A pooling layer of the block (never its bottom). */
	static final class Pooling extends org.deeplearning4j.nn.layers.convolution.subsampling.SubsamplingLayer {
		private final Layer original;
		private final FusedConvStack stack;

		Pooling(NeuralNetConfiguration conf, DataType type, Layer original, FusedConvStack stack) {
			super(conf, type);
			this.original = original;
			this.stack = stack;
		}

		@Override
		public INDArray activate(boolean training, LayerWorkspaceMgr workspaceMgr) {
			return forward(this, original, stack, input, training, workspaceMgr);
		}

		@Override
		public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
			if (!stack.training || !stack.started()) return original.backpropGradient(epsilon, workspaceMgr);
			if (stack.isTop(this)) stack.backward(epsilon);
			return new Pair<>(new DefaultGradient(), null);
		}
	}
}
