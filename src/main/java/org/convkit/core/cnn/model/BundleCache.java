package org.convkit.core.cnn.model;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;

/**
 * The last model read, kept so that a macro classifying many images one call at a time reads the model file once.
 * The key is the absolute path with the file's modification time and size: a file saved again (retrained) is read
 * again. Holds one bundle; the network is shared, so callers must not train it.
 */
public final class BundleCache {
	private static Path lastPath;
	private static long lastModified, lastSize;
	private static ModelBundle last;

	private BundleCache() {}

	/**
	 * The bundle of {@code file}, read with {@link ModelBundleIO#read} unless it is the cached one.
	 *
	 * @throws ModelFileException with a user-readable message (missing, corrupt or not a ConvKit model)
	 */
	public static synchronized ModelBundle read(Path file) throws ModelFileException {
		if (file == null) throw new ModelFileException("No model file given");
		Path p = file.toAbsolutePath().normalize();
		BasicFileAttributes a;
		try {
			a = Files.readAttributes(p, BasicFileAttributes.class);
		} catch (IOException e) {
			clear();
			return ModelBundleIO.read(p); // missing or unreadable: the reader's own message
		}
		long modified = a.lastModifiedTime().toMillis(), size = a.size();
		if (last != null && p.equals(lastPath) && modified == lastModified && size == lastSize) return last;
		last = null; // a failed read must not leave the previous model in place under the new key
		ModelBundle b = ModelBundleIO.read(p);
		lastPath = p;
		lastModified = modified;
		lastSize = size;
		last = b;
		return b;
	}

	/** Forgets the cached bundle (tests; or to free its memory). */
	public static synchronized void clear() {
		last = null;
		lastPath = null;
	}
}
