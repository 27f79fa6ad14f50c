package org.convkit.core.cnn.model;

import org.convkit.core.cnn.input.Normalisation;
import org.convkit.core.cnn.input.NormalisationRule;
import org.convkit.core.cnn.input.PatchInput;
import org.convkit.core.cnn.net.ClassBalance;
import org.convkit.core.filter.Border;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;
import org.convkit.core.cnn.input.Resize;
import org.convkit.core.cnn.net.Initialization;
import org.convkit.core.cnn.net.Optimizer;
import org.convkit.core.cnn.net.TrainingSettings;
import org.convkit.core.cnn.spec.NetworkSpec;
import org.nd4j.linalg.api.buffer.DataType;

import java.util.ArrayList;
import java.util.List;

/**
 * The metadata entry ({@code convkit-model.json}) written and read field by field with explicit checks (no
 * reflection-based binding), so a hand-edited or hostile file gives a message naming the bad field.
 * <p>
 * Versions: 1 has whole-image models normalised by mean and std. 2 adds the normalisation rule
 * ({@code normalisation.method/per/low/high}), patch models ({@code patches}: channels, border, mask) and class
 * balancing ({@code training.balance}). A model that uses none of these is written as version 1, so earlier ConvKits
 * still read it; one that does is version 2, which they refuse instead of applying it wrongly. Both are read.
 */
final class BundleJson {
	static final String FORMAT = "convkit-model";
	static final int VERSION = 2, FIRST_VERSION = 1;
	static final String LITTLE_ENDIAN = "little-endian";
	static final int MAX_LABELS = 100_000, MAX_SIZE = NetworkSpec.MAX_INPUT_SIZE,
			MAX_CHANNELS = NetworkSpec.MAX_INPUT_CHANNELS;

	/** A raw array entry: data type and shape; the bytes are little-endian values in C order. */
	static final class RawArray {
		final DataType dataType;
		final long[] shape;

		RawArray(DataType dataType, long[] shape) {
			this.dataType = dataType;
			this.shape = shape;
		}

		long length() {
			long n = 1;
			for (long d : shape) n = Math.multiplyExact(n, d);
			return n;
		}
	}

	/** Everything in the metadata entry, checked. */
	static final class Metadata {
		NetworkSpec spec;
		List<String> labels;
		int height, width, channels;
		Resize resize = Resize.SCALE;
		Normalisation normalisation;
		PatchInput patchInput;
		TrainingSettings settings;
		TrainingHistory history;
		RawArray weights, updaterState;
	}

	private BundleJson() {
	}

