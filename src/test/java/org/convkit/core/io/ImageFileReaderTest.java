package org.convkit.core.io;

import ij.IJ;
import ij.ImagePlus;
import ij.process.ByteProcessor;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

/** Each broken file gives its own reason, a good one ImageJ's pixels; ImageJ's opener never sees a broken file. */
public class ImageFileReaderTest {
	@Rule
	public TemporaryFolder tmp = new TemporaryFolder();

	@Test
	public void aGoodPngGivesImageJsPixels() throws IOException {
		Path png = png("good.png");
		ImagePlus imp = new ImageFileReader().read(png);
		assertArrayEquals((byte[]) IJ.openImage(png.toString()).getProcessor().getPixels(),
				(byte[]) imp.getProcessor().getPixels());
	}

	@Test
	public void eachBrokenFileGivesItsReason() throws IOException {
		byte[] good = Files.readAllBytes(png("good.png"));
		byte[] noise = new byte[4000];
		new Random(1).nextBytes(noise);
		assertReason(Files.write(tmp.getRoot().toPath().resolve("half.png"), Arrays.copyOf(good, good.length / 2)),
				"a damaged PNG");
		assertReason(Files.write(tmp.getRoot().toPath().resolve("noise.png"), noise),
				"not an image ImageJ can read (unknown format, although its name ends like an image's: damaged?)");
		assertReason(Files.write(tmp.getRoot().toPath().resolve("notes.txt"), "hello\n".getBytes(StandardCharsets.UTF_8)),
				"not an image ImageJ can read (a text file)");
		Path tif = tmp.getRoot().toPath().resolve("good.tif");
		IJ.saveAsTiff(new ImagePlus("t", ramp()), tif.toString());
		byte[] t = Files.readAllBytes(tif);
		assertReason(Files.write(tmp.getRoot().toPath().resolve("half.tif"), Arrays.copyOf(t, t.length / 2)),
				"a truncated TIFF");
	}

	/** The reader remembers checked files by path, size and time: one rewritten since is checked again. */
	@Test
	public void aFileRewrittenAfterItWasCheckedIsCheckedAgain() throws IOException {
		Path png = png("good.png");
		byte[] good = Files.readAllBytes(png);
		ImageFileReader reader = new ImageFileReader();
		assertEquals(64, reader.read(png).getWidth());
		Files.write(png, Arrays.copyOf(good, good.length / 2));
		try {
			reader.read(png);
			fail("the damaged file was read");
		} catch (IOException e) {
			assertTrue(e.getMessage(), e.getMessage().startsWith("a damaged PNG"));
		}
	}

	private void assertReason(Path file, String reason) {
		try {
			new ImageFileReader().read(file);
			fail(file + " was read");
		} catch (IOException e) {
			assertTrue(file.getFileName() + ": " + e.getMessage(), e.getMessage().startsWith(reason));
		}
	}

	private Path png(String name) {
		Path p = tmp.getRoot().toPath().resolve(name);
		IJ.saveAs(new ImagePlus("p", ramp()), "png", p.toString());
		return p;
	}

	private static ByteProcessor ramp() {
		ByteProcessor bp = new ByteProcessor(64, 48);
		for (int i = 0; i < 64 * 48; i++) bp.set(i, (i * 7) & 0xff);
		return bp;
	}
}
