package org.convkit.app;

import ij.IJ;
import ij.ImagePlus;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

import java.nio.file.Path;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertTrue;

/**
 * macros/demo-inspect.ijm (the README's "Seeing inside" images), run like {@code ./convkit --headless}: it trains
 * a LeNet on the sample cells and writes the four pictures, each of the expected layout and not blank.
 */
public class DemoInspectMacroTest {
	@Rule
	public TemporaryFolder tmp = new TemporaryFolder();

	@Test
	public void theDemoWritesFeatureMapsFiltersGradCamAndDeepDream() throws Exception {
		Path out = tmp.getRoot().toPath();
		HeadlessProcess.Result r = HeadlessProcess.run(HeadlessProcess.basedir().resolve("macros/demo-inspect.ijm"),
				out.toString());
		assertEquals(r.toString(), 0, r.exitCode);
		// 20 conv1 maps of the 252x252 valid region, montage 5 x 4 at 0.76
		check(out.resolve("inspect-feature-maps.png"), 5 * 192, 4 * 192, 2, r);
		// 20 filters of 5x5 at zoom 12 in 10 columns and 2 rows with 2-pixel borders
		check(out.resolve("inspect-filters.png"), 10 * 60 + 18, 2 * 60 + 2, 2, r);
		check(out.resolve("inspect-gradcam.png"), 3 * 160 + 8, 160, 2, r);
		check(out.resolve("inspect-deepdream.png"), 512, 256, 2, r);
	}

	private static void check(Path png, int w, int h, int tolerance, HeadlessProcess.Result r) {
		ImagePlus imp = IJ.openImage(png.toString());
		assertNotNull(png + " not written:\n" + r, imp);
		assertTrue(png + " is " + imp.getWidth() + "x" + imp.getHeight(), Math.abs(imp.getWidth() - w) <= tolerance
				&& Math.abs(imp.getHeight() - h) <= tolerance);
		ij.process.ImageStatistics s = imp.getProcessor().getStatistics();
		assertTrue(png + " is blank", s.stdDev > 5);
	}
}
