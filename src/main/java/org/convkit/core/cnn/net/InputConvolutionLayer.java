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

import static org.nd4j.linalg.indexing.NDArrayIndex.all;
import static org.nd4j.linalg.indexing.NDArrayIndex.interval;
import static org.nd4j.linalg.indexing.NDArrayIndex.point;

/**
 * The network's first convolution layer, for training: DL4J's {@link ConvolutionLayer} with one change in
 * {@link #backpropGradient}: while {@link #skipInputGradient(boolean) skipping} is on, it computes only the weight and
 * bias gradients and not the gradient with respect to the input images, which {@code MultiLayerNetwork.fit} computes
 * for every layer and then throws away for the first one. For LeNet on 28×28 images that gradient (oneDNN's backward
 * data pass for a 1-channel input) took about 15 of the 50 ms of a training step of 64 images on this project's
 * machines; PyTorch skips it because input images do not require a gradient. See docs/benchmarks.md.
 * <p>
 * The weight and bias gradients come from one batched matrix product: the input unfolded into columns ({@link
 * Im2Col}, with a row of ones so that the bias gradient is the last column of the same product) against the
 * activation's backpropagated error, per image, summed over the batch. While skipping, the training forward pass of
 * a ReLU or identity layer uses the same columns ({@link #activate}), so backprop does not unfold again; inference is
 * DL4J's forward pass (oneDNN).
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
	private float[] inputBuffer, preOutputBuffer, epsilonBuffer, columnBuffer, weightBuffer, activationBuffer,
			tiledBuffer;
	private INDArray columns, deltaArray, tiledWeights, preOutputArray;
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
			inputBuffer = preOutputBuffer = epsilonBuffer = columnBuffer = weightBuffer = activationBuffer = tiledBuffer
					= null;
			columns = deltaArray = tiledWeights = preOutputArray = forwardInput = null;
		}
	}

	public boolean skipsInputGradient() {
		return skipInputGradient;
	}

	/** For tests: a smaller budget forces chunks (or DL4J's path when one image exceeds it). */
	void columnBudget(long floats) {
		columnBudget = floats;
		columns = null;
		forwardInput = null;
	}

	/**
	 * While skipping (that is, in the Trainer's fit calls), the training forward pass of a ReLU or identity layer is
	 * done here too when the whole batch's columns fit the budget: the same unfolding, one batched product with the
	 * weights and bias, and the activation in Java. It took about 1.7 ms for LeNet's 64 images against 3–4.5 ms for
	 * DL4J's oneDNN call (measured, see docs/benchmarks.md), and backprop then reuses the columns and the
	 * pre-activation instead of unfolding again. Anything else is DL4J's forward pass.
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
		prepareBuffers(unfold, n);
		unfold.fill(inputBuffer, 0, n, columnBuffer);
		columns.data().asNioFloat().put(columnBuffer, 0, n * rows * positions);
		INDArray cols = n == columns.size(0) ? columns : columns.get(interval(0, n), all(), all());

		// the weights [nOut, rows - 1] with the bias as last column, once per image (matmul does not broadcast)
		float[] w = NdArrays.floats(getParam(ConvolutionParamInitializer.WEIGHT_KEY), weightBuffer);
		weightBuffer = w;
		float[] b = layerConf().hasBias() ? NdArrays.floats(getParam(ConvolutionParamInitializer.BIAS_KEY), null) : null;
		float[] tiled = tiledBuffer = tiledBuffer != null && tiledBuffer.length == n * nOut * rows ? tiledBuffer
				: new float[n * nOut * rows];
		for (int o = 0; o < nOut; o++) {
			System.arraycopy(w, o * (rows - 1), tiled, o * rows, rows - 1);
			tiled[o * rows + rows - 1] = b == null ? 0f : b[o];
		}
		for (int i = 1; i < n; i++) System.arraycopy(tiled, 0, tiled, i * nOut * rows, nOut * rows);
		long[] zShape = { n, nOut, positions };
		tiledWeights = NdArrays.detached(tiledWeights, n, nOut, rows);
		preOutputArray = NdArrays.detached(preOutputArray, zShape);
		tiledWeights.data().asNioFloat().put(tiled);
		Nd4j.matmul(tiledWeights, cols, preOutputArray, false, false, false); // [n, nOut, positions] = NCHW
		float[] z = preOutputBuffer = NdArrays.floats(preOutputArray, preOutputBuffer);
		if (relu) {
			float[] act = activationBuffer = activationBuffer != null && activationBuffer.length == z.length
					? activationBuffer : new float[z.length];
			for (int i = 0; i < z.length; i++) act[i] = Math.max(z[i], 0f);
			preOutputArray.data().asNioFloat().put(act); // z stays in preOutputBuffer for backprop
		}
		INDArray out = workspaceMgr.createUninitialized(ArrayType.ACTIVATIONS, dataType,
				new long[] { n, nOut, unfold.outH(), unfold.outW() }, 'c');
		out.assign(preOutputArray.reshape('c', out.shape()));
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
		int n = (int) x.size(0);
		Im2Col unfold = unfolding(x);
		long perImage = (long) unfold.rows() * unfold.positions();
		if (perImage > columnBudget) return super.backpropGradient(epsilon, workspaceMgr); // one image too large
		// the forward pass on this very input left its columns and pre-activation: no second unfolding
		boolean fromForward = forwardInput == input;
		forwardInput = null;
		int chunk = fromForward ? n : (int) Math.min(n, columnBudget / perImage);

		long[] deltaShape = { n, layerConf().getNOut(), unfold.positions() };
		INDArray z = fromForward ? null : preOutput4d(true, true, workspaceMgr).getFirst();
		INDArray delta = fusedBackprop(z, epsilon, deltaShape);
		if (delta == null) {
			if (z == null) z = preOutput4d(true, true, workspaceMgr).getFirst();
			delta = layerConf().getActivationFn().backprop(z, epsilon).getFirst().reshape('c', deltaShape);
		}
		if (!fromForward) {
			inputBuffer = NdArrays.floats(x, inputBuffer);
			prepareBuffers(unfold, chunk);
		}
		float[] images = inputBuffer;
		INDArray sum = null; // [nOut, rows]: weight gradient columns, then the bias gradient
		for (int first = 0; first < n; first += chunk) {
			int count = Math.min(chunk, n - first);
			if (!fromForward) {
				unfold.fill(images, first, count, columnBuffer);
				columns.data().asNioFloat().put(columnBuffer, 0, (int) (count * perImage));
			}
			INDArray cols = count == columns.size(0) ? columns : columns.get(interval(0, count), all(), all());
			INDArray d = count == n ? delta : delta.get(interval(first, first + count), all(), all());
			INDArray part = Nd4j.matmul(d, cols, false, true, false).sum(0);
			sum = sum == null ? part : sum.addi(part);
		}
		// assign into the gradient views themselves (a reshaped view could be a copy)
		int weights = unfold.rows() - 1;
		INDArray weightGrad = gradientViews.get(ConvolutionParamInitializer.WEIGHT_KEY);
		weightGrad.assign(sum.get(all(), interval(0, weights)).dup('c').reshape('c', weightGrad.shape()));
		Gradient g = new DefaultGradient();
		if (layerConf().hasBias()) {
			INDArray biasGrad = gradientViews.get(ConvolutionParamInitializer.BIAS_KEY);
			biasGrad.assign(sum.get(all(), point(weights)).dup('c').reshape('c', biasGrad.shape()));
			g.setGradientFor(ConvolutionParamInitializer.BIAS_KEY, biasGrad);
		}
		g.setGradientFor(ConvolutionParamInitializer.WEIGHT_KEY, weightGrad, 'c');
		weightNoiseParams.clear();
		return new Pair<>(g, null);
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

	private void prepareBuffers(Im2Col unfold, int chunk) {
		long size = (long) chunk * unfold.rows() * unfold.positions();
		// kept while big enough: an epoch's last, smaller batch uses the first blocks
		if (columns == null || columns.size(0) < chunk || columns.size(1) != unfold.rows()
				|| columns.size(2) != unfold.positions()) {
			columnBuffer = new float[(int) size];
			unfold.fillOnes(columnBuffer, chunk);
			columns = NdArrays.detached(null, chunk, unfold.rows(), unfold.positions());
		}
	}

	/**
	 * The activation's backprop for ReLU and identity, in Java: ND4J's relu_bp op took about 3 ms for LeNet's
	 * 64 × 20 × 24 × 24 first-layer output, several times a plain loop. Null for other activations (DL4J's then).
	 */
	private INDArray fusedBackprop(INDArray z, INDArray epsilon, long[] shape) {
		IActivation a = layerConf().getActivationFn();
		boolean relu = Relu.isPlain(a);
		if (!relu && a.getClass() != ActivationIdentity.class) return null;
		float[] d = epsilonBuffer = NdArrays.floats(epsilon, epsilonBuffer);
		if (relu) {
			// null z: the forward pass left the pre-activation in the buffer
			Relu.backprop(d, z == null ? preOutputBuffer : (preOutputBuffer = NdArrays.floats(z, preOutputBuffer)));
		}
		deltaArray = NdArrays.detached(deltaArray, shape);
		deltaArray.data().asNioFloat().put(d, 0, d.length);
		return deltaArray;
	}
}