	static String write(ModelBundle b, RawArray weights, RawArray updaterState) {
		JsonObject o = new JsonObject();
		o.addProperty("format", FORMAT);
		o.addProperty("formatVersion", needsVersion2(b) ? VERSION : FIRST_VERSION);
		o.addProperty("spec", b.spec().toString());
		JsonArray labels = new JsonArray();
		for (String l : b.labels()) labels.add(l);
		o.add("labels", labels);
		JsonObject input = new JsonObject();
		input.addProperty("height", b.inputHeight());
		input.addProperty("width", b.inputWidth());
		input.addProperty("channels", b.inputChannels());
		input.addProperty("resize", b.resize().displayName());
		o.add("input", input);
		JsonObject norm = new JsonObject();
		norm.add("mean", numbers(b.normalisation().mean()));
		norm.add("std", numbers(b.normalisation().std()));
		NormalisationRule rule = b.normalisation().rule();
		if (!rule.equals(NormalisationRule.MEAN_STD)) {
			norm.addProperty("method", rule.method().displayName());
			norm.addProperty("per", rule.per().displayName());
			norm.addProperty("low", rule.low());
			norm.addProperty("high", rule.high());
		}
		o.add("normalisation", norm);
		PatchInput p = b.patchInput();
		if (p != null) {
			JsonObject patches = new JsonObject();
			JsonArray channels = new JsonArray();
			for (int c : p.channels()) channels.add(c);
			patches.add("channels", channels);
			patches.addProperty("imageChannels", p.imageChannels());
			patches.addProperty("rgb", p.rgb());
			patches.addProperty("border", p.border().label);
			patches.addProperty("value", p.constant());
			patches.addProperty("mask", p.mask());
			o.add("patches", patches);
		}
		TrainingSettings s = b.settings();
		JsonObject t = new JsonObject();
		t.addProperty("optimizer", s.optimizer().displayName());
		t.addProperty("learningRate", s.learningRate());
		t.addProperty("init", s.init().displayName());
		t.addProperty("l2", s.l2());
		t.addProperty("seed", s.seed());
		t.addProperty("batch", s.batchSize());
		t.addProperty("epochs", s.epochs());
		if (s.balance() != ClassBalance.NONE) t.addProperty("balance", s.balance().displayName());
		o.add("training", t);
		TrainingHistory h = b.history();
		JsonObject hist = new JsonObject();
		hist.add("trainLoss", numbers(h.trainLoss()));
		hist.add("trainAccuracy", numbers(h.trainAccuracy()));
		hist.add("validationLoss", numbers(h.validationLoss()));
		hist.add("validationAccuracy", numbers(h.validationAccuracy()));
		o.add("history", hist);
		o.add("weights", array(weights));
		if (updaterState != null) o.add("updaterState", array(updaterState));
		return new GsonBuilder().setPrettyPrinting().disableHtmlEscaping().create().toJson(o);
	}

	/** Whether the bundle uses anything version 1 cannot express. */
	static boolean needsVersion2(ModelBundle b) {
		return !b.normalisation().rule().equals(NormalisationRule.MEAN_STD) || b.patchInput() != null
				|| b.settings().balance() != ClassBalance.NONE;
	}

	private static JsonObject array(RawArray a) {
		JsonObject o = new JsonObject();
		o.addProperty("dataType", a.dataType.name());
		JsonArray shape = new JsonArray();
		for (long d : a.shape) shape.add(d);
		o.add("shape", shape);
		o.addProperty("byteOrder", LITTLE_ENDIAN);
		return o;
	}

	private static JsonArray numbers(double[] values) {
		JsonArray a = new JsonArray();
		for (double v : values) a.add(v);
		return a;
	}

	/** Non-finite values (no validation set, a diverged loss) are written as null: JSON has no NaN. */
	private static JsonArray numbers(List<Double> values) {
		JsonArray a = new JsonArray();
		for (Double v : values) a.add(Double.isFinite(v) ? new JsonPrimitive(v) : JsonNull.INSTANCE);
		return a;
	}

