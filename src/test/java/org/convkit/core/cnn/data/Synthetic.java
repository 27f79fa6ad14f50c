package org.convkit.core.cnn.data;

import ij.ImagePlus;
import ij.io.FileSaver;
import ij.process.ByteProcessor;
import ij.process.ImageProcessor;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

/** Seeded synthetic images: horizontal bars, vertical bars and disks on a noisy background. */
public final class Synthetic {
	public static final String[] CLASSES = { "disk", "hbar", "vbar" };

	private Synthetic() {
	}

	/** One 8-bit image of class c (index into CLASSES). */
	public static ByteProcessor image(int c, int size, Random r) {
		ByteProcessor ip = new ByteProcessor(size, size);
		int thick = Math.max(2, size / 6), len = size / 2 + r.nextInt(size / 3);
		int a = r.nextInt(size - thick), b = r.nextInt(size - len + 1);
		double cx = size / 4.0 + r.nextDouble() * size / 2, cy = size / 4.0 + r.nextDouble() * size / 2,
				rad = size / 6.0 + r.nextDouble() * size / 8;
		for (int y = 0; y < size; y++)
			for (int x = 0; x < size; x++) {
				boolean on;
				if (c == 0) on = (x - cx) * (x - cx) + (y - cy) * (y - cy) <= rad * rad;
				else if (c == 1) on = y >= a && y < a + thick && x >= b && x < b + len;
				else on = x >= a && x < a + thick && y >= b && y < b + len;
				double v = 40 + (on ? 120 : 0) + r.nextGaussian() * 20;
				ip.set(x, y, (int) Math.max(0, Math.min(255, Math.round(v))));
			}
		return ip;
	}

	/** root/disk, root/hbar, root/vbar with perClass images each (TIFF, every 5th as PNG). */
	public static Path folder(Path root, int perClass, int size, long seed) throws IOException {
		Random r = new Random(seed);
		for (int c = 0; c < CLASSES.length; c++) {
			Path d = Files.createDirectories(root.resolve(CLASSES[c]));
			for (int i = 0; i < perClass; i++) save(image(c, size, r), d.resolve(String.format("img%04d", i)),
					i % 5 == 4);
		}
		return root;
	}

	/** Saves as root.tif or root.png; returns the path. */
	public static Path save(ImageProcessor ip, Path stem, boolean png) {
		ImagePlus imp = new ImagePlus(stem.getFileName().toString(), ip);
		String path = stem + (png ? ".png" : ".tif");
		boolean ok = png ? new FileSaver(imp).saveAsPng(path) : new FileSaver(imp).saveAsTiff(path);
		if (!ok) throw new AssertionError("could not save " + path);
		return Path.of(path);
	}
}
