package org.convkit.core.cnn.net;

import org.convkit.core.cnn.input.Resize;
import org.convkit.core.cnn.model.ModelBundle;
import org.convkit.core.cnn.model.ModelBundleIO;
import org.convkit.core.cnn.input.Normalisation;
import org.convkit.core.cnn.model.TrainingHistory;
import org.convkit.core.cnn.spec.NetworkSpec;
import org.convkit.testing.Prerequisites;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.layers.mkldnn.BaseMKLDNNHelper;
import org.deeplearning4j.nn.layers.mkldnn.MKLDNNBatchNormHelper;
import org.deeplearning4j.nn.layers.mkldnn.MKLDNNConvHelper;
import org.deeplearning4j.nn.layers.mkldnn.MKLDNNSubsamplingHelper;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.BeforeClass;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

/**
 * oneDNN is really used for LeNet's conv and pooling layers on this (linux x86_64) machine, for new, loaded and
 * cloned networks, and gives the same numbers as DL4J's plain path; ConvKit changes nothing JVM-wide for other DL4J
 * code. Both paths run in this JVM: the plain one is DL4J's own {@code MultiLayerNetwork} of the same configuration
 * (DL4J 1.0.0-M2.1 attaches no helpers), run with libnd4j's own oneDNN use switched off.
 */
public class Dl4jRuntimeTest {
	private static final int CLASSES = 10, N = 32;
	/**
	 * float32 with other summation orders: outputs and gradients agree to this, relative to their largest value
	 * (measured here: 3e-7 for the output, 2e-6 for the gradient).
	 */
	private static final double REL_TOL = 1e-4;

	@Rule
	public TemporaryFolder tmp = new TemporaryFolder();

	@BeforeClass
	public static void onThisPlatformOnly() {
		String os = System.getProperty("os.name").toLowerCase(), arch = System.getProperty("os.arch");
		Prerequisites.require("linux x86_64 (the -onednn natives this test checks are the pom's linux x86_64 build)",
				os.contains("linux") && (arch.equals("amd64") || arch.equals("x86_64")));
	}

	@Test
	public void convAndPoolingLayersRunOnOneDnnWhenBuiltAndWhenLoaded() throws Exception {
		MultiLayerNetwork net = lenet();
		assertTrue("ConvKit's oneDNN check must pass with the -onednn natives", Dl4jRuntime.oneDnnAvailable());
		assertOneDnnLayers(net);
		assertOneDnnLayers(((TrainableNetwork) net).clone());

		Path file = tmp.getRoot().toPath().resolve("lenet.zip");
		ModelBundle b = new ModelBundle(net, NetworkSpec.preset(NetworkSpec.LENET), labels(), 28, 28, 1,
				Normalisation.none(1), TrainingSettings.DEFAULTS, TrainingHistory.empty(), Resize.SCALE);
		ModelBundleIO.write(b, file, false);
		assertOneDnnLayers(ModelBundleIO.read(file).network());
	}

	@Test
	public void oneDnnAgreesWithThePlainPath() {
		DataSet ds = data(7);
		MultiLayerNetwork fast = lenet(), plain = PlainDl4j.lenet(CLASSES);
		assertOneDnnLayers(fast);
		assertEquals("the plain network must have no helper", 0, Dl4jRuntime.helperLayers(plain));
		assertEquals("same seed, same initial weights", fast.params(), plain.params());

		INDArray outFast = fast.output(ds.getFeatures()), outPlain = PlainDl4j.path(() -> plain.output(ds.getFeatures()));
		assertClose("output", outPlain, outFast, REL_TOL);

		INDArray gFast = gradient(fast, ds), gPlain = PlainDl4j.path(() -> gradient(plain, ds));
		assertClose("gradient", gPlain, gFast, REL_TOL);

		// each step from the same state as DL4J's, rare flips of ReLU or pooling allowed (StepByStep says why)
		StepByStep steps = new StepByStep(8);
		for (int step = 0; step < 8; step++) steps.step(fast, plain, ds, true);
		steps.assertAgree("Dl4jRuntimeTest, LeNet");
		double moved = fast.params().sub(lenet().params()).amaxNumber().doubleValue();
		assertTrue("the weights must have moved by about 8 steps of lr 1e-3, moved " + moved, moved > 1e-3);
		plain.setParams(fast.params());
		assertClose("output after 8 steps", PlainDl4j.path(() -> plain.output(ds.getFeatures())),
				fast.output(ds.getFeatures()), REL_TOL);
	}

