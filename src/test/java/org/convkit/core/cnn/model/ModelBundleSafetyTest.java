package org.convkit.core.cnn.model;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import org.convkit.core.cnn.net.TrainingSettings;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.BeforeClass;
import org.junit.ClassRule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;

import static org.convkit.core.cnn.model.BundleFixtures.*;
import static org.convkit.core.cnn.model.ModelBundleIO.*;
import static org.junit.Assert.*;

/** Every kind of bad model file is rejected with a clear message; nothing is ever Java-deserialised. */
public class ModelBundleSafetyTest {
	@ClassRule
	public static TemporaryFolder tmp = new TemporaryFolder();
	private static Path valid;
	private static Map<String, byte[]> good;
	private static int counter;

	@BeforeClass
	public static void writeValidBundle() throws Exception {
		valid = tmp.getRoot().toPath().resolve("valid.zip");
		ModelBundleIO.write(trained(SPEC, TrainingSettings.DEFAULTS, 1), valid, false);
		good = entries(valid);
	}

	/** Sets a flag when Java deserialisation touches it. */
	static final class Canary implements Serializable {
		private static final long serialVersionUID = 1L;
		static volatile boolean deserialised;

		private void readObject(ObjectInputStream in) throws IOException, ClassNotFoundException {
			deserialised = true;
			in.defaultReadObject();
		}
	}

	private static Path file(String name) {
		return tmp.getRoot().toPath().resolve(counter++ + "-" + name);
	}

	private static Map<String, byte[]> copy() {
		Map<String, byte[]> m = new LinkedHashMap<>();
		good.forEach((k, v) -> m.put(k, v.clone()));
		return m;
	}

	/** The valid bundle with its metadata changed. */
	private static Path withMetadata(Consumer<JsonObject> change) throws IOException {
		Map<String, byte[]> m = copy();
		JsonObject o = JsonParser.parseString(new String(m.get(METADATA_ENTRY), StandardCharsets.UTF_8))
				.getAsJsonObject();
		change.accept(o);
		m.put(METADATA_ENTRY, o.toString().getBytes(StandardCharsets.UTF_8));
		return zip(file("meta.zip"), m);
	}

	private static void assertRejected(Path f, String... parts) {
		ModelFileException e = assertThrows(ModelFileException.class, () -> ModelBundleIO.read(f));
		for (String p : parts)
			assertTrue("message '" + e.getMessage() + "' should contain '" + p + "'", e.getMessage().contains(p));
		assertTrue(e.getMessage(), e.getMessage().contains(f.getFileName().toString()));
	}

	@Test
	public void validBundleLoads() throws Exception {
		assertEquals(LABELS, ModelBundleIO.read(valid).labels());
		assertEquals(LABELS, ModelBundleIO.read(zip(file("repacked.zip"), copy())).labels());
	}

	@Test
	public void missingFileAndFolder() throws Exception {
		assertRejected(file("missing.zip"), "not found");
		Path dir = Files.createDirectory(file("dir.zip"));
		assertRejected(dir, "is a folder");
	}

	@Test
	public void notAZipOrDamaged() throws Exception {
		assertRejected(Files.write(file("empty.zip"), new byte[0]), "not a ConvKit model", "damaged");
		assertRejected(Files.write(file("text.zip"), "hello".getBytes()), "not a ConvKit model", "damaged");
		byte[] all = Files.readAllBytes(valid);
		assertRejected(Files.write(file("half.zip"), Arrays.copyOf(all, all.length / 2)), "damaged");
	}

