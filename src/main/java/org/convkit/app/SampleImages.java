package org.convkit.app;

import ij.ImagePlus;
import ij.ImageStack;
import ij.Prefs;
import ij.io.FileSaver;
import ij.process.ByteProcessor;
import ij.process.ColorProcessor;
import ij.process.ImageProcessor;
import ij.process.ShortProcessor;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Generates the images in {@code sample-images/}: synthetic, seeded (so regenerating gives byte-identical files)
 * and free of any licence question. Usage: {@code SampleImages [FOLDER]} (default {@code sample-images}).
 */
public final class SampleImages {
	public static final long SEED = 20260101L;
	public static final String CELLS_8BIT = "cells-8bit.tif";
	public static final String CELLS_16BIT = "cells-16bit.tif";
	public static final String CELLS_STACK = "cells-stack.tif";
	public static final String SHAPES_RGB = "shapes-rgb.png";
	/** A small CNN training set: train/ and test/, each with one subfolder per class of 32x32 8-bit cell images. */
	public static final String CELL_CLASSES = "cell-classes";
	public static final String[] CELL_CLASS_NAMES = {"dividing", "elongated", "round"};
	public static final int CELL_SIZE = 32, CELLS_PER_CLASS_TRAIN = 40, CELLS_PER_CLASS_TEST = 10;

	private SampleImages() {}

	public static void main(String[] args) throws IOException {
		Path dir = Paths.get(args.length > 0 ? args[0] : "sample-images");
		for (Path p : writeAll(dir))
			System.out.println("wrote " + p + " (" + Files.size(p) + " bytes)");
		List<Path> cells = writeCellClasses(dir.resolve(CELL_CLASSES));
		System.out.println("wrote " + cells.size() + " images under " + dir.resolve(CELL_CLASSES));
	}

	/** Writes every sample image into {@code dir} and returns the files. */
	public static List<Path> writeAll(Path dir) throws IOException {
		Files.createDirectories(dir);
		List<Path> files = new ArrayList<>();
		files.add(saveTiff(cells8Bit(), dir.resolve(CELLS_8BIT)));
		files.add(saveTiff(cells16Bit(), dir.resolve(CELLS_16BIT)));
		files.add(saveTiff(cellsStack(), dir.resolve(CELLS_STACK)));
		Path png = dir.resolve(SHAPES_RGB);
		if (!new FileSaver(shapesRgb()).saveAsPng(png.toString())) throw new IOException("could not write " + png);
		files.add(png);
		return files;
	}

	/**
	 * Writes {@code dir/train/<class>/cell-NNN.png} and {@code dir/test/<class>/cell-NNN.png} (8-bit PNG) for the
	 * classes {@link #CELL_CLASS_NAMES}: one cell per image, of random size, brightness, orientation and position,
	 * on a noisy background; "dividing" is two touching daughter cells. Returns the files in the order written.
	 */
	public static List<Path> writeCellClasses(Path dir) throws IOException {
		Random r = new Random(SEED + 4);
		List<Path> files = new ArrayList<>();
		String[] splits = {"train", "test"};
		int[] counts = {CELLS_PER_CLASS_TRAIN, CELLS_PER_CLASS_TEST};
		for (int s = 0; s < splits.length; s++)
			for (int c = 0; c < CELL_CLASS_NAMES.length; c++) {
				Path classDir = Files.createDirectories(dir.resolve(splits[s]).resolve(CELL_CLASS_NAMES[c]));
				for (int i = 0; i < counts[s]; i++) {
					Path png = classDir.resolve(String.format("cell-%03d.png", i + 1));
					ImagePlus imp = new ImagePlus(CELL_CLASS_NAMES[c], cellImage(c, r));
					if (!new FileSaver(imp).saveAsPng(png.toString())) throw new IOException("could not write " + png);
					files.add(png);
				}
			}
		return files;
	}

	/** One 32x32 8-bit cell of class c (index into CELL_CLASS_NAMES). */
	static ByteProcessor cellImage(int c, Random r) {
		int n = CELL_SIZE;
		float[] f = new float[n * n];
		double cx = n / 2.0 + 3 * (r.nextDouble() - 0.5), cy = n / 2.0 + 3 * (r.nextDouble() - 0.5);
		double angle = r.nextDouble() * Math.PI, brightness = 0.5 + 0.45 * r.nextDouble();
		if (c == 0) { // dividing: two round daughters side by side, slightly apart
			double a = 4.2 + 1.3 * r.nextDouble(), off = a * (0.95 + 0.2 * r.nextDouble());
			addCell(f, n, cx + off * Math.cos(angle), cy + off * Math.sin(angle), a, a, angle, brightness);
			addCell(f, n, cx - off * Math.cos(angle), cy - off * Math.sin(angle), a, a, angle, brightness);
		} else if (c == 1) { // elongated: aspect ratio 0.35..0.55
			double a = 9 + 3 * r.nextDouble();
			addCell(f, n, cx, cy, a, a * (0.35 + 0.2 * r.nextDouble()), angle, brightness);
		} else { // round: aspect ratio 0.85..1
			double a = 6 + 3 * r.nextDouble();
			addCell(f, n, cx, cy, a, a * (0.85 + 0.15 * r.nextDouble()), angle, brightness);
		}
		return toBytes(f, n, n, 18, 190, 5.0, r);
	}

