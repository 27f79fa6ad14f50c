package org.convkit.core.cnn.net;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.api.Updater;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Map;

/**
 * DL4J's {@link MultiLayerNetwork} as ConvKit builds and loads it ({@link NetworkBuilder}, the model reader): made of
 * ConvKit's layer objects ({@link ConvKitLayers}, installed when the network is initialised, before any updater
 * exists), and with one switch for ConvKit's {@link org.convkit.core.cnn.train.Trainer}: while
 * {@link #skipRegularizationScore(boolean)} is on, the score DL4J computes in every fit step leaves out the
 * regularization (L2) term. That term is 0.6–0.9 ms of a 30 ms LeNet training step here, mostly the norm of the dense
 * layer's 400,000 weights (measured, see docs/benchmarks.md), and nothing uses it: ConvKit reports its own loss,
 * computed from the outputs, and checks DL4J's score only for NaN, which the data loss shows by itself. The
 * regularization of the gradient is unchanged, and so is everything with the switch off (the default). While
 * {@link #stepShortcuts(boolean)} is on, two detours of DL4J 1.0.0-M2.1's fit step are skipped, with the same numbers
 * (the same operations on the same arrays). The stored configuration is DL4J's.
 */
public final class TrainableNetwork extends MultiLayerNetwork {
	private volatile boolean skipRegularizationScore, stepShortcuts;

	public TrainableNetwork(MultiLayerConfiguration conf) {
		super(conf);
	}

	/** DL4J's initialisation, then ConvKit's layer objects in place of DL4J's ({@link ConvKitLayers}). */
	@Override
	public void init(INDArray parameters, boolean cloneParametersArray) {
		super.init(parameters, cloneParametersArray);
		ConvKitLayers.install(this);
	}

	/** A copy as DL4J's {@code clone()} makes it (configuration, parameters, updater state), of this class. */
	@Override
	public TrainableNetwork clone() {
		if (!initCalled) init();
		TrainableNetwork copy = new TrainableNetwork(layerWiseConfigurations.clone());
		copy.init(params().dup(), false);
		Updater u = getUpdater(false);
		INDArray state = u == null ? null : u.getStateViewArray();
		if (state != null) copy.getUpdater().setStateViewArray(copy, state.dup(), false);
		return copy;
	}

	public void skipRegularizationScore(boolean skip) {
		skipRegularizationScore = skip;
	}

	/**
	 * While on, the fit step's gradient reaches the updater as the network's own array ({@link UpdaterGradient}:
	 * DL4J's updater then takes its views made once instead of new ones for every block, variable and division, every
	 * step), and the optimizer's {@code setParams(params())} after every step does not copy the 431,080 parameters of
	 * LeNet onto themselves ({@link #setParams}). Measured together, docs/benchmarks.md ("DL4J's updater on its own
	 * arrays"). Off by default; ConvKit's Trainer switches it on for its own fit calls ({@link FastTraining}).
	 */
	public void stepShortcuts(boolean on) {
		stepShortcuts = on;
	}

	@Override
	public Pair<Gradient, Double> gradientAndScore() {
		Pair<Gradient, Double> p = super.gradientAndScore();
		Gradient g = p.getFirst();
		INDArray own = getFlattenedGradients();
		if (!stepShortcuts || g == null || g instanceof UpdaterGradient || own == null
				|| !NdArrays.sameMemory(g.gradient(), own))
			return p;
		return new Pair<>(new UpdaterGradient(g, own), p.getSecond());
	}

	/** DL4J's, except that with {@link #stepShortcuts} on an array that is the parameters themselves is not copied. */
	@Override
	public void setParams(INDArray params) {
		if (stepShortcuts && flattenedParams != null && params != null && NdArrays.sameMemory(params, flattenedParams))
			return; // DL4J would assign the parameters to themselves
		super.setParams(params);
	}

	@Override
	public double calcRegularizationScore(boolean backpropParamsOnly) {
		return skipRegularizationScore ? 0 : super.calcRegularizationScore(backpropParamsOnly);
	}

	/** For {@link LayerReplacement}: DL4J's name → layer map ({@code getLayer(String)}) names the new object. */
	void replaceInLayerMap(Layer original, Layer replacement) {
		for (Map.Entry<String, Layer> e : layerMap.entrySet())
			if (e.getValue() == original) e.setValue(replacement);
	}
}