	@Test
	public void damagedEntryDataIsCaughtByTheChecksum() throws Exception {
		// rewrite the weights STORED so their bytes sit verbatim in the file, then flip some of them
		Path f = file("flipped.zip");
		byte[] w = good.get(WEIGHTS_ENTRY);
		try (var os = Files.newOutputStream(f); var z = new java.util.zip.ZipOutputStream(os)) {
			for (Map.Entry<String, byte[]> e : good.entrySet()) {
				java.util.zip.ZipEntry ze = new java.util.zip.ZipEntry(e.getKey());
				if (e.getKey().equals(WEIGHTS_ENTRY)) {
					java.util.zip.CRC32 crc = new java.util.zip.CRC32();
					crc.update(w);
					ze.setMethod(java.util.zip.ZipEntry.STORED);
					ze.setSize(w.length);
					ze.setCrc(crc.getValue());
				}
				z.putNextEntry(ze);
				z.write(e.getValue());
				z.closeEntry();
			}
		}
		byte[] from = Arrays.copyOfRange(w, 40, 56), to = from.clone();
		to[3] ^= 0x10;
		patch(f, from, to);
		assertRejected(f, WEIGHTS_ENTRY, "damaged");
	}

	@Test
	public void zipWithoutMetadataIsNotAConvKitModel() throws Exception {
		Map<String, byte[]> m = new LinkedHashMap<>();
		m.put("readme.txt", "hi".getBytes());
		assertRejected(zip(file("other.zip"), m), "not a ConvKit model", METADATA_ENTRY);
		Map<String, byte[]> noMeta = copy();
		noMeta.remove(METADATA_ENTRY);
		assertRejected(zip(file("nometa.zip"), noMeta), "not a ConvKit model");
	}

	@Test
	public void badEntryNames() throws Exception {
		String[][] cases = { { "../evil.txt", "'..'" }, { "a/../../evil.txt", "'..'" }, { "..", "'..'" },
				{ "/etc/evil", "absolute path" }, { "C:/evil", "absolute path" }, { "dir\\evil.txt", "backslash" } };
		for (String[] c : cases) {
			Map<String, byte[]> m = copy();
			m.put(c[0], "x".getBytes());
			assertRejected(zip(file("names.zip"), m), "'" + c[0] + "'", c[1]);
		}
		Map<String, byte[]> extra = copy();
		extra.put("notes/readme.txt", "unknown entries with sane names are ignored".getBytes());
		assertEquals(LABELS, ModelBundleIO.read(zip(file("extra.zip"), extra)).labels());
	}

	@Test
	public void duplicateEntries() throws Exception {
		// ZipOutputStream refuses duplicates: write a same-length name, then patch it in the raw bytes
		Map<String, byte[]> m = copy();
		m.put("convkit-model.jsoX", "{}".getBytes());
		Path f = zip(file("dup.zip"), m);
		patch(f, "convkit-model.jsoX".getBytes(), METADATA_ENTRY.getBytes());
		assertRejected(f, "'" + METADATA_ENTRY + "' appears twice");
	}

	@Test
	public void tooManyEntries() throws Exception {
		Map<String, byte[]> m = copy();
		for (int i = 0; i < MAX_ENTRIES; i++) m.put("x" + i, new byte[0]);
		assertRejected(zip(file("many.zip"), m), "more than " + MAX_ENTRIES + " entries");
	}

	@Test
	public void unknownFormatOrVersion() throws Exception {
		assertRejected(withMetadata(o -> o.addProperty("format", "keras")), "unknown format 'keras'");
		assertRejected(withMetadata(o -> o.addProperty("formatVersion", 3)), "format version 3", "newer ConvKit");
		assertRejected(withMetadata(o -> o.addProperty("formatVersion", 0)), "format version 0");
		assertRejected(withMetadata(o -> o.remove("formatVersion")), "'formatVersion' is missing");
	}

	@Test
	public void badMetadata() throws Exception {
		Map<String, byte[]> m = copy();
		m.put(METADATA_ENTRY, "{ not json".getBytes());
		assertRejected(zip(file("json.zip"), m), METADATA_ENTRY, "not valid JSON");
		assertRejected(withMetadata(o -> o.addProperty("labels", 3)), "'labels' must be a list");
		assertRejected(withMetadata(o -> o.getAsJsonObject("input").addProperty("channels", -1)), "'channels'");
		assertRejected(withMetadata(o -> o.addProperty("spec", "conv 3x3x")), "invalid layer spec",
				"filter count missing");
		assertRejected(withMetadata(o -> o.getAsJsonObject("training").addProperty("optimizer", "LBFGS")),
				"'LBFGS'");
		assertRejected(withMetadata(o -> o.getAsJsonObject("normalisation").add("std", new JsonArray())),
				"normalisation");
		assertRejected(withMetadata(o -> o.getAsJsonObject("weights").addProperty("dataType", "INT")),
				"'weights': data type 'INT'");
	}

