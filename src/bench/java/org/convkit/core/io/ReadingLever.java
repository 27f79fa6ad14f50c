package org.convkit.core.io;

import ij.io.Opener;
import org.convkit.bench.CnnBenchmark;
import org.convkit.bench.MacroBenchmark;
import org.convkit.bench.RuntimeBenchmark;

import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * Reading a training folder's PNGs, one thread, interleaved rounds after one warm-up, seconds for the whole folder
 * (the macro path's 8,000 28×28 PNGs, {@link MacroBenchmark#writePngs}): {@link ImageFileReader#read} (its check
 * decodes each file from memory, then ImageJ's opener opens it), the same with the check decoding through ImageIO's
 * file stream (as until 2026-12-02), the two checks alone, and ImageJ's opener alone. Run with
 * {@code ./convkit --bench ROUNDS reading}. In this package for the reader's package-private check.
 */
public final class ReadingLever {
	private static final int FILES = 8000;

	private ReadingLever() {
	}

	public static void run(int rounds) throws IOException {
		Path dir = Files.createTempDirectory("convkit-reading");
		try {
			List<Path> files = pngs(MacroBenchmark.writePngs(dir.resolve("images"), FILES));
			System.out.printf(Locale.ROOT, "%nReading %d PNGs 28×28 8-bit, one thread: seconds for all, medians of %d "
					+ "interleaved rounds after 1 warm-up; %s%n", files.size(), rounds, CnnBenchmark.machine());
			String[] names = { "ImageFileReader.read: check from memory + ImageJ's opener",
					"the same with the check through ImageIO's file stream (before)", "the check from memory alone",
					"the check through ImageIO's file stream alone", "ImageJ's opener alone (no check)" };
			IoTask[] tasks = { f -> new ImageFileReader().read(f), f -> {
				checkThroughFileStream(f);
				open(f);
			}, f -> ImageFileReader.check(f, Opener.PNG, Files.size(f)), ReadingLever::checkThroughFileStream,
					ReadingLever::open };
			double[][] s = new double[tasks.length][rounds];
			for (int round = 0; round <= rounds; round++)
				for (int k = 0; k < tasks.length; k++) {
					long t0 = System.nanoTime();
					for (Path f : files) tasks[k].run(f);
					if (round > 0) s[k][round - 1] = (System.nanoTime() - t0) / 1e9;
				}
			System.out.println("| reading " + files.size() + " PNGs | s |");
			System.out.println("|---|---:|");
			for (int k = 0; k < tasks.length; k++)
				System.out.printf(Locale.ROOT, "| %s | %.2f |%n", names[k], RuntimeBenchmark.Stats.median(s[k]));
		} finally {
			try (Stream<Path> all = Files.walk(dir)) {
				all.sorted((a, b) -> b.compareTo(a)).forEach(p -> p.toFile().delete());
			}
		}
	}

	private interface IoTask {
		void run(Path file) throws IOException;
	}

	private static List<Path> pngs(Path root) throws IOException {
		List<Path> files = new ArrayList<>();
		try (Stream<Path> all = Files.walk(root)) {
			all.filter(p -> p.toString().endsWith(".png")).sorted().forEach(files::add);
		}
		return files;
	}

	/** The check as it was: ImageIO's stream over the file (a system call per small read). */
	private static void checkThroughFileStream(Path file) throws IOException {
		try (ImageInputStream in = ImageIO.createImageInputStream(file.toFile())) {
			ImageReader reader = ImageIO.getImageReaders(in).next();
			reader.setInput(in, true, true);
			if (reader.readAll(0, null) == null) throw new IOException("not decoded: " + file);
			reader.dispose();
		}
	}

	private static void open(Path file) throws IOException {
		Opener opener = new Opener();
		opener.setSilentMode(true);
		if (opener.openImage(file.toString()) == null) throw new IOException("not opened: " + file);
	}
}
