package org.convkit.core.cnn.train;

import ij.process.FloatProcessor;
import ij.process.ImageProcessor;
import org.convkit.core.cnn.input.Normalisation;
import org.convkit.core.cnn.input.Resize;
import org.convkit.core.cnn.model.ModelBundle;
import org.convkit.core.cnn.model.TrainingHistory;
import org.convkit.core.cnn.net.NetworkBuilder;
import org.convkit.core.cnn.net.SmallBatchForward;
import org.convkit.core.cnn.net.TrainingSettings;
import org.convkit.core.cnn.spec.NetworkSpec;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static org.junit.Assert.*;

/**
 * The Predictor writes each batch over the last one's arrays when the batch has the same size: nothing of an earlier
 * batch may show in a later one's probabilities. Compared with a new Predictor on the same model: the same call on
 * the same path (DL4J's output for batches of the same shape), so bit for bit.
 */
public class PredictorBatchReuseTest {
	private static final String SPEC = "conv 3x3x4; batchnorm; dense 5"; // batch norm: always DL4J's output

	private static ModelBundle bundle(Resize resize) {
		MultiLayerNetwork net = NetworkBuilder.network(NetworkSpec.parse(SPEC), 8, 8, 1, 3,
				TrainingSettings.DEFAULTS.withSeed(5));
		assertNull("the test needs DL4J's path", SmallBatchForward.of(net, 8, 8, 1));
		return new ModelBundle(net, NetworkSpec.parse(SPEC), Arrays.asList("a", "b", "c"), 8, 8, 1,
				Normalisation.none(1), TrainingSettings.DEFAULTS, TrainingHistory.empty(), resize);
	}

	/** {@code count} images of {@code side}², random values from {@code seed}, large enough to move the output. */
	private static List<ImageProcessor> images(int count, int side, long seed) {
		return images(count, side, side, seed);
	}

	private static List<ImageProcessor> images(int count, int width, int height, long seed) {
		Random r = new Random(seed);
		List<ImageProcessor> out = new ArrayList<>();
		for (int i = 0; i < count; i++) {
			float[] v = new float[width * height];
			for (int j = 0; j < v.length; j++) v[j] = (float) (r.nextGaussian() * 5);
			out.add(new FloatProcessor(width, height, v));
		}
		return out;
	}

	private static void assertRowsEqual(String what, float[][] expected, float[][] actual) {
		assertEquals(what, expected.length, actual.length);
		for (int i = 0; i < expected.length; i++)
			assertArrayEquals(what + ", image " + (i + 1), expected[i], actual[i], 0f);
	}

	@Test
	public void aBatchAfterAnotherOfTheSameSizeGivesAFreshPredictorsProbabilities() {
		ModelBundle b = bundle(Resize.SCALE);
		List<ImageProcessor> first = images(4, 8, 1), second = images(4, 8, 2);
		Predictor reused = new Predictor(b, 4);
		float[][] firstAlone = new Predictor(b, 4).predict(first);
		float[][] secondAlone = new Predictor(b, 4).predict(second);
		assertFalse("the test's batches must differ", Arrays.deepEquals(firstAlone, secondAlone));
		assertRowsEqual("first batch", firstAlone, reused.predict(first));
		assertRowsEqual("second batch, written over the first", secondAlone, reused.predict(second));
		assertRowsEqual("first batch again", firstAlone, reused.predict(first));
	}

	@Test
	public void batchesOfChangingSizeAndSingleImagesToo() {
		ModelBundle b = bundle(Resize.SCALE);
		List<ImageProcessor> six = images(6, 8, 3); // batches of 4 and 2
		Predictor reused = new Predictor(b, 4);
		float[][] sixAlone = new Predictor(b, 4).predict(six);
		float[] oneAlone = new Predictor(b, 4).predict(six.get(5));
		assertRowsEqual("4 + 2", sixAlone, reused.predict(six));
		assertArrayEquals("one image after them", oneAlone, reused.predict(six.get(5)), 0f);
		assertRowsEqual("4 + 2 after one image", sixAlone, reused.predict(six));
	}

	/** Padding is written as zeros on every call, not left from the image before (Pad: 8 × 4 centred in 8 × 8). */
	@Test
	public void paddedImagesAfterFullSizeOnesKeepTheirZeroBorder() {
		ModelBundle b = bundle(Resize.PAD);
		List<ImageProcessor> full = images(2, 8, 4), small = images(2, 8, 4, 5);
		Predictor reused = new Predictor(b, 2);
		float[][] smallAlone = new Predictor(b, 2).predict(small);
		reused.predict(full);
		assertRowsEqual("padded batch after a full-size one", smallAlone, reused.predict(small));
	}
}
