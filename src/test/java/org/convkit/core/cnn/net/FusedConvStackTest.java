package org.convkit.core.cnn.net;

import org.convkit.core.cnn.spec.NetworkSpec;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;

import java.util.Arrays;
import java.util.List;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertSame;
import static org.junit.Assert.assertTrue;

/**
 * The fused convolution block ({@link FusedConvStack} through {@link FusedLayers}) against DL4J 1.0.0-M2.1 as shipped,
 * step by step from one state ({@link StepByStep}: its tolerance and why), for the presets and for specs that take
 * every branch: identity convolutions, average pooling, strides, valid and same padding, non-square sizes, a block of
 * one layer, batches of other sizes before and after (plans sharing their buffers); what the block leaves to the
 * layers (batches that do not divide, inference during training, layers it does not take); the switch.
 */
public class FusedConvStackTest {
	private static final int CLASSES = 5, STEPS = 8;

	@Test
	public void lenetStepsAgreeWithDl4j() {
		assertEquals("steps through the block", STEPS, agree(NetworkSpec.LENET_SPEC, 28, 28, 1, 16, 4).steps);
	}

	@Test
	public void smallVggStepsAgreeWithDl4j() {
		// without its dropout: DL4J's masks come from the random stream, so two networks' steps cannot agree
		String noDropout = NetworkSpec.SMALL_VGG_SPEC.replace("; dropout 0.5", "");
		assertEquals("steps through the block", STEPS, agree(noDropout, 24, 24, 3, 8, 6).steps);
	}

	@Test
	public void everyBranchAgreesWithDl4j() {
		assertEquals("steps through the block", STEPS, agree("conv 3x3x16 identity pad=same; avgpool 2; "
				+ "conv 5x3x8 stride=2; maxpool 3 stride=1; dense 20 relu", 22, 18, 2, 8, 4).steps);
	}

	@Test
	public void aBlockOfOneLayerAgreesWithDl4j() {
		assertEquals("steps through the block", STEPS, agree("conv 3x3x8; dense 16 relu", 12, 12, 1, 8, 1).steps);
	}

	/** With Winograd kernels barred (where oneDNN would take them: 3×3, stride 1, AVX-512) the direct ones agree too. */
	@Test
	public void directKernelsAgreeWithDl4jToo() {
		String was = System.setProperty(FusedLayers.WINOGRAD_PROPERTY, "false");
		try {
			String noDropout = NetworkSpec.SMALL_VGG_SPEC.replace("; dropout 0.5", "");
			assertEquals("steps through the block", STEPS, agree(noDropout, 16, 16, 1, 8, 6).steps);
		} finally {
			SystemPropertyRule.restore(FusedLayers.WINOGRAD_PROPERTY, was);
		}
	}

	/**
	 * Channels last where oneDNN's own layout pads channels to its block (16 with AVX-512, 8 with AVX2: LeNet's 20 and
	 * 50 pad with either), oneDNN's layout where nothing pads (Small VGG's 32 and 64); the switch forces either way
	 * ("channelsLast" / "oneDNN", any case, spaces around), any other value is the automatic choice.
	 */
	@Test
	public void channelsLastWhereOneDnnsLayoutPadsChannels() {
		String vgg = NetworkSpec.SMALL_VGG_SPEC.replace("; dropout 0.5", "");
		String was = System.getProperty(FusedLayers.LAYOUT_PROPERTY);
		try {
			for (String auto : new String[] { null, "", "auto", "true", "false", "0", "NaN", "-1", "channels last" }) {
				SystemPropertyRule.restore(FusedLayers.LAYOUT_PROPERTY, auto);
				assertEquals("LeNet, " + auto, Boolean.TRUE, channelsLast(NetworkSpec.LENET_SPEC, 28, 1));
				assertEquals("Small VGG, " + auto, Boolean.FALSE, channelsLast(vgg, 16, 3));
			}
			for (String on : new String[] { "channelsLast", " CHANNELSLAST " }) {
				System.setProperty(FusedLayers.LAYOUT_PROPERTY, on);
				assertEquals("Small VGG, " + on, Boolean.TRUE, channelsLast(vgg, 16, 3));
			}
			for (String off : new String[] { "oneDNN", "onednn " }) {
				System.setProperty(FusedLayers.LAYOUT_PROPERTY, off);
				assertEquals("LeNet, " + off, Boolean.FALSE, channelsLast(NetworkSpec.LENET_SPEC, 28, 1));
			}
		} finally {
			SystemPropertyRule.restore(FusedLayers.LAYOUT_PROPERTY, was);
		}
	}

