package org.convkit.core.cnn.net;

import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Arrays;

/**
 * A twin of a network that classifies faster than DL4J's own output on it: the same layers, its weights views of the
 * network's own parameter array (nothing copied, so making one takes milliseconds), run another way —
 * {@link FusedForward} (the convolutions and pooling as one oneDNN block), else {@link ChannelsLastForward} (NHWC
 * where oneDNN runs AVX-512). Its probabilities are DL4J's up to float rounding. Made again when {@link #isCurrent}
 * says the network was trained since. Not thread-safe.
 */
public abstract class NetworkTwin {
	private final MultiLayerNetwork source;
	/** The source's parameter array when the twin was made: the twin's weights are views of it. */
	private final INDArray params;
	private final int iterations, epochs;
	final long channels, height, width;
	/** For tests: how many calls this twin answered. */
	int calls;

	NetworkTwin(MultiLayerNetwork source, long height, long width, long channels) {
		this.source = source;
		this.params = source.params();
		this.iterations = source.getIterationCount();
		this.epochs = source.getEpochCount();
		this.height = height;
		this.width = width;
		this.channels = channels;
	}

	/**
	 * The fastest twin that serves {@code net} with NCHW input of the given size here (each kind's switches and
	 * coverage decide), or null: DL4J's own output answers then.
	 */
	public static NetworkTwin best(MultiLayerNetwork net, int height, int width, int channels) {
		NetworkTwin t = FusedForward.of(net, height, width, channels);
		return t != null ? t : ChannelsLastForward.of(net, height, width, channels);
	}

	/** A network of {@code conf} on {@code net}'s own parameter array: its weights are views of the network's. */
	static TrainableNetwork onParameters(MultiLayerConfiguration conf, MultiLayerNetwork net) {
		TrainableNetwork twin = new TrainableNetwork(conf);
		twin.init(net.params(), false);
		return twin;
	}

	/** Softmax probabilities of NCHW {@code features} (resized, normalised), one row per image. */
	public final float[][] probabilities(INDArray features) {
		if (features.rank() != 4 || features.size(1) != channels || features.size(2) != height
				|| features.size(3) != width)
			throw new IllegalArgumentException("features of shape " + Arrays.toString(features.shape())
					+ " for a network of " + channels + " x " + height + " x " + width + " input");
		calls++;
		return NdArrays.rows(output(features));
	}

	/** The twin's output for features of the right shape. */
	abstract INDArray output(INDArray features);

	/**
	 * False once the network was trained after the twin was made, or its parameter array (whose views the twin's
	 * weights are) was replaced: make a new one then.
	 */
	public final boolean isCurrent() {
		return source.getIterationCount() == iterations && source.getEpochCount() == epochs
				&& source.params() == params;
	}
}
