package org.convkit.spark;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Comparator;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * Where a job writes before its output is complete: a hidden folder next to the output (so on the same file system,
 * which every executor must see), and files written whole (temporary name, synced, renamed). A failed job leaves
 * nothing under the output's name.
 */
final class Staging {
	private Staging() {
	}

	/** Writes a whole file at the given (temporary) path. */
	interface Body {
		void write(Path file) throws IOException;
	}

	/** A new hidden folder beside {@code target}: {@code .NAME.convkit-RANDOM}. */
	static Path create(Path target) throws IOException {
		Path dir = target.resolveSibling("." + target.getFileName() + ".convkit-" + UUID.randomUUID());
		return Files.createDirectory(dir);
	}

	/**
	 * Writes {@code file} whole: to a temporary file beside it (unique per writer), synced, then renamed over
	 * {@code file}, so a reader sees the old file or the complete new one, and a retried task replaces, never
	 * doubles, what an earlier attempt wrote.
	 */
	static void writeWhole(Path file, Body body) throws IOException {
		Files.createDirectories(file.getParent());
		String name = file.getFileName().toString();
		int dot = name.lastIndexOf('.');
		Path tmp = file.resolveSibling("." + name + "." + UUID.randomUUID() + (dot > 0 ? name.substring(dot) : ""));
		try {
			body.write(tmp);
			try (FileChannel c = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
				c.force(true);
			}
			move(tmp, file);
		} finally {
			Files.deleteIfExists(tmp);
		}
	}

	/** Renames, replacing an existing target (atomically where the file system can). */
	static void move(Path from, Path to) throws IOException {
		try {
			Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
		} catch (AtomicMoveNotSupportedException e) {
			Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
		}
	}

	/** Removes a folder and everything in it; quiet (cleanup after the real result or error). */
	static void delete(Path dir) {
		if (dir == null || !Files.exists(dir)) return;
		try (Stream<Path> s = Files.walk(dir)) {
			s.sorted(Comparator.reverseOrder()).forEach(p -> {
				try {
					Files.deleteIfExists(p);
				} catch (IOException ignored) {
					// best effort
				}
			});
		} catch (IOException ignored) {
			// best effort
		}
	}
}
