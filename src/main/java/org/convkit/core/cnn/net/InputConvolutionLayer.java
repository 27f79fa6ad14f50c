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
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.deeplearning4j.util.ConvolutionUtils;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.activations.impl.ActivationReLU;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
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
 * activation's backpropagated error, per image, summed over the batch. The forward pass is DL4J's (oneDNN).
 * <p>
 * Skipping is off by default, so the layer behaves exactly as DL4J's wherever the input gradient is wanted (for
 * example for saliency maps); {@link org.convkit.core.cnn.train.Trainer} switches it on only around its own fit
 * calls. Layouts the unfolding does not handle (NHWC, dilation) and images whose columns would not fit the memory
 * budget use DL4J's path. The stored network configuration is unchanged: this is a run-time replacement of the layer
 * object, installed by {@link #install}, as DL4J itself does for frozen layers.
 */
public final class InputConvolutionLayer extends ConvolutionLayer {
	/** At most this many floats of unfolded columns per chunk of images (64 MB); larger batches go in chunks. */
	static final long COLUMN_BUDGET = 16L << 20;

	private long columnBudget = COLUMN_BUDGET;
	private volatile boolean skipInputGradient;
	private float[] inputBuffer, preOutputBuffer, epsilonBuffer, columnBuffer;
	private INDArray columns, deltaArray;

	private InputConvolutionLayer(NeuralNetConfiguration conf, DataType dataType) {
		super(conf, dataType);
	}

	/**
	 * Replaces the network's first layer with an {@code InputConvolutionLayer} sharing its configuration, parameters
	 * and gradient views, when that layer is a plain DL4J convolution; returns it, or null when the first layer is
	 * something else (the network is then left as it was). Idempotent.
	 */
	public static InputConvolutionLayer install(MultiLayerNetwork net) {
		Layer[] layers = net.getLayers();
		if (layers.length == 0) return null;
		if (layers[0] instanceof InputConvolutionLayer) return (InputConvolutionLayer) layers[0];
		if (layers[0].getClass() != ConvolutionLayer.class) return null;
		ConvolutionLayer original = (ConvolutionLayer) layers[0];
		InputConvolutionLayer l = new InputConvolutionLayer(original.conf(), original.getParam(
				ConvolutionParamInitializer.WEIGHT_KEY).dataType());
		l.setListeners(original.getListeners());
		l.setIndex(original.getIndex());
		l.setParamsViewArray(original.params());
		l.setParamTable(original.paramTable());
		l.setConf(original.conf());
		if (original.getGradientsViewArray() != null) l.setBackpropGradientsViewArray(original.getGradientsViewArray());
		if (net.getLayerWiseConfigurations().getCacheMode() != null)
			l.setCacheMode(net.getLayerWiseConfigurations().getCacheMode());
		l.setIterationCount(original.getIterationCount());
		l.setEpochCount(original.getEpochCount());
		layers[0] = l; // getLayers() is the network's own array
		return l;
	}

	/**
	 * Whether backprop skips the input gradient (returns null for it); off by default. Switching it off also frees
	 * the layer's buffers (for large inputs they can be a few hundred MB), so a trained network kept in memory does
	 * not hold them.
	 */
	public void skipInputGradient(boolean skip) {
		skipInputGradient = skip;
		if (!skip) {
			inputBuffer = preOutputBuffer = epsilonBuffer = columnBuffer = null;
			columns = deltaArray = null;
		}
	}

	public boolean skipsInputGradient() {
		return skipInputGradient;
	}

	/** For tests: a smaller budget forces chunks (or DL4J's path when one image exceeds it). */
	void columnBudget(long floats) {
		columnBudget = floats;
		columns = null;
	}

	@Override
	public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
		if (!skipInputGradient || !unfoldable()) return super.backpropGradient(epsilon, workspaceMgr);
		assertInputSet(true);
		INDArray x = input.castTo(dataType);
		if (epsilon.dataType() != dataType) epsilon = epsilon.castTo(dataType);
		long[] s = x.shape();
		int n = (int) s[0], channels = (int) s[1], h = (int) s[2], w = (int) s[3];
		int[] kernel = layerConf().getKernelSize(), stride = layerConf().getStride(), pad, out;
		if (convolutionMode == ConvolutionMode.Same) {
			out = ConvolutionUtils.getOutputSize(x, kernel, stride, null, convolutionMode, layerConf().getDilation(),
					CNN2DFormat.NCHW);
			pad = ConvolutionUtils.getSameModeTopLeftPadding(out, new int[] { h, w }, kernel, stride,
					layerConf().getDilation());
		} else {
			pad = layerConf().getPadding();
			out = ConvolutionUtils.getOutputSize(x, kernel, stride, pad, convolutionMode, layerConf().getDilation(),
					CNN2DFormat.NCHW);
		}
		Im2Col unfold = new Im2Col(channels, h, w, kernel[0], kernel[1], stride[0], stride[1], pad[0], pad[1],
				out[0], out[1]);
		long perImage = (long) unfold.rows() * unfold.positions();
		if (perImage > columnBudget) return super.backpropGradient(epsilon, workspaceMgr); // one image too large
		int chunk = (int) Math.min(n, columnBudget / perImage);

		INDArray z = preOutput4d(true, true, workspaceMgr).getFirst();
		long[] deltaShape = { n, layerConf().getNOut(), (long) out[0] * out[1] };
		INDArray delta = fusedBackprop(z, epsilon, deltaShape);
		if (delta == null)
			delta = layerConf().getActivationFn().backprop(z, epsilon).getFirst().reshape('c', deltaShape);
		inputBuffer = NdArrays.floats(x, inputBuffer);
		float[] images = inputBuffer;
		prepareBuffers(unfold, chunk);
		INDArray sum = null; // [nOut, rows]: weight gradient columns, then the bias gradient
		for (int first = 0; first < n; first += chunk) {
			int count = Math.min(chunk, n - first);
			unfold.fill(images, first, count, columnBuffer);
			columns.data().asNioFloat().put(columnBuffer, 0, (int) (count * perImage));
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
			try (MemoryWorkspace ws = Nd4j.getMemoryManager().scopeOutOfWorkspaces()) {
				columns = Nd4j.create(DataType.FLOAT, chunk, unfold.rows(), unfold.positions());
			}
		}
	}

	/**
	 * The activation's backprop for ReLU and identity, in Java: ND4J's relu_bp op took about 3 ms for LeNet's
	 * 64 × 20 × 24 × 24 first-layer output, several times a plain loop. Null for other activations (DL4J's then).
	 */
	private INDArray fusedBackprop(INDArray z, INDArray epsilon, long[] shape) {
		IActivation a = layerConf().getActivationFn();
		boolean relu = a.getClass() == ActivationReLU.class && plainRelu((ActivationReLU) a);
		if (!relu && a.getClass() != ActivationIdentity.class) return null;
		float[] d = epsilonBuffer = NdArrays.floats(epsilon, epsilonBuffer);
		if (relu) {
			float[] zz = preOutputBuffer = NdArrays.floats(z, preOutputBuffer);
			// branch-free: a branch on the sign mispredicts for half the pixels. keep = -1 (all bits) iff z > 0 (sign bit
			// clear, not +0; a NaN z with a clear sign bit passes d through, and the loss shows the NaN anyway)
			for (int i = 0; i < d.length; i++) {
				int bits = Float.floatToRawIntBits(zz[i]), keep = ~((bits - 1) >> 31) & ~(bits >> 31); // -1 iff z > 0
				d[i] = Float.intBitsToFloat(Float.floatToRawIntBits(d[i]) & keep);
			}
		}
		if (deltaArray == null || !Arrays.equals(deltaArray.shape(), shape)) {
			try (MemoryWorkspace ws = Nd4j.getMemoryManager().scopeOutOfWorkspaces()) {
				deltaArray = Nd4j.create(DataType.FLOAT, shape, 'c');
			}
		}
		deltaArray.data().asNioFloat().put(d, 0, d.length);
		return deltaArray;
	}

	private static boolean plainRelu(ActivationReLU r) {
		return r.getMax() == null && (r.getThreshold() == null || r.getThreshold() == 0)
				&& (r.getNegativeSlope() == null || r.getNegativeSlope() == 0);
	}
}