	/**
	 * Either layout, whichever the automatic choice would take, trains as DL4J does: LeNet laid out as oneDNN chooses,
	 * Small VGG and every branch channels last.
	 */
	@Test
	public void theOtherLayoutAgreesWithDl4jToo() {
		String was = System.getProperty(FusedLayers.LAYOUT_PROPERTY);
		try {
			System.setProperty(FusedLayers.LAYOUT_PROPERTY, "oneDNN");
			assertEquals(Boolean.FALSE, agree(NetworkSpec.LENET_SPEC, 28, 28, 1, 16, 4).channelsLast());
			System.setProperty(FusedLayers.LAYOUT_PROPERTY, "channelsLast");
			String noDropout = NetworkSpec.SMALL_VGG_SPEC.replace("; dropout 0.5", "");
			assertEquals(Boolean.TRUE, agree(noDropout, 24, 24, 3, 8, 6).channelsLast());
			assertEquals(Boolean.TRUE, agree("conv 3x3x16 identity pad=same; avgpool 2; conv 5x3x8 stride=2; "
					+ "maxpool 3 stride=1; dense 20 relu", 22, 18, 2, 8, 4).channelsLast());
		} finally {
			SystemPropertyRule.restore(FusedLayers.LAYOUT_PROPERTY, was);
		}
	}

	/**
	 * Winograd only where it may pay: oneDNN's pad the input channels to 16, and with 2 threads it took them for a
	 * one-channel first layer at 9–10× the direct kernel's time. Checked on a real plan with 2 threads where oneDNN has
	 * Winograd kernels (AVX-512): the inner 32-channel layers may still take them, the first layers (1 and 3 channels)
	 * never do.
	 */
	@Test
	public void winogradOnlyWhereTheInputHasChannelsEnough() {
		assertFalse(FusedConvStack.winogradMayPay(geometry(1, 3, 1)));
		assertFalse(FusedConvStack.winogradMayPay(geometry(3, 3, 1)));
		assertFalse(FusedConvStack.winogradMayPay(geometry(15, 3, 1)));
		assertTrue(FusedConvStack.winogradMayPay(geometry(16, 3, 1)));
		assertTrue(FusedConvStack.winogradMayPay(geometry(64, 3, 1)));
		assertFalse("5×5", FusedConvStack.winogradMayPay(geometry(32, 5, 1)));
		assertFalse("stride 2", FusedConvStack.winogradMayPay(geometry(32, 3, 2)));
		String vgg = NetworkSpec.SMALL_VGG_SPEC.replace("; dropout 0.5", "");
		for (int channels : new int[] { 1, 3 }) {
			List<String> impls = forwardImplementations(vgg, 64, channels, 2);
			assertEquals(impls.toString(), 4, impls.size());
			assertFalse(channels + " channel(s) in: " + impls, impls.get(0).contains("wino"));
		}
	}

	private static FusedBlockShape.Geometry geometry(long in, long k, long stride) {
		return new FusedBlockShape.Geometry(8, in, 32, 32, 32, 32 / stride, 32 / stride, k, k, stride, stride, 1, 1);
	}

