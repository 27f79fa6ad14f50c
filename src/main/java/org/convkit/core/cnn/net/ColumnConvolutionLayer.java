package org.convkit.core.cnn.net;

import org.convkit.core.cnn.net.ColumnScratch.Use;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.convolution.ConvolutionLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.params.ConvolutionParamInitializer;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Arrays;
import java.util.List;

/**
 * A convolution layer trained as matrix products: DL4J's {@link ConvolutionLayer} whose training forward pass and
 * backprop, while {@link #training(boolean) training} is on, unfold the images into columns ({@link Im2Col}, with a
 * row of ones for the bias) and run one OpenBLAS product per chunk of images: the pre-activation is
 * {@code weights · columns}, the weight and bias gradient {@code columns · error} (the error laid out position by
 * position: OpenBLAS took 3–4× as long for LeNet's first layer with {@code error · columnsᵀ}), and the input gradient
 * {@code weightsᵀ · error} folded back into images; inner layers with stride 1 instead take all three gradients from
 * one unfolding of the error where the processor has AVX-512 ({@link ErrorColumnBackprop}). The buffers live from one
 * step to the next, shared by the network's column layers ({@link ColumnScratch}); oneDNN's calls allocate and free
 * their large blocks at every call, which glibc by default maps and faults in afresh. So for large inner layers these
 * products are the faster path unless the process keeps its memory, for small ones oneDNN is ({@link ColumnRule},
 * docs/benchmarks.md): those take oneDNN's forward pass and {@link ReluBackpropLayer}'s backprop.
 * <p>
 * The network's first layer skips the input gradient, which {@code MultiLayerNetwork.fit} computes for every layer and
 * then throws away for the first one (PyTorch skips it too: images do not require a gradient); when max pooling follows
 * it, the two hand each other their output and error in Java ({@link PoolingHandoff}). Only ReLU or identity
 * layers get the forward pass here (ReLU's derivative then comes from the kept output); a first layer with
 * another activation gets DL4J's forward pass and this backprop. Layouts {@link Im2Col} does not handle (NHWC,
 * dilation), dropout or weight noise on the layer, and images whose columns alone exceed the budget take DL4J's path,
 * as does everything while training is off (inference, saliency maps): then the layer is DL4J's with its oneDNN helper
 * ({@link OneDnnConvolutionLayer}). The stored configuration is unchanged: a run-time replacement of the layer object
 * ({@link ConvKitLayers}), as DL4J itself does for frozen layers.
 */
public final class ColumnConvolutionLayer extends ReluBackpropLayer {
	/** At most this many floats of unfolded columns per image (32 MB); larger images take DL4J's path. */
	static final long COLUMN_BUDGET = 8L << 20;
	/**
	 * Columns per chunk of images aimed at (1 MB; an image with more goes alone): a chunk's columns and its
	 * input-gradient product then stay in the processor's caches between the products and the Java loops that fill
	 * and fold them. Measured over whole training steps of Small VGG (1 thread, AMD EPYC with AVX-512): chunks of up
	 * to 32 MB made a step 14 % longer at 64×64 gray and 17 % at 96×96 RGB, 8 MB ones 2 % and 4 %, 2 MB ones were as
	 * fast as 4 MB, and 1 MB ones as 4 MB; LeNet (26 × 576 floats of columns per image in its first layer: the whole
	 * batch of 64 in one chunk at 4 MB, chunks of 17 images at 1 MB) trained 3 % faster with 1 MB with AVX-512 and
	 * 0–7 % narrowed to AVX2 ({@code ./convkit --bench 9 levers}; docs/benchmarks.md). {@value #CHUNK_PROPERTY}
	 * sets another target (floats) for benchmarks.
	 */
	static final long CHUNK_TARGET = 1L << 18;
	/**
	 * Batches whose columns take at most this many floats (8 MB) keep every chunk's columns for backprop, each in its
	 * own part of one buffer, instead of unfolding the images again (LeNet's first layer: 1 M floats for 64 images).
	 */
	static final long KEEP_FLOATS = 2L << 20;
	/** {@code -Dconvkit.keepColumns=false} unfolds the images again in backprop unless in one chunk (benchmarks). */
	static final String KEEP_PROPERTY = "convkit.keepColumns";
	/** A chunk target in floats instead of {@link #CHUNK_TARGET}, read per call (benchmarks). */
	static final String CHUNK_PROPERTY = "convkit.columnChunk";

