package org.convkit.core.cnn.net;

import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Classification through the fused convolution block ({@link FusedConvStack}, as in training): a twin of the network
 * whose convolution and pooling layers at the bottom run as one oneDNN block, forward only — activations in oneDNN's
 * blocked layouts from the first layer to the last (two buffers taking turns), ReLU inside the convolution, Winograd
 * kernels for 3×3 where oneDNN has them — and whose other layers are DL4J's. Through DL4J's layers each convolution
 * reorders its NCHW input into oneDNN's layout and its output back, and with AVX2 only the channels-last twin does not
 * help ({@link ChannelsLastForward}). The twin's weights are views of the network's parameter array. Made where
 * oneDNN's library loads ({@link Dnnl}) and the block's switch allows ({@link FastTraining#FUSED_PROPERTY}); null for
 * networks without a block (the first layer not a plain convolution; see {@link FusedConvStack}). Batches whose sizes
 * do not divide as DL4J's truncation needs go through the twin's own layers. Not thread-safe.
 */
public final class FusedForward extends NetworkTwin {
	private final TrainableNetwork twin;
	/** The twin's block (for tests). */
	final FusedConvStack stack;

	private FusedForward(MultiLayerNetwork source, TrainableNetwork twin, FusedConvStack stack, long height,
			long width, long channels) {
		super(source, height, width, channels);
		this.twin = twin;
		this.stack = stack;
	}

	/** The twin described above, or null where it does not serve. */
	public static FusedForward of(MultiLayerNetwork net, int height, int width, int channels) {
		if (net == null || net.params() == null || net.params().dataType() != DataType.FLOAT || !FusedLayers.wanted())
			return null;
		TrainableNetwork twin = onParameters(net.getLayerWiseConfigurations().clone(), net);
		FusedLayers block = FusedLayers.installForInference(twin);
		return block == null ? null : new FusedForward(net, twin, block.stack(), height, width, channels);
	}

	@Override
	INDArray output(INDArray features) {
		return twin.output(features, false);
	}
}