	private static List<String> forwardImplementations(String spec, int size, int channels, int threads) {
		try (org.convkit.core.cnn.runtime.ComputeThreads.Scope t = org.convkit.core.cnn.runtime.ComputeThreads.use(
				threads)) {
			return afterOneStep(spec, size, channels, 64, FusedConvStack::forwardImplementations);
		}
	}

	/** Whether the block lays a network's activations out channels last after one step on {@code size}² images. */
	private static Boolean channelsLast(String spec, int size, int channels) {
		return afterOneStep(spec, size, channels, 4, FusedConvStack::channelsLast);
	}

	/** What {@code look} sees of the block after one training step of {@code batch} random images. */
	private static <T> T afterOneStep(String spec, int size, int channels, int batch,
			java.util.function.Function<FusedConvStack, T> look) {
		TrainableNetwork net = NetworkBuilder.network(NetworkSpec.parse(spec), size, size, channels, CLASSES,
				TrainingSettings.DEFAULTS);
		FastTraining f = FastTraining.on(net);
		try {
			net.fit(RandomBatch.of(7, batch, channels, size, size, CLASSES));
			FusedConvStack stack = ((FusedLayers.Convolution) net.getLayers()[0]).stack();
			assertEquals("a step through the block", 1, stack.steps);
			return look.apply(stack);
		} finally {
			f.off();
		}
	}

	/** 21 rows do not pool by 2 without a remainder: DL4J's truncation is the layers' job, and they do it. */
	@Test
	public void batchesWhoseSizesDoNotDivideRunLayerByLayer() {
		FusedConvStack stack = agree("conv 3x3x4 pad=same; maxpool 2; dense 10 relu", 21, 20, 1, 8, 2);
		assertEquals("no step through the block", 0, stack.steps);
	}

	/**
	 * Inference while the block is in (validation between epochs) runs through the block, forward only, and gives
	 * the layers' own probabilities within {@link TwinAssertions#TOL} (as the classification twin; other kernels, other
	 * summation orders); the step stays unstarted afterwards, and a batch the block has no plan for (a 3-D input: DL4J's
	 * own refusal is the layers' business) is the layers' own.
	 */
	@Test
	public void inferenceDuringTrainingRunsThroughTheBlock() {
		NetworkSpec s = NetworkSpec.preset(NetworkSpec.LENET);
		TrainableNetwork net = NetworkBuilder.network(s, 28, 28, 1, CLASSES, TrainingSettings.DEFAULTS);
		INDArray x = RandomBatch.of(5, 6, 1, 28, 28, CLASSES).getFeatures();
		float[] before = NdArrays.floats(net.output(x), null);
		FastTraining f = FastTraining.on(net);
		FusedConvStack stack = ((FusedLayers.Convolution) net.getLayers()[0]).stack();
		int steps = stack.steps;
		assertArrayEquals(before, NdArrays.floats(net.output(x), null), (float) TwinAssertions.TOL);
		assertEquals("one pass through the block", steps + 1, stack.steps);
		assertFalse("the pass leaves no step started", stack.started());
		net.fit(RandomBatch.of(6, 8, 1, 28, 28, CLASSES));
		float[] during = NdArrays.floats(net.output(x), null);
		assertEquals("a training step and a pass", steps + 3, stack.steps);
		f.off();
		assertArrayEquals("after training the layers' own objects give the same", during,
				NdArrays.floats(net.output(x), null), (float) TwinAssertions.TOL);
		assertFalse(Arrays.equals(before, during));
	}

