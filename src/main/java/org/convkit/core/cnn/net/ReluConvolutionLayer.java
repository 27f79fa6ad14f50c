package org.convkit.core.cnn.net;

import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.mkldnn.MKLDNNConvHelper;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.params.ConvolutionParamInitializer;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.List;

/**
 * DL4J's convolution layer (after the first one) with its ReLU backprop in Java during training: DL4J applies the
 * activation's derivative with libnd4j's relu_bp op before oneDNN's backward convolution, which took about 0.9 ms
 * for LeNet's second convolution (64 × 50 × 8 × 8 values, 3 % of a step) on this project's machines; the same mask in
 * Java, copies included, about a third of that (see docs/benchmarks.md). The backward convolution itself is DL4J's
 * oneDNN call, with the same arguments, so the gradients are DL4J's. Only while {@link #training(boolean)} is on and
 * only for a plain ReLU, NCHW, float, oneDNN layer without dropout or weight noise; otherwise, and if the oneDNN call
 * fails, DL4J's own backprop runs. A run-time replacement of the layer object ({@link ConvKitLayers}), like
 * {@link InputConvolutionLayer}; the stored configuration is unchanged.
 */
public final class ReluConvolutionLayer extends OneDnnConvolutionLayer {
	private volatile boolean training;
	private float[] errorBuffer, preOutputBuffer;
	private INDArray delta;
	/** For tests: how many backprops took this class's path. */
	int ownBackprops;

	ReluConvolutionLayer(NeuralNetConfiguration conf, DataType dataType) {
		super(conf, dataType);
	}

	/**
	 * The network's {@code ReluConvolutionLayer}s: ConvKit's networks get one for each plain ReLU convolution but the
	 * first ({@link ConvKitLayers}, run again here: idempotent).
	 */
	public static List<ReluConvolutionLayer> install(MultiLayerNetwork net) {
		return ConvKitLayers.all(net, ReluConvolutionLayer.class);
	}

	/** Switches {@link #training(boolean)} on or off for all the layers. */
	public static void training(List<ReluConvolutionLayer> layers, boolean on) {
		for (ReluConvolutionLayer l : layers) l.training(on);
	}

	/** Whether backprop applies the ReLU in Java (off by default; off also frees the buffers). */
	public void training(boolean on) {
		training = on;
		if (!on) {
			errorBuffer = preOutputBuffer = null;
			delta = null;
		}
	}

	public boolean isTraining() {
		return training;
	}

	@Override
	public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
		org.deeplearning4j.nn.conf.layers.ConvolutionLayer c = layerConf();
		if (!training || !(helper instanceof MKLDNNConvHelper) || helperCountFail > 0 || input == null
				|| input.rank() != 4 || c.getCnn2dDataFormat() != CNN2DFormat.NCHW || dataType != DataType.FLOAT
				|| input.dataType() != DataType.FLOAT || c.getIDropout() != null || c.getWeightNoise() != null
				|| !Relu.isPlain(c.getActivationFn()))
			return super.backpropGradient(epsilon, workspaceMgr);
		assertInputSet(true);
		INDArray z = preOutput4d(true, true, workspaceMgr).getFirst(); // kept from the forward pass (cache mode)
		float[] e = errorBuffer = NdArrays.floats(epsilon.castTo(DataType.FLOAT), errorBuffer);
		Relu.backprop(e, preOutputBuffer = NdArrays.floats(z, preOutputBuffer));
		delta = NdArrays.detached(delta, z.shape());
		delta.data().asNioFloat().put(e);

		int[] pad = convolutionMode == ConvolutionMode.Same ? null : c.getPadding(); // the helper works out Same
		INDArray biasGrad = hasBias() ? gradientViews.get(ConvolutionParamInitializer.BIAS_KEY) : null;
		Pair<Gradient, INDArray> r;
		try {
			r = helper.backpropGradient(input, getParam(ConvolutionParamInitializer.WEIGHT_KEY),
					hasBias() ? getParam(ConvolutionParamInitializer.BIAS_KEY) : null, delta, c.getKernelSize(),
					c.getStride(), pad == null ? new int[] { 0, 0 } : pad, biasGrad,
					gradientViews.get(ConvolutionParamInitializer.WEIGHT_KEY), c.getActivationFn(), c.getCudnnAlgoMode(),
					c.getCudnnBwdFilterAlgo(), c.getCudnnBwdDataAlgo(), convolutionMode, c.getDilation(),
					CNN2DFormat.NCHW, workspaceMgr);
		} catch (RuntimeException ex) {
			r = null;
		}
		if (r == null) return super.backpropGradient(epsilon, workspaceMgr); // DL4J's path decides what to do
		weightNoiseParams.clear();
		ownBackprops++;
		return r;
	}
}
