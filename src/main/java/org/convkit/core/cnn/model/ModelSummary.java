package org.convkit.core.cnn.model;

import org.convkit.core.cnn.input.Normalisation;
import org.convkit.core.cnn.input.NormalisationRule;
import org.convkit.core.cnn.input.PatchInput;
import org.convkit.core.cnn.spec.LayerNames;
import org.convkit.core.cnn.spec.LayerShape;
import org.convkit.core.filter.Border;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;

/**
 * What "CNN Model Info..." shows about a bundle, as plain values (scripts use it too): one row per layer (the spec's
 * layers and the softmax output layer ConvKit adds) with its output shape and parameter count, the total, and the
 * input, classes, normalisation and training facts as text lines.
 */
public final class ModelSummary {
	/**
	 * One layer: 1-based number, name ({@link LayerNames}: conv1, pool1, ..., output), canonical layer text,
	 * output shape ("12x12x8" or "32"), parameter count.
	 */
	public static final class Row {
		public final int number;
		public final String name, layer, shape;
		public final long params;

		Row(int number, String name, String layer, String shape, long params) {
			this.number = number;
			this.name = name;
			this.layer = layer;
			this.shape = shape;
			this.params = params;
		}

		@Override
		public String toString() {
			return number + "  " + name + "  " + layer + "  -> " + shape + "  params " + params;
		}
	}

	private final ModelBundle bundle;
	private final List<Row> rows;
	private final long totalParams;

	public ModelSummary(ModelBundle bundle) {
		if (bundle == null) throw new IllegalArgumentException("model missing");
		this.bundle = bundle;
		List<Row> out = new ArrayList<>();
		long sum = 0;
		List<String> names = LayerNames.of(bundle.spec());
		for (LayerShape s : bundle.spec().shapes(bundle.inputHeight(), bundle.inputWidth(), bundle.inputChannels(),
				bundle.labels().size())) {
			String text = s.layer == null ? "output softmax " + s.channels : s.layer.toString();
			out.add(new Row(s.number, names.get(s.number - 1), text, s.shapeText(), s.params));
			sum += s.params;
		}
		rows = Collections.unmodifiableList(out);
		totalParams = sum;
	}

	public List<Row> rows() {
		return rows;
	}

	/** Sum of the rows' parameters: DL4J's {@code numParams()} of the network. */
	public long totalParams() {
		return totalParams;
	}

	/** "16x16x1 (width x height x channels)". */
	public String inputText() {
		return bundle.inputWidth() + "x" + bundle.inputHeight() + "x" + bundle.inputChannels()
				+ " (width x height x channels)";
	}

	/** The facts besides the layers, one "name: value" line each (the Log section of Model Info). */
	public List<String> infoLines() {
		List<String> l = new ArrayList<>();
		l.add("input: " + inputText());
		PatchInput p = bundle.patchInput();
		if (p != null) {
			l.add("channels: " + p.channelsText() + " of " + p.imageChannels() + "-channel images"
					+ (p.rgb() ? " (RGB: 1 red, 2 green, 3 blue)" : ""));
			l.add("patches: " + bundle.inputWidth() + "x" + bundle.inputHeight() + " centred on each ROI, border "
					+ p.border().label + (p.border() == Border.CONSTANT ? " " + p.constant() : "")
					+ (p.mask() ? ", pixels outside the ROI blanked (mask)" : ""));
		} else {
			l.add("channels: " + (bundle.inputChannels() == 3 ? "RGB (red, green, blue)" : "grayscale"));
			l.add("resize: " + bundle.resize().displayName() + " (images of another size)");
		}
		l.add("classes: " + bundle.labels().size() + " " + bundle.labels());
		Normalisation n = bundle.normalisation();
		NormalisationRule rule = n.rule();
		if (!rule.equals(NormalisationRule.MEAN_STD))
			l.add("normalisation: " + rule + (rule.perImage() ? " (each image by its own statistics)" : ""));
		if (rule.equals(NormalisationRule.MEAN_STD))
			for (int c = 0; c < n.channels(); c++)
				l.add(String.format(Locale.ROOT, "normalisation channel %d: mean %s std %s", c + 1,
						Double.toString(n.mean(c)), Double.toString(n.std(c))));
		else if (!rule.perImage() && rule.method() != NormalisationRule.Method.NONE)
			for (int c = 0; c < n.channels(); c++)
				l.add(String.format(Locale.ROOT, "normalisation channel %d: (value - %s) / %s", c + 1,
						Double.toString(n.mean(c)), Double.toString(n.std(c))));
		l.add("layers: " + bundle.spec());
		l.add("parameters: " + totalParams);
		l.add("training: " + bundle.settings());
		TrainingHistory h = bundle.history();
		l.add("epochs trained: " + h.epochs());
		if (h.epochs() > 0) {
			int e = h.epochs() - 1;
			l.add(String.format(Locale.ROOT, "last epoch: train loss %.4f accuracy %.4f, validation loss %.4f "
					+ "accuracy %.4f", h.trainLoss().get(e), h.trainAccuracy().get(e), h.validationLoss().get(e),
					h.validationAccuracy().get(e)));
		}
		return l;
	}
}