	@Test
	public void metadataOverTheSizeCap() throws Exception {
		Map<String, byte[]> m = copy();
		String json = new String(m.get(METADATA_ENTRY), StandardCharsets.UTF_8);
		m.put(METADATA_ENTRY, (json + " ".repeat((int) MAX_METADATA_BYTES)).getBytes(StandardCharsets.UTF_8));
		assertRejected(zip(file("big.zip"), m), METADATA_ENTRY, "larger than the limit of " + MAX_METADATA_BYTES);
	}

	@Test
	public void entrySizeIsCountedNotTakenFromTheZip() throws Exception {
		// the central directory claims 100 bytes for a 1 MB+ metadata entry: the reader must count for itself
		Map<String, byte[]> m = copy();
		String json = new String(m.get(METADATA_ENTRY), StandardCharsets.UTF_8);
		m.put(METADATA_ENTRY, (json + " ".repeat((int) MAX_METADATA_BYTES)).getBytes(StandardCharsets.UTF_8));
		Path f = zip(file("lying.zip"), m);
		byte[] b = Files.readAllBytes(f);
		java.nio.ByteBuffer bb = java.nio.ByteBuffer.wrap(b).order(java.nio.ByteOrder.LITTLE_ENDIAN);
		int patched = 0;
		for (int i = 0; i + 46 < b.length; i++) {
			if (bb.getInt(i) != 0x02014b50) continue; // central directory header
			int nameLength = bb.getShort(i + 28) & 0xffff;
			String name = new String(b, i + 46, nameLength, StandardCharsets.UTF_8);
			if (name.equals(METADATA_ENTRY)) {
				bb.putInt(i + 24, 100);
				patched++;
			}
		}
		assertEquals(1, patched);
		Files.write(f, b);
		try (java.util.zip.ZipFile z = new java.util.zip.ZipFile(f.toFile())) {
			assertEquals(100, z.getEntry(METADATA_ENTRY).getSize());
		}
		assertRejected(f, METADATA_ENTRY, "larger than the limit of " + MAX_METADATA_BYTES);
	}

	@Test
	public void weightsThatDoNotMatchTheNetwork() throws Exception {
		long n = good.get(WEIGHTS_ENTRY).length / 4;
		// declared and stored one value short
		Path f = withMetadata(o -> setShape(o, "weights", n - 1));
		Map<String, byte[]> m = entries(f);
		m.put(WEIGHTS_ENTRY, Arrays.copyOf(good.get(WEIGHTS_ENTRY), (int) (n - 1) * 4));
		assertRejected(zip(file("short.zip"), m), "weights hold " + (n - 1) + " values", n + " parameters");
		// declared right, stored short or long
		Map<String, byte[]> s = copy();
		s.put(WEIGHTS_ENTRY, Arrays.copyOf(good.get(WEIGHTS_ENTRY), (int) n * 4 - 2));
		assertRejected(zip(file("trunc.zip"), s), WEIGHTS_ENTRY, "shorter");
		s.put(WEIGHTS_ENTRY, Arrays.copyOf(good.get(WEIGHTS_ENTRY), (int) n * 4 + 4));
		assertRejected(zip(file("long.zip"), s), WEIGHTS_ENTRY, "longer");
		// absurd declared size: rejected before anything is allocated
		assertRejected(withMetadata(o -> setShape(o, "weights", 600_000_000L)), "more than the limit");
		assertRejected(withMetadata(o -> o.getAsJsonObject("weights").add("shape", JsonParser.parseString(
				"[2147483647, 2147483647, 2147483647]"))), "'weights'");
		Map<String, byte[]> none = copy();
		none.remove(WEIGHTS_ENTRY);
		assertRejected(zip(file("noweights.zip"), none), WEIGHTS_ENTRY + " is missing");
		assertRejected(withMetadata(o -> o.getAsJsonObject("weights").addProperty("dataType", "DOUBLE")),
				"weights are DOUBLE");
	}

