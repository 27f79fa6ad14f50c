package org.convkit.core.cnn.net;

import org.convkit.core.cnn.input.Normalisation;
import org.convkit.core.cnn.input.Resize;
import org.convkit.core.cnn.model.ModelBundle;
import org.convkit.core.cnn.model.ModelBundleIO;
import org.convkit.core.cnn.model.TrainingHistory;
import org.convkit.core.cnn.spec.NetworkSpec;
import org.convkit.testing.FloatTolerance;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.api.Trainable;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.updater.BaseMultiLayerUpdater;
import org.deeplearning4j.nn.updater.UpdaterBlock;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertSame;
import static org.junit.Assert.assertTrue;

/**
 * All of ConvKit's run-time replacements together ({@link FastTraining}, {@link ConvKitLayers}, the oneDNN helpers)
 * against DL4J 1.0.0-M2.1 as shipped, the {@code -Dconvkit.fastTraining=false} switch, continuing from a saved file,
 * and the network's and updater's references after a layer swap.
 */
public class FastTrainingTest {
	private static final int CLASSES = 10, BATCH = 16, STEPS = 20;
	/**
	 * How far one Adam step of ConvKit's may be from DL4J's step taken from the same weights and updater state on the
	 * same batch, relative to the size of DL4J's step (norms over all parameters; the same for the updater's state
	 * after the step). The two paths sum in other orders (oneDNN and OpenBLAS products against DL4J's im2col and
	 * GEMM, Java loops against libnd4j's), so gradients differ in the 7th digit. Adam divides each parameter's step by
	 * its own √v, so a wrong value in even one parameter moves its step by about a learning rate: LeNet has 431,080
	 * parameters, and with one weight's gradient set to 0 on purpose 18 of the 20 steps differed by 8e-4 to 9.6e-3
	 * (the step or M). The updater's state after the step (each block's M and V) is held to the same tolerance: with
	 * the second layer's bias gradient 0.1 % too large, M differed by 1.0e-4 to 6e-3 at 8 of the 20 steps (about the
	 * smallest fault this test sees). Measured without a fault: 2e-7 to 1.5e-5 per step (the first step, where Adam's
	 * m/√v is about ±1 for every parameter, the largest) with seven of OpenBLAS's kernel sets, SKYLAKEX to PRESCOTT;
	 * 1e-4 leaves room for other processors.
	 */
	private static final double STEP_TOL = 1e-4;
	/**
	 * ReLU and max pooling are not smooth: where two values of a pooling window, or a pre-activation and 0, are
	 * within the 7th digit of each other, the two paths may route an error differently (a "flip"), and that step
	 * differs by more than {@link #STEP_TOL}. Measured: one step of the 20 (step 9) at 9.6e-4 in the weights and 6.3e-3
	 * in Adam's M with OpenBLAS's HASWELL kernels and oneDNN's AVX-512 ones, and the same step with NEHALEM kernels and
	 * oneDNN narrowed to AVX2; none with SKYLAKEX, ZEN, SANDYBRIDGE, BARCELONA or PRESCOTT kernels, or HASWELL with
	 * oneDNN narrowed. Such steps are allowed up to this size, in at most a quarter of the steps
	 * ({@link #assertStepsAgree}): a wrong gradient shows at every step, a flip only where the data happen to tie.
	 * Each step starts from ConvKit's state, so a flip does not carry over into the steps after it. Over a whole
	 * trajectory Adam passes it on: this test compared 20 steps end to end until 2026-12-04, and with the second
	 * layer's weight gradient summed in another order the runs parted by 2.5e-3 of the total change after a flip
	 * (2e-6 without one), the size a subtle bug gives, so end points cannot tell the two apart.
	 */
	private static final double FLIP_TOL = 5e-2;
	/** Class probabilities from the same weights (measured 2e-8): {@link FloatTolerance#PROBABILITY}. */
	private static final double PROB_TOL = FloatTolerance.PROBABILITY;

	@Rule
	public TemporaryFolder tmp = new TemporaryFolder();

