package org.convkit.core.cnn.net;

import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.DropoutLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.conf.preprocessor.CnnToFeedForwardPreProcessor;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.params.DefaultParamInitializer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Classification through a channels-last (NHWC) twin of a network: the same layers and weights, its convolutions and
 * pooling told that the images are NHWC, so libnd4j hands them to oneDNN in the layout its AVX-512 forward kernels
 * ({@code brgconv}) work in. With DL4J's NCHW every convolution reorders its input into that layout and its output
 * back, on every call; the twin does neither. Measured ({@code ./convkit --bench 5 channels-last}, 1 thread,
 * docs/benchmarks.md): with AVX-512 1.12–1.30× DL4J's NCHW output for LeNet and Small VGG, one image to batches of
 * 64; narrowed to AVX2 0.97–1.03× for Small VGG (oneDNN's AVX2 kernels use blocked layouts either way), so {@link #of}
 * makes a twin only where oneDNN runs AVX-512. Training stays NCHW: oneDNN's backward kernels are slower in NHWC (a
 * scratch probe, DL4J's fit on both layouts: 36–43 against 62–70 images/s for Small VGG 96×96 RGB).
 * <p>
 * The weights are the network's, copied when the twin is made ({@link #isCurrent} tells when the network was trained
 * since): convolution kernels are {@code [out][in][kh][kw]} in either layout; only the first dense layer after the
 * images are flattened takes its input in another order (height, width, channel instead of channel, height, width),
 * so its weight rows are permuted. The probabilities are DL4J's up to float rounding (other kernels sum in another
 * order; ChannelsLastForwardTest). Covers networks of plain convolutions, max and average pooling, dense, dropout
 * and a softmax output layer, i.e. ConvKit's presets and specs without batch normalisation; {@link #of} answers null
 * for anything else, and for networks whose copy would take more than {@link #MAX_PARAMETERS}. Not thread-safe.
 */
public final class ChannelsLastForward {
	/** The switch: "true" makes a twin on any processor (tests), "false" never; unset: where oneDNN runs AVX-512. */
	public static final String PROPERTY = "convkit.channelsLast";
	/** The twin holds a copy of the weights: above 32 M parameters (128 MB) the memory is worth more. */
	static final long MAX_PARAMETERS = 32_000_000L;

	private final MultiLayerNetwork source;
	private final TrainableNetwork twin;
	private final int iterations, epochs;
	private final long channels, height, width;
	/** The last call's NHWC input, written over while batches keep their size. */
	private INDArray input;
	/** For tests: how many calls this path answered. */
	int calls;

	private ChannelsLastForward(MultiLayerNetwork source, TrainableNetwork twin, long height, long width,
			long channels) {
		this.source = source;
		this.twin = twin;
		this.iterations = source.getIterationCount();
		this.epochs = source.getEpochCount();
		this.height = height;
		this.width = width;
		this.channels = channels;
	}

	/**
	 * The twin of a network with NCHW input of the given size, with a copy of its current weights; null where the
	 * switch ({@link #PROPERTY}) or the processor says no (oneDNN without AVX-512), where ConvKit's run-time
	 * replacements or oneDNN are off (DL4J's own output answers then, as shipped), and for networks this class does
	 * not cover.
	 */
	public static ChannelsLastForward of(MultiLayerNetwork net, int height, int width, int channels) {
		String s = System.getProperty(PROPERTY, "").trim();
		if ("false".equalsIgnoreCase(s) || !FastTraining.enabled() || !OneDnn.available()) return null;
		if (!"true".equalsIgnoreCase(s) && !OneDnn.usesAvx512()) return null;
		return twinOf(net, height, width, channels);
	}

	/** {@link #of} without the switches: null only for networks this class does not cover. */
	static ChannelsLastForward twinOf(MultiLayerNetwork net, int height, int width, int channels) {
		if (net == null || net.numParams() > MAX_PARAMETERS || net.params() == null
				|| net.params().dataType() != DataType.FLOAT)
			return null;
		MultiLayerConfiguration conf = net.getLayerWiseConfigurations().clone();
		int flattenAt = -1;
		CnnToFeedForwardPreProcessor flatten = null;
		int layers = conf.getConfs().size();
		for (int i = 0; i < layers; i++) {
			Layer l = conf.getConf(i).getLayer();
			InputPreProcessor pre = conf.getInputPreProcess(i);
			if (pre != null) {
				if (flattenAt >= 0 || !(pre instanceof CnnToFeedForwardPreProcessor)) return null;
				flatten = (CnnToFeedForwardPreProcessor) pre;
				if (flatten.getFormat() != CNN2DFormat.NCHW) return null;
				flattenAt = i;
			}
			boolean images = flattenAt < 0;
			if (images && l.getClass() == ConvolutionLayer.class) {
				ConvolutionLayer c = (ConvolutionLayer) l;
				if (c.getCnn2dDataFormat() != CNN2DFormat.NCHW) return null;
				c.setCnn2dDataFormat(CNN2DFormat.NHWC);
			} else if (images && l.getClass() == SubsamplingLayer.class) {
				SubsamplingLayer p = (SubsamplingLayer) l;
				if (p.getCnn2dDataFormat() != CNN2DFormat.NCHW) return null;
				p.setCnn2dDataFormat(CNN2DFormat.NHWC);
			} else if (!images && (l.getClass() == DenseLayer.class || l.getClass() == OutputLayer.class
					|| l.getClass() == DropoutLayer.class)) {
				// after the flatten: the same in both layouts
			} else {
				return null;
			}
		}
		if (flattenAt < 1 || !(conf.getConf(flattenAt).getLayer() instanceof DenseLayer
				|| conf.getConf(flattenAt).getLayer() instanceof OutputLayer))
			return null;
		long c = flatten.getNumChannels(), h = flatten.getInputHeight(), w = flatten.getInputWidth();
		conf.getInputPreProcessors().put(flattenAt, new CnnToFeedForwardPreProcessor(h, w, c, CNN2DFormat.NHWC));

		INDArray params = net.params().dup('c');
		TrainableNetwork twin = new TrainableNetwork(conf);
		twin.init(params, false); // the copy becomes the twin's parameters: no random initialisation
		INDArray weights = twin.getLayer(flattenAt).getParam(DefaultParamInitializer.WEIGHT_KEY);
		if (weights == null || weights.rank() != 2 || weights.size(0) != c * h * w) return null;
		// rows (channel, y, x) -> (y, x, channel): the order NHWC flattens in
		INDArray reordered = net.getLayer(flattenAt).getParam(DefaultParamInitializer.WEIGHT_KEY)
				.reshape('c', c, h, w, weights.size(1)).permute(1, 2, 0, 3).dup('c');
		weights.assign(reordered.reshape('c', weights.size(0), weights.size(1)));
		return new ChannelsLastForward(net, twin, height, width, channels);
	}

	/** Softmax probabilities of NCHW {@code features} (resized, normalised), one row per image. */
	public float[][] probabilities(INDArray features) {
		if (features.rank() != 4 || features.size(1) != channels || features.size(2) != height
				|| features.size(3) != width)
			throw new IllegalArgumentException("features of shape " + java.util.Arrays.toString(features.shape())
					+ " for a network of " + channels + " x " + height + " x " + width + " input");
		input = NdArrays.detached(input, features.size(0), height, width, channels);
		input.assign(features.permute(0, 2, 3, 1));
		calls++;
		return NdArrays.rows(twin.output(input, false));
	}

	/** False once the network was trained after the twin copied its weights (make a new one then). */
	public boolean isCurrent() {
		return source.getIterationCount() == iterations && source.getEpochCount() == epochs;
	}
}