	/** An inference pass between training steps changes nothing in them: the same steps, bit for bit. */
	@Test
	public void aPassBetweenStepsLeavesTrainingAsItWas() {
		String noDropout = NetworkSpec.SMALL_VGG_SPEC.replace("; dropout 0.5", "");
		TrainableNetwork plain = NetworkBuilder.network(NetworkSpec.parse(noDropout), 16, 16, 3, CLASSES,
				TrainingSettings.DEFAULTS);
		TrainableNetwork looked = NetworkBuilder.network(NetworkSpec.parse(noDropout), 16, 16, 3, CLASSES,
				TrainingSettings.DEFAULTS);
		assertArrayEquals(NdArrays.floats(plain.params(), null), NdArrays.floats(looked.params(), null), 0f);
		FastTraining a = FastTraining.on(plain), b = FastTraining.on(looked);
		try {
			for (int step = 0; step < 3; step++) {
				DataSet batch = RandomBatch.of(20 + step, 8, 3, 16, 16, CLASSES);
				looked.output(RandomBatch.of(30 + step, 8, 3, 16, 16, CLASSES).getFeatures()); // the same batch size
				looked.output(RandomBatch.of(40 + step, 5, 3, 16, 16, CLASSES).getFeatures()); // another one
				plain.fit(batch);
				looked.fit(batch);
				assertArrayEquals("step " + step, NdArrays.floats(plain.params(), null),
						NdArrays.floats(looked.params(), null), 0f);
			}
			assertEquals("3 steps and 6 passes through the block", 9,
					((FusedLayers.Convolution) looked.getLayers()[0]).stack().steps);
		} finally {
			a.off();
			b.off();
		}
	}

	/**
	 * ReLU's backprop run by the max pooling above a convolution, on the pooled output (a quarter of the values),
	 * gives the step the convolution's own ReLU backprop gives, bit for bit: pooling's backprop sends each window's
	 * error to the maximum, which is the ReLU output the mask reads, and nowhere else. Small VGG (ReLU convolutions
	 * below both poolings, windows of 2) on RGB, LeNet (windows over outputs of 5×5 convolutions), and overlapping
	 * windows of 3 with stride 1 after an identity convolution, where nothing moves.
	 */
	@Test
	public void reluBackpropInTheMaxPoolingGivesTheSameSteps() {
		String noDropout = NetworkSpec.SMALL_VGG_SPEC.replace("; dropout 0.5", "");
		// where ConvKit's Winograd kernels run conv2 and conv4 (AVX2's blocks of 8: CI's narrowed pass), those run the
		// ReLU backprop of conv1 and conv3 below them too (reluBackpropInTheNativeKernelsGivesTheSameSteps)
		sameStepsWithReluBackpropMoved(noDropout, 16, 16, 3, "[0, 2, 3, 5]", "[0, 1, 3, 4]", "[1, 2, 4, 5]", "[1, 4]");
		sameStepsWithReluBackpropMoved(NetworkSpec.LENET_SPEC, 28, 28, 1, "[1, 3]", "[0, 2]", "[1, 3]", "[0, 2]");
		sameStepsWithReluBackpropMoved("conv 3x3x8 pad=same; maxpool 3 stride=1; conv 3x3x8 identity; maxpool 2; "
				+ "dense 10 relu", 14, 14, 2, "[1]", "[0]", "[1]", "[0]");
	}

	/**
	 * ReLU's backprop run by ConvKit's Winograd kernels of the convolution above, as they store the error, gives the
	 * step oneDNN's ReLU backprop pass gives, bit for bit (the same products by 1 or 0). Small VGG's conv2 and conv4
	 * take over conv1's and conv3's where the kernels run them (blocks of 8 channels: CI's narrowed pass); with
	 * AVX-512's blocks of 16 nothing moves.
	 */
	@Test
	public void reluBackpropInTheNativeKernelsGivesTheSameSteps() {
		String noDropout = NetworkSpec.SMALL_VGG_SPEC.replace("; dropout 0.5", "");
		String was = System.getProperty(FusedLayers.NATIVE_RELU_PROPERTY);
		try {
			SideBySide.sameSteps(noDropout, 16, 16, 3, 60,
					() -> System.clearProperty(FusedLayers.NATIVE_RELU_PROPERTY),
					() -> System.setProperty(FusedLayers.NATIVE_RELU_PROPERTY, "false"), (moved, kept) -> {
						boolean folded = nativeKernelsExpected(kept);
						assertEquals(folded ? "[1, 2, 4, 5]" : "[0, 2, 3, 5]", moved.reluBackpropLayers().toString());
						assertEquals("[0, 2, 3, 5]", kept.reluBackpropLayers().toString());
						assertEquals(folded ? "[1, 3, 4]" : "[]", moved.nativeWinogradLayers().toString());
					});
		} finally {
			SystemPropertyRule.restore(FusedLayers.NATIVE_RELU_PROPERTY, was);
		}
	}

