package org.convkit.core.cnn.inspect;

import org.convkit.core.cnn.input.Normalisation;
import org.convkit.core.cnn.model.ModelBundle;
import org.convkit.core.cnn.model.TrainingHistory;
import org.convkit.core.cnn.net.NetworkBuilder;
import org.convkit.core.cnn.net.TrainingSettings;
import org.convkit.core.cnn.spec.NetworkSpec;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/** Small networks trained for a few steps on random data (non-trivial weights and batch-norm statistics). */
final class InspectFixtures {
	private InspectFixtures() {
	}

	static ModelBundle bundle(String spec, int h, int w, int c, int classes, int steps) {
		TrainingSettings settings = TrainingSettings.DEFAULTS.withSeed(5).withLearningRate(1e-2);
		MultiLayerNetwork net = NetworkBuilder.network(NetworkSpec.parse(spec), h, w, c, classes, settings);
		Random r = new Random(11);
		int n = 12;
		float[] x = new float[n * c * h * w], y = new float[n * classes];
		for (int i = 0; i < x.length; i++) x[i] = (float) (r.nextGaussian() * 1.5 + 0.3);
		for (int i = 0; i < n; i++) y[i * classes + i % classes] = 1;
		DataSet d = new DataSet(Nd4j.create(x, new long[] {n, c, h, w}, 'c'), Nd4j.create(y, new long[] {n, classes}, 'c'));
		for (int i = 0; i < steps; i++) net.fit(d);
		List<String> labels = new ArrayList<>();
		for (int i = 0; i < classes; i++) labels.add("class" + i);
		double[] mean = new double[c], std = new double[c];
		for (int i = 0; i < c; i++) {
			mean[i] = 100 + 10 * i;
			std[i] = 40 + i;
		}
		return new ModelBundle(net, NetworkSpec.parse(spec), labels, h, w, c, new Normalisation(mean, std), settings,
				TrainingHistory.empty());
	}

	/** A random normalised input. */
	static Tensor input(long seed, int n, int c, int h, int w) {
		Random r = new Random(seed);
		float[] v = new float[n * c * h * w];
		for (int i = 0; i < v.length; i++) v[i] = (float) r.nextGaussian();
		return new Tensor(v, n, c, h, w);
	}
}
