package org.convkit.core.kernel;

import ij.plugin.TextReader;
import ij.process.ImageProcessor;
import org.junit.Before;
import org.junit.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.StringTokenizer;
import java.util.stream.Stream;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

public class KernelFilesTest {
	private Path dir;

	@Before
	public void makeDir() throws Exception {
		dir = Files.createTempDirectory("convkit-kernels");
		dir.toFile().deleteOnExit();
	}

	private static final Kernel K = new Kernel(3, 2, new double[] {1.0 / 9, -0.5, 1e-7, 24, -1, 0.25});

	@Test
	public void aBinaryFileIsNamedAsSuchAndItsBytesAreNotEchoed() throws Exception {
		byte[] noise = new byte[300];
		new java.util.Random(1).nextBytes(noise);
		noise[0] = '1'; // starts like a number
		Path f = Files.write(dir.resolve("noise.txt"), noise);
		try {
			KernelFiles.read(f);
			fail("read random bytes as a kernel");
		} catch (IllegalArgumentException e) {
			assertTrue(e.getMessage(), e.getMessage().contains("is not a text file (it holds binary data)"));
			assertTrue(e.getMessage(), e.getMessage().chars().allMatch(c -> c >= 32 && c < 0xFFFD));
		}
		// text with a stray control character inside a token, and a very long token
		Files.write(f, ("1 2 x\u0007y\n3 4 " + "z".repeat(500) + "\n").getBytes(StandardCharsets.UTF_8));
		try {
			KernelFiles.read(f);
			fail();
		} catch (IllegalArgumentException e) {
			assertTrue(e.getMessage(), e.getMessage().contains("binary"));
		}
		try {
			KernelParser.parse("1 2 3\n4 5 " + "z".repeat(500));
			fail();
		} catch (IllegalArgumentException e) {
			assertTrue(e.getMessage(), e.getMessage().contains("'" + "z".repeat(40) + "...'"));
			assertTrue(e.getMessage(), e.getMessage().length() < 200);
		}
	}

	@Test
	public void roundTrip() {
		Path f = dir.resolve("k.txt");
		KernelFiles.write(f, K, false);
		assertEquals(K, KernelFiles.read(f));
	}

	/** ImageJ's Convolver opens kernel files with TextReader, and parses its text with Double per token. */
	@Test
	public void savedFileReadsInImageJ() throws Exception {
		Path f = dir.resolve("k.txt");
		KernelFiles.write(f, K, false);
		ImageProcessor ip = new TextReader().open(f.toString());
		assertEquals(3, ip.getWidth());
		assertEquals(2, ip.getHeight());
		for (int y = 0; y < 2; y++)
			for (int x = 0; x < 3; x++) assertEquals((float) K.get(x, y), ip.getPixelValue(x, y), 0f);
		StringTokenizer st = new StringTokenizer(new String(Files.readAllBytes(f), StandardCharsets.UTF_8));
		double[] tokens = new double[st.countTokens()];
		for (int i = 0; i < tokens.length; i++) tokens[i] = Double.parseDouble(st.nextToken());
		assertArrayEquals(K.values(), tokens, 0);
	}

	/** Convolve's "Save..." writes its text area plus a new line; its "Open..." accepts tabs and commas too. */
	@Test
	public void convolveFormatReadsIntoConvKit() throws Exception {
		Path f = dir.resolve("convolve.txt");
		Files.write(f, ("-1 -1 -1 -1 -1\n-1 -1 -1 -1 -1\n-1 -1 24 -1 -1\n-1 -1 -1 -1 -1\n-1 -1 -1 -1 -1\n\n")
				.getBytes(StandardCharsets.UTF_8));
		Kernel k = KernelFiles.read(f);
		assertEquals(5, k.width());
		assertEquals(5, k.height());
		assertEquals(24, k.get(2, 2), 0);
		assertEquals(0, k.sum(), 0);
		Files.write(f, "0.25\t0.5\r\n0.125,0.125\r\n".getBytes(StandardCharsets.UTF_8));
		assertArrayEquals(new double[] {0.25, 0.5, 0.125, 0.125}, KernelFiles.read(f).values(), 0);
	}

	@Test
	public void neverOverwritesUnasked() throws Exception {
		Path f = dir.resolve("k.txt");
		Files.write(f, "keep me\n".getBytes(StandardCharsets.UTF_8));
		try {
			KernelFiles.write(f, K, false);
			fail("an existing file must not be overwritten");
		} catch (IllegalArgumentException e) {
			assertTrue(e.getMessage(), e.getMessage().contains("not overwritten"));
		}
		assertEquals("keep me\n", new String(Files.readAllBytes(f), StandardCharsets.UTF_8));
		KernelFiles.write(f, K, true);
		assertEquals(K, KernelFiles.read(f));
		try (Stream<Path> files = Files.list(dir)) {
			assertEquals("no temporary files left", 1, files.count());
		}
	}

	@Test
	public void missingOrBadFile() throws Exception {
		try {
			KernelFiles.read(dir.resolve("none.txt"));
			fail();
		} catch (IllegalArgumentException e) {
			assertTrue(e.getMessage(), e.getMessage().contains("not found"));
		}
		Path f = dir.resolve("bad.txt");
		Files.write(f, "1 2\n3 x\n".getBytes(StandardCharsets.UTF_8));
		try {
			KernelFiles.read(f);
			fail();
		} catch (IllegalArgumentException e) {
			assertTrue(e.getMessage(), e.getMessage().contains("'x' (row 2)"));
		}
	}
}