	/**
	 * Whether ConvKit's Winograd kernels should run a block's eligible 3×3 layers, found independently of them: their
	 * library loaded here and oneDNN's own kernels are AVX2 ones (blocks of 8 channels), as CI's narrowed pass has it.
	 */
	private static boolean nativeKernelsExpected(FusedConvStack s) {
		return WinogradKernels.available() && !String.join(",", s.forwardImplementations()).contains("avx512");
	}

	/**
	 * The same steps with and without the move; which layers run a ReLU's backprop with it and without, and which
	 * where ConvKit's Winograd kernels run the eligible layers ({@link #nativeKernelsExpected}).
	 */
	private static void sameStepsWithReluBackpropMoved(String spec, int h, int w, int c, String movedTo, String own,
			String movedToNative, String ownNative) {
		try {
			SideBySide.sameSteps(spec, h, w, c, 50, () -> FusedConvStack.reluBackpropInMaxPool = true,
					() -> FusedConvStack.reluBackpropInMaxPool = false, (moved, kept) -> {
						boolean folded = nativeKernelsExpected(kept);
						assertEquals(spec, folded ? movedToNative : movedTo, moved.reluBackpropLayers().toString());
						assertEquals(spec, folded ? ownNative : own, kept.reluBackpropLayers().toString());
					});
		} finally {
			FusedConvStack.reluBackpropInMaxPool = true;
		}
	}

	/**
	 * A training block keeps every layer's activations (backprop reads them) but only two layers' errors, which take
	 * turns in two buffers: Small VGG on 24×24 RGB images holds 62,208 activations per image in its six layers, the two
	 * largest errors 36,864, so one error buffer per layer would not fit the bound here.
	 */
	@Test
	public void trainingKeepsEveryActivationButTwoErrors() {
		int batch = 32;
		TrainableNetwork net = NetworkBuilder.network(NetworkSpec.parse(NetworkSpec.SMALL_VGG_SPEC), 24, 24, 3,
				CLASSES, TrainingSettings.DEFAULTS);
		FastTraining f = FastTraining.on(net);
		try {
			FusedConvStack stack = ((FusedLayers.Convolution) net.getLayers()[0]).stack();
			net.fit(RandomBatch.of(1, batch, 3, 24, 24, CLASSES));
			assertEquals(1, stack.steps);
			long activations = 4L * batch * 62_208, twoErrors = 4L * batch * 36_864;
			// weights, their gradients and the error pass's copy; pooling's workspaces; the first layer's input
			long rest = 4L * 3 * (32 * 3 * 9 + 32 * 32 * 9 + 64 * 32 * 9 + 64 * 64 * 9) + 4L * batch * (4608 + 2304)
					+ 4L * batch * 8 * 576;
			long bound = (long) (1.1 * (activations + twoErrors + rest));
			assertTrue(stack.bytesHeld() + " bytes held", stack.bytesHeld() >= activations + twoErrors);
			assertTrue(stack.bytesHeld() + " bytes held, bound " + bound, stack.bytesHeld() <= bound);
			assertTrue("one error buffer per layer would not fit", bound < 2 * activations + rest);
		} finally {
			f.off();
		}
	}

