package org.convkit.core.cnn.net;

import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.mkldnn.MKLDNNConvHelper;
import org.deeplearning4j.nn.params.ConvolutionParamInitializer;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The backprop of a plain ReLU convolution whose forward pass oneDNN computed: ReLU's derivative in Java, then the
 * convolution's backward pass as products over the input's width unfolding ({@link WidthUnfoldedBackprop}) where they
 * serve the call, else oneDNN's. The part of {@link ColumnConvolutionLayer} for the calls off its column path (inner
 * layers that {@link ColumnRule} leaves to oneDNN, such as LeNet's second convolution); and the writing of gradients
 * into the layer's views, which both paths use.
 */
abstract class ReluBackpropLayer extends OneDnnConvolutionLayer {
	/** ReLU's backprop in Java before the backward convolution. */
	private float[] reluError, reluPreOutput, reluInputGradient;
	private INDArray reluDelta;
	/** The backward convolution as products over the input's width unfolding, where it serves the call. */
	private final WidthUnfoldedBackprop byRows = new WidthUnfoldedBackprop();
	/** For tests: how many backprops took this class's path, and of them how many the width unfolding's products. */
	int reluBackprops, byRowsBackprops;

	ReluBackpropLayer(NeuralNetConfiguration conf, DataType dataType) {
		super(conf, dataType);
	}

	/**
	 * Backprop off the column path: for a plain ReLU layer on oneDNN, ReLU's derivative in Java (libnd4j's relu_bp op
	 * took about 0.9 ms for LeNet's second convolution, 3 % of a step; the same mask in Java, copies included, about a
	 * third of that), then the width unfolding's products where they serve the call ({@link WidthUnfoldedBackprop}),
	 * else DL4J's own oneDNN call with DL4J's arguments, so the gradients are DL4J's; otherwise (or with
	 * {@code applies} false: a first layer, training off) and if that call fails, DL4J's backprop.
	 */
	Pair<Gradient, INDArray> reluBackprop(INDArray epsilon, LayerWorkspaceMgr workspaceMgr, boolean applies) {
		org.deeplearning4j.nn.conf.layers.ConvolutionLayer c = layerConf();
		if (!applies || !(helper instanceof MKLDNNConvHelper) || helperCountFail > 0 || input == null
				|| input.rank() != 4 || c.getCnn2dDataFormat() != CNN2DFormat.NCHW || dataType != DataType.FLOAT
				|| input.dataType() != DataType.FLOAT || c.getIDropout() != null || c.getWeightNoise() != null
				|| !Relu.isPlain(c.getActivationFn()))
			return super.backpropGradient(epsilon, workspaceMgr);
		assertInputSet(true);
		INDArray z = preOutput4d(true, true, workspaceMgr).getFirst(); // kept from the forward pass (cache mode)
		float[] e = reluError = NdArrays.floats(epsilon, reluError);
		Relu.backprop(e, reluPreOutput = NdArrays.floats(z, reluPreOutput));
		WidthUnfolding rows = WidthUnfoldedBackprop.serving(c, input);
		if (rows != null) { // the products instead of oneDNN's backward convolution
			INDArray x = NdArrays.contiguous(input);
			int length = (int) x.length();
			float[] dx = reluInputGradient = ColumnScratch.sized(reluInputGradient, length); // may be longer
			byRows.backprop(rows, x, NdArrays.floats(getParam(ConvolutionParamInitializer.WEIGHT_KEY), null),
					(int) c.getNOut(), e, (int) x.size(0), dx);
			INDArray epsNext = workspaceMgr.createUninitialized(ArrayType.ACTIVATION_GRAD, dataType, x.shape(), 'c');
			NdArrays.write(epsNext, 0, dx, length);
			weightNoiseParams.clear();
			reluBackprops++;
			byRowsBackprops++;
			return new Pair<>(gradient(byRows.weightGradient(), byRows.biasGradient()), epsNext);
		}
		reluDelta = NdArrays.detached(reluDelta, z.shape());
		NdArrays.write(reluDelta, 0, e, e.length);
		int[] pad = convolutionMode == ConvolutionMode.Same ? null : c.getPadding(); // the helper works out Same
		INDArray biasGrad = hasBias() ? gradientViews.get(ConvolutionParamInitializer.BIAS_KEY) : null;
		Pair<Gradient, INDArray> r;
		try {
			r = helper.backpropGradient(input, getParam(ConvolutionParamInitializer.WEIGHT_KEY),
					hasBias() ? getParam(ConvolutionParamInitializer.BIAS_KEY) : null, reluDelta, c.getKernelSize(),
					c.getStride(), pad == null ? new int[] { 0, 0 } : pad, biasGrad,
					gradientViews.get(ConvolutionParamInitializer.WEIGHT_KEY), c.getActivationFn(), c.getCudnnAlgoMode(),
					c.getCudnnBwdFilterAlgo(), c.getCudnnBwdDataAlgo(), convolutionMode, c.getDilation(),
					CNN2DFormat.NCHW, workspaceMgr);
		} catch (RuntimeException ex) {
			r = null;
		}
		if (r == null) return super.backpropGradient(epsilon, workspaceMgr); // DL4J's path decides what to do
		weightNoiseParams.clear();
		reluBackprops++;
		return r;
	}

	/** The weight gradient {@code [nOut][C][kH][kW]} and the bias gradient, written into the layer's gradient views. */
	Gradient gradient(float[] weights, float[] bias) {
		// assign into the gradient views themselves (a reshaped view could be a copy)
		INDArray weightGrad = gradientViews.get(ConvolutionParamInitializer.WEIGHT_KEY);
		weightGrad.assign(NdArrays.array(weights, weightGrad.shape()));
		Gradient grad = new DefaultGradient();
		if (layerConf().hasBias()) {
			INDArray biasGrad = gradientViews.get(ConvolutionParamInitializer.BIAS_KEY);
			biasGrad.assign(NdArrays.array(bias, biasGrad.shape()));
			grad.setGradientFor(ConvolutionParamInitializer.BIAS_KEY, biasGrad);
		}
		grad.setGradientFor(ConvolutionParamInitializer.WEIGHT_KEY, weightGrad, 'c');
		return grad;
	}

	/** Frees the buffers (they come back at the next backprop). */
	void releaseReluBuffers() {
		reluError = reluPreOutput = reluInputGradient = null;
		reluDelta = null;
		byRows.release();
	}
}
