package org.convkit.app;

import ij.CompositeImage;
import ij.IJ;
import ij.ImagePlus;
import ij.ImageStack;
import ij.Prefs;
import ij.gui.EllipseRoi;
import ij.gui.Roi;
import ij.io.FileSaver;
import ij.io.RoiEncoder;
import ij.measure.Calibration;
import ij.plugin.filter.GaussianBlur;
import ij.process.FloatProcessor;
import ij.process.LUT;
import ij.process.ShortProcessor;
import org.convkit.plugins.support.ClassColours;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * A SYNTHETIC fluorescence microscopy example (generated, not imaged): 2-channel 16-bit fields of cells — channel 1
 * nuclei (a DNA stain), channel 2 a cytoplasm marker — of three phenotypes:
 * <ul>
 * <li>normal: an oval nucleus with a faint texture inside a larger cytoplasm that the marker fills around it;</li>
 * <li>mitotic: a condensed, 2–3 times brighter nucleus (a compact ball, or a bar: a metaphase plate) in a rounded,
 * brighter cytoplasm;</li>
 * <li>apoptotic: a nucleus broken into 3–6 bright fragments, in a shrunken, dimmer, irregular cytoplasm;</li>
 * </ul>
 * in the ratio mitotic : apoptotic : normal = 1 : 5 : 20, with what a widefield camera image has: blur (a Gaussian
 * point spread function, σ 1.3 px), uneven illumination (a vignette whose centre differs per field), background,
 * a camera offset of 100, shot noise and read noise. Calibrated at 0.325 µm per pixel (a 20× objective).
 * <p>
 * Each cell has an ROI (an ellipse around its cytoplasm). Field 1's ROIs are named {@code CLASS_NNN} and have the
 * class as their group (1 apoptotic, 2 mitotic, 3 normal: the sorted class order, which is the model's label order);
 * a second ROI set holds circles on empty background ({@code background_NNN}, group 4), a class a probability map
 * needs (without it every window is called one of the cell classes). Field 2's ROIs are named {@code cell_NNN},
 * their classes in a CSV file. Seeded: {@link #writeSample} gives byte-identical
 * files every time. Usage: {@code MicroscopySample [FOLDER]} (default {@code sample-images}).
 */
public final class MicroscopySample {
	public static final long SEED = 20261201L;
	/** The classes in label order; an ROI of class c is in group c + 1. */
	public static final String[] CLASSES = { "apoptotic", "mitotic", "normal" };
	/** Relative frequencies of {@link #CLASSES}: 5 : 1 : 20. */
	public static final int[] RATIO = { 5, 1, 20 };
	public static final int SIZE = 512, CELLS = 300;
	public static final double PIXEL_UM = 0.325;
	public static final String FIELD1 = "microscopy-field1.tif", ROIS1 = "microscopy-field1-rois.zip",
			BACKGROUND1 = "microscopy-field1-background-rois.zip", FIELD2 = "microscopy-field2.tif",
			ROIS2 = "microscopy-field2-rois.zip", TRUTH2 = "microscopy-field2-truth.csv";
	/** The class of the background ROIs (field 1's extra ROI set) and their group. */
	public static final String BACKGROUND = "background";
	public static final int BACKGROUND_GROUP = 4;

	private static final double OFFSET = 100, AUTOFLUORESCENCE = 60, GAIN = 1.5, READ_NOISE = 6, PSF_SIGMA = 1.3;

	/**
	 * A field: the image, its ROIs (one per cell, in placement order), each cell's true class, and ROIs on empty
	 * background (circles of a cell's size where no cell is).
	 */
	public static final class Field {
		public final ImagePlus image;
		public final List<Roi> rois, background;
		public final List<String> truth;

		Field(ImagePlus image, List<Roi> rois, List<String> truth, List<Roi> background) {
			this.image = image;
			this.rois = Collections.unmodifiableList(rois);
			this.truth = Collections.unmodifiableList(truth);
			this.background = Collections.unmodifiableList(background);
		}

		/** How many cells of each class ({@link #CLASSES} order). */
		public int[] counts() {
			int[] c = new int[CLASSES.length];
			for (String t : truth) c[java.util.Arrays.asList(CLASSES).indexOf(t)]++;
			return c;
		}
	}

	private MicroscopySample() {
	}

	public static void main(String[] args) throws IOException {
		Path dir = Paths.get(args.length > 0 ? args[0] : "sample-images");
		for (Path p : writeSample(dir)) System.out.println("wrote " + p + " (" + Files.size(p) + " bytes)");
		System.exit(0); // ImageJ's blur leaves worker threads behind
	}

	/** Writes the two fields, their ROI sets and field 2's classes into {@code dir}; returns the files. */
	public static List<Path> writeSample(Path dir) throws IOException {
		Files.createDirectories(dir);
		List<Path> files = new ArrayList<>();
		Field one = field(SIZE, SIZE, CELLS, SEED, true), two = field(SIZE, SIZE, CELLS, SEED + 1, false);
		one.image.setTitle(FIELD1);
		two.image.setTitle(FIELD2);
		files.add(saveTiff(one.image, dir.resolve(FIELD1)));
		files.add(writeRois(one.rois, dir.resolve(ROIS1)));
		files.add(writeRois(one.background, dir.resolve(BACKGROUND1)));
		files.add(saveTiff(two.image, dir.resolve(FIELD2)));
		files.add(writeRois(two.rois, dir.resolve(ROIS2)));
		StringBuilder csv = new StringBuilder("roi,class\n");
		for (int i = 0; i < two.rois.size(); i++) csv.append(two.rois.get(i).getName()).append(',')
				.append(two.truth.get(i)).append('\n');
		Path truth = dir.resolve(TRUTH2);
		Files.write(truth, csv.toString().getBytes(StandardCharsets.UTF_8));
		files.add(truth);
		return files;
	}

	/**
	 * A field of {@code cells} cells (fewer if they do not fit) in the ratio {@link #RATIO}.
	 *
	 * @param labelled ROIs named CLASS_NNN with the class as group; otherwise cell_NNN without group
	 */
	public static Field field(int width, int height, int cells, long seed, boolean labelled) {
		Random r = new Random(seed);
		List<Integer> kinds = new ArrayList<>();
		int total = 0;
		for (int k : RATIO) total += k;
		for (int c = 0; c < CLASSES.length; c++)
			for (int i = 0, n = Math.max(1, (int) Math.round((double) cells * RATIO[c] / total)); i < n; i++)
				kinds.add(c);
		Collections.shuffle(kinds, r);
		float[] nuclei = new float[width * height], cytoplasm = new float[width * height];
		List<double[]> placed = new ArrayList<>();
		List<Roi> rois = new ArrayList<>();
		List<String> truth = new ArrayList<>();
		for (int kind : kinds) {
			double radius = 9 + 2 * r.nextDouble(); // the cytoplasm's larger half axis, in pixels
			double[] at = place(placed, radius, width, height, r);
			if (at == null) continue;
			double angle = r.nextDouble() * Math.PI;
			double[] ellipse = drawCell(kind, at[0], at[1], radius, angle, nuclei, cytoplasm, width, height, r);
			Roi roi = ellipseRoi(at[0], at[1], ellipse[0], ellipse[1], angle);
			int number = rois.size() + 1;
			roi.setName(labelled ? String.format("%s_%03d", CLASSES[kind], number) : String.format("cell_%03d",
					number));
			if (labelled) {
				ClassColours.quietGroupColours();
				roi.setGroup(kind + 1);
				roi.setStrokeColor(ClassColours.of(kind)); // the same in every ImageJ, Glasbey LUT or not
			}
			rois.add(roi);
			truth.add(CLASSES[kind]);
		}
		List<Roi> background = new ArrayList<>();
		for (int i = 0; i < Math.max(1, cells / 10); i++) { // empty places, a margin away from every cell
			double[] at = place(placed, 12, width, height, r);
			if (at == null) break;
			Roi roi = ellipseRoi(at[0], at[1], 9, 9, 0);
			roi.setName(String.format("%s_%03d", BACKGROUND, background.size() + 1));
			if (labelled) {
				roi.setGroup(BACKGROUND_GROUP);
				roi.setStrokeColor(java.awt.Color.gray);
			}
			background.add(roi);
		}
		ImagePlus imp = camera(nuclei, cytoplasm, width, height, r);
		return new Field(imp, rois, truth, background);
	}

	/** A centre at least the two radii apart from every placed cell, or null after many tries. */
	private static double[] place(List<double[]> placed, double radius, int w, int h, Random r) {
		for (int attempt = 0; attempt < 400; attempt++) {
			double x = radius + 2 + r.nextDouble() * (w - 2 * radius - 4);
			double y = radius + 2 + r.nextDouble() * (h - 2 * radius - 4);
			boolean free = true;
			for (double[] p : placed)
				if (Math.hypot(p[0] - x, p[1] - y) < 0.95 * (p[2] + radius)) {
					free = false;
					break;
				}
			if (free) {
				placed.add(new double[] { x, y, radius });
				return new double[] { x, y };
			}
		}
		return null;
	}

	/** Draws one cell (before blur, illumination and noise); returns its cytoplasm's half axes {a, b}. */
	private static double[] drawCell(int kind, double x, double y, double radius, double angle, float[] nuc,
			float[] cyto, int w, int h, Random r) {
		double a = radius, b = radius * (0.75 + 0.2 * r.nextDouble());
		double na = radius * 0.55, nb = na * (0.75 + 0.2 * r.nextDouble());
		double nucleus = 900 + 500 * r.nextDouble(), marker = 280 + 160 * r.nextDouble();
		switch (CLASSES[kind]) {
			case "mitotic": {
				a = b = radius * 0.85; // rounded up
				ellipse(cyto, w, h, x, y, a, b, angle, marker * 1.6);
				if (r.nextBoolean()) // a condensed ball
					ellipse(nuc, w, h, x, y, na * 0.6, na * 0.6, 0, nucleus * 2.8);
				else // a metaphase plate
					ellipse(nuc, w, h, x, y, na * 1.1, na * 0.32, angle + Math.PI / 2, nucleus * 2.4);
				break;
			}
			case "apoptotic": {
				a = radius * 0.7;
				b = a * (0.7 + 0.25 * r.nextDouble());
				ellipse(cyto, w, h, x, y, a, b, angle, marker * 0.7);
				for (int i = 0, n = 3 + r.nextInt(4); i < n; i++) { // blebs and nuclear fragments
					double d = na * 0.8 * Math.sqrt(r.nextDouble()), t = r.nextDouble() * 2 * Math.PI;
					double fr = 1.3 + 1.2 * r.nextDouble();
					ellipse(nuc, w, h, x + d * Math.cos(t), y + d * Math.sin(t), fr, fr, 0, nucleus * (1.6 + r
							.nextDouble()));
					if (r.nextBoolean())
						ellipse(cyto, w, h, x + a * Math.cos(t), y + a * Math.sin(t), 1.8, 1.8, 0, marker * 0.8);
				}
				break;
			}
			default: { // normal: the marker fills the cytoplasm around a textured nucleus
				ellipse(cyto, w, h, x, y, a, b, angle, marker);
				ellipse(cyto, w, h, x, y, na, nb, angle, -marker * 0.6);
				ellipse(nuc, w, h, x, y, na, nb, angle, nucleus);
				for (int i = 0; i < 4; i++) { // chromatin texture: a few darker and brighter spots
					double d = na * 0.6 * Math.sqrt(r.nextDouble()), t = r.nextDouble() * 2 * Math.PI;
					ellipse(nuc, w, h, x + d * Math.cos(t), y + d * Math.sin(t), 1.5, 1.5, 0, nucleus * (r
							.nextDouble() - 0.5) * 0.5);
				}
			}
		}
		return new double[] { a + 1.5, b + 1.5 };
	}

	/** Adds {@code value} inside an ellipse, with an edge one pixel wide (anti-aliased). */
	private static void ellipse(float[] f, int w, int h, double x, double y, double a, double b, double angle,
			double value) {
		double cos = Math.cos(angle), sin = Math.sin(angle), reach = Math.max(a, b) + 2;
		for (int py = (int) Math.max(0, y - reach); py <= Math.min(h - 1, y + reach); py++)
			for (int px = (int) Math.max(0, x - reach); px <= Math.min(w - 1, x + reach); px++) {
				double dx = px + 0.5 - x, dy = py + 0.5 - y;
				double u = (dx * cos + dy * sin) / a, v = (-dx * sin + dy * cos) / b;
				double rho = Math.sqrt(u * u + v * v); // 1 on the edge
				double cover = Math.min(1, Math.max(0, (1 - rho) * Math.min(a, b) + 0.5));
				if (cover > 0) f[py * w + px] += (float) (value * cover);
			}
	}

	/** An ellipse ROI centred at (x, y), half axes a, b, the a axis at {@code angle}. */
	private static Roi ellipseRoi(double x, double y, double a, double b, double angle) {
		double dx = a * Math.cos(angle), dy = a * Math.sin(angle);
		return new EllipseRoi(x - dx, y - dy, x + dx, y + dy, Math.min(1, b / a));
	}

	/** Blur, illumination, background, camera offset, shot and read noise; a 2-channel 16-bit composite. */
	private static ImagePlus camera(float[] nuclei, float[] cytoplasm, int w, int h, Random r) {
		double cx = w * (0.3 + 0.4 * r.nextDouble()), cy = h * (0.3 + 0.4 * r.nextDouble());
		double reach = Math.hypot(w, h) * 0.75;
		ImageStack stack = new ImageStack(w, h);
		float[][] channels = { nuclei, cytoplasm };
		String[] names = { "nuclei", "cytoplasm" };
		for (int c = 0; c < 2; c++) {
			FloatProcessor fp = new FloatProcessor(w, h, channels[c]);
			new GaussianBlur().blurGaussian(fp, PSF_SIGMA, PSF_SIGMA, 0.002);
			short[] px = new short[w * h];
			for (int y = 0; y < h; y++)
				for (int x = 0; x < w; x++) {
					double d = Math.hypot(x - cx, y - cy) / reach;
					double illumination = 1 - 0.55 * d * d; // vignette: 45 % less light in the far corner
					double signal = Math.max(0, illumination * (AUTOFLUORESCENCE + fp.getf(x, y)));
					double v = OFFSET + signal + r.nextGaussian() * Math.sqrt(GAIN * signal + READ_NOISE * READ_NOISE);
					px[y * w + x] = (short) Math.max(0, Math.min(65535, Math.round(v)));
				}
			stack.addSlice(names[c], new ShortProcessor(w, h, px, null));
		}
		ImagePlus imp = new ImagePlus("synthetic field", stack);
		imp.setDimensions(2, 1, 1);
		Calibration cal = imp.getCalibration();
		cal.pixelWidth = cal.pixelHeight = PIXEL_UM;
		cal.setUnit("micron");
		CompositeImage ci = new CompositeImage(imp, IJ.COMPOSITE);
		ci.setChannelLut(LUT.createLutFromColor(java.awt.Color.magenta), 1);
		ci.setChannelLut(LUT.createLutFromColor(java.awt.Color.green), 2);
		ci.setPosition(1, 1, 1);
		ci.setDisplayRange(OFFSET, OFFSET + 1800);
		ci.setPosition(2, 1, 1);
		ci.setDisplayRange(OFFSET, OFFSET + 700);
		ci.setPosition(1, 1, 1);
		return ci;
	}

	/** A ROI set as the ROI Manager saves it: one NAME.roi entry per ROI, fixed times for identical bytes. */
	public static Path writeRois(List<Roi> rois, Path zip) throws IOException {
		try (OutputStream os = Files.newOutputStream(zip); ZipOutputStream z = new ZipOutputStream(os)) {
			for (Roi roi : rois) {
				ZipEntry e = new ZipEntry(roi.getName() + ".roi");
				e.setTimeLocal(java.time.LocalDateTime.of(2026, 1, 1, 0, 0));
				z.putNextEntry(e);
				z.write(RoiEncoder.saveAsByteArray(roi));
				z.closeEntry();
			}
		}
		return zip;
	}

	/** Little-endian whatever the user's ImageJ preferences say, so the bytes do not depend on IJ_Prefs. */
	private static Path saveTiff(ImagePlus imp, Path path) throws IOException {
		boolean intel = Prefs.intelByteOrder;
		Prefs.intelByteOrder = true;
		try {
			if (!new FileSaver(imp).saveAsTiff(path.toString())) throw new IOException("could not write " + path);
		} finally {
			Prefs.intelByteOrder = intel;
		}
		return path;
	}
}
