package org.convkit.app;

import ij.IJ;
import ij.ImagePlus;
import ij.gui.Roi;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

/** macros/microscopy-rois.ijm headless on the committed synthetic sample (fewer epochs, a coarser map). */
public class MicroscopyMacroTest {
	@Rule
	public TemporaryFolder tmp = new TemporaryFolder();

	@Test
	public void trainsFromRoisClassifiesTheSecondFieldAndWritesTheMaps() throws Exception {
		Path out = tmp.getRoot().toPath().resolve("results"), model = tmp.getRoot().toPath().resolve("cells.zip");
		HeadlessProcess.Result r = HeadlessProcess.run(HeadlessProcess.basedir().resolve("macros/microscopy-rois.ijm"),
				"model=[" + model + "] output=[" + out + "] epochs=6 stride=8");
		assertEquals(r.toString(), 0, r.exitCode);
		Matcher m = Pattern.compile("field 2: (\\d+) of (\\d+) ROIs classified").matcher(r.stdout);
		assertTrue(r.toString(), m.find());
		double accuracy = Double.parseDouble(m.group(1)) / Double.parseDouble(m.group(2));
		assertTrue("accuracy on field 2: " + accuracy, accuracy >= 0.9);
		assertTrue(Files.isRegularFile(model));

		List<Roi> rois = MicroscopySampleTest.rois(out.resolve("field2-rois.zip"));
		assertEquals(Integer.parseInt(m.group(2)), rois.size());
		for (Roi roi : rois) assertTrue(roi.getName(), roi.getGroup() >= 1 && roi.getGroup() <= 4);
		ImagePlus probabilities = IJ.openImage(out.resolve("field2-probabilities.tif").toString());
		assertEquals(32, probabilities.getBitDepth());
		assertEquals("apoptotic, mitotic, normal, background", 4, probabilities.getNChannels());
		assertEquals(512, probabilities.getWidth());
		assertEquals(MicroscopySample.PIXEL_UM, probabilities.getCalibration().pixelWidth, 1e-6);
		ImagePlus classes = IJ.openImage(out.resolve("field2-classes.tif").toString());
		assertEquals(8, classes.getBitDepth());
		assertEquals(512, classes.getHeight());
	}
}