	/** Parses and checks the metadata; IllegalArgumentException names the field. */
	static Metadata read(String json) {
		JsonElement root;
		try {
			root = JsonParser.parseString(json);
		} catch (RuntimeException | StackOverflowError e) { // StackOverflowError: absurdly deep nesting
			throw new IllegalArgumentException("it is not valid JSON (" + e.getMessage() + ")");
		}
		if (!root.isJsonObject()) throw new IllegalArgumentException("it is not a JSON object");
		JsonObject o = root.getAsJsonObject();
		String format = text(o, "format");
		if (!FORMAT.equals(format))
			throw new IllegalArgumentException("unknown format '" + format + "' (expected '" + FORMAT + "')");
		long version = integer(o, "formatVersion", 0, Integer.MAX_VALUE);
		if (version < FIRST_VERSION || version > VERSION)
			throw new IllegalArgumentException("format version " + version + " is not supported (this ConvKit reads "
					+ "versions " + FIRST_VERSION + " to " + VERSION + (version > VERSION
							? "; the model was saved by a newer ConvKit)" : ")"));
		Metadata m = new Metadata();
		try {
			m.spec = NetworkSpec.parse(text(o, "spec"));
		} catch (IllegalArgumentException e) {
			throw new IllegalArgumentException("invalid layer spec: " + e.getMessage());
		}
		JsonArray labels = arrayField(o, "labels", MAX_LABELS);
		m.labels = new ArrayList<>();
		for (JsonElement e : labels) {
			if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isString())
				throw new IllegalArgumentException("'labels' must be a list of text");
			m.labels.add(e.getAsString());
		}
		ModelBundle.checkLabels(m.labels);
		JsonObject input = object(o, "input");
		m.height = (int) integer(input, "height", 1, MAX_SIZE);
		m.width = (int) integer(input, "width", 1, MAX_SIZE);
		m.channels = (int) integer(input, "channels", 1, MAX_CHANNELS);
		// optional: files written before the resize rule was stored used Scale
		if (input.has("resize")) m.resize = Resize.fromName(text(input, "resize"));
		JsonObject norm = object(o, "normalisation");
		NormalisationRule rule = NormalisationRule.MEAN_STD; // optional: version 1 knew only this one
		if (norm.has("method")) {
			try {
				rule = new NormalisationRule(NormalisationRule.Method.fromName(text(norm, "method")),
						NormalisationRule.Per.fromName(text(norm, "per")), number(norm, "low"), number(norm, "high"));
			} catch (IllegalArgumentException e) {
				throw new IllegalArgumentException("'normalisation': " + e.getMessage());
			}
		}
		m.normalisation = new Normalisation(rule, doubles(norm, "mean", MAX_CHANNELS), doubles(norm, "std",
				MAX_CHANNELS));
		if (m.normalisation.channels() != m.channels)
			throw new IllegalArgumentException("'normalisation' has " + m.normalisation.channels()
					+ " channels but the input has " + m.channels);
		if (o.has("patches")) m.patchInput = patchInput(object(o, "patches"), m.channels);
		JsonObject t = object(o, "training");
		m.settings = new TrainingSettings(Optimizer.fromName(text(t, "optimizer")), number(t, "learningRate"),
				Initialization.fromName(text(t, "init")), number(t, "l2"), integer(t, "seed", Long.MIN_VALUE,
						Long.MAX_VALUE), (int) integer(t, "batch", 1, TrainingSettings.MAX_BATCH),
				(int) integer(t, "epochs", 1, TrainingSettings.MAX_EPOCHS),
				t.has("balance") ? ClassBalance.fromName(text(t, "balance")) : ClassBalance.NONE);
		JsonObject h = object(o, "history");
		m.history = new TrainingHistory(history(h, "trainLoss"), history(h, "trainAccuracy"),
				history(h, "validationLoss"), history(h, "validationAccuracy"));
		m.weights = rawArray(o, "weights");
		m.updaterState = o.has("updaterState") ? rawArray(o, "updaterState") : null;
		return m;
	}

	private static PatchInput patchInput(JsonObject p, int inputChannels) {
		JsonArray list = arrayField(p, "channels", MAX_CHANNELS);
		int[] channels = new int[list.size()];
		for (int i = 0; i < channels.length; i++)
			channels[i] = (int) asInteger(list.get(i), "patches.channels", 1, MAX_CHANNELS);
		if (channels.length != inputChannels)
			throw new IllegalArgumentException("'patches' picks " + channels.length + " channels but the input has "
					+ inputChannels);
		JsonElement rgb = field(p, "rgb"), mask = field(p, "mask");
		if (!rgb.isJsonPrimitive() || !rgb.getAsJsonPrimitive().isBoolean() || !mask.isJsonPrimitive()
				|| !mask.getAsJsonPrimitive().isBoolean())
			throw new IllegalArgumentException("'patches': rgb and mask must be true or false");
		try {
			return new PatchInput(channels, (int) integer(p, "imageChannels", 1, MAX_CHANNELS), rgb.getAsBoolean(),
					Border.fromLabel(text(p, "border")), number(p, "value"), mask.getAsBoolean());
		} catch (IllegalArgumentException e) {
			throw new IllegalArgumentException("'patches': " + e.getMessage());
		}
	}

	private static RawArray rawArray(JsonObject parent, String key) {
		JsonObject a = object(parent, key);
		String type = text(a, "dataType");
		DataType dt;
		if (type.equals("FLOAT")) dt = DataType.FLOAT;
		else if (type.equals("DOUBLE")) dt = DataType.DOUBLE;
		else throw new IllegalArgumentException("'" + key + "': data type '" + type + "' (expected FLOAT or DOUBLE)");
		if (!LITTLE_ENDIAN.equals(text(a, "byteOrder")))
			throw new IllegalArgumentException("'" + key + "': byte order must be " + LITTLE_ENDIAN);
		JsonArray s = arrayField(a, "shape", 8);
		long[] shape = new long[s.size()];
		for (int i = 0; i < shape.length; i++) shape[i] = asInteger(s.get(i), key + ".shape", 1, Integer.MAX_VALUE);
		if (shape.length == 0) throw new IllegalArgumentException("'" + key + "': empty shape");
		RawArray r = new RawArray(dt, shape);
		try {
			r.length();
		} catch (ArithmeticException e) {
			throw new IllegalArgumentException("'" + key + "': shape too large");
		}
		return r;
	}

	private static List<Double> history(JsonObject h, String key) {
		JsonArray a = arrayField(h, key, TrainingSettings.MAX_EPOCHS);
		List<Double> out = new ArrayList<>();
		for (JsonElement e : a) out.add(e.isJsonNull() ? Double.NaN : asNumber(e, "history." + key));
		return out;
	}

	private static double[] doubles(JsonObject o, String key, int max) {
		JsonArray a = arrayField(o, key, max);
		double[] v = new double[a.size()];
		for (int i = 0; i < v.length; i++) v[i] = asNumber(a.get(i), key);
		return v;
	}

	private static JsonElement field(JsonObject o, String key) {
		JsonElement e = o.get(key);
		if (e == null || e.isJsonNull()) throw new IllegalArgumentException("'" + key + "' is missing");
		return e;
	}

	private static JsonObject object(JsonObject o, String key) {
		JsonElement e = field(o, key);
		if (!e.isJsonObject()) throw new IllegalArgumentException("'" + key + "' must be an object");
		return e.getAsJsonObject();
	}

	private static JsonArray arrayField(JsonObject o, String key, int maxSize) {
		JsonElement e = field(o, key);
		if (!e.isJsonArray()) throw new IllegalArgumentException("'" + key + "' must be a list");
		if (e.getAsJsonArray().size() > maxSize)
			throw new IllegalArgumentException("'" + key + "' has more than " + maxSize + " values");
		return e.getAsJsonArray();
	}

	private static String text(JsonObject o, String key) {
		JsonElement e = field(o, key);
		if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isString())
			throw new IllegalArgumentException("'" + key + "' must be text");
		return e.getAsString();
	}

	private static double number(JsonObject o, String key) {
		return asNumber(field(o, key), key);
	}

	private static double asNumber(JsonElement e, String key) {
		if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isNumber())
			throw new IllegalArgumentException("'" + key + "' must be a number");
		double v = e.getAsDouble();
		if (!Double.isFinite(v)) throw new IllegalArgumentException("'" + key + "' must be a finite number");
		return v;
	}

	private static long integer(JsonObject o, String key, long min, long max) {
		return asInteger(field(o, key), key, min, max);
	}

	private static long asInteger(JsonElement e, String key, long min, long max) {
		if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isNumber())
			throw new IllegalArgumentException("'" + key + "' must be a whole number");
		long v;
		try {
			v = e.getAsJsonPrimitive().getAsBigDecimal().longValueExact();
		} catch (ArithmeticException | NumberFormatException x) {
			throw new IllegalArgumentException("'" + key + "' must be a whole number, got " + e);
		}
		if (v < min || v > max)
			throw new IllegalArgumentException("'" + key + "' must be between " + min + " and " + max + ", got " + v);
		return v;
	}
}