	@Test
	public void allReplacementsTogetherAgreeWithPlainDl4jStepByStep() {
		TrainableNetwork fast = lenet();
		MultiLayerNetwork plain = PlainDl4j.lenet(CLASSES);
		INDArray start = plain.params().dup();
		assertEquals("same seed, same initial weights", start, fast.params());

		FastTraining f = FastTraining.on(fast);
		assertTrue(f.active());
		Layer[] l = fast.getLayers();
		// the first pooling is linked to the first convolution on every processor (PoolingHandoff)
		Class<?> pooling = MaxPoolingLayer.wanted() ? MaxPoolingLayer.class : OneDnnSubsamplingLayer.class;
		assertEquals(Arrays.asList(ColumnConvolutionLayer.class, MaxPoolingLayer.class, ColumnConvolutionLayer.class,
				pooling, CachingDenseLayer.class), classes(l).subList(0, 5));
		assertEquals("conv and pooling layers on oneDNN", 4, Dl4jRuntime.helperLayers(fast));
		assertEquals("DL4J's plain network has no helper", 0, Dl4jRuntime.helperLayers(plain));
		for (UpdaterBlock b : ((BaseMultiLayerUpdater<?>) fast.getUpdater()).getUpdaterBlocks())
			assertTrue(b.getGradientUpdater() instanceof JavaAdamUpdater);

		double[] steps = new double[STEPS], states = new double[STEPS];
		for (int step = 0; step < STEPS; step++)
			stepFromTheSameState(fast, plain, RandomBatch.of(100 + step, BATCH, 1, 28, 28, CLASSES), steps, states,
					step);
		f.off();
		// each replacement really ran
		assertEquals(STEPS, ((ColumnConvolutionLayer) l[0]).ownForwards);
		assertEquals(STEPS, ((ColumnConvolutionLayer) l[2]).reluBackprops); // small: oneDNN, ReLU in Java (ColumnRule)
		assertEquals(STEPS, ((CachingDenseLayer) l[4]).reused);
		assertStepsAgree(steps, states);
		assertTrue("the weights must have moved", fast.params().sub(start).norm2Number().doubleValue() > 1e-2);

		plain.setParams(fast.params());
		DataSet held = RandomBatch.of(7, BATCH, 1, 28, 28, CLASSES);
		INDArray pFast = fast.output(held.getFeatures());
		INDArray pPlain = PlainDl4j.path(() -> plain.output(held.getFeatures()));
		double probDiff = pFast.sub(pPlain).amaxNumber().doubleValue();
		assertTrue("probabilities differ by " + probDiff, probDiff <= PROB_TOL);
	}

	/**
	 * One step of {@code fast} and one of DL4J's {@code plain} from {@code fast}'s weights and updater state, on batch
	 * {@code d}: how far apart the two steps are relative to DL4J's, in {@code steps[i]}, and the updater states after
	 * them, relative to DL4J's, in {@code states[i]}.
	 */
	private static void stepFromTheSameState(MultiLayerNetwork fast, MultiLayerNetwork plain, DataSet d,
			double[] steps, double[] states, int i) {
		INDArray start = fast.params().dup();
		plain.setParams(start);
		plain.getUpdater().getStateViewArray().assign(fast.getUpdater().getStateViewArray());
		fast.fit(d);
		PlainDl4j.path(() -> {
			plain.fit(d);
			return null;
		});
		steps[i] = relative(fast.params().sub(start), plain.params().sub(start));
		states[i] = stateDifference(fast, plain);
	}

	/** The largest of the updater states' relative differences: each block's M and V, each on its own (V is tiny). */
	private static double stateDifference(MultiLayerNetwork fast, MultiLayerNetwork plain) {
		List<UpdaterBlock> f = ((BaseMultiLayerUpdater<?>) fast.getUpdater()).getUpdaterBlocks(),
				p = ((BaseMultiLayerUpdater<?>) plain.getUpdater()).getUpdaterBlocks();
		assertEquals(p.size(), f.size());
		double worst = 0;
		for (int b = 0; b < f.size(); b++) {
			Map<String, INDArray> fs = f.get(b).getGradientUpdater().getState();
			Map<String, INDArray> ps = p.get(b).getGradientUpdater().getState();
			assertEquals(ps.keySet(), fs.keySet());
			for (String k : ps.keySet()) worst = Math.max(worst, relative(fs.get(k), ps.get(k)));
		}
		return worst;
	}

	/** {@code |a − reference| / |reference|}, norms over all values. */
	private static double relative(INDArray a, INDArray reference) {
		return a.sub(reference).norm2Number().doubleValue() / reference.norm2Number().doubleValue();
	}

