package org.convkit.core.cnn.train;

import ij.process.FloatProcessor;
import org.convkit.core.cnn.input.Normalisation;
import org.convkit.core.cnn.input.Resize;
import org.convkit.core.cnn.model.ModelBundle;
import org.convkit.core.cnn.model.TrainingHistory;
import org.convkit.core.cnn.net.NetworkBuilder;
import org.convkit.core.cnn.net.SmallBatchForward;
import org.convkit.core.cnn.net.TrainingSettings;
import org.convkit.core.cnn.runtime.ComputeThreads;
import org.convkit.core.cnn.spec.NetworkSpec;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.Test;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Arrays;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotNull;

/**
 * One image through the small-batch pass runs with ConvKit's thread count like every other call: with ND4J's two
 * OpenMP and OpenBLAS threads one LeNet image took 1.6× as long on 2 cores (docs/benchmarks.md, "Idle cores now").
 * Seen from outside through OpenBLAS's count, which a scope sets and leaves as it was when it closes.
 */
public class PredictorThreadsTest {
	private static final String SPEC = "conv 5x5x4; maxpool 2; dense 8";

	@Test
	public void oneImageRunsOnTheRulesCount() {
		MultiLayerNetwork net = NetworkBuilder.network(NetworkSpec.parse(SPEC), 16, 16, 1, 3,
				TrainingSettings.DEFAULTS.withSeed(5));
		assertNotNull("the test needs the small-batch pass", SmallBatchForward.of(net, 16, 16, 1));
		ModelBundle bundle = new ModelBundle(net, NetworkSpec.parse(SPEC), Arrays.asList("a", "b", "c"), 16, 16, 1,
				Normalisation.none(1), TrainingSettings.DEFAULTS, TrainingHistory.empty(), Resize.SCALE);
		org.nd4j.linalg.api.blas.Blas blas = Nd4j.factory().blas();
		int original = blas.getMaxThreads();
		String fixed = System.getProperty(ComputeThreads.OVERRIDE_PROPERTY);
		try {
			System.clearProperty(ComputeThreads.OVERRIDE_PROPERTY);
			Predictor p = new Predictor(bundle, 16);
			float[] v = new float[16 * 16];
			for (int i = 0; i < v.length; i++) v[i] = i % 7;
			blas.setMaxThreads(2); // as ND4J starts on 2 cores
			float[] probabilities = p.predict(new FloatProcessor(16, 16, v));
			assertEquals(3, probabilities.length);
			assertEquals("OpenBLAS ran on the rule's one thread (a tiny call)", 1, ComputeThreads.blasThreads());
		} finally {
			if (fixed != null) System.setProperty(ComputeThreads.OVERRIDE_PROPERTY, fixed);
			blas.setMaxThreads(original);
		}
	}
}
