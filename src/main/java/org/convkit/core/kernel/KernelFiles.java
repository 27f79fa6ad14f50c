package org.convkit.core.kernel;

import org.convkit.core.io.AtomicFiles;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * Kernel text files: plain text, one row per line, values separated by single spaces (decimals only), as ImageJ's
 * Convolve "Save..." writes them and its "Open..." (TextReader) reads them. Reading accepts everything
 * {@link KernelParser} does (commas, tabs, {@code ;}, fractions).
 */
public final class KernelFiles {
	/** Files larger than this are not kernels (99 × 99 long decimals is far below). */
	private static final long MAX_BYTES = 4 << 20;

	private KernelFiles() {}

	public static Kernel read(Path file) {
		try {
			if (Files.size(file) > MAX_BYTES)
				throw new IllegalArgumentException("Kernel file " + file + " is too large to be a kernel.");
			byte[] bytes = Files.readAllBytes(file);
			if (isBinary(bytes))
				throw new IllegalArgumentException("Kernel file " + file + " is not a text file (it holds binary "
						+ "data); a kernel file has rows of numbers.");
			String text = new String(bytes, StandardCharsets.UTF_8);
			if (text.startsWith("\uFEFF")) text = text.substring(1);
			try {
				return KernelParser.parse(text);
			} catch (IllegalArgumentException e) {
				throw new IllegalArgumentException("Kernel file " + file + ": " + e.getMessage(), e);
			}
		} catch (NoSuchFileException e) {
			throw new IllegalArgumentException("Kernel file not found: " + file, e);
		} catch (IOException e) {
			throw new IllegalArgumentException("Cannot read kernel file " + file + ": " + e.getMessage(), e);
		}
	}

	/** NUL or other control bytes than tab, line and page breaks, or bytes that are not UTF-8. */
	static boolean isBinary(byte[] bytes) {
		for (byte b : bytes)
			if (b >= 0 && b < 32 && b != '\t' && b != '\n' && b != '\r' && b != '\f') return true;
		try {
			StandardCharsets.UTF_8.newDecoder().decode(java.nio.ByteBuffer.wrap(bytes));
			return false;
		} catch (java.nio.charset.CharacterCodingException e) {
			return true;
		}
	}

	/**
	 * Writes the kernel atomically (a temporary file in the same folder, then a move), so a crash never leaves half
	 * a file. An existing file is replaced only when {@code overwrite}; otherwise IllegalArgumentException.
	 */
	public static void write(Path file, Kernel kernel, boolean overwrite) {
		Path target = file.toAbsolutePath();
		if (!overwrite && Files.exists(target))
			throw new IllegalArgumentException("Kernel file " + target + " exists; not overwritten.");
		Path dir = target.getParent();
		Path temp = null;
		try {
			AtomicFiles.removeStaleTemps(target);
			temp = AtomicFiles.createTemp(target);
			Files.write(temp, (kernel.toString() + "\n").getBytes(StandardCharsets.UTF_8));
			AtomicFiles.moveIntoPlace(temp, target, overwrite); // never replaces unasked
			temp = null;
		} catch (FileAlreadyExistsException e) {
			throw new IllegalArgumentException("Kernel file " + target + " exists; not overwritten.", e);
		} catch (IOException e) {
			throw new UncheckedIOException("Cannot write kernel file " + target + ": " + e.getMessage(), e);
		} finally {
			if (temp != null) try {
				Files.deleteIfExists(temp);
			} catch (IOException ignored) {
				// best effort: the temporary file is hidden and harmless
			}
		}
	}
}
