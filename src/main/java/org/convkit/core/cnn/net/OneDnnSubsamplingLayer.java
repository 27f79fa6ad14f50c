package org.convkit.core.cnn.net;

import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.layers.convolution.subsampling.SubsamplingLayer;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * DL4J's pooling layer with DL4J's oneDNN helper attached ({@link OneDnn}), as {@link OneDnnConvolutionLayer} for
 * convolutions. Installed by {@link ConvKitLayers}; the stored configuration is unchanged.
 */
public final class OneDnnSubsamplingLayer extends SubsamplingLayer {
	OneDnnSubsamplingLayer(NeuralNetConfiguration conf, DataType dataType) {
		super(conf, dataType);
		if (helper == null) helper = OneDnn.subsamplingHelper(dataType);
	}
}
