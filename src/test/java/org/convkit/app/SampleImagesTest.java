package org.convkit.app;

import ij.IJ;
import ij.ImagePlus;
import ij.process.ImageStatistics;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

/** The committed sample images are exactly what the seeded generator makes, and look like what they claim. */
public class SampleImagesTest {
	@Rule
	public TemporaryFolder tmp = new TemporaryFolder();

	private final Path committed = HeadlessProcess.basedir().resolve("sample-images");

	@Test
	public void regeneratingGivesByteIdenticalFiles() throws Exception {
		List<Path> files = SampleImages.writeAll(tmp.getRoot().toPath());
		assertEquals(4, files.size());
		for (Path fresh : files) {
			Path old = committed.resolve(fresh.getFileName());
			assertTrue("missing " + old, Files.isRegularFile(old));
			assertArrayEquals(fresh.getFileName() + " differs from the committed file: regenerate with SampleImages",
					Files.readAllBytes(old), Files.readAllBytes(fresh));
			assertTrue(old + " should stay small", Files.size(old) < 300 * 1024);
		}
	}

	@Test
	public void cellClassesRegenerateByteIdentically() throws Exception {
		Path fresh = tmp.getRoot().toPath().resolve(SampleImages.CELL_CLASSES);
		List<Path> files = SampleImages.writeCellClasses(fresh);
		int perClass = SampleImages.CELLS_PER_CLASS_TRAIN + SampleImages.CELLS_PER_CLASS_TEST;
		assertEquals(SampleImages.CELL_CLASS_NAMES.length * perClass, files.size());
		Path old = committed.resolve(SampleImages.CELL_CLASSES);
		try (java.util.stream.Stream<Path> s = Files.walk(old)) {
			assertEquals("committed files", files.size(), s.filter(Files::isRegularFile).count());
		}
		for (Path f : files) {
			Path o = old.resolve(fresh.relativize(f));
			assertTrue("missing " + o, Files.isRegularFile(o));
			assertArrayEquals(o + " differs: regenerate with SampleImages", Files.readAllBytes(o), Files.readAllBytes(f));
			ImagePlus imp = IJ.openImage(o.toString());
			assertEquals(o.toString(), 8, imp.getBitDepth());
			assertEquals(o.toString(), SampleImages.CELL_SIZE, imp.getWidth());
		}
	}

	@Test
	public void imagesHaveTheDocumentedTypesAndContent() {
		check(SampleImages.CELLS_8BIT, 8, 256, 256, 1);
		check(SampleImages.CELLS_16BIT, 16, 256, 256, 1);
		check(SampleImages.CELLS_STACK, 8, 128, 128, 5);
		check(SampleImages.SHAPES_RGB, 24, 256, 256, 1);
	}

	@Test
	public void stackSlicesDifferOnlyByDriftAndNoise() {
		ImagePlus imp = IJ.openImage(committed.resolve(SampleImages.CELLS_STACK).toString());
		byte[] first = (byte[]) imp.getStack().getPixels(1), second = (byte[]) imp.getStack().getPixels(2);
		assertTrue("slices must not be copies", !java.util.Arrays.equals(first, second));
	}

	private void check(String name, int bitDepth, int w, int h, int slices) {
		ImagePlus imp = IJ.openImage(committed.resolve(name).toString());
		assertEquals(name, bitDepth, imp.getBitDepth());
		assertEquals(name, w, imp.getWidth());
		assertEquals(name, h, imp.getHeight());
		assertEquals(name, slices, imp.getStackSize());
		ImageStatistics s = imp.getProcessor().getStats();
		// A real scene: bright objects well above a dim background, and noise (many distinct values).
		assertTrue(name + " contrast " + s.min + ".." + s.max, s.max - s.min > (bitDepth == 16 ? 2000 : 150));
		assertTrue(name + " should have objects covering part of the field", s.mean < s.max / 2.0);
		assertTrue(name + " stdDev " + s.stdDev, s.stdDev > (bitDepth == 16 ? 200 : 15));
	}
}
