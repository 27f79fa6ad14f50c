package org.convkit.plugins.inspect;

import ij.Macro;
import ij.gui.GenericDialog;
import org.convkit.core.cnn.inspect.InspectionNetwork;
import org.convkit.core.cnn.model.ModelBundle;
import org.convkit.core.cnn.spec.LayerNames;
import org.convkit.core.cnn.spec.LayerShape;
import org.convkit.plugins.cnn.ModelField;

import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/** What the Inspect commands' dialogs share: the layer field's help and parsing of layer lists. */
final class InspectFields {
	static final String KEY_LAYER = "layer";
	/** Every layer (Feature Maps). */
	static final String ALL = "All";

	private InspectFields() {
	}

	/**
	 * A message listing the layers (name and output shape) of the model the dialog starts with, so the user knows
	 * what {@code layer=} takes; nothing in a macro or when there is no readable model yet.
	 */
	static void addLayerHelp(GenericDialog gd) {
		if (Macro.getOptions() != null || ModelField.last.trim().isEmpty()) return;
		try {
			if (!Files.isRegularFile(Paths.get(ModelField.last.trim()))) return;
			ModelBundle b = ModelField.read(ModelField.last);
			gd.addMessage("Layers of " + Paths.get(ModelField.last.trim()).getFileName() + ":\n" + layerList(b));
		} catch (Exception e) {
			// no help then; the command reports a bad model when it runs
		}
	}

	/** "conv1 24x24x20, pool1 12x12x20, ..." in lines of a few layers. */
	static String layerList(ModelBundle b) {
		List<String> names = LayerNames.of(b.spec());
		List<LayerShape> shapes = b.spec().shapes(b.inputHeight(), b.inputWidth(), b.inputChannels(), b.labels().size());
		StringBuilder sb = new StringBuilder();
		for (int i = 0; i < names.size(); i++) {
			if (i > 0) sb.append(i % 4 == 0 ? ",\n" : ", ");
			sb.append(names.get(i)).append(' ').append(shapes.get(i).shapeText());
		}
		return sb.toString();
	}

	/**
	 * The layer indices named in {@code text} (names separated by spaces or commas, in network order, each once);
	 * {@link #ALL} (when allowed) gives every layer that {@code spatialOnly} permits.
	 *
	 * @throws IllegalArgumentException for an empty text or an unknown name (listing the model's layers)
	 */
	static int[] layers(InspectionNetwork net, String text, boolean allowAll, boolean spatialOnly) {
		String t = text == null ? "" : text.trim();
		if (t.isEmpty()) throw new IllegalArgumentException("No layer given: use one of " + String.join(", ", net.names()));
		List<Integer> out = new ArrayList<>();
		if (allowAll && t.equalsIgnoreCase(ALL)) {
			for (int i = 0; i < net.names().size(); i++) if (!spatialOnly || net.isSpatial(i)) out.add(i);
		} else {
			Set<Integer> seen = new LinkedHashSet<>();
			for (String name : t.split("[,\\s]+")) seen.add(LayerNames.indexOf(net.bundle().spec(), name));
			out.addAll(seen);
			out.sort(null);
		}
		if (out.isEmpty()) throw new IllegalArgumentException("The model has no layer with feature maps");
		int[] a = new int[out.size()];
		for (int i = 0; i < a.length; i++) a[i] = out.get(i);
		return a;
	}

	/** The file name of a model path without ".zip", for titles. */
	static String modelName(String path) {
		String n = Paths.get(path.trim()).getFileName().toString();
		return n.toLowerCase(Locale.ROOT).endsWith(".zip") ? n.substring(0, n.length() - 4) : n;
	}

	/** The title without its extension ("cells.tif" -> "cells"). */
	static String baseTitle(String title) {
		return title.replaceFirst("\\.[A-Za-z0-9]{1,5}$", "");
	}
}
