package org.convkit.core.cnn.net;

import org.convkit.core.cnn.spec.NetworkSpec;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Random;

/** Test networks for comparing an inference path with DL4J's output. */
final class RandomisedNetwork {
	private RandomisedNetwork() {
	}

	/**
	 * ConvKit's network for the spec with random weights AND biases (DL4J starts biases at 0, which would hide a bias
	 * mistake), its weights scaled by {@code scale} (sharper probabilities, so that mistakes show; too much saturates
	 * deep networks' probabilities to 0 and 1, which hides them again).
	 */
	static MultiLayerNetwork of(String spec, int h, int w, int c, int classes, double scale) {
		MultiLayerNetwork net = NetworkBuilder.network(NetworkSpec.parse(spec), h, w, c, classes,
				TrainingSettings.DEFAULTS.withSeed(3));
		Random r = new Random(4);
		for (org.deeplearning4j.nn.api.Layer l : net.getLayers()) {
			INDArray b = l.getParam("b");
			if (b != null) for (long i = 0; i < b.length(); i++) b.putScalar(i, r.nextGaussian() * 0.3);
			INDArray wt = l.getParam("W");
			if (wt != null) wt.muli(scale);
		}
		return net;
	}
}