	/** Batch normalization gets DL4J's oneDNN helper too (set on ConvKit's layer object) and agrees with DL4J's. */
	@Test
	public void batchNormRunsOnOneDnnAndAgreesWithThePlainPath() {
		NetworkSpec spec = NetworkSpec.parse("conv 3x3x6 relu; batchnorm; maxpool 2; conv 3x3x8; batchnorm; dense 16");
		MultiLayerNetwork fast = NetworkBuilder.network(spec, 28, 28, 1, CLASSES, TrainingSettings.DEFAULTS);
		MultiLayerNetwork plain = new MultiLayerNetwork(NetworkBuilder.configuration(spec, 28, 28, 1, CLASSES,
				TrainingSettings.DEFAULTS));
		plain.init();
		assertTrue("batch norm 1: " + fast.getLayer(1).getHelper(), fast.getLayer(1).getHelper() instanceof
				MKLDNNBatchNormHelper);
		assertTrue(fast.getLayer(4).getHelper() instanceof MKLDNNBatchNormHelper);
		assertEquals("2 convolutions, 2 batch norms, 1 pooling", 5, Dl4jRuntime.helperLayers(fast));
		DataSet ds = data(5);
		assertClose("gradient", PlainDl4j.path(() -> gradient(plain, ds)), gradient(fast, ds), REL_TOL);
		// the weights and running statistics, each step from the same state (StepByStep)
		StepByStep steps = new StepByStep(8);
		for (int step = 0; step < 8; step++) steps.step(fast, plain, ds, true);
		steps.assertAgree("Dl4jRuntimeTest, batch normalization");
		plain.setParams(fast.params());
		assertClose("output after 8 steps", PlainDl4j.path(() -> plain.output(ds.getFeatures())),
				fast.output(ds.getFeatures()), REL_TOL);
	}

	@Test
	public void theOneDnnPathIsDeterministic() {
		DataSet ds = data(11);
		MultiLayerNetwork a = lenet(), b = lenet();
		for (int step = 0; step < 3; step++) {
			a.fit(ds);
			b.fit(ds);
		}
		assertArrayEquals(a.params().toFloatVector(), b.params().toFloatVector(), 0f);
		assertArrayEquals(a.output(ds.getFeatures()).data().asFloat(), b.output(ds.getFeatures()).data().asFloat(), 0f);
	}

	/**
	 * Other DL4J code in the same JVM (another Fiji plugin) sees DL4J as shipped: DL4J's helper switch is not set,
	 * its own oneDNN check is not made to pass, no class of ND4J's packages comes from ConvKit, and a network DL4J
	 * builds itself gets no helper.
	 */
	@Test
	public void configureChangesNothingForOtherDl4jCode() throws Exception {
		Dl4jRuntime.configure();
		assertOneDnnLayers(lenet());
		assertNull(System.getProperty("org.eclipse.deeplearning4j.helpers.disable"));
		assertFalse("DL4J's own check", BaseMKLDNNHelper.mklDnnEnabled());
		try {
			Class.forName("org.nd4j.nativeblas.Nd4jCpu$Environment");
			fail("ConvKit must not put a class into ND4J's package org.nd4j.nativeblas");
		} catch (ClassNotFoundException expected) {
		}
		assertEquals(0, Dl4jRuntime.helperLayers(PlainDl4j.lenet(CLASSES)));
	}

	private MultiLayerNetwork lenet() {
		return NetworkBuilder.network(NetworkSpec.preset(NetworkSpec.LENET), 28, 28, 1, CLASSES,
				TrainingSettings.DEFAULTS);
	}

	private static List<String> labels() {
		String[] l = new String[CLASSES];
		for (int i = 0; i < CLASSES; i++) l[i] = "c" + i;
		return Arrays.asList(l);
	}

	private static INDArray gradient(MultiLayerNetwork net, DataSet ds) {
		net.setInput(ds.getFeatures());
		net.setLabels(ds.getLabels());
		net.computeGradientAndScore();
		return net.gradient().gradient().dup();
	}

	private static void assertOneDnnLayers(MultiLayerNetwork net) {
		Layer[] l = net.getLayers();
		assertTrue("conv 1: " + l[0].getHelper(), l[0].getHelper() instanceof MKLDNNConvHelper);
		assertTrue("pool 1: " + l[1].getHelper(), l[1].getHelper() instanceof MKLDNNSubsamplingHelper);
		assertTrue("conv 2: " + l[2].getHelper(), l[2].getHelper() instanceof MKLDNNConvHelper);
		assertTrue("pool 2: " + l[3].getHelper(), l[3].getHelper() instanceof MKLDNNSubsamplingHelper);
		assertNull("dense layers have no helper", l[4].getHelper());
	}

	private static void assertClose(String what, INDArray expected, INDArray actual, double rel) {
		double scale = expected.amaxNumber().doubleValue(), diff = expected.sub(actual).amaxNumber().doubleValue();
		assertTrue(what + ": max |diff| " + diff + " > " + rel + " x " + scale, diff <= rel * scale);
		assertTrue(what + " must not be all zero", scale > 0);
	}

	/** Seeded images with a class-dependent bright column band, one-hot labels. */
	private static DataSet data(long seed) {
		Random r = new Random(seed);
		float[] x = new float[N * 784], y = new float[N * CLASSES];
		for (int i = 0; i < N; i++) {
			int c = i % CLASSES;
			y[i * CLASSES + c] = 1;
			for (int p = 0; p < 784; p++) x[i * 784 + p] = (float) (r.nextGaussian() * 0.5 + ((p % 28) / 3 == c ? 1 : 0));
		}
		return new DataSet(Nd4j.create(x, new long[] { N, 1, 28, 28 }, 'c'), Nd4j.create(y, new long[] { N, CLASSES }, 'c'));
	}
}
