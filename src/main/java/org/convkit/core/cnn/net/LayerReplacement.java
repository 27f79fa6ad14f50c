package org.convkit.core.cnn.net;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;

/**
 * Run-time replacement of a network's layer object by a subclass, as DL4J itself does for frozen layers: the new
 * object takes over the original's configuration, parameter and gradient views, listeners, index and counters, so the
 * network trains and saves exactly as before. Used by the training-only layers of this package.
 */
final class LayerReplacement {
	private LayerReplacement() {
	}

	/** Gives {@code replacement} everything of {@code original} (a layer of {@code net}); returns it. */
	static <T extends Layer> T sharing(Layer original, T replacement, MultiLayerNetwork net) {
		replacement.setListeners(original.getListeners());
		replacement.setIndex(original.getIndex());
		replacement.setParamsViewArray(original.params());
		replacement.setParamTable(original.paramTable());
		replacement.setConf(original.conf());
		if (original.getGradientsViewArray() != null)
			replacement.setBackpropGradientsViewArray(original.getGradientsViewArray());
		if (net.getLayerWiseConfigurations().getCacheMode() != null)
			replacement.setCacheMode(net.getLayerWiseConfigurations().getCacheMode());
		replacement.setIterationCount(original.getIterationCount());
		replacement.setEpochCount(original.getEpochCount());
		return replacement;
	}
}
