package org.convkit.core.cnn.net;

import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.layers.normalization.BatchNormalization;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * DL4J's batch-normalization layer with DL4J's oneDNN helper attached ({@link OneDnn#batchNormHelper}), as
 * {@link OneDnnConvolutionLayer} for convolutions. Installed by {@link ConvKitLayers}; the stored configuration is
 * unchanged.
 */
public final class OneDnnBatchNormalization extends BatchNormalization {
	OneDnnBatchNormalization(NeuralNetConfiguration conf, DataType dataType) {
		super(conf, dataType);
		if (getHelper() == null && !layerConf().isLockGammaBeta()) OneDnn.attachBatchNormHelper(this, dataType);
	}
}
