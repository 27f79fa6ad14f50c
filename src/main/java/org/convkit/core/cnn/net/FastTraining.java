package org.convkit.core.cnn.net;

import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;

import java.util.List;

/**
 * The run-time replacements that make {@code MultiLayerNetwork.fit} faster in ConvKit's Trainer, switched on and off
 * together. Each gives DL4J's numbers (see its tests) and is measured in docs/benchmarks.md:
 * <ul>
 * <li>{@link InputConvolutionLayer}: the first convolution skips the gradient with respect to the images and does
 * its training forward pass in Java;</li>
 * <li>{@link ReluConvolutionLayer}: the other ReLU convolutions do the ReLU backprop in Java;</li>
 * <li>{@link CachingDenseLayer}: dense layers keep their pre-activation for backprop;</li>
 * <li>{@link TrainableNetwork}: the unused L2 score is left out of every step;</li>
 * <li>{@link JavaAdamUpdater}: Adam's step in Java (this one stays installed: it is DL4J's arithmetic).</li>
 * </ul>
 * Outside {@link #on}…{@link #off} the layers are DL4J's own paths, so a trained network behaves as DL4J's.
 */
public final class FastTraining {
	private final MultiLayerNetwork net;
	private final InputConvolutionLayer firstLayer;
	private final List<ReluConvolutionLayer> convolutions;
	private final List<CachingDenseLayer> denseLayers;

	private FastTraining(MultiLayerNetwork net) {
		this.net = net;
		firstLayer = InputConvolutionLayer.install(net);
		convolutions = ReluConvolutionLayer.install(net);
		denseLayers = CachingDenseLayer.install(net);
		JavaAdamUpdater.install(net);
	}

	/** Installs the replacements (idempotent) and switches them on for the network's fit calls. */
	public static FastTraining on(MultiLayerNetwork net) {
		FastTraining f = new FastTraining(net);
		f.switchTo(true);
		return f;
	}

	/** Back to DL4J's paths; frees the replacements' buffers. */
	public void off() {
		switchTo(false);
	}

	private void switchTo(boolean on) {
		if (firstLayer != null) firstLayer.skipInputGradient(on);
		ReluConvolutionLayer.training(convolutions, on);
		CachingDenseLayer.training(denseLayers, on);
		if (net instanceof TrainableNetwork) ((TrainableNetwork) net).skipRegularizationScore(on);
	}
}
