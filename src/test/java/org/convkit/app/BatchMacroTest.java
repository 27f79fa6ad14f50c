package org.convkit.app;

import ij.IJ;
import ij.ImagePlus;
import ij.plugin.filter.GaussianBlur;
import ij.process.ImageProcessor;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.TreeSet;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertTrue;

/** macros/batch-edges-highpass.ijm run headless over copies of the sample images. */
public class BatchMacroTest {
	private static final String[] SAMPLES = {SampleImages.CELLS_8BIT, SampleImages.CELLS_16BIT,
			SampleImages.CELLS_STACK, SampleImages.SHAPES_RGB};

	@Rule
	public TemporaryFolder tmp = new TemporaryFolder();

	private final Path macro = HeadlessProcess.basedir().resolve("macros/batch-edges-highpass.ijm");

	/** The folder loop, argument parsing and saving, with built-in stand-ins for the two ConvKit commands. */
	@Test
	public void loopsOverAFolderWithBuiltInStandIns() throws Exception {
		String text = new String(Files.readAllBytes(macro), StandardCharsets.UTF_8);
		assertTrue(text.contains("\"Edge Detection...\"") && text.contains("\"High-pass Filter...\""));
		text = text.replace("\"Edge Detection...\"", "\"Find Edges\"")
				.replace("\"High-pass Filter...\"", "\"Gaussian Blur...\"");
		Path standIn = HeadlessProcess.writeMacro(tmp.getRoot().toPath(), "batch-standin.ijm", text);
		Path in = inputFolder();

		// Only the input folder: results go to <input>/convkit-output/.
		HeadlessProcess.Result r = HeadlessProcess.run(standIn, in.toString());
		assertEquals(r.toString(), 0, r.exitCode);
		assertTrue(r.toString(), r.stdout.contains("batch-edges-highpass: 4 images, 8 files written to"));
		Path out = in.resolve("convkit-output");
		for (String name : SAMPLES) {
			ImagePlus source = open(in.resolve(name));
			ImagePlus edges = open(out.resolve(base(name) + "-edges.tif"));
			ImagePlus blurred = open(out.resolve(base(name) + "-highpass.tif"));
			assertSameShape(name, source, edges, source.getBitDepth());
			assertSameShape(name, source, blurred, source.getBitDepth());
			// Each output really went through its command (Find Edges / Gaussian Blur sigma=4).
			assertFalse(name, samePixels(source.getProcessor(), edges.getProcessor()));
			ImageProcessor expected = source.getProcessor().duplicate();
			new GaussianBlur().blurGaussian(expected, 4);
			assertTrue(name + ": the stand-in high-pass should be ImageJ's Gaussian blur, sigma 4",
					samePixels(expected, blurred.getProcessor()));
		}
	}

	@Test
	public void badInputFolderExitsNonZero() throws Exception {
		HeadlessProcess.Result r = HeadlessProcess.run(macro, "input=" + tmp.getRoot() + "/missing output=/tmp/x");
		assertEquals(r.toString(), HeadlessRunner.EXIT_FAILED, r.exitCode);
		assertTrue(r.toString(), r.stdout.contains("input folder not found"));
	}

	/** The real ConvKit commands: Canny gives a binary edge map, the high-pass removes the low frequencies. */
	@Test
	public void cannyEdgesAndHighPassForEveryImage() throws Exception {
		Path in = inputFolder();
		Path out = tmp.getRoot().toPath().resolve("results with space");
		HeadlessProcess.Result r = HeadlessProcess.run(macro, "input=" + in + " output=[" + out + "]");
		assertEquals(r.toString(), 0, r.exitCode);
		assertTrue(r.toString(), r.stdout.contains("batch-edges-highpass: 4 images, 8 files written to"));
		for (String name : SAMPLES) {
			ImagePlus source = open(in.resolve(name));
			ImagePlus edges = open(out.resolve(base(name) + "-edges.tif"));
			assertSameShape(name, source, edges, -1);
			for (int z = 1; z <= edges.getStackSize(); z++)
				assertBinaryWithSomeEdges(name + " slice " + z, edges.getStack().getProcessor(z));

			ImagePlus highPass = open(out.resolve(base(name) + "-highpass.tif"));
			assertSameShape(name, source, highPass, source.getBitDepth());
			// Low frequencies (the cells' bodies, the background gradient) are gone: a wide blur of the
			// result varies much less than the same blur of the input.
			double before = lowFrequencySpread(source.getProcessor()), after = lowFrequencySpread(highPass.getProcessor());
			assertTrue(name + ": low-frequency spread " + before + " -> " + after, after < 0.5 * before);
		}
	}

