package org.convkit.core.cnn.net;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.function.Predicate;

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

	/**
	 * Replaces every layer from index {@code from} on that {@code replace} accepts with {@code create}'s object (given
	 * the original's state by {@link #sharing}); returns all the network's layers of {@code type} from there on, the
	 * ones replaced before included, so installing twice changes nothing.
	 */
	static <T extends Layer> List<T> replaceAll(MultiLayerNetwork net, int from, Class<T> type,
			Predicate<Layer> replace, Function<Layer, T> create) {
		Layer[] layers = net.getLayers(); // the network's own array
		List<T> out = new ArrayList<>();
		for (int i = from; i < layers.length; i++) {
			if (replace.test(layers[i])) layers[i] = sharing(layers[i], create.apply(layers[i]), net);
			if (type.isInstance(layers[i])) out.add(type.cast(layers[i]));
		}
		return out;
	}
}