	/** Adds a soft-edged ellipse (semi-axes a, b) with a brighter nucleus to the [0, 1] field. */
	private static void addCell(float[] f, int n, double cx, double cy, double a, double b, double angle,
			double brightness) {
		double cos = Math.cos(angle), sin = Math.sin(angle);
		for (int y = 0; y < n; y++)
			for (int x = 0; x < n; x++) {
				double u = ((x - cx) * cos + (y - cy) * sin) / a, v = (-(x - cx) * sin + (y - cy) * cos) / b;
				double d = Math.sqrt(u * u + v * v);
				double body = 1 / (1 + Math.exp((d - 1) * 9)), nucleus = 0.45 * Math.exp(-d * d / 0.12);
				f[y * n + x] = (float) Math.min(1, f[y * n + x] + brightness * (0.7 * body + nucleus));
			}
	}

	/** 256x256 8-bit: a field of soft, elliptical cells on a dim uneven background, with shot-like noise. */
	public static ImagePlus cells8Bit() {
		Random r = new Random(SEED);
		float[] field = cellField(256, 256, 45, r, 0, 0);
		return new ImagePlus("cells-8bit", toBytes(field, 256, 256, 18, 190, 4.0, r));
	}

	/** 256x256 16-bit: the same kind of scene over a 12-bit-like camera range. */
	public static ImagePlus cells16Bit() {
		Random r = new Random(SEED + 1);
		float[] field = cellField(256, 256, 45, r, 0, 0);
		ShortProcessor sp = new ShortProcessor(256, 256);
		short[] px = (short[]) sp.getPixels();
		for (int i = 0; i < px.length; i++) {
			double v = 320 + 3400 * field[i];
			v += Math.sqrt(v) * 1.6 * r.nextGaussian();
			px[i] = (short) clamp(Math.round(v), 0, 65535);
		}
		sp.resetMinAndMax();
		return new ImagePlus("cells-16bit", sp);
	}

	/** 128x128x5 8-bit: cells drifting slowly, fresh noise in every slice (a small time-lapse). */
	public static ImagePlus cellsStack() {
		Random layout = new Random(SEED + 2);
		long cellsSeed = layout.nextLong();
		ImageStack stack = new ImageStack(128, 128);
		for (int z = 0; z < 5; z++) {
			// Same cells each slice (same seed), shifted 1.5 px right and 1 px down per slice.
			float[] field = cellField(128, 128, 14, new Random(cellsSeed), 1.5 * z, 1.0 * z);
			stack.addSlice("t" + (z + 1), toBytes(field, 128, 128, 18, 190, 4.0, layout));
		}
		ImagePlus imp = new ImagePlus("cells-stack", stack);
		imp.setDimensions(1, 5, 1);
		return imp;
	}

	/** 256x256 RGB: flat coloured shapes with antialiased edges on a gradient, for colour and edge filters. */
	public static ImagePlus shapesRgb() {
		int w = 256, h = 256;
		ColorProcessor cp = new ColorProcessor(w, h);
		int[] px = (int[]) cp.getPixels();
		Random r = new Random(SEED + 3);
		for (int y = 0; y < h; y++) {
			for (int x = 0; x < w; x++) {
				// background: a dark blue-grey vertical gradient
				double[] rgb = {30 + 40.0 * y / h, 34 + 40.0 * y / h, 60 + 50.0 * y / h};
				paint(rgb, x, y, new double[] {220, 40, 40}, (u, v) -> sq(u - 70) + sq(v - 70) < sq(42));
				paint(rgb, x, y, new double[] {40, 200, 70}, (u, v) -> u > 140 && u < 230 && v > 30 && v < 100);
				paint(rgb, x, y, new double[] {60, 110, 235}, (u, v) -> inTriangle(u, v, 40, 225, 120, 225, 80, 140));
				paint(rgb, x, y, new double[] {240, 220, 50}, (u, v) -> {
					double d = Math.sqrt(sq(u - 185) + sq(v - 180));
					return d > 26 && d < 42;
				});
				paint(rgb, x, y, new double[] {245, 245, 245}, (u, v) -> Math.abs((v - 120) - 0.35 * (u - 128)) < 1.5
						&& u > 130 && u < 250);
				int c = 0;
				for (int k = 0; k < 3; k++)
					c = (c << 8) | (int) clamp(Math.round(rgb[k] + 3 * r.nextGaussian()), 0, 255);
				px[y * w + x] = c;
			}
		}
		return new ImagePlus("shapes-rgb", cp);
	}

