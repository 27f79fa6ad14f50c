package org.convkit.core.cnn.spec;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** Reads the one-line spec text; every error names the layer number, the layer text and the bad token. */
final class SpecParser {
	private SpecParser() {
	}

	static List<LayerSpec> parse(String text) {
		if (text == null || text.trim().isEmpty()) throw new IllegalArgumentException("The layer spec is empty");
		String[] parts = text.split(";", -1);
		int count = parts.length;
		while (count > 0 && parts[count - 1].trim().isEmpty()) count--; // a trailing ';' is harmless
		List<LayerSpec> layers = new ArrayList<>();
		for (int i = 0; i < count; i++) {
			String original = parts[i].trim();
			if (original.isEmpty())
				throw new IllegalArgumentException("layer " + (i + 1) + " is empty (two ';' in a row)");
			layers.add(new Layer(i + 1, original).parse());
		}
		return layers;
	}

	/** The parse state of one layer, so messages can name it. */
	private static final class Layer {
		private final int number;
		private final String original;
		private final String[] tokens;

		Layer(int number, String original) {
			this.number = number;
			this.original = original;
			String norm = original.toLowerCase(Locale.ROOT)
					.replaceAll("\\s*=\\s*", "=") // "stride = 2"
					.replaceAll("(?<=\\d)\\s*x\\s*(?=\\d)", "x"); // "5 x 5 x 20"
			this.tokens = norm.trim().split("\\s+");
		}

		IllegalArgumentException error(String message) {
			return new IllegalArgumentException("layer " + number + " '" + original + "': " + message);
		}

		LayerSpec parse() {
			LayerSpec.Kind kind = LayerSpec.Kind.fromWord(tokens[0]);
			if (kind == null)
				throw error("unknown layer type '" + tokens[0]
						+ "' (expected conv, maxpool, avgpool, dense, dropout or batchnorm)");
			try {
				switch (kind) {
					case CONV:
						return conv();
					case MAXPOOL:
					case AVGPOOL:
						return pool(kind);
					case DENSE:
						return dense();
					case DROPOUT:
						return dropout();
					default:
						noMoreTokens(1);
						return LayerSpec.batchNorm();
				}
			} catch (IllegalArgumentException e) {
				if (e.getMessage() != null && e.getMessage().startsWith("layer ")) throw e;
				throw error(e.getMessage()); // a range check of LayerSpec: add the layer context
			}
		}

		private LayerSpec conv() {
			if (tokens.length < 2) throw error("kernel size missing (write e.g. conv 5x5x20)");
			String size = tokens[1];
			String[] dims = size.split("x", -1);
			if (dims.length < 2 || dims.length > 3)
				throw error("kernel size '" + size + "' must be KxKxN or KHxKWxN (N = number of filters)");
			int kh = whole(dims[0], size, "kernel height");
			int kw = whole(dims[1], size, "kernel width");
			Integer filters = null;
			if (dims.length == 3) {
				if (dims[2].isEmpty()) throw error("filter count missing in '" + size + "'");
				filters = whole(dims[2], size, "filter count");
			}
			Integer stride = null;
			Padding pad = null;
			Activation act = null;
			for (int i = 2; i < tokens.length; i++) {
				String t = tokens[i];
				if (t.startsWith("filters=")) {
					if (filters != null) throw error("'" + t + "' repeats the filter count");
					filters = whole(value(t), t, "filter count");
				} else if (t.startsWith("stride=")) {
					if (stride != null) throw error("'" + t + "' repeats the stride");
					stride = whole(value(t), t, "stride");
				} else if (t.startsWith("pad=")) {
					if (pad != null) throw error("'" + t + "' repeats the padding");
					pad = padding(t);
				} else if (Activation.fromWord(t) != null) {
					if (act != null) throw error("'" + t + "' repeats the activation");
					act = Activation.fromWord(t);
				} else {
					throw error("unknown token '" + t + "' (expected stride=S, pad=same|valid, filters=N or an "
							+ "activation: " + Activation.wordList() + ")");
				}
			}
			if (filters == null) throw error("filter count missing in '" + size + "' (write " + size + "xN)");
			return LayerSpec.conv(kh, kw, filters, stride == null ? 1 : stride, pad == null ? Padding.VALID : pad,
					act == null ? Activation.RELU : act);
		}

		private LayerSpec pool(LayerSpec.Kind kind) {
			if (tokens.length < 2) throw error("pool size missing (write e.g. " + kind.word() + " 2)");
			int size = whole(tokens[1], tokens[1], "pool size");
			Integer stride = null;
			Padding pad = null;
			for (int i = 2; i < tokens.length; i++) {
				String t = tokens[i];
				if (t.startsWith("stride=")) {
					if (stride != null) throw error("'" + t + "' repeats the stride");
					stride = whole(value(t), t, "stride");
				} else if (t.startsWith("pad=")) {
					if (pad != null) throw error("'" + t + "' repeats the padding");
					pad = padding(t);
				} else {
					throw error("unknown token '" + t + "' (expected stride=S or pad=same|valid)");
				}
			}
			int s = stride == null ? size : stride;
			Padding p = pad == null ? Padding.VALID : pad;
			return kind == LayerSpec.Kind.MAXPOOL ? LayerSpec.maxPool(size, s, p) : LayerSpec.avgPool(size, s, p);
		}

		private LayerSpec dense() {
			if (tokens.length < 2) throw error("unit count missing (write e.g. dense 256 relu)");
			int units = whole(tokens[1], tokens[1], "unit count");
			Activation act = Activation.RELU;
			if (tokens.length > 2) {
				act = Activation.fromWord(tokens[2]);
				if (act == null)
					throw error("unknown activation '" + tokens[2] + "' (expected " + Activation.wordList() + ")");
			}
			noMoreTokens(3);
			return LayerSpec.dense(units, act);
		}

		private LayerSpec dropout() {
			if (tokens.length < 2) throw error("drop probability missing (write e.g. dropout 0.5)");
			String t = tokens[1];
			if (!t.matches("[0-9.eE+-]+")) throw error("'" + t + "' is not a number"); // no "nan", "0x1p-1", "1d"
			double p;
			try {
				p = Double.parseDouble(t);
			} catch (NumberFormatException e) {
				throw error("'" + t + "' is not a number");
			}
			if (!(p > 0 && p < 1))
				throw error("'" + t + "': the drop probability must be between 0 and 1 (exclusive)");
			noMoreTokens(2);
			return LayerSpec.dropout(p);
		}

		private void noMoreTokens(int from) {
			if (tokens.length > from) throw error("unexpected token '" + tokens[from] + "'");
		}

		private String value(String token) {
			return token.substring(token.indexOf('=') + 1);
		}

		private Padding padding(String token) {
			String v = value(token);
			if (v.equals("same")) return Padding.SAME;
			if (v.equals("valid")) return Padding.VALID;
			throw error("'" + token + "': padding must be same or valid");
		}

		private int whole(String digits, String token, String what) {
			if (digits.isEmpty()) throw error(what + " missing in '" + token + "'");
			if (!digits.matches("[0-9]{1,9}"))
				throw error(what + " '" + digits + "' in '" + token + "' is not a positive whole number");
			int v = Integer.parseInt(digits);
			if (v < 1) throw error(what + " in '" + token + "' must be at least 1");
			return v;
		}
	}
}
