package org.convkit.core.cnn.net;

import org.bytedeco.dnnl.memory;
import org.bytedeco.dnnl.reorder;
import org.bytedeco.dnnl.stream;
import org.convkit.core.cnn.runtime.ComputeThreads;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.params.ConvolutionParamInitializer;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.lang.ref.Reference;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The convolution and pooling layers at the bottom of a network, trained as one block on oneDNN called directly
 * ({@link Dnnl}): each layer's activations and errors stay in the layouts of oneDNN's fast kernels from the first
 * layer to the last, ReLU runs inside the convolution, and 3×3 convolutions may take oneDNN's Winograd kernels. Through
 * DL4J's layers every convolution reorders its NCHW input into oneDNN's layout and its output back, forward and
 * backward (12 reorders of 64×64×48×48 floats per Small VGG 96×96 training step; docs/benchmarks.md). The block takes
 * DL4J's NCHW input and gives DL4J's NCHW output and takes its error back, so the dense layers, the loss and the
 * updater stay DL4J's (and ConvKit's) as before; the weights and gradients are the layers' own arrays.
 * <p>
 * The block is layers 0…k-1 of the network, k ≥ 1: convolutions (ReLU or identity, bias, no dilation) and max or
 * average pooling, without preprocessors between them, starting with a convolution; "same" padding with stride 1 and
 * odd kernels, or no padding. A batch whose sizes do not divide as DL4J's truncation needs gets no plan
 * ({@link #plan}: null) and takes the layers' own path. Primitives are made per batch size (the last batch of an
 * epoch is smaller) and per thread count of the calling thread: oneDNN's convolution kernels split their work for
 * the OpenMP count in force when they are made and keep that split, so a plan made on one thread stays on one thread
 * when a later call is given two, and one made on two keeps two when the cores got busy ({@link ComputeThreads}
 * chooses per call for classification). oneDNN compiles its kernels then, so the most recent plans are kept (two
 * while training, whose count is fixed for the run; four while classifying: two sizes on one or two threads), their
 * activations in the same buffers ({@link PlanMemory}).
 */
final class FusedConvStack {
	/** Plans kept for a block that trains (one thread count per run: the batch size and the last batch's). */
	private static final int KEPT_TRAINING_PLANS = 2;
	/** Plans kept for a block that classifies: two batch sizes on two thread counts. */
	private static final int KEPT_INFERENCE_PLANS = 4;
	/** Whether ReLU's backprop moves into the max pooling above (the same values; tests compare with it off). */
	static volatile boolean reluBackpropInMaxPool = true;

	private static final Logger LOG = Logger.getLogger(FusedConvStack.class.getName());

	/**
	 * How the block lays activations out: as oneDNN chooses (blocks of 16 channels with AVX-512, 8 with AVX2, padded
	 * where a layer's channel count is not a multiple), channels last (NHWC, never padded), or channels last only
	 * where oneDNN's choice would pad some layer's channels and oneDNN has fast kernels for channels last. LeNet's
	 * 20 and 50 channels pad to 32 and 64 with AVX-512 (half the second convolution's multiplications on padding):
	 * channels last trained it 1.31× as fast there, 1.19× with AVX2 (24 and 56); Small VGG's 32 and 64 channels pad
	 * nothing, and channels last trained it 0.77–0.91× as fast (docs/benchmarks.md, "Channels last where oneDNN's
	 * layout pads channels"). A layout that leaves a pass on oneDNN's reference kernels is not taken automatically.
	 */
	enum Layout {
		CHOSEN, CHANNELS_LAST, AUTO;

		/** The switch's value: "channelsLast", "oneDNN" (any case, spaces around), anything else (or unset) auto. */
		static Layout of(String property) {
			String v = property == null ? "" : property.trim().toLowerCase(java.util.Locale.ROOT);
			return v.equals("channelslast") ? CHANNELS_LAST : v.equals("onednn") ? CHOSEN : AUTO;
		}
	}

	private final Layer[] layers;
	private final boolean winograd;
	private final Layout layout;
	/** Whether this block trains (forward and backward passes) or only classifies (forward, in two buffers). */
	final boolean training;
	/** This stack's own stream (oneDNN's streams are not for several threads; replicas train side by side). */
	private final stream stream;
	private final PlanMemory.Buffers buffers;
	/** Set when oneDNN refused a plan: the layers then run one by one for the rest of the run. */
	private boolean refused;
	private final Map<String, Plan> plans = new LinkedHashMap<>();
	/** The input of the current step (the first convolution's weight gradient reads it in backprop). */
	private INDArray input;
	private Plan current;
	/** Whether the plan made last laid its activations out channels last (for tests; outlives {@link #release}). */
	private Boolean channelsLastOfLatest;
	/** Passes that ran through the block: training steps, or inference calls of a block that classifies (for tests). */
	int steps;
	/** Plans made so far (for tests). */
	int plansMade;

	private FusedConvStack(Layer[] layers, boolean winograd, Layout layout, boolean training, Dnnl d) {
		this.layers = layers;
		this.winograd = winograd;
		this.layout = layout;
		this.training = training;
		stream = new stream(d.engine);
		buffers = new PlanMemory.Buffers(d.engine);
	}

	/**
	 * The block of {@code net}'s bottom layers as described above, or null when there is none (the first layer is
	 * not a plain convolution, the network is not float) or oneDNN's library does not load. A training block needs the
	 * network's gradient arrays ({@code initGradientsView}).
	 */
	static FusedConvStack of(MultiLayerNetwork net, boolean winograd, Layout layout, boolean training) {
		int k = FusedBlockShape.blockLength(net.getLayerWiseConfigurations());
		Dnnl d = k == 0 ? null : Dnnl.get();
		return d == null ? null
				: new FusedConvStack(Arrays.copyOf(net.getLayers(), k), winograd, layout, training, d);
	}

	/** How many of the network's bottom layers the block covers. */
	int size() {
		return layers.length;
	}

	/** Native bytes the block's plans hold for activations, errors and weights in oneDNN's layouts. */
	long bytesHeld() {
		return buffers.bytes();
	}

	/** For tests: the layers whose backprop runs a ReLU's, in the most recent plan. */
	List<Integer> reluBackpropLayers() {
		return layersWhere(FusedStage::reluBackprop);
	}

	/** For tests: the layers whose max pooling runs in Java ({@link BlockMaxPooling}), in the most recent plan. */
	List<Integer> javaPoolingLayers() {
		return layersWhere(s -> s instanceof FusedStage.Pool && ((FusedStage.Pool) s).inJava());
	}

	/** The layers of the most recent plan whose stage passes {@code test} (none without a plan). */
	private List<Integer> layersWhere(java.util.function.Predicate<FusedStage> test) {
		List<Integer> out = new ArrayList<>();
		Plan p = latest();
		for (int i = 0; p != null && i < p.stages.size(); i++)
			if (test.test(p.stages.get(i))) out.add(i);
		return out;
	}

	/** For tests: the convolutions that run on {@link WinogradKernels}, in the most recent plan. */
	List<Integer> nativeWinogradLayers() {
		return layersWhere(s -> s instanceof FusedStage.Conv && ((FusedStage.Conv) s).nativeWinograd());
	}

	/** For tests: whether the plan made last computes the first layer's weight gradient as ConvKit's product. */
	boolean oneChannelProduct() {
		Plan p = latest();
		return p != null && ((FusedStage.Conv) p.stages.get(0)).weightGradientAsProduct();
	}

	/** For tests: oneDNN's implementation of each convolution's forward pass in the plan made last. */
	List<String> forwardImplementations() {
		List<String> out = new ArrayList<>();
		Plan p = latest();
		for (int i = 0; p != null && i < p.stages.size(); i++)
			if (p.stages.get(i) instanceof FusedStage.Conv) out.add(((FusedStage.Conv) p.stages.get(i)).implementation());
		return out;
	}

	/**
	 * Whether oneDNN may take its Winograd kernels for a layer (it chooses among them and the direct ones): 3×3,
	 * stride 1, and at least {@value #WINOGRAD_MIN_CHANNELS} input channels. oneDNN 2.5's Winograd kernels (AVX-512
	 * only) pad the input channels to 16, and its choice does not weigh that: with 2 threads it took them for Small
	 * VGG's one-channel first layer, whose forward pass then took 10.4 ms against 1.2 for PyTorch's direct kernel, its
	 * weight gradient 11.2 against 1.1 (64×64, batch 64; docs/benchmarks.md, "Idle cores now").
	 */
	static boolean winogradMayPay(FusedBlockShape.Geometry g) {
		return g.kh == 3 && g.kw == 3 && g.sh == 1 && g.sw == 1 && g.in >= WINOGRAD_MIN_CHANNELS;
	}

	static final int WINOGRAD_MIN_CHANNELS = 16;

	/** For tests: the thread count of the plan used last (0: none). */
	int latestThreads() {
		Plan p = latest();
		return p == null ? 0 : p.threads;
	}

	/** For tests: whether the plan made last laid its activations out channels last (null: none made). */
	Boolean channelsLast() {
		return channelsLastOfLatest;
	}

	private Plan latest() {
		Plan p = null;
		for (Plan q : plans.values())
			p = q;
		return p;
	}

	/** Whether {@code l} is the block's top layer (the one that runs the block) or one below it. */
	boolean isTop(Layer l) {
		return l == layers[layers.length - 1];
	}

	/** Layer {@code index} of the block ({@link FusedLayers} puts its objects in place of the network's). */
	void setLayer(int index, Layer l) {
		layers[index] = l;
	}

	/**
	 * Starts a training step (or an inference pass, for a block that only classifies) on {@code input} (NCHW): true
	 * when the block takes it, false when this batch's sizes do not fit (the layers then run one by one).
	 */
	boolean start(INDArray input) {
		current = input == null || input.rank() != 4 || refused ? null : plan(input.shape());
		// kept for the backward pass: a copy must outlive the DL4J workspace this call may run in
		this.input = current == null ? null : NdArrays.contiguousDetached(input);
		if (current != null) current.memories.bind(buffers);
		return current != null;
	}

	/** Whether the current step runs through the block ({@link #start}). */
	boolean started() {
		return current != null;
	}

	/** The block's forward pass on the started step's input: the top layer's output, NCHW, in DL4J's workspace. */
	INDArray forward(LayerWorkspaceMgr workspaceMgr) {
		Plan p = current;
		steps++;
		INDArray out = workspaceMgr.createUninitialized(ArrayType.ACTIVATIONS, DataType.FLOAT, p.outShape, 'c');
		Dnnl.point(p.userInput, input);
		for (FusedStage s : p.stages)
			s.forward();
		Dnnl.point(p.userOutput, out);
		p.toOutput.execute(stream, p.last().dst, p.userOutput);
		stream._wait(); // DL4J reads the output next
		return out;
	}

	/** The block's backward pass from the error at the top layer's output: every layer's gradient arrays written. */
	void backward(INDArray epsilon) {
		Plan p = current;
		INDArray e = NdArrays.contiguous(epsilon);
		Dnnl.point(p.userError, e);
		p.fromError.execute(stream, p.userError, p.last().diffDst);
		for (int i = p.stages.size() - 1; i >= 0; i--)
			p.stages.get(i).backward();
		stream._wait(); // the updater reads the gradients next
		// oneDNN read e through a raw address: a copy made above must not be collected (and freed) before that
		Reference.reachabilityFence(e);
	}

	/** Ends the step (after the bottom layer's backprop, or before an inference pass). */
	void abandon() {
		current = null;
		input = null;
	}

	/** Frees the plans and their native memory (after training). */
	void release() {
		plans.clear();
		buffers.release();
		current = null;
		input = null;
	}

	private Plan plan(long[] shape) {
		int threads = ComputeThreads.current();
		String key = shape[0] + "x" + shape[1] + "x" + shape[2] + "x" + shape[3] + "@" + threads;
		Plan p = plans.remove(key);
		if (p == null) {
			List<FusedBlockShape.Geometry> g = FusedBlockShape.geometry(layers, shape);
			if (g == null) return null;
			try {
				p = new Plan(new PlanMemory(Dnnl.get().engine, stream), g, layout == Layout.CHANNELS_LAST);
				if (layout == Layout.AUTO && p.padsChannels()) {
					Plan last = new Plan(new PlanMemory(Dnnl.get().engine, stream), g, true);
					if (!last.slow()) p = last; // nothing allocated yet: the plans' memory comes with bind
				}
				channelsLastOfLatest = p.channelsLast;
				p.threads = threads;
				plansMade++;
			} catch (RuntimeException e) { // oneDNN refused a primitive: DL4J's layers can still train the network
				refused = true;
				LOG.log(Level.WARNING, "oneDNN could not make the fused convolution block for " + key
						+ (training ? "; training goes on layer by layer" : "; classification goes on layer by layer"), e);
				return null;
			}
		}
		plans.put(key, p); // most recent last
		if (plans.size() > (training ? KEPT_TRAINING_PLANS : KEPT_INFERENCE_PLANS)) {
			Iterator<Plan> oldest = plans.values().iterator();
			oldest.next();
			oldest.remove();
		}
		return p;
	}

	/** The primitives and memories for one batch size. */
	private final class Plan {
		final PlanMemory memories;
		final List<FusedStage> stages = new ArrayList<>();
		final memory userInput, userOutput, userError;
		final reorder toOutput, fromError;
		final long[] outShape;

		/** Whether the activations are laid out channels last (else as oneDNN chooses). */
		final boolean channelsLast;
		/** The calling thread's OpenMP count when the plan was made (its primitives keep it). */
		int threads;
		/** Each layer's sizes, in the order of {@link #stages}. */
		private final List<FusedBlockShape.Geometry> geometry;

		Plan(PlanMemory d, List<FusedBlockShape.Geometry> geometry, boolean channelsLast) {
			this.memories = d;
			this.geometry = geometry;
			this.channelsLast = channelsLast;
			FusedBlockShape.Geometry first = geometry.get(0), top = geometry.get(geometry.size() - 1);
			memory.desc inDesc = Dnnl.desc(new long[] { first.batch, first.in, first.inH, first.inW },
					memory.format_tag.nchw);
			userInput = d.user(inDesc);
			memory src = userInput, diffSrc = null;
			memory.desc srcDesc = inDesc;
			for (int i = 0; i < layers.length; i++) {
				FusedBlockShape.Geometry g = geometry.get(i);
				org.deeplearning4j.nn.conf.layers.Layer conf = layers[i].conf().getLayer();
				FusedStage s;
				if (conf instanceof ConvolutionLayer) {
					Map<String, INDArray> grads = training ? ConvolutionParamInitializer.getInstance()
							.getGradientsFromFlattened(layers[i].conf(), layers[i].getGradientsViewArray())
							: Collections.emptyMap();
					boolean wino = winograd && winogradMayPay(g);
					s = new FusedStage.Conv(d, g, i == 0, src, srcDesc, diffSrc, relu(i),
							layers[i].getParam(ConvolutionParamInitializer.WEIGHT_KEY),
							layers[i].getParam(ConvolutionParamInitializer.BIAS_KEY),
							grads.get(ConvolutionParamInitializer.WEIGHT_KEY),
							grads.get(ConvolutionParamInitializer.BIAS_KEY), wino, reluBelowMaxPool(i), channelsLast);
				} else {
					s = new FusedStage.Pool(d, g, training, maxPool(i), src, srcDesc, diffSrc, reluBelowMaxPool(i - 1));
				}
				if (i > 0 && s instanceof FusedStage.Conv && stages.get(i - 1) instanceof FusedStage.Conv
						&& FastTraining.switchedOn(FusedLayers.NATIVE_RELU_PROPERTY))
					((FusedStage.Conv) s).takeReluBackpropOf((FusedStage.Conv) stages.get(i - 1));
				stages.add(s);
				src = s.dst;
				srcDesc = s.dstDesc;
				diffSrc = s.diffDst;
			}
			outShape = new long[] { top.batch, top.out, top.outH, top.outW };
			memory.desc outDesc = Dnnl.desc(outShape, memory.format_tag.nchw);
			userOutput = d.user(outDesc);
			toOutput = new reorder(last().dst, userOutput);
			userError = training ? d.user(outDesc) : null;
			fromError = training ? new reorder(userError, last().diffDst) : null;
		}

		FusedStage last() {
			return stages.get(stages.size() - 1);
		}

		/** Whether a layer's output is larger than its values: oneDNN's blocked layout padded its channels. */
		boolean padsChannels() {
			for (int i = 0; i < stages.size(); i++) {
				FusedBlockShape.Geometry g = geometry.get(i);
				if (stages.get(i).dstDesc.get_size() > 4L * g.batch * g.out * g.outH * g.outW) return true;
			}
			return false;
		}

		boolean slow() {
			for (FusedStage s : stages)
				if (s.slow) return true;
			return false;
		}

		private boolean relu(int i) {
			org.deeplearning4j.nn.conf.layers.Layer c = layers[i].conf().getLayer();
			return c instanceof ConvolutionLayer && Relu.isPlain(((ConvolutionLayer) c).getActivationFn());
		}

		private boolean maxPool(int i) {
			org.deeplearning4j.nn.conf.layers.Layer c = layers[i].conf().getLayer();
			return c instanceof SubsamplingLayer && ((SubsamplingLayer) c).getPoolingType()
					== org.deeplearning4j.nn.conf.layers.PoolingType.MAX;
		}

		/**
		 * Whether layer {@code i} is a ReLU convolution right below a max pooling in a training block: the pooling
		 * then runs the ReLU's backprop on its own output ({@link FusedStage.Pool}).
		 */
		private boolean reluBelowMaxPool(int i) {
			return reluBackpropInMaxPool && training && i >= 0 && i + 1 < layers.length && relu(i) && maxPool(i + 1);
		}
	}
}