	private final boolean first;
	private long columnBudget = COLUMN_BUDGET, chunkTarget = -1;
	private volatile boolean training;
	/** The chunk buffers, shared with the network's other column layers. */
	private final ColumnScratch scratch;
	/** This layer's own: the gradients. */
	private float[] gradientBuffer;
	private INDArray weightsWithBias, gradientProduct;
	/** The input whose output (and columns) the last training forward pass left in the buffers, or null. */
	private INDArray forwardInput;
	/**
	 * Whether the shared columns buffer holds that input's columns for the whole batch, chunk after chunk of
	 * {@link #keptChunk} images, unless another layer has used it since ({@link ColumnScratch#columnsOwner}).
	 */
	private boolean columnsKept;
	private int keptChunk;
	/** The hand-over with the max pooling right after this layer (the network's first, plain ReLU), or null. */
	PoolingHandoff handoff;
	/**
	 * The last training forward pass's output (NCHW, whole batch): what the pooling's hand-over takes, and backprop's
	 * ReLU mask, since {@code max(z, 0)} is positive exactly where {@code z} is (only a NaN, which a diverged
	 * training gives and the loss then shows anyway, may pass or stop its error differently).
	 */
	private float[] activation;
	/** Backprop from the error's columns, for inner layers with stride 1. */
	private final ErrorColumnBackprop errorColumns;
	/** For tests: null chooses the path per call ({@link ColumnRule}); true or false forces it for inner layers. */
	Boolean innerColumns;
	/** For tests: true or false forces {@link #errorColumns} on or off where the stride is 1 (null: its own rule). */
	Boolean inputByProduct;
	/**
	 * For tests: how many forward passes and backprops took the column path, how many the pooling's hand-over; how
	 * many chunks of images were unfolded.
	 */
	int ownForwards, ownBackprops, handedBackprops, unfoldings;

	ColumnConvolutionLayer(NeuralNetConfiguration conf, DataType dataType, boolean first, ColumnScratch scratch) {
		super(conf, dataType);
		this.first = first;
		this.scratch = scratch;
		errorColumns = new ErrorColumnBackprop(scratch);
	}

	/**
	 * The network's {@code ColumnConvolutionLayer}s, which ConvKit's networks get for the first layer when it is a
	 * convolution and for every other plain ReLU or identity convolution ({@link ConvKitLayers}, run again here:
	 * idempotent).
	 */
	public static List<ColumnConvolutionLayer> install(MultiLayerNetwork net) {
		return ConvKitLayers.all(net, ColumnConvolutionLayer.class);
	}

	/** Switches {@link #training(boolean)} on or off for all the layers. */
	public static void training(List<ColumnConvolutionLayer> layers, boolean on) {
		for (ColumnConvolutionLayer l : layers) l.training(on);
	}

	/**
	 * Whether training forward passes and backprop take this class's path; off by default. Switching it off also frees
	 * the buffers (for large inputs they can be a few hundred MB), so a trained network kept in memory does not hold
	 * them.
	 */
	public void training(boolean on) {
		training = on;
		if (!on) {
			gradientBuffer = activation = null;
			if (handoff != null) handoff.release();
			scratch.release();
			weightsWithBias = gradientProduct = forwardInput = null;
			releaseReluBuffers();
			errorColumns.release();
			columnsKept = false;
		}
	}

	public boolean isTraining() {
		return training;
	}

	/** Whether this is the network's first layer, whose backprop returns no input gradient. */
	public boolean isFirst() {
		return first;
	}

	/** For tests: a smaller budget forces chunks (or DL4J's path when one image exceeds it). */
	void columnBudget(long floats) {
		columnBudget = floats;
		forwardInput = null;
	}

	/** For tests: another {@link #CHUNK_TARGET}. */
	void chunkTarget(long floats) {
		chunkTarget = floats;
		forwardInput = null;
	}

