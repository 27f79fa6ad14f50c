package org.convkit.core.cnn.model;

import org.convkit.core.io.AtomicFiles;
import org.deeplearning4j.nn.api.Updater;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.io.BufferedOutputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * Saves and loads a {@link ModelBundle} as ONE .zip file that is safe to receive from someone else.
 * <p>
 * Entries: {@value #METADATA_ENTRY} (format name and version, spec, labels, input size, normalisation, training
 * settings and history, and the data type and shape of the arrays), {@value #CONFIGURATION_ENTRY} (DL4J's
 * {@code MultiLayerConfiguration.toJson()}), {@value #WEIGHTS_ENTRY} ({@code net.params()} as raw little-endian
 * floats or doubles) and optionally {@value #UPDATER_ENTRY} (the optimizer state, so training can continue).
 * <p>
 * Why not DL4J's {@code ModelSerializer}: its restore runs Java deserialisation ({@code ObjectInputStream}) on some
 * entries, which can execute code from a hostile file. Reading here never does; it rejects path-traversal or
 * duplicate entry names, unknown formats and versions, entries over the size caps, arrays whose size does not match
 * the configuration, and configurations naming classes outside DL4J's configuration packages.
 * <p>
 * Writing goes to a temporary file in the same folder ({@link AtomicFiles}: created with the user's umask, and the
 * ones killed writes left behind are removed first) that is synced and then renamed over the target (atomically
 * when overwriting), so a crash never leaves a half-written model under the real name.
 * <p>
 * All problems are reported as {@link ModelFileException} with a message naming the file and the problem.
 */
public final class ModelBundleIO {
	public static final String METADATA_ENTRY = "convkit-model.json";
	public static final String CONFIGURATION_ENTRY = "configuration.json";
	public static final String WEIGHTS_ENTRY = "weights.bin";
	public static final String UPDATER_ENTRY = "updater-state.bin";
	/** Format name and version written in the metadata; other values are rejected on reading. */
	public static final String FORMAT = BundleJson.FORMAT;
	public static final int FORMAT_VERSION = BundleJson.VERSION;
	/** Size caps for reading (uncompressed bytes). */
	public static final long MAX_METADATA_BYTES = 1L << 20, MAX_CONFIGURATION_BYTES = 16L << 20,
			MAX_ARRAY_BYTES = 2L << 30;
	public static final int MAX_ENTRIES = 64;

	private ModelBundleIO() {
	}

	/** Writes the bundle with the optimizer state (so training can continue from it). */
	public static void write(ModelBundle bundle, Path file, boolean overwrite) throws ModelFileException {
		write(bundle, file, overwrite, true);
	}

	/**
	 * Writes the bundle to {@code file}.
	 *
	 * @param overwrite        replace an existing file; without it an existing file is an error and is left as is
	 * @param withUpdaterState also store the optimizer state (needed to continue training, not to classify)
	 */
	public static void write(ModelBundle bundle, Path file, boolean overwrite, boolean withUpdaterState)
			throws ModelFileException {
		if (bundle == null || file == null) throw new IllegalArgumentException("bundle and file are required");
		Path target = file.toAbsolutePath().normalize();
		Path dir = target.getParent();
		if (dir == null || !Files.isDirectory(dir))
			throw new ModelFileException("Cannot save the model to " + target + ": the folder " + dir
					+ " does not exist");
		if (Files.isDirectory(target))
			throw new ModelFileException("Cannot save the model to " + target + ": it is a folder");
		if (!overwrite && Files.exists(target, LinkOption.NOFOLLOW_LINKS))
			throw alreadyExists(target);

		MultiLayerNetwork net = bundle.network();
		INDArray params = net.params();
		INDArray state = withUpdaterState ? updaterState(net) : null;
		String metadata = BundleJson.write(bundle, rawArray(params), state == null ? null : rawArray(state));
		String configuration = net.getLayerWiseConfigurations().toJson();

		Path tmp;
		try {
			AtomicFiles.removeStaleTemps(target);
			tmp = AtomicFiles.createTemp(target);
		} catch (IOException | SecurityException e) {
			throw new ModelFileException("Cannot save the model to " + target + ": the folder " + dir
					+ " is not writable (" + e + ")", e);
		}
		boolean moved = false;
		try {
			try (FileOutputStream fos = new FileOutputStream(tmp.toFile());
					ZipOutputStream zip = new ZipOutputStream(new BufferedOutputStream(fos, 1 << 16))) {
				putText(zip, METADATA_ENTRY, metadata);
				putText(zip, CONFIGURATION_ENTRY, configuration);
				putArray(zip, WEIGHTS_ENTRY, params);
				if (state != null) putArray(zip, UPDATER_ENTRY, state);
				zip.finish();
				zip.flush();
				fos.getFD().sync(); // on disk before the rename makes it visible under the real name
			}
			AtomicFiles.moveIntoPlace(tmp, target, overwrite); // never replaces unasked
			moved = true;
		} catch (FileAlreadyExistsException e) {
			throw alreadyExists(target);
		} catch (IOException e) {
			throw new ModelFileException("Could not save the model to " + target + ": " + e, e);
		} finally {
			if (!moved) {
				try {
					Files.deleteIfExists(tmp);
				} catch (IOException ignored) {
					// the real error is already on its way
				}
			}
		}
	}

	private static ModelFileException alreadyExists(Path target) {
		return new ModelFileException("The model file " + target + " already exists (choose overwrite to replace it)");
	}

	/** Reads a bundle; safe for files from untrusted sources (see the class comment). */
	public static ModelBundle read(Path file) throws ModelFileException {
		return BundleReader.read(file);
	}

	/** The optimizer state, or null when the optimizer keeps none (plain SGD). */
	private static INDArray updaterState(MultiLayerNetwork net) {
		Updater u = net.getUpdater(true);
		INDArray s = u == null ? null : u.getStateViewArray();
		return s == null || s.length() == 0 ? null : s;
	}

	private static BundleJson.RawArray rawArray(INDArray a) {
		return new BundleJson.RawArray(a.dataType(), new long[] { 1, a.length() });
	}

	private static void putText(ZipOutputStream zip, String name, String text) throws IOException {
		zip.putNextEntry(new ZipEntry(name));
		zip.write(text.getBytes(StandardCharsets.UTF_8));
		zip.closeEntry();
	}

	/**
	 * An array entry, STORED rather than deflated: trained weights and optimizer moments shrink by about 5 % deflated
	 * (LeNet's 5 MB file: 4.9 MB), which cost about 0.2 s per file even at the fastest level, and training writes one
	 * or two model files every epoch. A stored entry needs its size and CRC before its bytes: two passes.
	 */
	private static void putArray(ZipOutputStream zip, String name, INDArray a) throws IOException {
		if (a.dataType() != DataType.FLOAT && a.dataType() != DataType.DOUBLE)
			throw new IOException(name + ": data type " + a.dataType() + " is not supported (FLOAT or DOUBLE)");
		Object values = a.dataType() == DataType.FLOAT ? a.toFloatVector() : a.toDoubleVector();
		CRC32 crc = new CRC32();
		long size = writeLittleEndian(values, crc::update);
		ZipEntry entry = new ZipEntry(name);
		entry.setMethod(ZipEntry.STORED);
		entry.setSize(size);
		entry.setCompressedSize(size);
		entry.setCrc(crc.getValue());
		zip.putNextEntry(entry);
		writeLittleEndian(values, zip::write);
		zip.closeEntry();
	}

	/** Where {@link #writeLittleEndian} puts its bytes. */
	private interface ByteSink {
		void write(byte[] bytes, int offset, int length) throws IOException;
	}

	/** The values (a float[] or double[]) in order as little-endian bytes, in 64 kB chunks; returns the byte count. */
	private static long writeLittleEndian(Object values, ByteSink out) throws IOException {
		boolean floats = values instanceof float[];
		int width = floats ? 4 : 8, length = floats ? ((float[]) values).length : ((double[]) values).length;
		ByteBuffer buf = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
		for (int i = 0; i < length;) {
			int n = Math.min(length - i, buf.capacity() / width);
			buf.clear();
			if (floats) buf.asFloatBuffer().put((float[]) values, i, n);
			else buf.asDoubleBuffer().put((double[]) values, i, n);
			out.write(buf.array(), 0, n * width);
			i += n;
		}
		return (long) width * length;
	}
}
