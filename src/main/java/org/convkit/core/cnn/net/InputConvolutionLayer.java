package org.convkit.core.cnn.net;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.convolution.ConvolutionLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.params.ConvolutionParamInitializer;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.deeplearning4j.util.ConvolutionUtils;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;


import java.util.Arrays;

/**
 * The network's first convolution layer, for training: DL4J's {@link ConvolutionLayer} with one change in
 * {@link #backpropGradient}: while {@link #skipInputGradient(boolean) skipping} is on, it computes only the weight and
 * bias gradients and not the gradient with respect to the input images, which {@code MultiLayerNetwork.fit} computes
 * for every layer and then throws away for the first one. For LeNet on 28×28 images that gradient (oneDNN's backward
 * data pass for a 1-channel input) took about 15 of the 50 ms of a training step of 64 images on this project's
 * machines; PyTorch skips it because input images do not require a gradient. See docs/benchmarks.md.
 * <p>
 * The weight and bias gradients come from one matrix product for the whole batch: the images unfolded into columns
 * side by side ({@link Im2Col#fillSpread}, with a row of ones so that the bias gradient comes out of the same product)
 * times the activation's backpropagated error laid out position by position ({@code [images·positions][filters]}).
 * That layout matters: OpenBLAS took 3–4× as long for LeNet's product as {@code error · columnsᵀ}, about as long as
 * for the 64 per-image products summed that this layer used before (measured, see docs/benchmarks.md). While
 * skipping, the training forward pass of a ReLU or identity layer is one product of the weights (with the bias as a
 * last column) and the same columns, which backprop then reuses; inference is DL4J's forward pass (oneDNN).
 * <p>
 * Skipping is off by default, so the layer behaves exactly as DL4J's wherever the input gradient is wanted (for
 * example for saliency maps); {@link org.convkit.core.cnn.train.Trainer} switches it on only around its own fit
 * calls. Layouts the unfolding does not handle (NHWC, dilation) and images whose columns would not fit the memory
 * budget use DL4J's path. The stored network configuration is unchanged: this is a run-time replacement of the layer
 * object ({@link ConvKitLayers}), as DL4J itself does for frozen layers; it carries DL4J's oneDNN helper
 * ({@link OneDnnConvolutionLayer}).
 */
public final class InputConvolutionLayer extends OneDnnConvolutionLayer {
	/** At most this many floats of unfolded columns per chunk of images (64 MB); larger batches go in chunks. */
	static final long COLUMN_BUDGET = 16L << 20;

	private long columnBudget = COLUMN_BUDGET;
	private volatile boolean skipInputGradient;
	/** Java-side copies: the input, its channel-major copy, the columns, the activation (NCHW), the pre-activation
	 * (the product, channel-major), the error, the error position by position, the gradients. */
	private float[] inputBuffer, channelMajorBuffer, columnBuffer, activationBuffer, productBuffer,
			errorBuffer, positionMajorBuffer, gradientBuffer;
	/** Native operands of the products: columns [rows][images·positions], weights with bias [filters][rows], output
	 * [filters][images·positions], error [images·positions][filters], gradient [rows][filters]. */
	private INDArray columns, weightsWithBias, product, positionMajorError, gradientProduct;
	/** The input whose columns and pre-activation the last training forward pass left in the buffers, or null. */
	private INDArray forwardInput;
	/** For tests: how many forward passes took this class's path. */
	int ownForwards;

	InputConvolutionLayer(NeuralNetConfiguration conf, DataType dataType) {
		super(conf, dataType);
	}

	/**
	 * The network's first layer when it is an {@code InputConvolutionLayer}, which ConvKit's networks get when the
	 * first layer is a plain convolution ({@link ConvKitLayers}, run again here: idempotent); else null.
	 */
	public static InputConvolutionLayer install(MultiLayerNetwork net) {
		if (net instanceof TrainableNetwork) ConvKitLayers.install((TrainableNetwork) net);
		Layer[] layers = net.getLayers();
		return layers.length > 0 && layers[0] instanceof InputConvolutionLayer ? (InputConvolutionLayer) layers[0]
				: null;
	}

