package org.convkit.core.cnn.net;

import org.convkit.core.cnn.runtime.ComputeThreads;
import org.convkit.core.cnn.spec.NetworkSpec;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.updater.BaseMultiLayerUpdater;
import org.deeplearning4j.nn.updater.UpdaterBlock;
import org.junit.ClassRule;
import org.junit.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.learning.AdamUpdater;
import org.nd4j.linalg.learning.GradientUpdater;
import org.nd4j.linalg.learning.config.Adam;

import java.util.Arrays;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

/** The Java Adam step gives DL4J's (libnd4j's) results: on whole training runs and on single arrays. */
public class JavaAdamUpdaterTest {
	/** The per-layer replacements, not the fused block that stands in for them in training. */
	@ClassRule
	public static final FusedBlockOff BLOCK_OFF = new FusedBlockOff();

	/** Same single-precision formula, same order: measured bit-identical; allow one rounding step per update. */
	private static final double TOL = 1e-6;

	@Test
	public void trainingMatchesDl4jsAdam() {
		NetworkSpec spec = NetworkSpec.parse(NetworkSpec.LENET_SPEC);
		MultiLayerNetwork ref = NetworkBuilder.network(spec, 28, 28, 1, 4, TrainingSettings.DEFAULTS);
		MultiLayerNetwork net = NetworkBuilder.network(spec, 28, 28, 1, 4, TrainingSettings.DEFAULTS);
		assertEquals(1, JavaAdamUpdater.install(net));
		assertEquals(1, JavaAdamUpdater.install(net)); // idempotent
		for (UpdaterBlock b : ((BaseMultiLayerUpdater<?>) net.getUpdater()).getUpdaterBlocks())
			assertEquals(JavaAdamUpdater.class, b.getGradientUpdater().getClass());
		Nd4j.getRandom().setSeed(5);
		for (int i = 0; i < 20; i++) {
			INDArray x = Nd4j.rand(DataType.FLOAT, 16, 1, 28, 28);
			INDArray y = Nd4j.zeros(DataType.FLOAT, 16, 4);
			for (int k = 0; k < 16; k++) y.putScalar(k, (k + i) % 4, 1);
			ref.fit(new DataSet(x, y));
			net.fit(new DataSet(x, y));
		}
		// Adam moves each weight by about lr = 1e-3 per step: a wrong update would show as ~1e-3 after 20 steps
		double scale = ref.params().amaxNumber().doubleValue();
		assertEquals(0, ref.params().sub(net.params()).amaxNumber().doubleValue(), TOL * scale);
		INDArray s1 = ref.getUpdater().getStateViewArray(), s2 = net.getUpdater().getStateViewArray();
		assertEquals(0, s1.sub(s2).amaxNumber().doubleValue() / s1.amaxNumber().doubleValue(), TOL);
	}

	@Test
	public void otherOptimizersAreLeftAlone() {
		MultiLayerNetwork net = NetworkBuilder.network(NetworkSpec.parse("conv 3x3x4 relu"), 8, 8, 1, 2,
				TrainingSettings.DEFAULTS.withOptimizer(Optimizer.RMSPROP));
		assertEquals(0, JavaAdamUpdater.install(net));
		for (UpdaterBlock b : ((BaseMultiLayerUpdater<?>) net.getUpdater()).getUpdaterBlocks())
			assertTrue(!(b.getGradientUpdater() instanceof JavaAdamUpdater));
	}

	/** Views at an offset (the Java loop) and a strided gradient (libnd4j's op), early and late iterations. */
	@Test
	public void singleStepsMatchOnViewsAndStridedArrays() {
		Adam config = new Adam(3e-3, 0.8, 0.99, 1e-7);
		for (int iteration : new int[] { 0, 1, 7, 5000 }) {
			for (boolean strided : new boolean[] { false, true }) {
				Nd4j.getRandom().setSeed(iteration + (strided ? 100 : 0));
				int n = 40_000; // more than one chunk of the Java loop
				INDArray state = Nd4j.rand(DataType.FLOAT, 1, 2 * n + 6).muli(0.01); // v must stay positive
				// strided: a row of an 'f'-order matrix (element stride 2)
				INDArray grad = strided ? Nd4j.rand('f', 2, n).castTo(DataType.FLOAT).subi(0.5).get(
						NDArrayIndex.interval(1, 2), NDArrayIndex.all()) : Nd4j.rand(DataType.FLOAT, 1, n + 3).subi(0.5)
						.get(NDArrayIndex.interval(0, 1), NDArrayIndex.interval(3, n + 3));
				assertEquals(strided ? 2 : 1, grad.stride(1));
				INDArray refState = state.dup(), refGrad = grad.dup();
				GradientUpdater<Adam> ours = new JavaAdamUpdater(config), theirs = new AdamUpdater(config);
				ours.setStateViewArray(state.get(NDArrayIndex.interval(0, 1), NDArrayIndex.interval(6, 2 * n + 6)),
						new long[] { 1, n }, 'c', false);
				theirs.setStateViewArray(refState.get(NDArrayIndex.interval(0, 1),
						NDArrayIndex.interval(6, 2 * n + 6)), new long[] { 1, n }, 'c', false);
				ours.applyUpdater(grad, iteration, 0);
				theirs.applyUpdater(refGrad, iteration, 0);
				String what = "iteration " + iteration + (strided ? ", strided" : ", offset view");
				assertEquals(what + ": update", 0, relMax(refGrad, grad), TOL);
				assertEquals(what + ": state", 0, relMax(refState, state), TOL);
				assertTrue(what + ": the update moved", grad.amaxNumber().doubleValue() > 1e-4);
			}
		}
	}

