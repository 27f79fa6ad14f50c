package org.convkit.core.cnn.net;

import org.convkit.core.cnn.spec.LayerSpec;
import org.convkit.core.cnn.spec.NetworkSpec;
import org.convkit.core.cnn.spec.Padding;
import org.deeplearning4j.nn.conf.CacheMode;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.WorkspaceMode;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.DropoutLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.lossfunctions.LossFunctions;
import org.nd4j.linalg.lossfunctions.impl.LossMCXENT;

/**
 * Turns a {@link NetworkSpec}, an input size, a class count and {@link TrainingSettings} into a DL4J
 * {@link MultiLayerConfiguration}: the one place that knows how the spec language maps to DL4J, so the trainer, the
 * model file and the tests all get the same network.
 * <p>
 * The configuration is seeded, float, NCHW ({@code InputType.convolutional(h, w, c)}), ends in a softmax output
 * layer with multi-class cross-entropy (MCXENT; with {@code balance=Weights} weighted per class), keeps workspaces enabled and uses {@code CacheMode.DEVICE} (measured
 * here: the backward pass then reuses the forward activations instead of recomputing them, ~1.5x faster training).
 * "valid" padding is DL4J's Truncate mode, "same" its Same mode, so {@link NetworkSpec#shapes} predicts DL4J's
 * shapes and {@link NetworkSpec#parameterCount} its {@code numParams()}.
 */
public final class NetworkBuilder {
	/** About 1 GB of float weights: above this a spec is almost surely a typo, and the model file could not hold it. */
	public static final long MAX_PARAMETERS = 250_000_000L;

	private NetworkBuilder() {
	}

	/**
	 * The DL4J configuration for the spec.
	 *
	 * @throws IllegalArgumentException naming the layer when the spec does not fit the input size, or when the
	 *                                  class count or the parameter count is out of range
	 */
	public static MultiLayerConfiguration configuration(NetworkSpec spec, int height, int width, int channels,
			int classes, TrainingSettings settings) {
		return configuration(spec, height, width, channels, classes, settings, null);
	}

	/**
	 * As above, with a weight per class on the loss ({@code balance=Weights}; null: every class 1).
	 *
	 * @throws IllegalArgumentException also when there is not one finite, non-negative weight per class
	 */
	public static MultiLayerConfiguration configuration(NetworkSpec spec, int height, int width, int channels,
			int classes, TrainingSettings settings, double[] classWeights) {
		if (classWeights != null) {
			if (classWeights.length != classes)
				throw new IllegalArgumentException(classWeights.length + " class weights for " + classes + " classes");
			for (double w : classWeights)
				if (!(w >= 0 && Double.isFinite(w))) throw new IllegalArgumentException("class weight " + w);
		}
		if (spec == null) throw new IllegalArgumentException("network spec missing");
		if (settings == null) throw new IllegalArgumentException("training settings missing");
		Dl4jRuntime.configure(); // ND4J's native build is chosen before anything here can load it
		long params = spec.parameterCount(height, width, channels, classes); // validates shapes, names the layer
		if (params > MAX_PARAMETERS)
			throw new IllegalArgumentException("The network would have " + params + " parameters (at most "
					+ MAX_PARAMETERS + "): use fewer filters or units, more pooling, or a smaller input size");

		NeuralNetConfiguration.Builder b = new NeuralNetConfiguration.Builder()
				.seed(settings.seed())
				.dataType(DataType.FLOAT)
				.updater(settings.optimizer().updater(settings.learningRate()))
				.weightInit(settings.init().dl4j())
				.trainingWorkspaceMode(WorkspaceMode.ENABLED)
				.inferenceWorkspaceMode(WorkspaceMode.ENABLED)
				.cacheMode(CacheMode.DEVICE);
		if (settings.l2() > 0) b.l2(settings.l2());
		NeuralNetConfiguration.ListBuilder list = b.list();
		for (LayerSpec l : spec.layers()) {
			switch (l.kind()) {
				case CONV:
					list.layer(new ConvolutionLayer.Builder(l.kernelHeight(), l.kernelWidth())
							.stride(l.stride(), l.stride())
							.convolutionMode(mode(l.padding()))
							.nOut(l.filters())
							.activation(activation(l.activation()))
							.build());
					break;
				case MAXPOOL:
				case AVGPOOL:
					list.layer(new SubsamplingLayer.Builder(l.kind() == LayerSpec.Kind.MAXPOOL
							? SubsamplingLayer.PoolingType.MAX : SubsamplingLayer.PoolingType.AVG)
							.kernelSize(l.kernelHeight(), l.kernelWidth())
							.stride(l.stride(), l.stride())
							.convolutionMode(mode(l.padding()))
							.build());
					break;
				case DENSE:
					list.layer(new DenseLayer.Builder().nOut(l.units()).activation(activation(l.activation())).build());
					break;
				case DROPOUT:
					// DL4J's argument is the probability of KEEPING an activation; the spec gives the drop probability
					list.layer(new DropoutLayer.Builder(l.retainProbability()).build());
					break;
				case BATCHNORM:
					list.layer(new BatchNormalization.Builder().build());
					break;
				default:
					throw new IllegalStateException("unhandled layer kind " + l.kind());
			}
		}
		OutputLayer.Builder output = classWeights == null ? new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT)
				: new OutputLayer.Builder(new LossMCXENT(Nd4j.create(classWeights).castTo(DataType.FLOAT)));
		list.layer(output
				.nOut(classes)
				.activation(Activation.SOFTMAX)
				.build());
		list.setInputType(InputType.convolutional(height, width, channels));
		return list.build();
	}

	/** An initialised (seeded random weights) network for the spec, of ConvKit's layer objects. */
	public static TrainableNetwork network(NetworkSpec spec, int height, int width, int channels, int classes,
			TrainingSettings settings) {
		return network(spec, height, width, channels, classes, settings, null);
	}

	/** As above, with class weights on the loss (null: none). */
	public static TrainableNetwork network(NetworkSpec spec, int height, int width, int channels, int classes,
			TrainingSettings settings, double[] classWeights) {
		TrainableNetwork net = new TrainableNetwork(configuration(spec, height, width, channels, classes, settings,
				classWeights));
		net.init();
		return net;
	}

	/** DL4J's activation for a spec activation. */
	public static Activation activation(org.convkit.core.cnn.spec.Activation a) {
		switch (a) {
			case RELU:
				return Activation.RELU;
			case LEAKYRELU:
				return Activation.LEAKYRELU;
			case TANH:
				return Activation.TANH;
			case SIGMOID:
				return Activation.SIGMOID;
			case ELU:
				return Activation.ELU;
			default:
				return Activation.IDENTITY;
		}
	}

	private static ConvolutionMode mode(Padding p) {
		return p == Padding.SAME ? ConvolutionMode.Same : ConvolutionMode.Truncate;
	}
}
