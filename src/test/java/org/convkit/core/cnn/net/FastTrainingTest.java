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
import org.junit.ClassRule;
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
 * against DL4J 1.0.0-M2.1 as shipped, step by step from one state ({@link StepByStep}), the
 * {@code -Dconvkit.fastTraining=false} switch, continuing from a saved file, and the network's and updater's references
 * after a layer swap.
 */
public class FastTrainingTest {
	/** The per-layer replacements, not the fused block that stands in for them in training. */
	@ClassRule
	public static final FusedBlockOff BLOCK_OFF = new FusedBlockOff();

	private static final int CLASSES = 10, BATCH = 16, STEPS = 20;
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

		// each step from the same state as DL4J's, rare flips of ReLU or pooling allowed (StepByStep says why)
		StepByStep steps = new StepByStep(STEPS);
		for (int step = 0; step < STEPS; step++)
			steps.step(fast, plain, RandomBatch.of(100 + step, BATCH, 1, 28, 28, CLASSES), true);
		f.off();
		// each replacement really ran
		assertEquals(STEPS, ((ColumnConvolutionLayer) l[0]).ownForwards);
		assertEquals(STEPS, ((ColumnConvolutionLayer) l[2]).reluBackprops); // small: oneDNN, ReLU in Java (ColumnRule)
		assertEquals(STEPS, ((CachingDenseLayer) l[4]).reused);
		steps.assertAgree("FastTrainingTest, all replacements");
		assertTrue("the weights must have moved", fast.params().sub(start).norm2Number().doubleValue() > 1e-2);

		plain.setParams(fast.params());
		DataSet held = RandomBatch.of(7, BATCH, 1, 28, 28, CLASSES);
		INDArray pFast = fast.output(held.getFeatures());
		INDArray pPlain = PlainDl4j.path(() -> plain.output(held.getFeatures()));
		double probDiff = pFast.sub(pPlain).amaxNumber().doubleValue();
		assertTrue("probabilities differ by " + probDiff, probDiff <= PROB_TOL);
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
		plain.init(loaded.params().dup(), false); // its weights and updater state: StepByStep's before each step

		FastTraining a = FastTraining.on(inMemory), b = FastTraining.on(loaded);
		assertTrue(b.active());
		StepByStep steps = new StepByStep(10);
		for (int step = 5; step < 15; step++) {
			DataSet d = RandomBatch.of(300 + step, BATCH, 1, 28, 28, CLASSES);
			inMemory.fit(d);
			steps.step(loaded, plain, d, true);
		}
		a.off();
		b.off();
		assertEquals(10, ((ColumnConvolutionLayer) loaded.getLayers()[0]).ownForwards);
		assertArrayEquals("read back = kept in memory", inMemory.params().toFloatVector(), loaded.params().toFloatVector(),
				0f);
		steps.assertAgree("FastTrainingTest, continuing from a file");
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