	private interface Shape {
		boolean contains(double x, double y);
	}

	/** Blends {@code colour} over {@code rgb} by the shape's coverage of pixel (x, y), 4x4 supersampled. */
	private static void paint(double[] rgb, int x, int y, double[] colour, Shape shape) {
		int inside = 0;
		for (int j = 0; j < 4; j++)
			for (int i = 0; i < 4; i++)
				if (shape.contains(x + (i + 0.5) / 4, y + (j + 0.5) / 4)) inside++;
		double a = inside / 16.0;
		for (int k = 0; k < 3; k++)
			rgb[k] = rgb[k] * (1 - a) + colour[k] * a;
	}

	private static boolean inTriangle(double px, double py, double ax, double ay, double bx, double by, double cx,
			double cy) {
		double d1 = (px - bx) * (ay - by) - (ax - bx) * (py - by);
		double d2 = (px - cx) * (by - cy) - (bx - cx) * (py - cy);
		double d3 = (px - ax) * (cy - ay) - (cx - ax) * (py - ay);
		boolean neg = d1 < 0 || d2 < 0 || d3 < 0, pos = d1 > 0 || d2 > 0 || d3 > 0;
		return !(neg && pos);
	}

	/**
	 * A noise-free scene in [0, 1]: {@code n} cells (soft-edged ellipses with a brighter nucleus), shifted by
	 * (dx, dy), over a faint smooth background variation.
	 */
	static float[] cellField(int w, int h, int n, Random r, double dx, double dy) {
		float[] f = new float[w * h];
		double phase = r.nextDouble() * Math.PI;
		for (int y = 0; y < h; y++)
			for (int x = 0; x < w; x++)
				f[y * w + x] = (float) (0.04 * (1 + Math.sin(phase + 2.0 * x / w + 3.0 * y / h)));
		for (int c = 0; c < n; c++) {
			double cx = r.nextDouble() * w + dx, cy = r.nextDouble() * h + dy;
			double a = 6 + 7 * r.nextDouble(), b = a * (0.6 + 0.35 * r.nextDouble());
			double angle = r.nextDouble() * Math.PI, cos = Math.cos(angle), sin = Math.sin(angle);
			double brightness = 0.35 + 0.6 * r.nextDouble();
			int x0 = (int) Math.max(0, cx - a - 3), x1 = (int) Math.min(w - 1, cx + a + 3);
			int y0 = (int) Math.max(0, cy - a - 3), y1 = (int) Math.min(h - 1, cy + a + 3);
			for (int y = y0; y <= y1; y++) {
				for (int x = x0; x <= x1; x++) {
					double u = ((x - cx) * cos + (y - cy) * sin) / a, v = (-(x - cx) * sin + (y - cy) * cos) / b;
					double d = Math.sqrt(u * u + v * v);
					double body = 1 / (1 + Math.exp((d - 1) * 9));
					double nucleus = 0.45 * Math.exp(-d * d / 0.12);
					int i = y * w + x;
					f[i] = (float) Math.min(1, f[i] + brightness * (0.7 * body + nucleus));
				}
			}
		}
		return f;
	}

	/** Scales a [0, 1] field to 8 bits (offset + gain) with Poisson-like noise of the given strength. */
	private static ByteProcessor toBytes(float[] field, int w, int h, double offset, double gain, double noise,
			Random r) {
		ByteProcessor bp = new ByteProcessor(w, h);
		byte[] px = (byte[]) bp.getPixels();
		for (int i = 0; i < px.length; i++) {
			double v = offset + gain * field[i];
			v += noise * Math.sqrt(v / offset) * r.nextGaussian();
			px[i] = (byte) clamp(Math.round(v), 0, 255);
		}
		return bp;
	}

	/** Little-endian whatever the user's ImageJ preferences say, so the bytes do not depend on IJ_Prefs. */
	private static Path saveTiff(ImagePlus imp, Path path) throws IOException {
		FileSaver saver = new FileSaver(imp);
		boolean intel = Prefs.intelByteOrder;
		Prefs.intelByteOrder = true;
		try {
			boolean ok = imp.getStackSize() > 1 ? saver.saveAsTiffStack(path.toString())
					: saver.saveAsTiff(path.toString());
			if (!ok) throw new IOException("could not write " + path);
		} finally {
			Prefs.intelByteOrder = intel;
		}
		return path;
	}

	private static double sq(double v) {
		return v * v;
	}

	private static long clamp(long v, long lo, long hi) {
		return Math.max(lo, Math.min(hi, v));
	}
}