	/**
	 * Whether backprop skips the input gradient (returns null for it); off by default. Switching it off also frees
	 * the layer's buffers (for large inputs they can be a few hundred MB), so a trained network kept in memory does
	 * not hold them.
	 */
	public void skipInputGradient(boolean skip) {
		skipInputGradient = skip;
		if (!skip) {
			inputBuffer = channelMajorBuffer = columnBuffer = activationBuffer = productBuffer
					= errorBuffer = positionMajorBuffer = gradientBuffer = null;
			columns = weightsWithBias = product = positionMajorError = gradientProduct = forwardInput = null;
		}
	}

	public boolean skipsInputGradient() {
		return skipInputGradient;
	}

	/** For tests: a smaller budget forces chunks (or DL4J's path when one image exceeds it). */
	void columnBudget(long floats) {
		columnBudget = floats;
		forwardInput = null;
	}

	/**
	 * While skipping (that is, in the Trainer's fit calls), the training forward pass of a ReLU or identity layer is
	 * done here too when the whole batch's columns fit the budget: the unfolding, one product with the weights and
	 * bias, and the activation in Java; backprop then reuses the columns and the pre-activation instead of unfolding
	 * again. Anything else is DL4J's forward pass.
	 */
	@Override
	public INDArray activate(boolean training, LayerWorkspaceMgr workspaceMgr) {
		forwardInput = null;
		IActivation a = layerConf().getActivationFn();
		boolean relu = Relu.isPlain(a);
		if (!skipInputGradient || !training || !unfoldable() || (!relu && a.getClass() != ActivationIdentity.class))
			return super.activate(training, workspaceMgr);
		INDArray x = input.castTo(dataType);
		Im2Col unfold = unfolding(x);
		int n = (int) x.size(0), nOut = (int) layerConf().getNOut(), rows = unfold.rows(), positions = unfold.positions();
		if ((long) n * rows * positions > columnBudget) return super.activate(training, workspaceMgr);
		inputBuffer = NdArrays.floats(x, inputBuffer);
		INDArray cols = unfoldSideBySide(unfold, x, inputBuffer, 0, n);

		// the weights [nOut, rows - 1] with the bias as last column
		float[] w = NdArrays.floats(getParam(ConvolutionParamInitializer.WEIGHT_KEY), null);
		float[] b = layerConf().hasBias() ? NdArrays.floats(getParam(ConvolutionParamInitializer.BIAS_KEY), null) : null;
		float[] wb = new float[nOut * rows];
		for (int o = 0; o < nOut; o++) {
			System.arraycopy(w, o * (rows - 1), wb, o * rows, rows - 1);
			wb[o * rows + rows - 1] = b == null ? 0f : b[o];
		}
		weightsWithBias = NdArrays.detached(weightsWithBias, nOut, rows);
		weightsWithBias.data().asNioFloat().put(wb);
		product = NdArrays.detached(product, nOut, (long) n * positions);
		Nd4j.gemm(weightsWithBias, cols, product, false, false, 1.0, 0.0); // [nOut][n][positions]
		// the pre-activation stays channel-major for backprop; the activation goes out NCHW, plane by plane
		float[] z = productBuffer = NdArrays.floats(product, productBuffer);
		int size = z.length;
		float[] act = activationBuffer = sized(activationBuffer, size);
		for (int o = 0; o < nOut; o++)
			for (int i = 0; i < n; i++) {
				int src = (o * n + i) * positions, dst = (i * nOut + o) * positions;
				if (relu) for (int p = 0; p < positions; p++) act[dst + p] = Math.max(z[src + p], 0f);
				else System.arraycopy(z, src, act, dst, positions);
			}
		INDArray out = workspaceMgr.createUninitialized(ArrayType.ACTIVATIONS, dataType,
				new long[] { n, nOut, unfold.outH(), unfold.outW() }, 'c');
		out.data().asNioFloat().put(act, 0, size);
		forwardInput = input;
		ownForwards++;
		return out;
	}

