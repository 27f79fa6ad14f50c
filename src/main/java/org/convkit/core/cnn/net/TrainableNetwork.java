package org.convkit.core.cnn.net;

import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;

/**
 * DL4J's {@link MultiLayerNetwork} with one switch for ConvKit's {@link org.convkit.core.cnn.train.Trainer}: while
 * {@link #skipRegularizationScore(boolean)} is on, the score DL4J computes in every fit step leaves out the
 * regularization (L2) term. That term is 0.6–0.9 ms of a 30 ms LeNet training step here, mostly the norm of the dense
 * layer's 400,000 weights (measured, see docs/benchmarks.md), and nothing uses it: ConvKit reports its own loss,
 * computed from the outputs, and checks DL4J's score only for NaN, which the data loss shows by itself. The
 * regularization of the gradient is unchanged, and so is everything with the switch off (the default). ConvKit builds
 * and loads its networks as this class ({@link NetworkBuilder}, the model reader); the stored configuration is
 * DL4J's.
 */
public final class TrainableNetwork extends MultiLayerNetwork {
	private volatile boolean skipRegularizationScore;

	public TrainableNetwork(MultiLayerConfiguration conf) {
		super(conf);
	}

	public void skipRegularizationScore(boolean skip) {
		skipRegularizationScore = skip;
	}

	@Override
	public double calcRegularizationScore(boolean backpropParamsOnly) {
		return skipRegularizationScore ? 0 : super.calcRegularizationScore(backpropParamsOnly);
	}
}
