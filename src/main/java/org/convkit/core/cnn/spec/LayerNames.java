package org.convkit.core.cnn.spec;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;

/**
 * Short names for a network's layers, as "CNN Model Info..." lists them and the Inspect commands take them in
 * {@code layer=}: the spec's layers numbered per kind from 1 ({@code conv1}, {@code pool1}, {@code conv2},
 * {@code dense1}, {@code dropout1}, {@code batchnorm1}; max and average pooling are both {@code pool}), then
 * {@value #OUTPUT} for the softmax layer ConvKit adds. The names depend only on the spec, so they are stable
 * across model files of one architecture and are public macro API.
 */
public final class LayerNames {
	/** The name of the softmax output layer. */
	public static final String OUTPUT = "output";

	private LayerNames() {
	}

	/** One name per spec layer, then {@link #OUTPUT}. */
	public static List<String> of(NetworkSpec spec) {
		int conv = 0, pool = 0, dense = 0, dropout = 0, batchnorm = 0;
		List<String> names = new ArrayList<>();
		for (LayerSpec l : spec.layers()) {
			switch (l.kind()) {
				case CONV:
					names.add("conv" + ++conv);
					break;
				case MAXPOOL:
				case AVGPOOL:
					names.add("pool" + ++pool);
					break;
				case DENSE:
					names.add("dense" + ++dense);
					break;
				case DROPOUT:
					names.add("dropout" + ++dropout);
					break;
				default:
					names.add("batchnorm" + ++batchnorm);
			}
		}
		names.add(OUTPUT);
		return Collections.unmodifiableList(names);
	}

	/**
	 * The 0-based index of {@code name} (case-insensitive, spaces ignored) in {@link #of}.
	 *
	 * @throws IllegalArgumentException naming the layers the model has
	 */
	public static int indexOf(NetworkSpec spec, String name) {
		List<String> names = of(spec);
		String n = name == null ? "" : name.replace(" ", "").toLowerCase(Locale.ROOT);
		int i = names.indexOf(n);
		if (i < 0)
			throw new IllegalArgumentException("The model has no layer '" + (name == null ? "" : name.trim())
					+ "'; its layers are " + String.join(", ", names));
		return i;
	}
}
