package org.convkit.core.cnn.classify;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The files a folder classification visits, as names relative to the folder with '/' separators: non-hidden
 * files (name not starting with '.'), sorted by name, subfolders only when recursive, depth first in name order;
 * symbolic links to folders are not followed (no cycles); one file (the output) can be left out. Classify Folder
 * with CNN... and the Spark classify job list with this, so both visit the same files in the same order.
 */
public final class FolderListing {
	private FolderListing() {
	}

	/**
	 * Lists {@code root}. A subfolder that cannot be listed is added to {@code skipped} with the reason.
	 *
	 * @param exclude an absolute, normalised path left out of the list (the output file), or null
	 * @throws IllegalArgumentException when {@code root} itself cannot be listed
	 */
	public static List<String> list(Path root, boolean recursive, Path exclude, List<FolderClassifier.Skipped> skipped) {
		List<String> out = new ArrayList<>();
		list(root, "", recursive, exclude, out, skipped);
		return out;
	}

	private static void list(Path dir, String prefix, boolean recursive, Path exclude, List<String> out,
			List<FolderClassifier.Skipped> skipped) {
		List<Path> entries = new ArrayList<>();
		try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
			for (Path p : ds)
				if (!p.getFileName().toString().startsWith(".")) entries.add(p);
		} catch (IOException | SecurityException e) {
			if (prefix.isEmpty())
				throw new IllegalArgumentException("Cannot list the folder " + dir + ": " + e.getMessage());
			skipped.add(new FolderClassifier.Skipped(prefix, "the folder cannot be listed (" + e + ")"));
			return;
		}
		entries.sort((a, b) -> a.getFileName().toString().compareTo(b.getFileName().toString()));
		for (Path p : entries) {
			String name = prefix + p.getFileName();
			if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
				if (recursive) list(p, name + "/", true, exclude, out, skipped);
			} else if (Files.isRegularFile(p) && !p.toAbsolutePath().normalize().equals(exclude)) {
				out.add(name);
			}
		}
	}
}