	@Test
	public void optimizerStateThatDoesNotMatch() throws Exception {
		long n = good.get(UPDATER_ENTRY).length / 4;
		Path f = withMetadata(o -> setShape(o, "updaterState", n + 1));
		Map<String, byte[]> m = entries(f);
		m.put(UPDATER_ENTRY, Arrays.copyOf(good.get(UPDATER_ENTRY), (int) (n + 1) * 4));
		assertRejected(zip(file("state.zip"), m), "optimizer state holds " + (n + 1));
	}

	@Test
	public void configurationThatDoesNotMatchOrNamesForeignClasses() throws Exception {
		assertRejected(withMetadata(o -> o.get("labels").getAsJsonArray().add("fish")), "3 outputs", "4 class labels");
		assertRejected(withMetadata(o -> o.addProperty("spec", "conv 3x3x4 pad=same; maxpool 2; dense 16")),
				"parameters but the layer spec");
		assertRejected(withMetadata(o -> o.getAsJsonObject("input").addProperty("height", 2)),
				"does not fit the input size");
		Map<String, byte[]> m = copy();
		String conf = new String(m.get(CONFIGURATION_ENTRY), StandardCharsets.UTF_8);
		assertTrue(conf.contains("org.nd4j.linalg.activations.impl.ActivationReLU"));
		m.put(CONFIGURATION_ENTRY, conf.replaceFirst("org\\.nd4j\\.linalg\\.activations\\.impl\\.ActivationReLU",
				"com.sun.rowset.JdbcRowSetImpl").getBytes(StandardCharsets.UTF_8));
		assertRejected(zip(file("gadget.zip"), m), "com.sun.rowset.JdbcRowSetImpl", "not a DL4J configuration class");
		m.put(CONFIGURATION_ENTRY, "{\"confs\": 5}".getBytes(StandardCharsets.UTF_8));
		assertRejected(zip(file("conf.zip"), m), "network configuration cannot be read");
		m.remove(CONFIGURATION_ENTRY);
		assertRejected(zip(file("noconf.zip"), m), CONFIGURATION_ENTRY + " is missing");
	}

	@Test
	public void nothingIsEverJavaDeserialised() throws Exception {
		ByteArrayOutputStream bytes = new ByteArrayOutputStream();
		try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
			out.writeObject(new Canary());
		}
		byte[] canary = bytes.toByteArray();
		// ConvKit bundle carrying the entries ModelSerializer would deserialise
		Map<String, byte[]> m = copy();
		for (String name : new String[] { "preprocessor.bin", "normalizer.bin", "updaterState.bin", "coefficients.bin" })
			m.put(name, canary);
		assertEquals(LABELS, ModelBundleIO.read(zip(file("canary.zip"), m)).labels());
		// a DL4J ModelSerializer file is not a ConvKit model and is not restored either
		Path dl4j = file("dl4j.zip");
		ModelSerializer.writeModel(trained(SPEC, TrainingSettings.DEFAULTS, 1).network(), dl4j.toFile(), true);
		ModelSerializer.addObjectToFile(dl4j.toFile(), "canary", new Canary());
		assertRejected(dl4j, "not a ConvKit model");
		assertFalse(Canary.deserialised);
		// the canary does detect deserialisation, so the assertion above can fail
		try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(canary))) {
			in.readObject();
		}
		assertTrue(Canary.deserialised);
	}

	private static void setShape(JsonObject o, String array, long n) {
		JsonArray shape = new JsonArray();
		shape.add(1);
		shape.add(n);
		o.getAsJsonObject(array).add("shape", shape);
	}
}