	/** Every step within {@link #STEP_TOL} of DL4J's, except at most a quarter of them within {@link #FLIP_TOL}. */
	private static void assertStepsAgree(double[] steps, double[] states) {
		int flips = 0;
		double within = 0;
		for (int i = 0; i < steps.length; i++) {
			double worst = Math.max(steps[i], states[i]);
			if (worst <= STEP_TOL) {
				within = Math.max(within, worst);
				continue;
			}
			flips++; // NaN included: it fails below
			assertTrue("step " + i + " differs from DL4J's by " + worst + " of its size", worst <= FLIP_TOL);
		}
		assertTrue(flips + " steps differ from DL4J's by more than " + STEP_TOL + ": " + Arrays.toString(steps)
				+ ", the updater's state: " + Arrays.toString(states), flips <= steps.length / 4);
		System.out.printf("FastTrainingTest: %d steps within %.1e of DL4J's (at most %.1e), %d beyond (a flip): %s%n",
				steps.length - flips, STEP_TOL, within, flips, flips == 0 ? "" : Arrays.toString(steps));
	}

	/** With the switch off a ConvKit network is DL4J's: DL4J's layer objects, no helpers, the same numbers bit for bit. */
	@Test
	public void theSwitchOffGivesDl4jAsShippedBitForBit() {
		TrainableNetwork net = switchedOff(this::lenet);
		MultiLayerNetwork plain = PlainDl4j.lenet(CLASSES);
		assertEquals(classes(plain.getLayers()), classes(net.getLayers()));
		assertEquals(0, Dl4jRuntime.helperLayers(net));
		switchedOff(() -> {
			assertFalse(Dl4jRuntime.oneDnnAvailable());
			FastTraining f = FastTraining.on(net);
			assertFalse(f.active());
			assertEquals(classes(plain.getLayers()), classes(net.getLayers()));
			for (int step = 0; step < 5; step++) {
				DataSet d = RandomBatch.of(200 + step, BATCH, 1, 28, 28, CLASSES);
				net.fit(d);
				plain.fit(d);
			}
			f.off();
			return null;
		});
		assertArrayEquals(plain.params().toFloatVector(), net.params().toFloatVector(), 0f);
		assertEquals(plain.score(), net.score(), 0);
	}

	/**
	 * A model saved in the middle of training and read back continues on the fast path (ConvKit's layers installed
	 * before the reader creates the updater and restores its state) exactly as the network in memory does, and each
	 * of its steps agrees with DL4J's step from the same state (DL4J's network made from the file's configuration).
	 */
	@Test
	public void continuingFromASavedFileTakesTheFastPath() throws Exception {
		TrainableNetwork inMemory = lenet();
		FastTraining f = FastTraining.on(inMemory);
		for (int step = 0; step < 5; step++) inMemory.fit(RandomBatch.of(300 + step, BATCH, 1, 28, 28, CLASSES));
		f.off();
		Path file = tmp.getRoot().toPath().resolve("half-trained.zip");
		ModelBundleIO.write(new ModelBundle(inMemory, NetworkSpec.preset(NetworkSpec.LENET), labels(), 28, 28, 1,
				Normalisation.none(1), TrainingSettings.DEFAULTS, TrainingHistory.empty(), Resize.SCALE), file, false);

		TrainableNetwork loaded = (TrainableNetwork) ModelBundleIO.read(file).network();
		assertEquals(classes(inMemory.getLayers()), classes(loaded.getLayers()));
		assertEquals(4, Dl4jRuntime.helperLayers(loaded));
		assertReferencesPointAtTheLayers(loaded);
		assertEquals(inMemory.getUpdater().getStateViewArray(), loaded.getUpdater().getStateViewArray());
		MultiLayerNetwork plain = new MultiLayerNetwork(loaded.getLayerWiseConfigurations().clone());
		plain.init(loaded.params().dup(), false);
		plain.getUpdater().setStateViewArray(plain, loaded.getUpdater().getStateViewArray().dup(), false);

		FastTraining a = FastTraining.on(inMemory), b = FastTraining.on(loaded);
		assertTrue(b.active());
		double[] steps = new double[10], states = new double[10];
		for (int step = 5; step < 15; step++) {
			DataSet d = RandomBatch.of(300 + step, BATCH, 1, 28, 28, CLASSES);
			inMemory.fit(d);
			stepFromTheSameState(loaded, plain, d, steps, states, step - 5);
		}
		a.off();
		b.off();
		assertEquals(10, ((ColumnConvolutionLayer) loaded.getLayers()[0]).ownForwards);
		assertArrayEquals("read back = kept in memory", inMemory.params().toFloatVector(), loaded.params().toFloatVector(),
				0f);
		assertStepsAgree(steps, states);
	}

