package org.convkit.core.io;

import ij.ImagePlus;
import ij.io.FileSaver;
import ij.io.Opener;
import ij.process.ByteProcessor;
import ij.process.ColorProcessor;
import ij.process.ImageProcessor;
import org.convkit.bench.MacroBenchmark;
import org.convkit.bench.RuntimeBenchmark;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;

/**
 * Reading a folder of PNGs, µs per file on one thread ({@code ./convkit --bench ROUNDS reading}): ImageJ's own opener
 * (File › Open's path, no checks), ConvKit's reader without {@link PngDecoder} (its checks, then ImageJ's opener: the
 * way every file went before), and ConvKit's reader as it is. Two folders, written once by ImageJ: 8,000 28×28 8-bit
 * PNGs (the macro benchmark's size) and 1,000 96×96 RGB ones (Small VGG 96's); interleaved rounds after one warm-up,
 * medians. A new reader for each file: a training run reads each file once (the input cache keeps it), so the old
 * reader's check, which a reader does once per file, counts every time. In this package for the reader's
 * package-private switch.
 */
public final class ReadingLever {
	private ReadingLever() {
	}

	public static void run(int rounds) throws IOException {
		System.out.printf(Locale.ROOT, "%nReading PNGs: µs per file on 1 thread, medians of %d interleaved rounds "
				+ "after 1 warm-up; %s%n", rounds, org.convkit.bench.CnnBenchmark.machine());
		System.out.println("| files | ImageJ's opener | ConvKit before (checks + opener) | ConvKit (PngDecoder) | "
				+ "ImageJ's opener / ConvKit | before / ConvKit |");
		System.out.println("|---|---:|---:|---:|---:|---:|");
		Path dir = Files.createTempDirectory("convkit-reading-bench");
		try {
			Random r = new Random(3);
			compare("8,000 PNGs 28x28 8-bit", write(dir.resolve("gray"), 8000, () -> {
				ByteProcessor bp = new ByteProcessor(28, 28);
				for (int i = 0; i < 28 * 28; i++) bp.set(i, (i % 28) * 4 + r.nextInt(40)); // smooth, some noise
				return bp;
			}), rounds);
			compare("1,000 PNGs 96x96 RGB", write(dir.resolve("rgb"), 1000, () -> {
				ColorProcessor cp = new ColorProcessor(96, 96);
				for (int i = 0; i < 96 * 96; i++) cp.set(i, ((i % 96) * 2 << 16) | ((i / 96) * 2 << 8) | r.nextInt(60));
				return cp;
			}), rounds);
		} finally {
			MacroBenchmark.deleteAll(dir);
		}
	}

	private interface Read {
		ImagePlus read(Path p) throws IOException;
	}

	private static void compare(String label, List<Path> files, int rounds) throws IOException {
		Read[] ways = { p -> {
			Opener o = new Opener();
			o.setSilentMode(true);
			return o.openImage(p.toString());
		}, p -> new ImageFileReader(false).read(p), p -> new ImageFileReader().read(p) };
		double[][] us = new double[ways.length][rounds];
		for (int round = -1; round < rounds; round++) {
			for (int w = 0; w < ways.length; w++) {
				long t0 = System.nanoTime(), sum = 0;
				for (Path p : files) sum += ways[w].read(p).getProcessor().get(0) & 0xff; // each image used
				double perFile = (System.nanoTime() - t0) / 1e3 / files.size();
				if (sum < 0) throw new IllegalStateException();
				if (round >= 0) us[w][round] = perFile;
			}
		}
		double opener = RuntimeBenchmark.Stats.median(us[0]), before = RuntimeBenchmark.Stats.median(us[1]),
				now = RuntimeBenchmark.Stats.median(us[2]);
		System.out.printf(Locale.ROOT, "| %s | %.0f | %.0f | %.0f | %.2f | %.2f |%n", label, opener, before, now,
				opener / now, before / now);
	}

	private static List<Path> write(Path dir, int count, java.util.function.Supplier<ImageProcessor> image)
			throws IOException {
		Files.createDirectories(dir);
		List<Path> out = new ArrayList<>();
		for (int i = 0; i < count; i++) {
			Path p = dir.resolve(String.format(Locale.ROOT, "img%05d.png", i));
			if (!new FileSaver(new ImagePlus("img", image.get())).saveAsPng(p.toString()))
				throw new IOException("could not write " + p);
			out.add(p);
		}
		return out;
	}
}
