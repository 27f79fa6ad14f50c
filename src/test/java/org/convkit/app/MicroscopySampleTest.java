package org.convkit.app;

import ij.IJ;
import ij.ImagePlus;
import ij.gui.Roi;
import ij.io.RoiDecoder;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Enumeration;
import java.util.List;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

/** The committed synthetic microscopy sample is what the seeded generator makes, and is what the README says. */
public class MicroscopySampleTest {
	@Rule
	public TemporaryFolder tmp = new TemporaryFolder();

	private final Path committed = HeadlessProcess.basedir().resolve("sample-images");

	@Test
	public void regeneratingGivesByteIdenticalFiles() throws Exception {
		List<Path> files = MicroscopySample.writeSample(tmp.getRoot().toPath());
		assertEquals(6, files.size());
		for (Path fresh : files)
			assertArrayEquals(fresh.getFileName() + " differs from the committed file: regenerate with "
					+ "MicroscopySample", Files.readAllBytes(committed.resolve(fresh.getFileName())),
					Files.readAllBytes(fresh));
	}

	@Test
	public void theFieldsAreTwoChannel16BitCalibratedWithGroupedRois() throws Exception {
		for (String name : new String[] { MicroscopySample.FIELD1, MicroscopySample.FIELD2 }) {
			ImagePlus imp = IJ.openImage(committed.resolve(name).toString());
			assertEquals(name, 16, imp.getBitDepth());
			assertEquals(name, 2, imp.getNChannels());
			assertEquals(MicroscopySample.SIZE, imp.getWidth());
			assertEquals(MicroscopySample.PIXEL_UM, imp.getCalibration().pixelWidth, 1e-6); // TIFF: a rational
			assertEquals("micron", imp.getCalibration().getUnit());
		}
		List<Roi> one = rois(committed.resolve(MicroscopySample.ROIS1));
		int[] counts = new int[3];
		for (Roi r : one) {
			String cls = r.getName().substring(0, r.getName().indexOf('_'));
			int c = java.util.Arrays.asList(MicroscopySample.CLASSES).indexOf(cls);
			assertEquals(r.getName(), c + 1, r.getGroup());
			counts[c]++;
		}
		assertTrue("a few hundred cells: " + one.size(), one.size() >= 250);
		// 5 : 1 : 20 (apoptotic : mitotic : normal)
		assertEquals(5.0, (double) counts[0] / counts[1], 1.0);
		assertEquals(20.0, (double) counts[2] / counts[1], 3.0);
		List<Roi> background = rois(committed.resolve(MicroscopySample.BACKGROUND1));
		assertTrue(background.size() >= 20);
		for (Roi b : background) {
			assertEquals(MicroscopySample.BACKGROUND_GROUP, b.getGroup());
			assertTrue(b.getName().startsWith("background_"));
			for (Roi cell : one) // on empty background: no cell's centre inside
				assertTrue(b.getName() + " covers " + cell.getName(), !b.contains((int) cell.getContourCentroid()[0],
						(int) cell.getContourCentroid()[1]));
		}
		List<Roi> two = rois(committed.resolve(MicroscopySample.ROIS2));
		List<String> truth = Files.readAllLines(committed.resolve(MicroscopySample.TRUTH2), StandardCharsets.UTF_8);
		assertEquals("roi,class", truth.get(0));
		assertEquals(two.size() + 1, truth.size());
		for (int i = 0; i < two.size(); i++) {
			assertEquals(0, two.get(i).getGroup());
			assertTrue(truth.get(i + 1).startsWith(two.get(i).getName() + ","));
		}
	}

	static List<Roi> rois(Path zip) throws Exception {
		List<Roi> out = new ArrayList<>();
		try (ZipFile z = new ZipFile(zip.toFile())) {
			for (Enumeration<? extends ZipEntry> e = z.entries(); e.hasMoreElements();)
				try (InputStream in = z.getInputStream(e.nextElement())) {
					out.add(RoiDecoder.openFromByteArray(in.readAllBytes()));
				}
		}
		return Collections.unmodifiableList(out);
	}
}
