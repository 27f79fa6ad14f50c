package org.convkit.core.cnn.net;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.layers.convolution.ConvolutionLayer;
import org.deeplearning4j.nn.layers.convolution.subsampling.SubsamplingLayer;
import org.deeplearning4j.nn.layers.feedforward.dense.DenseLayer;
import org.deeplearning4j.nn.layers.normalization.BatchNormalization;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.api.buffer.DataType;

import java.util.ArrayList;
import java.util.List;

/**
 * The layer objects of ConvKit's networks: each of DL4J's plain layer objects of these kinds is replaced, when the
 * network is initialised ({@link TrainableNetwork#init}), by ConvKit's subclass of it:
 * <ul>
 * <li>convolutions: {@link ColumnConvolutionLayer} for the first layer and for plain ReLU or identity ones, else
 * {@link OneDnnConvolutionLayer};</li>
 * <li>pooling: {@link MaxPoolingLayer} for max pooling where oneDNN lacks AVX-512 ({@link MaxPoolingLayer#wanted()}),
 * and on every processor for max pooling right after the first convolution when that is plain ReLU and no
 * preprocessor sits between them (linked to it by a {@link PoolingHandoff}), else {@link OneDnnSubsamplingLayer};</li>
 * <li>batch normalization: {@link OneDnnBatchNormalization};</li>
 * <li>dense: {@link CachingDenseLayer}.</li>
 * </ul>
 * All carry DL4J's oneDNN helpers where DL4J's would ({@link OneDnn}); the training shortcuts of the convolution,
 * pooling and dense layers stay off until {@link FastTraining#on} (so outside ConvKit's Trainer they are DL4J's layers
 * with the helper).
 * While ConvKit's Trainer trains, the convolution and pooling layers at the bottom may stand aside for the fused
 * block ({@link FusedLayers}, put in and taken out by {@link FastTraining}).
 * The replacement shares the original's configuration, parameters and gradients ({@link LayerReplacement}); DL4J
 * swaps frozen layers the same way. The stored configuration names DL4J's layer classes, so model files do not
 * change. With {@code -Dconvkit.fastTraining=false} nothing is replaced.
 */
final class ConvKitLayers {
	private ConvKitLayers() {
	}

	/** Replaces the network's plain DL4J layers as above; idempotent (ConvKit's layers are left as they are). */
	static void install(TrainableNetwork net) {
		if (!FastTraining.enabled()) return;
		Layer[] layers = net.getLayers();
		DataType type = net.getLayerWiseConfigurations().getDataType();
		ColumnScratch scratch = new ColumnScratch();
		for (int i = 0; i < layers.length; i++) {
			Layer replacement = replacement(layers[i], i, type, scratch);
			// the max pooling right after the first convolution: linked to it (PoolingHandoff)
			if (replacement == null && i == 1 && layers[i].getClass() == SubsamplingLayer.class
					&& net.getLayerWiseConfigurations().getInputPreProcess(i) == null)
				replacement = linkedPooling(net.getLayers()[0], layers[i].conf(), type);
			if (replacement == null) replacement = fallback(layers[i], type);
			if (replacement != null) LayerReplacement.replace(net, i, replacement);
		}
	}

	/**
	 * A {@link MaxPoolingLayer} linked to {@code first}, the network's first layer, when that is a plain ReLU
	 * {@link ColumnConvolutionLayer} without a link yet and {@code conf} is max pooling; else null.
	 */
	private static Layer linkedPooling(Layer first, NeuralNetConfiguration conf, DataType type) {
		if (!(first instanceof ColumnConvolutionLayer) || !MaxPoolingLayer.linkable(conf)) return null;
		ColumnConvolutionLayer conv = (ColumnConvolutionLayer) first;
		if (!conv.isFirst() || conv.handoff != null || !Relu.isPlain(conv.layerConf().getActivationFn())) return null;
		MaxPoolingLayer pooling = new MaxPoolingLayer(conf, type, MaxPoolingLayer.wanted(conf));
		pooling.handoff = conv.handoff = new PoolingHandoff();
		return pooling;
	}

	/** The network's layers of {@code type} after {@link #install} (when it is a {@link TrainableNetwork}). */
	static <T extends Layer> List<T> all(MultiLayerNetwork net, Class<T> type) {
		if (net instanceof TrainableNetwork) install((TrainableNetwork) net);
		List<T> out = new ArrayList<>();
		for (Layer l : net.getLayers())
			if (type.isInstance(l)) out.add(type.cast(l));
		return out;
	}

	/** ConvKit's object for DL4J's pooling layer {@code l} (a linked one aside), or null for another kind. */
	private static Layer fallback(Layer l, DataType type) {
		if (l.getClass() != SubsamplingLayer.class) return null;
		NeuralNetConfiguration conf = l.conf();
		return MaxPoolingLayer.wanted(conf) ? new MaxPoolingLayer(conf, type) : new OneDnnSubsamplingLayer(conf, type);
	}

	/** ConvKit's object for DL4J's layer {@code l} at {@code index} (pooling aside), or null to keep it. */
	private static Layer replacement(Layer l, int index, DataType type, ColumnScratch scratch) {
		NeuralNetConfiguration conf = l.conf();
		if (l.getClass() == ConvolutionLayer.class) {
			IActivation a = ((ConvolutionLayer) l).layerConf().getActivationFn();
			if (index == 0 || Relu.isPlain(a) || a.getClass() == ActivationIdentity.class)
				return new ColumnConvolutionLayer(conf, type, index == 0, scratch);
			return new OneDnnConvolutionLayer(conf, type);
		}
		if (l.getClass() == DenseLayer.class) return new CachingDenseLayer(conf, type);
		if (l.getClass() == BatchNormalization.class) return new OneDnnBatchNormalization(conf, type);
		return null;
	}
}