	@Override
	public INDArray activate(boolean training, LayerWorkspaceMgr workspaceMgr) {
		forwardInput = null;
		columnsKept = false;
		if (handoff != null) handoff.clear();
		IActivation a = layerConf().getActivationFn();
		boolean relu = Relu.isPlain(a);
		if (!this.training || !training || !unfoldable() || (!relu && a.getClass() != ActivationIdentity.class))
			return super.activate(training, workspaceMgr);
		INDArray x = NdArrays.contiguous(input);
		Im2Col unfold = unfolding(x);
		int n = (int) x.size(0), nOut = (int) layerConf().getNOut(), positions = unfold.positions();
		long perImage = (long) unfold.rows() * positions;
		if (perImage > columnBudget || !columnsWanted(perImage * n)) return super.activate(training, workspaceMgr);
		int chunk = chunk(n, perImage), outPerImage = nOut * positions;
		prepareWeights(unfold.rows());
		boolean keep = perImage * n <= KEEP_FLOATS && FastTraining.switchedOn(KEEP_PROPERTY);
		if (keep) scratch.matrix(Use.COLUMNS, unfold.rows(), (long) n * positions); // sized for every chunk
		// the whole batch's output, NCHW: also backprop's ReLU mask (positive exactly where the pre-activation is)
		float[] act = activation = ColumnScratch.sized(activation, n * outPerImage);
		INDArray out = workspaceMgr.createUninitialized(ArrayType.ACTIVATIONS, dataType,
				new long[] { n, nOut, unfold.outH(), unfold.outW() }, 'c');
		for (int firstImage = 0; firstImage < n; firstImage += chunk) {
			int count = Math.min(chunk, n - firstImage), length = count * positions;
			INDArray cols = unfold(unfold, x, firstImage, count, keep ? firstImage * perImage : 0);
			INDArray product = scratch.matrix(Use.PRODUCT, nOut, length);
			Nd4j.gemm(weightsWithBias, cols, product, false, false, 1.0, 0.0); // [nOut][count][positions]
			float[] p = scratch.floats(Use.PRODUCT, nOut * length);
			NdArrays.read(product, 0, p, nOut * length);
			// the activation NCHW, as the layer's output: no separate pre-activation pass
			ColumnScratch.nchw(p, count, nOut, positions, act, firstImage * outPerImage, relu);
			NdArrays.write(out, firstImage * outPerImage, act, firstImage * outPerImage, count * outPerImage);
		}
		// the pooling after this layer takes the whole batch's output from Java (ReLU layers only: see install)
		if (handoff != null && relu) handoff.forward(out, activation);
		columnsKept = keep || chunk >= n;
		keptChunk = chunk;
		if (columnsKept) scratch.columnsOwner = this;
		forwardInput = input;
		ownForwards++;
		return out;
	}

