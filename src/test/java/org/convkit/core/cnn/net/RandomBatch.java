package org.convkit.core.cnn.net;

import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

/** Seeded random NCHW batches with one-hot labels, and gradients on them, for the tests comparing layers with DL4J's. */
final class RandomBatch {
	private RandomBatch() {
	}

	/** Pixels uniform in [−0.3, 0.7) (both signs, so ReLUs cut some); labels spread over the classes. */
	static DataSet of(long seed, int n, int channels, int h, int w, int classes) {
		Nd4j.getRandom().setSeed(seed);
		INDArray x = Nd4j.rand(DataType.FLOAT, n, channels, h, w).subi(0.3);
		INDArray y = Nd4j.zeros(DataType.FLOAT, n, classes);
		for (int i = 0; i < n; i++) y.putScalar(i, (i * 7 + seed) % classes, 1);
		return new DataSet(x, y);
	}

	/** Computes the network's gradient and score on {@code d} (read them with {@code gradient()} and {@code score()}). */
	static void computeGradients(MultiLayerNetwork net, DataSet d) {
		net.setInput(d.getFeatures());
		net.setLabels(d.getLabels());
		net.computeGradientAndScore();
	}
}
