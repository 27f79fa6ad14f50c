package org.convkit.core.cnn.model;

import org.convkit.core.cnn.net.CachingDenseLayer;
import org.convkit.core.cnn.net.Dl4jRuntime;
import org.convkit.core.cnn.net.FastTraining;
import org.convkit.core.cnn.net.ColumnConvolutionLayer;
import org.convkit.core.cnn.net.MaxPoolingLayer;
import org.convkit.testing.FloatTolerance;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

import java.io.InputStream;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Arrays;
import java.util.zip.ZipFile;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

/**
 * A model file written by ConvKit before its layer objects became its own (commit 40d0597, when DL4J's helpers were
 * switched on through DL4J's JVM-wide property): it still loads, onto ConvKit's layers with the oneDNN helpers, gives
 * the probabilities it gave then, continues training, and writes the same network configuration back: ConvKit's
 * layer classes never reach the file. The fixture: "conv 3x3x4 relu; maxpool 2; dense 8 relu" on 12×12 gray, 3
 * classes, 3 Adam steps, saved with its optimizer state.
 */
public class OldModelFileTest {
	/** The probabilities of {@link #input} when the file was written (on an AVX-512 machine, oneDNN path). */
	private static final float[] THEN = { 0.53725374f, 0.31554365f, 0.14720263f, 0.3643985f, 0.27831715f, 0.3572844f };

	@Rule
	public TemporaryFolder tmp = new TemporaryFolder();

	@Test
	public void loadsOntoConvKitsLayersAndGivesTheSameProbabilities() throws Exception {
		ModelBundle b = ModelBundleIO.read(fixture());
		MultiLayerNetwork net = b.network();
		assertTrue(net.getLayers()[0] instanceof ColumnConvolutionLayer);
		// max pooling right after the first convolution: Java's, linked to it (PoolingHandoff), on every processor
		assertEquals(MaxPoolingLayer.class, net.getLayers()[1].getClass());
		assertTrue(net.getLayers()[2] instanceof CachingDenseLayer);
		assertEquals("conv and pooling on oneDNN", 2, Dl4jRuntime.helperLayers(net));
		assertEquals(Arrays.asList("a", "b", "c"), b.labels());
		float[] now = net.output(input(2), false).data().asFloat();
		for (int i = 0; i < THEN.length; i++)
			assertEquals("probability " + i + ": " + Arrays.toString(now), THEN[i], now[i], FloatTolerance.PROBABILITY);

		assertEquals("the step count was saved", 3, net.getIterationCount());
		FastTraining f = FastTraining.on(net);
		assertTrue(f.active());
		net.fit(new DataSet(input(6), Nd4j.eye(3).getRows(0, 1, 2, 0, 1, 2)));
		f.off();
		assertTrue(Double.isFinite(net.score()));
		assertEquals(4, net.getIterationCount());
	}

	@Test
	public void writesTheSameConfigurationBack() throws Exception {
		Path again = tmp.getRoot().toPath().resolve("again.zip");
		ModelBundleIO.write(ModelBundleIO.read(fixture()), again, false);
		String before = entry(fixture(), ModelBundleIO.CONFIGURATION_ENTRY),
				after = entry(again, ModelBundleIO.CONFIGURATION_ENTRY);
		assertFalse("DL4J's class names only", after.contains("org.convkit"));
		assertEquals(before, after);
		assertArrayEquals(entry(fixture(), ModelBundleIO.WEIGHTS_ENTRY).getBytes(StandardCharsets.ISO_8859_1),
				entry(again, ModelBundleIO.WEIGHTS_ENTRY).getBytes(StandardCharsets.ISO_8859_1));
	}

	/** The generator's input: sin(0.37·i), NCHW. */
	private static INDArray input(int n) {
		float[] x = new float[n * 144];
		for (int i = 0; i < x.length; i++) x[i] = (float) Math.sin(i * 0.37);
		return Nd4j.create(x, new long[] { n, 1, 12, 12 }, 'c');
	}

	private static Path fixture() throws URISyntaxException {
		return Paths.get(OldModelFileTest.class.getResource("written-by-40d0597.zip").toURI());
	}

	private static String entry(Path zip, String name) throws Exception {
		try (ZipFile z = new ZipFile(zip.toFile()); InputStream in = z.getInputStream(z.getEntry(name))) {
			return new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
		}
	}
}