	@Override
	public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
		if (!skipInputGradient || !unfoldable()) return super.backpropGradient(epsilon, workspaceMgr);
		assertInputSet(true);
		INDArray x = input.castTo(dataType);
		if (epsilon.dataType() != dataType) epsilon = epsilon.castTo(dataType);
		int n = (int) x.size(0), nOut = (int) layerConf().getNOut();
		Im2Col unfold = unfolding(x);
		int rows = unfold.rows(), positions = unfold.positions();
		long perImage = (long) rows * positions;
		if (perImage > columnBudget) return super.backpropGradient(epsilon, workspaceMgr); // one image too large
		// the forward pass on this very input left its columns and pre-activation: no second unfolding
		boolean fromForward = forwardInput == input;
		forwardInput = null;
		// NCHW [n][nOut][positions]; after this class's forward pass still to be masked by ReLU's derivative
		float[] error = error(fromForward, epsilon, workspaceMgr);
		float[] mask = fromForward && Relu.isPlain(layerConf().getActivationFn()) ? productBuffer : null;
		if (!fromForward) inputBuffer = NdArrays.floats(x, inputBuffer);
		int chunk = fromForward ? n : (int) Math.min(n, columnBudget / perImage);
		gradientProduct = NdArrays.detached(gradientProduct, rows, nOut);
		for (int first = 0; first < n; first += chunk) {
			int count = Math.min(chunk, n - first);
			INDArray cols = fromForward ? columns : unfoldSideBySide(unfold, x, inputBuffer, first, count);
			INDArray byPosition = positionMajor(error, mask, n, first, count, nOut, positions);
			// [rows][nOut]: the weight gradients, then the bias gradient
			Nd4j.gemm(cols, byPosition, gradientProduct, false, false, 1.0, first == 0 ? 0.0 : 1.0);
		}
		float[] g = gradientBuffer = NdArrays.floats(gradientProduct, gradientBuffer);
		int weights = rows - 1;
		float[] wg = new float[nOut * weights];
		for (int o = 0; o < nOut; o++)
			for (int r = 0; r < weights; r++) wg[o * weights + r] = g[r * nOut + o];
		// assign into the gradient views themselves (a reshaped view could be a copy)
		INDArray weightGrad = gradientViews.get(ConvolutionParamInitializer.WEIGHT_KEY);
		weightGrad.assign(NdArrays.array(wg, weightGrad.shape()));
		Gradient grad = new DefaultGradient();
		if (layerConf().hasBias()) {
			INDArray biasGrad = gradientViews.get(ConvolutionParamInitializer.BIAS_KEY);
			biasGrad.assign(NdArrays.array(Arrays.copyOfRange(g, weights * nOut, rows * nOut), biasGrad.shape()));
			grad.setGradientFor(ConvolutionParamInitializer.BIAS_KEY, biasGrad);
		}
		grad.setGradientFor(ConvolutionParamInitializer.WEIGHT_KEY, weightGrad, 'c');
		weightNoiseParams.clear();
		return new Pair<>(grad, null);
	}

	/**
	 * The error with respect to the pre-activation, NCHW, except that after this class's forward pass ReLU's derivative
	 * is left to {@link #positionMajor} (which reads the pre-activation channel-major). Otherwise ReLU's backprop in
	 * Java (ND4J's relu_bp op took about 3 ms for LeNet's 64 × 20 × 24 × 24 first-layer output, several times a plain
	 * loop), DL4J's for other activations.
	 */
	private float[] error(boolean fromForward, INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
		if (fromForward) return errorBuffer = NdArrays.floats(epsilon, errorBuffer); // ReLU or identity
		IActivation a = layerConf().getActivationFn();
		INDArray z = preOutput4d(true, true, workspaceMgr).getFirst();
		if (!Relu.isPlain(a) && a.getClass() != ActivationIdentity.class)
			return errorBuffer = NdArrays.floats(a.backprop(z, epsilon).getFirst(), errorBuffer);
		float[] e = errorBuffer = NdArrays.floats(epsilon, errorBuffer);
		if (Relu.isPlain(a)) Relu.backprop(e, NdArrays.floats(z, null));
		return e;
	}

	/**
	 * Images {@code first .. first+count-1} of {@code images} (NCHW) unfolded side by side: {@code [rows][count·positions]}
	 * with the ones row last ({@link Im2Col#fillSpread}).
	 */
	private INDArray unfoldSideBySide(Im2Col unfold, INDArray x, float[] images, int first, int count) {
		int channels = (int) x.size(1), plane = (int) (x.size(2) * x.size(3)), length = count * unfold.positions();
		float[] channelMajor = images;
		if (channels > 1 || first > 0) {
			channelMajor = channelMajorBuffer = sized(channelMajorBuffer, channels * count * plane);
			for (int c = 0; c < channels; c++)
				for (int i = 0; i < count; i++)
					System.arraycopy(images, ((first + i) * channels + c) * plane, channelMajor, (c * count + i) * plane,
							plane);
		}
		float[] cols = columnBuffer = sized(columnBuffer, unfold.rows() * length);
		unfold.fillSpread(channelMajor, count, cols);
		unfold.fillSpreadOnes(cols, count);
		columns = NdArrays.detached(columns, unfold.rows(), length);
		columns.data().asNioFloat().put(cols, 0, unfold.rows() * length);
		return columns;
	}

	/**
	 * Images {@code first .. first+count-1} of an NCHW error (of {@code n} images) as a {@code [count·positions][nOut]}
	 * matrix; with a {@code mask}, the channel-major pre-activation of the forward pass, ReLU's derivative applied.
	 */
	private INDArray positionMajor(float[] error, float[] mask, int n, int first, int count, int nOut, int positions) {
		int size = count * positions * nOut;
		float[] t = positionMajorBuffer = sized(positionMajorBuffer, size);
		for (int i = 0; i < count; i++) {
			int image = (first + i) * nOut * positions, dst = i * positions * nOut;
			for (int o = 0; o < nOut; o++) {
				int src = image + o * positions, z = (o * n + first + i) * positions;
				if (mask == null) for (int p = 0; p < positions; p++) t[dst + p * nOut + o] = error[src + p];
				else for (int p = 0; p < positions; p++) t[dst + p * nOut + o] = Relu.masked(error[src + p], mask[z + p]);
			}
		}
		positionMajorError = NdArrays.detached(positionMajorError, (long) count * positions, nOut);
		positionMajorError.data().asNioFloat().put(t, 0, size);
		return positionMajorError;
	}

	/** {@code reuse} when it holds at least {@code length} values, else a new array. */
	private static float[] sized(float[] reuse, int length) {
		return reuse != null && reuse.length >= length ? reuse : new float[length];
	}

	/** The unfolding for this layer and input (padding as DL4J computes it for the convolution mode). */
	private Im2Col unfolding(INDArray x) {
		int h = (int) x.size(2), w = (int) x.size(3);
		int[] kernel = layerConf().getKernelSize(), stride = layerConf().getStride(), pad, out;
		int[] dilation = layerConf().getDilation();
		if (convolutionMode == ConvolutionMode.Same) {
			out = ConvolutionUtils.getOutputSize(x, kernel, stride, null, convolutionMode, dilation, CNN2DFormat.NCHW);
			pad = ConvolutionUtils.getSameModeTopLeftPadding(out, new int[] { h, w }, kernel, stride, dilation);
		} else {
			pad = layerConf().getPadding();
			out = ConvolutionUtils.getOutputSize(x, kernel, stride, pad, convolutionMode, dilation, CNN2DFormat.NCHW);
		}
		return new Im2Col((int) x.size(1), h, w, kernel[0], kernel[1], stride[0], stride[1], pad[0], pad[1], out[0],
				out[1]);
	}

	/** The cases {@link Im2Col} covers; anything else takes DL4J's path. */
	private boolean unfoldable() {
		org.deeplearning4j.nn.conf.layers.ConvolutionLayer c = layerConf();
		return c.getCnn2dDataFormat() == CNN2DFormat.NCHW && input != null && input.rank() == 4
				&& Arrays.equals(c.getDilation(), new int[] { 1, 1 })
				&& (convolutionMode == ConvolutionMode.Same || convolutionMode == ConvolutionMode.Truncate)
				&& (dataType == DataType.FLOAT) && c.getIDropout() == null && c.getWeightNoise() == null;
	}
}