	@Test
	public void largeArraysAloneAreSplitAcrossThreads() {
		int min = JavaAdamUpdater.PART_MIN;
		assertEquals(1, JavaAdamUpdater.parts(431_080, 2)); // LeNet
		assertEquals(1, JavaAdamUpdater.parts(2L * min - 1, 2));
		assertEquals(2, JavaAdamUpdater.parts(2L * min, 2));
		assertEquals(2, JavaAdamUpdater.parts(9_453_856, 2)); // Small VGG 96×96 RGB's dense layer
		assertEquals(1, JavaAdamUpdater.parts(9_453_856, 1));
		assertEquals(1, JavaAdamUpdater.parts(9_453_856, 0));
		assertEquals(1, JavaAdamUpdater.parts(0, 4));
		assertEquals(3, JavaAdamUpdater.parts(3L * min + 1, 8));
	}

	/**
	 * Split across 2 or 3 threads, the step gives the values of one thread bit for bit (each element's arithmetic is
	 * the same on any part: this is the property, not a tolerance), and libnd4j's within {@link #TOL}; an array
	 * whose length ends inside a chunk, at an offset in its buffer, as DL4J's updater views are.
	 */
	@Test
	public void anyThreadCountGivesOneThreadsValuesBitForBit() {
		int n = 3 * JavaAdamUpdater.PART_MIN + 12_345;
		Adam config = new Adam(1e-3);
		Nd4j.getRandom().setSeed(11);
		INDArray state0 = Nd4j.rand(DataType.FLOAT, 1, 2 * n + 4).muli(0.01);
		INDArray grad0 = Nd4j.rand(DataType.FLOAT, 1, n + 2).subi(0.5);
		INDArray refState = state0.dup(), refGrad = grad0.get(NDArrayIndex.interval(0, 1),
				NDArrayIndex.interval(2, n + 2)).dup();
		GradientUpdater<Adam> theirs = new AdamUpdater(config);
		theirs.setStateViewArray(refState.get(NDArrayIndex.interval(0, 1), NDArrayIndex.interval(4, 2 * n + 4)),
				new long[] { 1, n }, 'c', false);
		theirs.applyUpdater(refGrad, 3, 0);
		float[] oneGrad = null, oneState = null;
		for (int threads : new int[] { 1, 2, 3 }) {
			INDArray state = state0.dup(), whole = grad0.dup();
			INDArray grad = whole.get(NDArrayIndex.interval(0, 1), NDArrayIndex.interval(2, n + 2));
			JavaAdamUpdater ours = new JavaAdamUpdater(config);
			ours.setStateViewArray(state.get(NDArrayIndex.interval(0, 1), NDArrayIndex.interval(4, 2 * n + 4)),
					new long[] { 1, n }, 'c', false);
			try (ComputeThreads.Scope s = ComputeThreads.use(threads)) {
				assertEquals(threads, JavaAdamUpdater.parts(n, ComputeThreads.current()));
				ours.applyUpdater(grad, 3, 0);
			}
			float[] g = whole.data().asFloat(), st = state.data().asFloat();
			assertEquals(threads + " threads: the two floats before the view untouched", grad0.getFloat(1),
					g[1], 0f);
			assertEquals(threads + " threads: update", 0, relMax(refGrad, grad), TOL);
			assertEquals(threads + " threads: state", 0, relMax(refState, state), TOL);
			if (oneGrad == null) {
				oneGrad = g;
				oneState = st;
			} else {
				assertTrue(threads + " threads: the update bit for bit as one thread's", Arrays.equals(oneGrad, g));
				assertTrue(threads + " threads: the state bit for bit as one thread's", Arrays.equals(oneState, st));
			}
		}
	}

	private static double relMax(INDArray expected, INDArray actual) {
		return expected.sub(actual).amaxNumber().doubleValue() / expected.amaxNumber().doubleValue();
	}
}
