package org.convkit.core.io;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Every ConvKit file write (kernels, models, CSV results) goes through a temporary file in the target's folder that
 * is moved to its real name when complete, so readers never see half a file.
 * <ul>
 * <li>The temporary file is {@code .NAME.convkit-HOST-PID-RANDOM.tmp}: hidden, and naming the machine and process
 * that write it. It is created as {@code touch} creates a file: mode 666 less the user's umask (usually 644), so
 * the finished file can be read by whoever may read the folder ({@code Files.createTempFile} would make it
 * owner-only).</li>
 * <li>A write that was killed leaves its temporary file behind; {@link #removeStaleTemps} deletes those of a target
 * whose process no longer runs on this machine. Writers call it before writing, so they do not pile up.</li>
 * </ul>
 */
public final class AtomicFiles {
	private static final String HOST = String.format(Locale.ROOT, "%08x", hostName().hashCode());
	private static final long PID = ProcessHandle.current().pid();

	private AtomicFiles() {}

	/** A new, empty temporary file for writing {@code target}, in its folder (see the class comment). */
	public static Path createTemp(Path target) throws IOException {
		Path t = target.toAbsolutePath().normalize();
		for (int attempt = 0;; attempt++) {
			String random = Long.toString(ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE, 36);
			Path tmp = t.resolveSibling("." + t.getFileName() + ".convkit-" + HOST + "-" + PID + "-" + random + ".tmp");
			try {
				return Files.createFile(tmp); // no attributes: the umask decides, as for touch
			} catch (FileAlreadyExistsException e) {
				if (attempt > 100) throw e;
			}
		}
	}

	/**
	 * Deletes the temporary files of {@code target} (of {@link #createTemp}'s naming) left by processes of this
	 * machine that no longer run; returns how many. Files of running processes and of other machines stay.
	 */
	public static int removeStaleTemps(Path target) {
		Path t = target.toAbsolutePath().normalize();
		Path dir = t.getParent();
		if (dir == null || !Files.isDirectory(dir)) return 0;
		Pattern own = Pattern.compile("\\." + Pattern.quote(t.getFileName().toString())
				+ "\\.convkit-([0-9a-f]{8})-(\\d+)-[0-9a-z]+\\.tmp");
		int removed = 0;
		try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, "." + glob(t.getFileName().toString())
				+ ".convkit-*.tmp")) {
			for (Path p : ds) {
				Matcher m = own.matcher(p.getFileName().toString());
				if (!m.matches() || !m.group(1).equals(HOST)) continue;
				long pid = Long.parseLong(m.group(2));
				if (pid == PID || ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) continue;
				try {
					if (Files.deleteIfExists(p)) removed++;
				} catch (IOException ignored) {
					// someone else's file, or already gone
				}
			}
		} catch (IOException | RuntimeException ignored) {
			// cleaning up is a courtesy; the write itself reports real problems
		}
		return removed;
	}

	private static String glob(String name) {
		return name.replaceAll("([*?\\[\\]{}\\\\])", "\\\\$1");
	}

	/**
	 * Moves {@code tmp} to {@code target}. With {@code overwrite} an existing target is replaced (atomically where
	 * the file system can); without it the move fails with {@link FileAlreadyExistsException} even if the target
	 * appeared only after the caller checked, so a user's file is never replaced unasked.
	 */
	public static void moveIntoPlace(Path tmp, Path target, boolean overwrite) throws IOException {
		if (!overwrite) {
			Files.move(tmp, target);
			return;
		}
		try {
			Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
		} catch (AtomicMoveNotSupportedException e) {
			Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
		}
	}

	/** This machine's name, without a DNS lookup where the system tells it (Linux; Windows' environment). */
	static String hostName() {
		try {
			Path linux = Path.of("/proc/sys/kernel/hostname");
			if (Files.isReadable(linux)) return Files.readString(linux).trim();
		} catch (IOException | RuntimeException ignored) {
			// ask Java below
		}
		String windows = System.getenv("COMPUTERNAME");
		if (windows != null && !windows.isEmpty()) return windows;
		try {
			return InetAddress.getLocalHost().getHostName();
		} catch (IOException | SecurityException e) {
			return "localhost";
		}
	}
}
