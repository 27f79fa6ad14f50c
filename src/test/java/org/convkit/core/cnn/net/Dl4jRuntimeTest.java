package org.convkit.core.cnn.net;

import org.convkit.core.cnn.input.Resize;
import org.convkit.core.cnn.model.ModelBundle;
import org.convkit.core.cnn.model.ModelBundleIO;
import org.convkit.core.cnn.input.Normalisation;
import org.convkit.core.cnn.model.TrainingHistory;
import org.convkit.core.cnn.spec.NetworkSpec;
import org.convkit.testing.Prerequisites;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.layers.mkldnn.MKLDNNConvHelper;
import org.deeplearning4j.nn.layers.mkldnn.MKLDNNSubsamplingHelper;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.BeforeClass;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.cpu.nativecpu.bindings.Nd4jCpu;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.function.Supplier;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;

/**
 * oneDNN is really used for LeNet's conv and pooling layers on this (linux x86_64) machine, for new and loaded
 * networks, and gives the same numbers as DL4J's plain path. Both paths run in this JVM: the plain one with DL4J's
 * helper switch forced off while its network is created and libnd4j's own oneDNN use switched off while it runs.
 */
public class Dl4jRuntimeTest {
	private static final int CLASSES = 10, N = 32;
	/**
	 * float32 with other summation orders: outputs and gradients agree to this, relative to their largest value
	 * (measured here: 3e-7 for the output, 2e-6 for the gradient).
	 */
	private static final double REL_TOL = 1e-4;
	/**
	 * After 3 Adam steps of lr 1e-3 the weights agree to this, absolute (measured: 7e-6; Adam's step is about lr
	 * whatever the gradient's size, so a gradient with a different direction would show as ~1e-3).
	 */
	private static final double PARAM_TOL = 5e-5;

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
		assertTrue("DL4J's oneDNN check must pass with the -onednn natives and the bridge", Dl4jRuntime.oneDnnAvailable());
		assertOneDnnLayers(net);

		Path file = tmp.getRoot().toPath().resolve("lenet.zip");
		ModelBundle b = new ModelBundle(net, NetworkSpec.preset(NetworkSpec.LENET), labels(), 28, 28, 1,
				Normalisation.none(1), TrainingSettings.DEFAULTS, TrainingHistory.empty(), Resize.SCALE);
		ModelBundleIO.write(b, file, false);
		assertOneDnnLayers(ModelBundleIO.read(file).network());
	}

	@Test
	public void oneDnnAgreesWithThePlainPath() {
		DataSet ds = data(7);
		MultiLayerNetwork fast = lenet(), plain = plainPath(this::lenet);
		assertOneDnnLayers(fast);
		assertEquals("the plain network must have no helper", 0, Dl4jRuntime.helperLayers(plain));
		assertEquals("same seed, same initial weights", fast.params(), plain.params());

		INDArray outFast = fast.output(ds.getFeatures()), outPlain = plainPath(() -> plain.output(ds.getFeatures()));
		assertClose("output", outPlain, outFast, REL_TOL);

		INDArray gFast = gradient(fast, ds), gPlain = plainPath(() -> gradient(plain, ds));
		assertClose("gradient", gPlain, gFast, REL_TOL);

		for (int step = 0; step < 3; step++) {
			fast.fit(ds);
			plainPath(() -> {
				plain.fit(ds);
				return null;
			});
		}
		double maxDiff = plain.params().sub(fast.params()).amaxNumber().doubleValue();
		assertTrue("weights after 3 steps differ by " + maxDiff, maxDiff <= PARAM_TOL);
		double moved = plain.params().sub(lenet().params()).amaxNumber().doubleValue();
		assertTrue("the weights must have moved by about 3 steps of lr 1e-3, moved " + moved, moved > 1e-3);
		assertClose("output after 3 steps", plainPath(() -> plain.output(ds.getFeatures())),
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

	@Test
	public void configureSwitchesDl4jHelpersOnAndIsIdempotent() {
		Dl4jRuntime.configure();
		Dl4jRuntime.configure();
		assertEquals("false", System.getProperty(Dl4jRuntime.HELPERS_DISABLE));
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

	/** Runs with DL4J's helpers and libnd4j's oneDNN both off, then restores them. */
	private static <T> T plainPath(Supplier<T> work) {
		Nd4jCpu.Environment env = Nd4jCpu.Environment.getInstance();
		boolean used = env.isUseONEDNN();
		String helpers = System.getProperty(Dl4jRuntime.HELPERS_DISABLE);
		System.setProperty(Dl4jRuntime.HELPERS_DISABLE, "true");
		env.setUseONEDNN(false);
		try {
			return work.get();
		} finally {
			env.setUseONEDNN(used);
			System.setProperty(Dl4jRuntime.HELPERS_DISABLE, helpers);
		}
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
