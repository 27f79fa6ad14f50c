package org.convkit.core.cnn.model;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import org.convkit.core.cnn.net.Dl4jRuntime;
import org.convkit.core.cnn.net.TrainableNetwork;
import org.deeplearning4j.nn.api.Updater;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Enumeration;
import java.util.HashMap;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.CheckedInputStream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;

/**
 * Reads a model bundle without trusting it: only the known entries are read, each with a byte cap counted while
 * reading (the sizes a zip declares can lie), arrays are read as raw numbers, and nothing reaches
 * {@code ObjectInputStream}.
 */
final class BundleReader {
	/** Packages whose classes a DL4J configuration may name in "@class" (layers, activations, updaters, ...). */
	private static final String[] ALLOWED_CLASS_PREFIXES = { "org.deeplearning4j.nn.conf.",
			"org.deeplearning4j.nn.weights.", "org.nd4j.linalg.activations.", "org.nd4j.linalg.learning.",
			"org.nd4j.linalg.lossfunctions.", "org.nd4j.linalg.schedule." };

	private final Path file;
	private final ZipFile zip;

	private BundleReader(Path file, ZipFile zip) {
		this.file = file;
		this.zip = zip;
	}

	static ModelBundle read(Path path) throws ModelFileException {
		if (path == null) throw new IllegalArgumentException("model file missing");
		Path file = path.toAbsolutePath().normalize();
		if (!Files.exists(file)) throw new ModelFileException("Model file not found: " + file);
		if (Files.isDirectory(file)) throw new ModelFileException(file + " is a folder, not a model file");
		Dl4jRuntime.configure(); // ND4J's native build is chosen before reading the network can load it
		try (ZipFile zip = new ZipFile(file.toFile())) {
			return new BundleReader(file, zip).read();
		} catch (ModelFileException e) {
			throw e;
		} catch (ZipException e) {
			throw new ModelFileException(file + " is not a ConvKit model: it is not a zip file or it is damaged ("
					+ e.getMessage() + ")", e);
		} catch (IOException e) {
			throw new ModelFileException("Could not read the model " + file + ": " + e, e);
		}
	}

	private ModelFileException bad(String message) {
		return new ModelFileException("Cannot load the model " + file + ": " + message);
	}

	private ModelBundle read() throws IOException {
		Map<String, ZipEntry> entries = new HashMap<>();
		int count = 0;
		for (Enumeration<? extends ZipEntry> en = zip.entries(); en.hasMoreElements();) {
			ZipEntry e = en.nextElement();
			if (++count > ModelBundleIO.MAX_ENTRIES)
				throw bad("it has more than " + ModelBundleIO.MAX_ENTRIES + " entries");
			checkName(e.getName());
			if (entries.put(e.getName(), e) != null) throw bad("the entry '" + e.getName() + "' appears twice");
		}
		ZipEntry metaEntry = entries.get(ModelBundleIO.METADATA_ENTRY);
		if (metaEntry == null)
			throw new ModelFileException(file + " is not a ConvKit model (it has no " + ModelBundleIO.METADATA_ENTRY
					+ ")");
		BundleJson.Metadata m;
		try {
			m = BundleJson.read(text(metaEntry, ModelBundleIO.MAX_METADATA_BYTES));
		} catch (IllegalArgumentException e) {
			throw bad(ModelBundleIO.METADATA_ENTRY + ": " + e.getMessage());
		}
		checkArraySize(m.weights, "weights");
		if (m.updaterState != null) checkArraySize(m.updaterState, "updaterState");

		String confText = text(require(entries, ModelBundleIO.CONFIGURATION_ENTRY),
				ModelBundleIO.MAX_CONFIGURATION_BYTES);
		checkClassNames(confText);
		MultiLayerConfiguration conf;
		try {
			conf = MultiLayerConfiguration.fromJson(confText);
		} catch (RuntimeException | StackOverflowError e) {
			throw bad("the network configuration cannot be read (" + e.getMessage() + ")");
		}
		long outputs = ModelBundle.outputCount(conf);
		if (outputs != m.labels.size())
			throw bad("the network has " + outputs + " outputs but there are " + m.labels.size() + " class labels");
		long numParams = 0;
		for (NeuralNetConfiguration c : conf.getConfs()) numParams += c.getLayer().initializer().numParams(c);
		long specParams;
		try {
			specParams = m.spec.parameterCount(m.height, m.width, m.channels, m.labels.size());
		} catch (IllegalArgumentException e) {
			throw bad("the layer spec does not fit the input size: " + e.getMessage());
		}
		if (numParams != specParams)
			throw bad("the network configuration has " + numParams + " parameters but the layer spec '" + m.spec
					+ "' for " + m.height + "x" + m.width + "x" + m.channels + " has " + specParams);
		if (m.weights.length() != numParams)
			throw bad("the weights hold " + m.weights.length() + " values but the network has " + numParams
					+ " parameters");
		if (m.weights.dataType != conf.getDataType())
			throw bad("the weights are " + m.weights.dataType + " but the network is " + conf.getDataType());

		INDArray params = array(require(entries, ModelBundleIO.WEIGHTS_ENTRY), m.weights);
		MultiLayerNetwork net = new TrainableNetwork(conf);
		net.init(params, false);
		if (m.updaterState != null) {
			Updater u = net.getUpdater(true);
			INDArray view = u == null ? null : u.getStateViewArray();
			long expected = view == null ? 0 : view.length();
			if (m.updaterState.length() != expected)
				throw bad("the optimizer state holds " + m.updaterState.length() + " values but this network's "
						+ "optimizer needs " + expected);
			if (m.updaterState.dataType != view.dataType())
				throw bad("the optimizer state is " + m.updaterState.dataType + " but the network is "
						+ view.dataType());
			u.setStateViewArray(net, array(require(entries, ModelBundleIO.UPDATER_ENTRY), m.updaterState), false);
		}
		try {
			return new ModelBundle(net, m.spec, m.labels, m.height, m.width, m.channels, m.normalisation,
					m.settings, m.history, m.resize, m.patchInput);
		} catch (IllegalArgumentException e) {
			throw bad(e.getMessage());
		}
	}

