package org.convkit.core.cnn.net;

import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.layers.convolution.ConvolutionLayer;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * DL4J's convolution layer with DL4J's oneDNN helper attached ({@link OneDnn}); otherwise DL4J's code throughout, so
 * outputs and gradients are DL4J's with the helper (as if DL4J's own switch were on). ConvKit's networks are built
 * and loaded with it ({@link ConvKitLayers}); the stored configuration is DL4J's {@code ConvolutionLayer}, so model
 * files are unchanged. The layer that trains as matrix products, {@link ColumnConvolutionLayer}, extends it.
 */
public class OneDnnConvolutionLayer extends ConvolutionLayer {
	OneDnnConvolutionLayer(NeuralNetConfiguration conf, DataType dataType) {
		super(conf, dataType);
		if (helper == null) helper = OneDnn.convolutionHelper(dataType); // DL4J's own, if its switch was set by someone
	}
}
