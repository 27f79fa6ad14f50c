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
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Classification through a channels-last (NHWC) twin of a network: the same layers and weights, its convolutions and
 * pooling told that the images are NHWC, so libnd4j hands them to oneDNN in the layout its AVX-512 forward kernels
 * ({@code brgconv}) work in. With DL4J's NCHW every convolution reorders its input into that layout and its output
 * back, on every call; the twin does neither. Measured ({@code ./convkit --bench 5 channels-last}, 1 thread,
 * docs/benchmarks.md): with AVX-512 1.11–1.54× DL4J's NCHW output for LeNet and Small VGG, one image to batches
 * of 64; narrowed to AVX2 0.94–1.08× for Small VGG (oneDNN's AVX2 kernels use blocked layouts either way), so
 * {@link #of} makes a twin only where oneDNN runs AVX-512. Training stays NCHW: oneDNN's backward kernels are slower
 * in NHWC (a scratch probe, DL4J's fit on both layouts: 36–43 against 62–70 images/s for Small VGG 96×96 RGB).
 * <p>
 * The twin is made on the network's own parameter array (its layers' weights are views of it: nothing is copied, so
 * making one takes a few milliseconds; a copy took 190–375 ms for Small VGG on these VMs) and is made again when
 * {@link #isCurrent} says the network was trained since. Convolution kernels are {@code [out][in][kh][kw]} in either
 * layout; the first dense layer after the images are flattened takes them channel-first as in DL4J's NCHW, so the
 * twin turns its NHWC activations back to NCHW just before that flatten (one small copy per call: 2.4 million values
 * for a batch of 64 Small VGG 96×96 RGB images, against 18.9 million in each of the reorders it saves). The
 * probabilities are DL4J's up to float rounding (other kernels sum in another order; ChannelsLastForwardTest). Covers
 * networks of plain convolutions, max and average pooling, dense, dropout and an output layer, i.e. ConvKit's
 * presets and specs without batch normalisation;
 * {@link #of} answers null for anything else. Not thread-safe.
 */
public final class ChannelsLastForward extends NetworkTwin {
	/** The switch: "true" makes a twin on any processor (tests), "false" never; unset: where oneDNN runs AVX-512. */
	public static final String PROPERTY = "convkit.channelsLast";

	private final TrainableNetwork twin;
	/** The last call's NHWC input, written over while batches keep their size. */
	private INDArray input;

	private ChannelsLastForward(MultiLayerNetwork source, TrainableNetwork twin, long height, long width,
			long channels) {
		super(source, height, width, channels);
		this.twin = twin;
	}

	/**
	 * The twin of a network with NCHW input of the given size, on the network's weights; null where the
	 * switch ({@link #PROPERTY}) or the processor says no (oneDNN without AVX-512), where ConvKit's run-time
	 * replacements or oneDNN are off (DL4J's own output answers then, as shipped), and for networks this class does
	 * not cover.
	 */
	public static ChannelsLastForward of(MultiLayerNetwork net, int height, int width, int channels) {
		String s = System.getProperty(PROPERTY, "").trim();
		if ("false".equalsIgnoreCase(s) || !OneDnn.available()) return null; // available() asks FastTraining too
		if (!"true".equalsIgnoreCase(s) && !OneDnn.usesAvx512()) return null;
		return twinOf(net, height, width, channels);
	}

	/** {@link #of} without the switches: null only for networks this class does not cover. */
	static ChannelsLastForward twinOf(MultiLayerNetwork net, int height, int width, int channels) {
		if (net == null || net.params() == null || net.params().dataType() != DataType.FLOAT) return null;
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
		conf.getInputPreProcessors().put(flattenAt, new ChannelsFirstFlatten(flatten.getInputHeight(),
				flatten.getInputWidth(), flatten.getNumChannels()));
		TrainableNetwork twin = onParameters(conf, net);
		return new ChannelsLastForward(net, twin, height, width, channels);
	}

	/**
	 * The flatten before the first dense layer, taking the twin's NHWC activations in DL4J's NCHW order (what the
	 * dense layer's weights expect). Inference only.
	 */
	static final class ChannelsFirstFlatten extends CnnToFeedForwardPreProcessor {
		private static final long serialVersionUID = 1L;

		ChannelsFirstFlatten(long height, long width, long channels) {
			super(height, width, channels, CNN2DFormat.NCHW);
		}

		@Override
		public INDArray preProcess(INDArray input, int miniBatchSize, LayerWorkspaceMgr workspaceMgr) {
			// the permuted view is not C-ordered: DL4J's flatten copies it into NCHW order first
			return super.preProcess(input.rank() == 4 ? input.permute(0, 3, 1, 2) : input, miniBatchSize,
					workspaceMgr);
		}

		@Override
		public INDArray backprop(INDArray epsilons, int miniBatchSize, LayerWorkspaceMgr workspaceMgr) {
			throw new UnsupportedOperationException("the channels-last twin only classifies");
		}
	}

	@Override
	INDArray output(INDArray features) {
		input = NdArrays.detached(input, features.size(0), height, width, channels);
		input.assign(features.permute(0, 2, 3, 1));
		return twin.output(input, false);
	}
}