	/**
	 * Swapping the layers of a network whose updater already exists (here: built with the switch off, updater
	 * created, then switched on) points DL4J's name map and the updater's name map and per-parameter records at the
	 * new objects, and it then trains as a network swapped at initialisation, bit for bit.
	 */
	@Test
	public void aSwapPointsEveryReferenceAtTheNewLayerObjects() {
		TrainableNetwork late = switchedOff(this::lenet), early = lenet();
		assertNotNull(late.getUpdater(true));
		Layer[] before = late.getLayers().clone();
		ConvKitLayers.install(late);
		for (int i = 0; i < 5; i++) assertFalse("layer " + i + " replaced", before[i] == late.getLayers()[i]);
		assertReferencesPointAtTheLayers(late);
		FastTraining a = FastTraining.on(late), b = FastTraining.on(early);
		for (int step = 0; step < 3; step++) {
			DataSet d = RandomBatch.of(400 + step, BATCH, 1, 28, 28, CLASSES);
			late.fit(d);
			early.fit(d);
		}
		a.off();
		b.off();
		assertArrayEquals(early.params().toFloatVector(), late.params().toFloatVector(), 0f);
	}

	@Test
	public void theSwitchReadsOnlyFalseAsOff() {
		String was = System.getProperty(FastTraining.ENABLED_PROPERTY);
		try {
			for (String v : new String[] { "false", "FALSE", " false " }) {
				System.setProperty(FastTraining.ENABLED_PROPERTY, v);
				assertFalse(v, FastTraining.enabled());
			}
			for (String v : new String[] { "true", "", "no", "0", "off" }) {
				System.setProperty(FastTraining.ENABLED_PROPERTY, v);
				assertTrue(v, FastTraining.enabled());
			}
		} finally {
			restore(was);
		}
	}

	private static void assertReferencesPointAtTheLayers(MultiLayerNetwork net) {
		Map<Object, Boolean> layers = new IdentityHashMap<>();
		for (Layer l : net.getLayers()) layers.put(l, true);
		for (int i = 0; i < net.getLayers().length; i++) {
			String name = net.getLayerNames().get(i);
			assertSame("getLayer(" + name + ")", net.getLayers()[i], net.getLayer(name));
		}
		BaseMultiLayerUpdater<?> u = (BaseMultiLayerUpdater<?>) net.getUpdater();
		for (Map.Entry<String, Trainable> e : u.getLayersByName().entrySet())
			assertTrue("updater's layer " + e.getKey(), layers.containsKey(e.getValue()));
		for (UpdaterBlock b : u.getUpdaterBlocks())
			for (UpdaterBlock.ParamState s : b.getLayersAndVariablesInBlock())
				assertTrue("updater block's " + s.getParamName(), layers.containsKey(s.getLayer()));
	}

	private TrainableNetwork lenet() {
		return NetworkBuilder.network(NetworkSpec.preset(NetworkSpec.LENET), 28, 28, 1, CLASSES,
				TrainingSettings.DEFAULTS);
	}

	private static <T> T switchedOff(Supplier<T> work) {
		String was = System.getProperty(FastTraining.ENABLED_PROPERTY);
		System.setProperty(FastTraining.ENABLED_PROPERTY, "false");
		try {
			return work.get();
		} finally {
			restore(was);
		}
	}

	private static void restore(String was) {
		if (was == null) System.clearProperty(FastTraining.ENABLED_PROPERTY);
		else System.setProperty(FastTraining.ENABLED_PROPERTY, was);
	}

	private static List<Class<?>> classes(Layer[] layers) {
		List<Class<?>> out = new ArrayList<>();
		for (Layer l : layers) out.add(l.getClass());
		return out;
	}

	private static List<String> labels() {
		List<String> out = new ArrayList<>();
		for (int i = 0; i < CLASSES; i++) out.add("c" + i);
		return out;
	}
}