	private Path inputFolder() throws Exception {
		Path in = tmp.newFolder("in").toPath();
		for (String name : SAMPLES)
			Files.copy(HeadlessProcess.basedir().resolve("sample-images").resolve(name), in.resolve(name));
		Files.write(in.resolve("notes.txt"), "not an image".getBytes(StandardCharsets.UTF_8));
		return in;
	}

	private static void assertSameShape(String name, ImagePlus source, ImagePlus out, int bitDepth) {
		assertEquals(name, source.getWidth(), out.getWidth());
		assertEquals(name, source.getHeight(), out.getHeight());
		assertEquals(name, source.getStackSize(), out.getStackSize());
		if (bitDepth > 0) assertEquals(name, bitDepth, out.getBitDepth());
	}

	/** Only zero and one edge value, with edges on a reasonable fraction of the pixels. */
	private static void assertBinaryWithSomeEdges(String name, ImageProcessor ip) {
		TreeSet<Float> values = new TreeSet<>();
		int edges = 0, n = ip.getPixelCount();
		for (int i = 0; i < n; i++) {
			float v = ip.getf(i);
			values.add(v);
			if (v != 0) edges++;
		}
		assertTrue(name + ": values " + values, values.size() == 2 && values.first() == 0f);
		assertTrue(name + ": " + edges + " edge pixels of " + n, edges > n / 1000 && edges < n / 2);
	}

	private static double lowFrequencySpread(ImageProcessor ip) {
		ImageProcessor grey = ip.convertToFloat();
		new GaussianBlur().blurGaussian(grey, 12);
		return grey.getStats().stdDev;
	}

	private static ImagePlus open(Path p) {
		assertTrue("missing " + p, Files.isRegularFile(p));
		ImagePlus imp = IJ.openImage(p.toString());
		assertNotNull("cannot open " + p, imp);
		return imp;
	}

	private static boolean samePixels(ImageProcessor a, ImageProcessor b) {
		return Arrays.deepEquals(new Object[] {a.getPixels()}, new Object[] {b.getPixels()});
	}

	private static String base(String name) {
		return name.substring(0, name.lastIndexOf('.'));
	}

	/** macros/demo-filters.ijm (the README's montage): every panel is produced and differs from the original. */
	@Test
	public void demoMontageShowsEveryFilter() throws Exception {
		Path png = tmp.getRoot().toPath().resolve("montage.png");
		HeadlessProcess.Result r = HeadlessProcess.run(HeadlessProcess.basedir().resolve("macros/demo-filters.ijm"),
				png.toString());
		assertEquals(r.toString(), 0, r.exitCode);
		ImagePlus montage = IJ.openImage(png.toString());
		assertNotNull("no montage written:\n" + r, montage);
		assertEquals(3 * 256, montage.getWidth());
		assertEquals(2 * 256, montage.getHeight());
		ImageProcessor ip = montage.getProcessor().convertToByte(false);
		ImageProcessor original = crop(ip, 0, 0);
		for (int panel = 1; panel < 6; panel++) {
			ImageProcessor p = crop(ip, panel % 3, panel / 3);
			int differing = 0;
			for (int i = 0; i < 200 * 256; i++) // above the label line
				if (Math.abs(p.get(i) - original.get(i)) > 8) differing++;
			assertTrue("panel " + panel + " looks like the original", differing > 200 * 256 / 10);
		}
	}

	private static ImageProcessor crop(ImageProcessor ip, int column, int row) {
		ip.setRoi(column * 256, row * 256, 256, 256);
		ImageProcessor c = ip.crop();
		ip.resetRoi();
		return c;
	}
}
