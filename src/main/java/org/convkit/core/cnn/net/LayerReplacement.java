package org.convkit.core.cnn.net;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.api.Trainable;
import org.deeplearning4j.nn.api.Updater;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.updater.BaseMultiLayerUpdater;
import org.deeplearning4j.nn.updater.UpdaterBlock;

import java.util.List;
import java.util.Map;

/**
 * Run-time replacement of a network's layer object by a subclass, as DL4J itself does for frozen layers: the new
 * object takes over the original's configuration, parameter and gradient views, listeners, index and counters, and
 * every reference the network keeps to a layer object is pointed at it — the layer array, the network's name map
 * ({@code getLayer(String)}) and, when the updater already exists, its name map and its blocks' per-parameter
 * records — so the network trains, saves and is looked up exactly as before. Used by {@link ConvKitLayers}.
 */
final class LayerReplacement {
	private LayerReplacement() {
	}

	/** Puts {@code replacement} in place of the network's layer {@code index}, sharing its state; returns it. */
	static <T extends Layer> T replace(TrainableNetwork net, int index, T replacement) {
		Layer original = net.getLayers()[index];
		share(original, replacement, net);
		net.getLayers()[index] = replacement; // the network's own array
		net.replaceInLayerMap(original, replacement);
		Updater u = net.getUpdater(false); // null until the first fit or an explicit getUpdater()
		if (u instanceof BaseMultiLayerUpdater) repoint((BaseMultiLayerUpdater<?>) u, original, replacement);
		return replacement;
	}

	private static void share(Layer original, Layer replacement, MultiLayerNetwork net) {
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
	}

	/**
	 * The updater's references: its name → layer map (used for gradient clipping and other per-layer steps) and each
	 * block's per-parameter records (used for the layer's regularization and updater configuration). The records are
	 * immutable, so each is replaced by one naming the new layer and the same views.
	 */
	private static void repoint(BaseMultiLayerUpdater<?> u, Layer original, Layer replacement) {
		Map<String, Trainable> byName = u.getLayersByName();
		if (byName != null) byName.replaceAll((name, l) -> l == original ? replacement : l);
		for (UpdaterBlock b : u.getUpdaterBlocks()) {
			List<UpdaterBlock.ParamState> states = b.getLayersAndVariablesInBlock();
			for (int i = 0; i < states.size(); i++) {
				UpdaterBlock.ParamState s = states.get(i);
				if (s.getLayer() == original)
					states.set(i, new UpdaterBlock.ParamState(replacement, s.getParamName(), s.getParamOffsetStart(),
							s.getParamOffsetEnd(), s.getParamView(), s.getGradView()));
			}
		}
	}
}