	/** The block ends at the first layer it does not take; none when the first layer is such a layer. */
	@Test
	public void theBlockCoversTheLayersItTakesFromTheBottom() {
		assertEquals(1, blockSize("conv 3x3x8; conv 3x3x8 tanh; dense 10 relu"));
		assertEquals(2, blockSize("conv 3x3x8 pad=same; maxpool 2; batchnorm; conv 3x3x8; dense 10"));
		assertEquals(0, blockSize("conv 3x3x8 elu; conv 3x3x8; dense 10"));
		assertEquals(0, blockSize("dense 10 relu"));
		assertEquals(0, blockSize("conv 4x4x8 pad=same; dense 10")); // even kernel: DL4J pads one side more
		assertEquals(1, blockSize("conv 3x3x8; conv 3x3x8 stride=2 pad=same; dense 10"));
	}

	/** Only "false" (any case, spaces around) switches the block off. */
	@Test
	public void theSwitchReadsOnlyFalseAsOff() {
		String was = System.getProperty(FusedLayers.PROPERTY);
		try {
			for (String off : new String[] { "false", " FALSE ", "False" }) {
				System.setProperty(FusedLayers.PROPERTY, off);
				assertEquals(off, 0, blockSize(NetworkSpec.LENET_SPEC));
			}
			for (String on : new String[] { "", "true", "yes", "0", "NaN", "-1", "off" }) {
				System.setProperty(FusedLayers.PROPERTY, on);
				assertEquals(on, 4, blockSize(NetworkSpec.LENET_SPEC));
			}
		} finally {
			SystemPropertyRule.restore(FusedLayers.PROPERTY, was);
		}
	}

	/**
	 * The block's size for a spec on 16×16 gray images, 0 when the network gets none; what the configuration alone says
	 * (the thread count's rule reads it before there is a network: {@link ColumnRule#anyInner}) must agree.
	 */
	private static int blockSize(String spec) {
		TrainableNetwork net = NetworkBuilder.network(NetworkSpec.parse(spec), 16, 16, 1, CLASSES,
				TrainingSettings.DEFAULTS);
		FastTraining f = FastTraining.on(net);
		try {
			int n = 0;
			for (Layer l : net.getLayers())
				if (l instanceof FusedLayers.Convolution || l instanceof FusedLayers.Pooling) n++;
			assertEquals(spec + ": the configuration's count", n, FusedLayers.coverage(net.getLayerWiseConfigurations()));
			return n;
		} finally {
			f.off();
		}
	}

	/**
	 * {@link #STEPS} steps of a ConvKit network with the block against DL4J's, the first and the sixth batch 3 images
	 * smaller than the rest (a plan made after a larger one and one needing larger buffers than the first); checks
	 * which layers the block took, that they are given back, and returns the block.
	 */
	private static FusedConvStack agree(String spec, int h, int w, int c, int batch, int blockSize) {
		NetworkSpec s = NetworkSpec.parse(spec);
		TrainableNetwork fast = NetworkBuilder.network(s, h, w, c, CLASSES, TrainingSettings.DEFAULTS);
		MultiLayerNetwork plain = new MultiLayerNetwork(NetworkBuilder.configuration(s, h, w, c, CLASSES,
				TrainingSettings.DEFAULTS));
		plain.init();
		Layer[] own = fast.getLayers().clone();
		FastTraining f = FastTraining.on(fast);
		Layer[] l = fast.getLayers();
		for (int i = 0; i < l.length; i++) {
			boolean member = l[i] instanceof FusedLayers.Convolution || l[i] instanceof FusedLayers.Pooling;
			assertEquals("layer " + i + " in the block", i < blockSize, member);
		}
		FusedConvStack stack = ((FusedLayers.Convolution) l[0]).stack();
		StepByStep steps = new StepByStep(STEPS);
		for (int step = 0; step < STEPS; step++) {
			DataSet d = RandomBatch.of(300 + step, step == 0 || step == 5 ? batch - 3 : batch, c, h, w, CLASSES);
			steps.step(fast, plain, d, true);
		}
		f.off();
		for (int i = 0; i < l.length; i++)
			assertSame("the network's own layer objects are back", own[i], fast.getLayers()[i]);
		steps.assertAgree("FusedConvStackTest " + spec);
		return stack;
	}
}
