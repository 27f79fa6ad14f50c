package org.convkit.core.edges;

import ij.IJ;
import ij.ImagePlus;
import ij.WindowManager;
import ij.process.ColorProcessor;
import org.convkit.testing.MacroHarness;
import org.junit.Test;

import java.nio.file.Paths;

import static org.convkit.core.edges.EdgeDetectorTest.LAPLACE1;
import static org.convkit.core.edges.EdgeDetectorTest.SOBEL3_X;
import static org.convkit.core.edges.EdgeDetectorTest.SOBEL5_X;
import static org.convkit.core.edges.EdgeDetectorTest.correlate;
import static org.convkit.core.edges.EdgeDetectorTest.transpose;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertTrue;

/**
 * Edge Detection on the bundled sample images, run as a macro does, against values computed independently here
 * (plain correlation loops with the textbook kernels, reflect-101 borders as documented).
 */
public class SampleImageEdgesTest {
	private static final String CMD = "Edge Detection...";

	private static ImagePlus sample(String name) {
		String base = System.getProperty("convkit.basedir", ".");
		ImagePlus imp = IJ.openImage(Paths.get(base, "sample-images", name).toString());
		assertNotNull("sample image " + name, imp);
		return imp;
	}

	/** Runs the command and returns the new image it made (found by its documented title). */
	private static ImagePlus result(ImagePlus imp, String options, String suffix) {
		MacroHarness.run(imp, CMD, options);
		String title = imp.getTitle().replaceFirst("\\.[A-Za-z0-9]+$", "") + "-" + suffix;
		ImagePlus out = WindowManager.getImage(title);
		assertNotNull("no image titled " + title, out);
		out.close();
		return out;
	}

	private static void assertMatches(String what, double[] expected, ImagePlus actual) {
		float[] a = (float[]) actual.getProcessor().getPixels();
		double max = 0, worst = 0;
		for (int i = 0; i < expected.length; i++) {
			max = Math.max(max, Math.abs(expected[i]));
			worst = Math.max(worst, Math.abs(expected[i] - a[i]));
		}
		assertTrue(what + ": reference range is empty", max > 10);
		assertTrue(what + ": max difference " + worst + " of range " + max, worst <= 1e-5 * max);
	}

	private static float[] floats(ImagePlus imp) {
		return (float[]) imp.getProcessor().convertToFloatProcessor().getPixels();
	}

	@Test
	public void sobelOnTheEightBitSample() {
		ImagePlus imp = sample("cells-8bit.tif");
		int w = imp.getWidth(), h = imp.getHeight();
		float[] px = floats(imp);
		assertMatches("Sobel X 3", correlate(px, w, h, SOBEL3_X, true),
				result(imp, "method=Sobel output=X ksize=3", "sobel-x"));
		assertMatches("Sobel Y 5", correlate(px, w, h, transpose(SOBEL5_X), true),
				result(imp, "method=Sobel output=Y ksize=5", "sobel-y"));
		double[] dx = correlate(px, w, h, SOBEL3_X, true), dy = correlate(px, w, h, transpose(SOBEL3_X), true);
		double[] mag = new double[dx.length];
		for (int i = 0; i < mag.length; i++) mag[i] = Math.hypot(dx[i], dy[i]);
		assertMatches("Sobel magnitude", mag, result(imp, "method=Sobel output=Magnitude ksize=3", "sobel"));
	}

	@Test
	public void laplacianOnTheSixteenBitSampleUsesRawValues() {
		ImagePlus imp = sample("cells-16bit.tif");
		assertMatches("Laplacian 1", correlate(floats(imp), imp.getWidth(), imp.getHeight(), LAPLACE1, true),
				result(imp, "method=Laplacian ksize=1", "laplacian"));
	}

	@Test
	public void sobelOnTheRgbSampleUsesTheGrayConversion() {
		ImagePlus imp = sample("shapes-rgb.png");
		int w = imp.getWidth(), h = imp.getHeight();
		int[] rgb = (int[]) imp.getProcessor().getPixels();
		double[] weights = ColorProcessor.getWeightingFactors();
		float[] gray = new float[rgb.length];
		for (int i = 0; i < rgb.length; i++) {
			int c = rgb[i];
			gray[i] = (int) (((c >> 16) & 255) * weights[0] + ((c >> 8) & 255) * weights[1] + (c & 255) * weights[2]
					+ 0.5);
		}
		assertMatches("Sobel X on gray", correlate(gray, w, h, SOBEL3_X, true),
				result(imp, "method=Sobel output=X ksize=3", "sobel-x"));
	}

	@Test
	public void cannyOnTheEightBitSampleKeepsOnlyStrongGradients() {
		ImagePlus imp = sample("cells-8bit.tif");
		int w = imp.getWidth(), h = imp.getHeight();
		double low = 30, high = 90;
		byte[] edges = (byte[]) result(imp, "method=Canny low=30 high=90 aperture=3", "canny").getProcessor()
				.getPixels();
		// OpenCV's Canny computes its own Sobel with replicated borders.
		float[] px = floats(imp);
		double[] dx = correlate(px, w, h, SOBEL3_X, false), dy = correlate(px, w, h, transpose(SOBEL3_X), false);
		int count = 0, strongUnmarked = 0;
		for (int i = 0; i < edges.length; i++) {
			double mag = Math.abs(dx[i]) + Math.abs(dy[i]);
			if (edges[i] != 0) {
				assertTrue("only 0 and 255", (edges[i] & 255) == 255);
				assertTrue("edge pixel " + i + " has gradient " + mag + " < low", mag >= low);
				count++;
			} else if (mag >= 4 * high) strongUnmarked++;
		}
		assertTrue("edges on a plausible share of pixels: " + count, count > 0.01 * w * h && count < 0.3 * w * h);
		// Non-maximum suppression removes strong pixels beside an edge, but most strong pixels lie near one.
		assertTrue("edges drawn: " + count + ", strong unmarked: " + strongUnmarked, count > strongUnmarked / 4);
	}
}
