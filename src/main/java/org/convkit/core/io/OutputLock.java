package org.convkit.core.io;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.HashMap;
import java.util.Map;

/**
 * One run owns an output file (a model, a CSV) from its first write to its end: an exclusive lock on a small file
 * beside it, {@code .NAME.lock}, taken before the first write and released (the file deleted) at the end. A second
 * run, in this or another process or on another machine sharing the folder, gets a message naming the owner (its
 * process, host, start time and what it does) instead of silently replacing the first run's files.
 * <p>
 * The lock is the operating system's ({@link FileChannel#tryLock()}: fcntl on Linux and macOS, also over NFS), which
 * the system releases when its process dies. So a lock file left by a killed run is stale exactly when it can be
 * locked again: it is then taken over (its old owner is reported by {@link #staleOwner()}). After locking, the file
 * at the lock's name must still be the one locked (same inode), so a lock file that its releasing owner deleted
 * between our opening and our locking is never mistaken for the current one. Within one JVM the locks are also kept
 * in a table: POSIX drops a process's lock when it closes ANY channel on the file, so a second one is never opened.
 */
public final class OutputLock implements AutoCloseable {
	private static final int ATTEMPTS = 5;
	/** The lock files this JVM holds, with their owner text. */
	private static final Map<Path, String> HELD = new HashMap<>();

	private final List<Held> held;
	private final String staleOwner;

	private static final class Held {
		final Path file;
		final FileChannel channel;
		final FileLock lock;

		Held(Path file, FileChannel channel, FileLock lock) {
			this.file = file;
			this.channel = channel;
			this.lock = lock;
		}
	}

	private OutputLock(List<Held> held, String staleOwner) {
		this.held = held;
		this.staleOwner = staleOwner;
	}

	/** The lock file of {@code target}: {@code .NAME.lock} in the same folder. */
	public static Path lockFile(Path target) {
		Path t = target.toAbsolutePath().normalize();
		return t.resolveSibling("." + t.getFileName() + ".lock");
	}

	/**
	 * Locks every target (all or none).
	 *
	 * @param what what the run does, for the message another run gets (e.g. "Train CNN Classifier")
	 * @throws IllegalArgumentException naming the owner when another run holds one of the locks, or when a lock file
	 *                                  cannot be made (the folder is not writable)
	 */
	public static OutputLock acquire(String what, Path... targets) {
		List<Held> held = new ArrayList<>();
		String stale = null;
		try {
			for (Path t : targets) {
				String[] previous = new String[1];
				held.add(lockOne(t, what, previous));
				if (previous[0] != null && stale == null) stale = previous[0];
			}
			return new OutputLock(held, stale);
		} catch (RuntimeException e) {
			release(held);
			throw e;
		}
	}

	/** The owner recorded in a lock file left by a run that ended without releasing it, or null. */
	public String staleOwner() {
		return staleOwner;
	}

	/** Deletes the lock files and releases the locks. */
	@Override
	public void close() {
		release(held);
	}

	private static Held lockOne(Path target, String what, String[] previous) {
		Path file = lockFile(target);
		if (!Files.isDirectory(file.getParent()))
			throw new IllegalArgumentException("Cannot write " + target + ": the folder " + file.getParent()
					+ " does not exist");
		// Within one JVM a second channel on the file must never be opened: closing it would drop the first
		// channel's lock (POSIX locks belong to the process). So this JVM's own locks are looked up here first.
		synchronized (HELD) {
			if (HELD.containsKey(file)) throw busy(target, file, HELD.get(file) + " (in this ImageJ)");
			HELD.put(file, owner(what));
		}
		boolean kept = false;
		try {
			Held h = lockFile(target, file, what, previous);
			kept = true;
			return h;
		} finally {
			if (!kept) synchronized (HELD) {
				HELD.remove(file);
			}
		}
	}

	private static Held lockFile(Path target, Path file, String what, String[] previous) {
		for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
			FileChannel ch;
			try {
				ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
			} catch (IOException | SecurityException e) {
				throw new IllegalArgumentException("Cannot write " + target + ": the folder " + file.getParent()
						+ " is not writable (no file can be created there: " + e + ")", e);
			}
			boolean keep = false;
			try {
				Object opened = fileKey(file);
				FileLock lock = ch.tryLock();
				if (lock == null) throw busy(target, file, read(ch));
				// The file may have been deleted by its releasing owner (and made again by a third run) between our
				// opening and our locking: then the lock is on a file no one else sees; try the current one.
				if (opened == null || !opened.equals(fileKey(file))) {
					lock.release();
					continue;
				}
				String old = read(ch);
				write(ch, owner(what));
				if (!old.trim().isEmpty()) previous[0] = old.trim();
				keep = true;
				return new Held(file, ch, lock);
			} catch (IOException e) {
				throw new IllegalArgumentException("Cannot write " + target + ": the lock file " + file
						+ " cannot be used (" + e + ")", e);
			} finally {
				if (!keep) closeQuietly(ch);
			}
		}
		throw new IllegalArgumentException("Cannot write " + target + ": its lock file " + file + " keeps changing (other "
				+ "runs are starting); try again");
	}

	/** The identity (device and inode) of the file at {@code p} now, without opening it; null when it is gone. */
	private static Object fileKey(Path p) {
		try {
			return Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).fileKey();
		} catch (IOException e) {
			return null;
		}
	}

	private static IllegalArgumentException busy(Path target, Path lockFile, String owner) {
		String who = owner.trim().replace("\n", ", ");
		return new IllegalArgumentException("Another run is writing " + target + ": its lock " + lockFile
				+ " is held by " + (who.isEmpty() ? "a process that has just started" : who) + ". Wait until it has "
				+ "finished, or choose another file.");
	}

	/** pid, host, start time and task of this process, one per line. */
	private static String owner(String what) {
		String host = AtomicFiles.hostName();
		return "process " + ProcessHandle.current().pid() + "\nhost " + host + "\nsince "
				+ LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss")) + "\nrunning " + what
				+ " (" + ManagementFactory.getRuntimeMXBean().getName() + ")\n";
	}

	private static String read(FileChannel ch) {
		try {
			ByteBuffer b = ByteBuffer.allocate((int) Math.min(4096, Math.max(0, ch.size())));
			ch.read(b, 0);
			return new String(b.array(), 0, b.position(), StandardCharsets.UTF_8);
		} catch (IOException e) {
			return "";
		}
	}

	private static void write(FileChannel ch, String text) throws IOException {
		ch.truncate(0);
		ByteBuffer b = ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8));
		while (b.hasRemaining()) ch.write(b, b.position());
		ch.force(false);
	}

	private static void release(List<Held> held) {
		for (Held h : held) {
			synchronized (HELD) {
				HELD.remove(h.file);
			}
			try {
				Files.deleteIfExists(h.file); // while still locked: a waiting run then locks a fresh file
			} catch (IOException ignored) {
				// a lock file that stays is stale once released: the next run takes it over
			}
			try {
				h.lock.release();
			} catch (IOException ignored) {
				// closing the channel releases it too
			}
			closeQuietly(h.channel);
		}
		held.clear();
	}

	private static void closeQuietly(FileChannel ch) {
		try {
			ch.close();
		} catch (IOException ignored) {
			// nothing to do
		}
	}
}