	@Override
	public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
		// the pooling's hand-over, if any, is taken below on the column path only; the other paths need its values
		boolean handedOver = handoff != null && handoff.hasGradient(epsilon);
		if (!training || !unfoldable()) return reluBackprop(valued(epsilon), workspaceMgr, training && !first);
		assertInputSet(true);
		INDArray x = NdArrays.contiguous(input);
		Im2Col unfold = unfolding(x);
		int n = (int) x.size(0), nOut = (int) layerConf().getNOut(), rows = unfold.rows(), positions = unfold.positions();
		long perImage = (long) rows * positions;
		// the forward pass on this very input left its pre-activation (and, in one chunk, its columns)
		boolean fromForward = forwardInput == input;
		// one image too large, or oneDNN's turn
		if (perImage > columnBudget || !fromForward && !columnsWanted(perImage * n))
			return reluBackprop(valued(epsilon), workspaceMgr, !first);
		boolean kept = fromForward && columnsKept && scratch.columnsOwner == this;
		forwardInput = null;
		columnsKept = false;
		if (!fromForward) prepareWeights(rows);
		int outPerImage = nOut * positions, inPerImage = (int) (x.length() / n);
		boolean relu = Relu.isPlain(layerConf().getActivationFn());
		INDArray epsNext = first ? null
				: workspaceMgr.createUninitialized(ArrayType.ACTIVATION_GRAD, dataType, x.shape(), 'c');
		// the pooling after this layer handed over its error and maxima: the masked, position-major error in one pass
		boolean handed = handedOver && fromForward && relu && epsNext == null;
		if (!handed) valued(epsilon);
		// after this class's forward pass the error is masked chunk by chunk; else DL4J's activation backprop, whole
		float[] wholeError = fromForward ? null : error(epsilon, workspaceMgr);
		INDArray eps = fromForward && !handed ? NdArrays.contiguous(epsilon) : null;
		int chunk = kept ? keptChunk : chunk(n, perImage);
		// stride 1 (inner layers): all three gradients from one unfolding of the error; else the input's columns
		boolean wanted = inputByProduct != null ? inputByProduct : ErrorColumnBackprop.WANTED;
		Im2Col back = epsNext == null || !wanted ? null : unfold.transposed(nOut);
		if (back != null && (long) back.rows() * back.positions() > columnBudget) back = null;
		if (back != null) errorColumns.start(back, getParam(ConvolutionParamInitializer.WEIGHT_KEY), nOut);
		else gradientProduct = NdArrays.detached(gradientProduct, rows, nOut);
		for (int firstImage = 0; firstImage < n; firstImage += chunk) {
			int count = Math.min(chunk, n - firstImage), length = count * positions, values = count * outPerImage;
			int base = firstImage * outPerImage;
			// the error with respect to the pre-activation: [count·positions][nOut] for the weight gradient's product
			INDArray positionMajor;
			float[] e = null;
			if (handed) {
				float[] t = scratch.floats(Use.POSITION_MAJOR, values);
				handoff.positionMajorError(n, firstImage, count, nOut, positions, t);
				positionMajor = scratch.written(Use.POSITION_MAJOR, t, length, nOut);
			} else {
				e = scratch.floats(Use.ERROR, values);
				if (wholeError != null) System.arraycopy(wholeError, base, e, 0, values);
				else {
					NdArrays.read(eps, base, e, values);
					if (relu) for (int k = 0; k < values; k++) e[k] = Relu.masked(e[k], activation[base + k]);
				}
				if (back != null) {
					float[] dx = scratch.floats(Use.INPUT_GRADIENT, count * inPerImage);
					errorColumns.chunk(x, e, firstImage, count, dx);
					NdArrays.write(epsNext, (long) firstImage * inPerImage, dx, count * inPerImage);
					continue;
				}
				positionMajor = scratch.positionMajor(e, count, nOut, positions);
			}
			INDArray cols = kept ? scratch.matrix(Use.COLUMNS, rows, length, firstImage * perImage)
					: unfold(unfold, x, firstImage, count, 0);
			// [rows][nOut]: the weight gradients, then the bias gradient
			Nd4j.gemm(cols, positionMajor, gradientProduct, false, false, 1.0, firstImage == 0 ? 0.0 : 1.0);
			if (epsNext != null) {
				INDArray folded = scratch.matrix(Use.FOLD, rows, length);
				Nd4j.gemm(weightsWithBias, scratch.channelMajor(e, count, nOut, positions), folded, true, false, 1.0, 0.0);
				float[] f = scratch.floats(Use.FOLD, rows * length);
				NdArrays.read(folded, 0, f, rows * length);
				float[] dx = scratch.floats(Use.INPUT_GRADIENT, count * inPerImage);
				Arrays.fill(dx, 0, count * inPerImage, 0f);
				unfold.foldSpread(f, count, dx);
				NdArrays.write(epsNext, (long) firstImage * inPerImage, dx, count * inPerImage);
			}
		}
		Gradient grad = back != null ? gradient(errorColumns.weightGradient(), errorColumns.biasGradient())
				: gradients(rows, nOut);
		weightNoiseParams.clear();
		ownBackprops++;
		if (handed) handedBackprops++;
		return new Pair<>(grad, epsNext);
	}

	/** {@code epsilon} with its values: the pooling's hand-over is written out when it is that (see backprop). */
	private INDArray valued(INDArray epsilon) {
		if (handoff != null) handoff.writeGradient(epsilon);
		return epsilon;
	}

	/**
	 * Whether a call whose batch unfolds into {@code columnFloats} floats takes the column path: always for the first
	 * layer (its input gradient is skipped), for inner layers by {@link ColumnRule} unless a test forces it.
	 */
	private boolean columnsWanted(long columnFloats) {
		return first || (innerColumns != null ? innerColumns : ColumnRule.inner(columnFloats));
	}

	/** The weight and bias gradients from {@link #gradientProduct}, written into the layer's gradient views. */
	private Gradient gradients(int rows, int nOut) {
		float[] g = gradientBuffer = NdArrays.floats(gradientProduct, gradientBuffer);
		return gradient(BiasRow.weightGradient(g, rows, nOut), BiasRow.biasGradient(g, rows, nOut));
	}

	/** The weights {@code [nOut][rows - 1]} with the bias as last column, into {@link #weightsWithBias}. */
	private void prepareWeights(int rows) {
		int nOut = (int) layerConf().getNOut();
		float[] w = NdArrays.floats(getParam(ConvolutionParamInitializer.WEIGHT_KEY), null);
		float[] b = layerConf().hasBias() ? NdArrays.floats(getParam(ConvolutionParamInitializer.BIAS_KEY), null) : null;
		float[] wb = BiasRow.weightsWithBias(w, b, nOut, rows);
		weightsWithBias = NdArrays.detached(weightsWithBias, nOut, rows);
		NdArrays.write(weightsWithBias, 0, wb, wb.length);
	}

	/**
	 * The error with respect to the pre-activation, NCHW, for a backprop without this class's forward pass: ReLU's
	 * derivative in Java (ND4J's relu_bp op took about 3 ms for LeNet's 64 × 20 × 24 × 24 first-layer output, several
	 * times a plain loop), DL4J's for other activations.
	 */
	private float[] error(INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
		IActivation a = layerConf().getActivationFn();
		if (a.getClass() == ActivationIdentity.class) return NdArrays.floats(epsilon, null);
		INDArray z = preOutput4d(true, true, workspaceMgr).getFirst();
		if (!Relu.isPlain(a)) return NdArrays.floats(a.backprop(z, epsilon).getFirst(), null);
		float[] e = NdArrays.floats(epsilon, null);
		Relu.backprop(e, NdArrays.floats(z, null));
		return e;
	}

	/**
	 * Images {@code first .. first+count-1} of {@code x} (NCHW) unfolded side by side, ones row last, into the shared
	 * columns buffer from float {@code at} on.
	 */
	private INDArray unfold(Im2Col unfold, INDArray x, int first, int count, long at) {
		int inPerImage = (int) (x.length() / x.size(0)), length = count * unfold.positions(), rows = unfold.rows();
		float[] images = scratch.floats(Use.IMAGES, count * inPerImage);
		NdArrays.read(x, (long) first * inPerImage, images, count * inPerImage);
		float[] cols = scratch.floats(Use.COLUMNS, rows * length);
		unfoldings++;
		unfold.fillSpreadNchw(images, count, cols);
		unfold.fillSpreadOnes(cols, count);
		INDArray columns = scratch.matrix(Use.COLUMNS, rows, length, at);
		NdArrays.write(columns, at, cols, rows * length); // from the buffer's start, as NdArrays reads and writes
		return columns;
	}

	/** The unfolding for this layer and input (padding as DL4J computes it for the convolution mode). */
	private Im2Col unfolding(INDArray x) {
		int[] kernel = layerConf().getKernelSize(), stride = layerConf().getStride();
		int[] g = WindowGeometry.of(x, convolutionMode, kernel, stride, layerConf().getPadding(), layerConf().getDilation());
		return new Im2Col((int) x.size(1), (int) x.size(2), (int) x.size(3), kernel[0], kernel[1], stride[0], stride[1],
				g[2], g[3], g[0], g[1]);
	}

	/** Images per chunk: as many as fit the chunk target (and the budget), at least one. */
	private int chunk(int n, long perImage) {
		long target = chunkTarget > 0 ? chunkTarget : Long.getLong(CHUNK_PROPERTY, CHUNK_TARGET);
		return (int) Math.max(1, Math.min(n, Math.min(columnBudget, target > 0 ? target : CHUNK_TARGET) / perImage));
	}

	/** The cases {@link Im2Col} covers; anything else takes DL4J's path. */
	private boolean unfoldable() {
		org.deeplearning4j.nn.conf.layers.ConvolutionLayer c = layerConf();
		return c.getCnn2dDataFormat() == CNN2DFormat.NCHW && input != null && input.rank() == 4
				&& Arrays.equals(c.getDilation(), new int[] { 1, 1 })
				&& (convolutionMode == ConvolutionMode.Same || convolutionMode == ConvolutionMode.Truncate)
				&& dataType == DataType.FLOAT && c.getIDropout() == null && c.getWeightNoise() == null;
	}
}