	private void checkName(String name) throws ModelFileException {
		String problem = null;
		if (name.isEmpty()) problem = "an empty name";
		else if (name.startsWith("/") || name.matches("^[A-Za-z]:.*")) problem = "an absolute path";
		else if (name.contains("\\")) problem = "a backslash";
		else if (("/" + name + "/").contains("/../")) problem = "'..' (it could write outside a folder)";
		else if (name.chars().anyMatch(ch -> ch < 32)) problem = "a control character";
		if (problem != null) throw bad("the entry name '" + name + "' is not allowed: it has " + problem);
	}

	private ZipEntry require(Map<String, ZipEntry> entries, String name) throws ModelFileException {
		ZipEntry e = entries.get(name);
		if (e == null) throw bad("the entry " + name + " is missing");
		return e;
	}

	private void checkArraySize(BundleJson.RawArray a, String what) throws ModelFileException {
		long bytes;
		try {
			bytes = Math.multiplyExact(a.length(), (long) a.dataType.width());
		} catch (ArithmeticException e) {
			bytes = Long.MAX_VALUE;
		}
		if (bytes > ModelBundleIO.MAX_ARRAY_BYTES)
			throw bad("'" + what + "' declares " + bytes + " bytes, more than the limit of "
					+ ModelBundleIO.MAX_ARRAY_BYTES + " bytes");
	}

	/** At most {@code max} bytes of an entry as UTF-8, counted while reading. */
	private String text(ZipEntry e, long max) throws IOException {
		if (e.getSize() > max) throw tooLarge(e, max);
		try (CheckedInputStream in = new CheckedInputStream(zip.getInputStream(e), new CRC32())) {
			byte[] b = in.readNBytes((int) max + 1);
			if (b.length > max) throw tooLarge(e, max);
			checkCrc(e, in);
			return new String(b, StandardCharsets.UTF_8);
		}
	}

	/** ZipFile does not verify CRCs (ZipInputStream does): a damaged entry must not load as different numbers. */
	private void checkCrc(ZipEntry e, CheckedInputStream in) throws ModelFileException {
		if (e.getCrc() != -1 && in.getChecksum().getValue() != e.getCrc())
			throw bad("the entry " + e.getName() + " is damaged (checksum mismatch)");
	}

	private ModelFileException tooLarge(ZipEntry e, long max) {
		return bad("the entry " + e.getName() + " is larger than the limit of " + max + " bytes");
	}

	/** Exactly length × width little-endian values; a shorter or longer entry is an error. */
	private INDArray array(ZipEntry e, BundleJson.RawArray a) throws IOException {
		int n = (int) a.length();
		int width = a.dataType.width();
		float[] f = a.dataType == DataType.FLOAT ? new float[n] : null;
		double[] d = f == null ? new double[n] : null;
		byte[] chunk = new byte[1 << 16];
		try (CheckedInputStream in = new CheckedInputStream(zip.getInputStream(e), new CRC32())) {
			int done = 0;
			while (done < n) {
				int values = Math.min(n - done, chunk.length / width);
				int got = in.readNBytes(chunk, 0, values * width);
				if (got < values * width)
					throw bad("the entry " + e.getName() + " is shorter than its declared " + n + " values");
				ByteBuffer bb = ByteBuffer.wrap(chunk, 0, got).order(ByteOrder.LITTLE_ENDIAN);
				if (f != null) bb.asFloatBuffer().get(f, done, values);
				else bb.asDoubleBuffer().get(d, done, values);
				done += values;
			}
			if (in.read() != -1)
				throw bad("the entry " + e.getName() + " is longer than its declared " + n + " values");
			checkCrc(e, in);
		}
		long[] shape = { 1, n };
		return f != null ? Nd4j.create(f, shape, 'c') : Nd4j.create(d, shape, 'c');
	}

	/** Every "@class" in the configuration must name a class in DL4J's configuration packages. */
	private void checkClassNames(String json) throws ModelFileException {
		JsonElement root;
		try {
			root = JsonParser.parseString(json);
		} catch (RuntimeException | StackOverflowError e) {
			throw bad("the network configuration is not valid JSON (" + e.getMessage() + ")");
		}
		Deque<JsonElement> todo = new ArrayDeque<>();
		todo.push(root);
		while (!todo.isEmpty()) {
			JsonElement el = todo.pop();
			if (el.isJsonArray()) el.getAsJsonArray().forEach(todo::push);
			if (!el.isJsonObject()) continue;
			JsonObject o = el.getAsJsonObject();
			for (Map.Entry<String, JsonElement> kv : o.entrySet()) {
				if (kv.getKey().equals("@class") && !allowedClass(kv.getValue()))
					throw bad("the network configuration names the class " + kv.getValue()
							+ ", which is not a DL4J configuration class");
				todo.push(kv.getValue());
			}
		}
	}

	private static boolean allowedClass(JsonElement v) {
		if (!v.isJsonPrimitive() || !v.getAsJsonPrimitive().isString()) return false;
		String name = v.getAsString();
		for (String p : ALLOWED_CLASS_PREFIXES)
			if (name.startsWith(p)) return true;
		return false;
	}
}
