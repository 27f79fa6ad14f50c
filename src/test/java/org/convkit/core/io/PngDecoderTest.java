package org.convkit.core.io;

import ij.IJ;
import ij.ImagePlus;
import ij.io.FileInfo;
import ij.io.Opener;
import ij.process.ByteProcessor;
import ij.process.ColorProcessor;
import ij.process.ImageProcessor;
import ij.process.ShortProcessor;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.opencv.global.opencv_core;
import org.bytedeco.opencv.global.opencv_imgcodecs;
import org.bytedeco.opencv.global.opencv_imgproc;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Size;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.zip.CRC32;
import java.util.zip.Deflater;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;

/**
 * {@link PngDecoder} against ImageJ's own opener (javax.imageio underneath, an independent decoder): the same
 * processor, pixels, title and file info for every kind it takes, every row filter, awkward sizes, and the files of
 * three encoders (this test's, ImageJ's, libpng's); null for every other PNG, and then {@link ImageFileReader} gives
 * ImageJ's result or its reason as before.
 */
public class PngDecoderTest {
	private static final int GRAY = 0, RGB = 2, PALETTE = 3, GRAY_ALPHA = 4, RGBA = 6;

	@Rule
	public TemporaryFolder tmp = new TemporaryFolder();
	private final Random random = new Random(11);

	@Test
	public void everyKindFilterAndSizeGivesImageJsImage() throws IOException {
		int[][] sizes = { { 1, 1 }, { 1, 6 }, { 7, 1 }, { 5, 3 }, { 33, 17 }, { 64, 40 } };
		int[][] kinds = { { GRAY, 8 }, { GRAY, 16 }, { RGB, 8 } };
		int files = 0;
		for (int[] kind : kinds)
			for (int[] size : sizes)
				for (int filter = -1; filter <= 4; filter++) { // -1: a random filter per row
					Png png = new Png(size[0], size[1], kind[0], kind[1]);
					png.randomPixels(random, filter == 2 || filter == 4); // smooth images give small filtered values too
					png.filter = filter;
					png.idatSplit = 1 + random.nextInt(3);
					String name = "k" + kind[0] + "d" + kind[1] + "_" + size[0] + "x" + size[1] + "f" + filter + ".png";
					assertSameAsImageJ(write(name, png.bytes()), true);
					files++;
				}
		assertEquals(3 * 6 * 6, files);
	}

	/** Files ImageJ itself writes (javax.imageio's encoder, its own filter choice per row). */
	@Test
	public void imageJsOwnPngsAreTaken() throws IOException {
		ByteProcessor gray = new ByteProcessor(45, 31);
		ShortProcessor wide = new ShortProcessor(45, 31);
		ColorProcessor color = new ColorProcessor(45, 31);
		for (int i = 0; i < 45 * 31; i++) {
			gray.set(i, (i * 7 + (i / 45) * 13) & 0xff);
			wide.set(i, (i * 1031) & 0xffff);
			color.set(i, random.nextInt(1 << 24));
		}
		for (ImageProcessor ip : new ImageProcessor[] { gray, wide, color }) {
			Path p = tmp.getRoot().toPath().resolve(ip.getClass().getSimpleName() + ".png");
			IJ.saveAs(new ImagePlus("p", ip), "png", p.toString());
			assertSameAsImageJ(p, true);
		}
	}

	/**
	 * Files libpng writes (through OpenCV, as Python and C++ pipelines export them): its own filter choice per row,
	 * IDAT chunks of 8 KB, compression levels 0 (stored blocks) to 9 and zlib's strategies.
	 */
	@Test
	public void libpngsPngsAreTaken() throws IOException {
		int[][] kinds = { { opencv_core.CV_8UC1, 255 }, { opencv_core.CV_16UC1, 65535 }, { opencv_core.CV_8UC3, 255 } };
		int[][] settings = { { 0, 0 }, { 3, 0 }, { 9, 0 }, { 6, 1 }, { 6, 2 }, { 6, 3 } }; // level, strategy
		for (int[] kind : kinds)
			for (int[] setting : settings) {
				try (Mat m = new Mat(157, 211, kind[0])) {
					opencv_core.randu(m, new Mat(new double[] { 0 }), new Mat(new double[] { kind[1] }));
					try (Mat smooth = new Mat()) { // half the image smooth, so the filters have something to find
						opencv_imgproc.GaussianBlur(m, smooth, new Size(9, 9), 3);
						smooth.rowRange(0, 80).copyTo(m.rowRange(0, 80));
					}
					Path p = tmp.getRoot().toPath().resolve("cv" + kind[0] + "_" + setting[0] + "_" + setting[1] + ".png");
					int[] params = { opencv_imgcodecs.IMWRITE_PNG_COMPRESSION, setting[0],
							opencv_imgcodecs.IMWRITE_PNG_STRATEGY, setting[1] };
					assertTrue(opencv_imgcodecs.imwrite(p.toString(), m, new IntPointer(params)));
					if (setting[0] == 0) assertTrue(p + ": one IDAT chunk", idatChunks(Files.readAllBytes(p)) > 1);
					assertSameAsImageJ(p, true);
				}
			}
	}

	/** Text, time and pixel-size chunks change nothing in ImageJ's image: taken, anywhere before IEND. */
	@Test
	public void harmlessChunksAreTaken() throws IOException {
		Png png = new Png(9, 4, GRAY, 8);
		png.randomPixels(random, false);
		png.before.add(chunk("tEXt", "Comment\0hello".getBytes(StandardCharsets.ISO_8859_1)));
		png.before.add(chunk("pHYs", new byte[] { 0, 0, 0x2e, 0x23, 0, 0, 0x2e, 0x23, 1 }));
		png.after.add(chunk("tIME", new byte[] { 0x07, (byte) 0xea, 12, 2, 10, 0, 0 }));
		png.after.add(chunk("iTXt", "Description\0\0\0\0\0x".getBytes(StandardCharsets.ISO_8859_1)));
		assertSameAsImageJ(write("chunks.png", png.bytes()), true);
	}

	/** What this class leaves to ImageJ: null here, and through ImageFileReader still exactly ImageJ's image. */
	@Test
	public void otherPngsAreLeftToImageJ() throws IOException {
		List<Png> others = new ArrayList<>();
		others.add(new Png(6, 5, PALETTE, 8));
		others.add(new Png(6, 5, GRAY_ALPHA, 8));
		others.add(new Png(6, 5, RGBA, 8));
		others.add(new Png(6, 5, GRAY, 1));
		others.add(new Png(6, 5, GRAY, 4));
		others.add(new Png(6, 5, RGB, 16));
		Png interlaced = new Png(1, 1, GRAY, 8); // one pixel: Adam7's passes are the plain row
		interlaced.interlace = true;
		others.add(interlaced);
		Png transparent = new Png(6, 5, GRAY, 8);
		transparent.before.add(chunk("tRNS", new byte[] { 0, 7 })); // gray 7 transparent: ImageJ paints it white
		others.add(transparent);
		Png gamma = new Png(6, 5, GRAY, 8);
		gamma.before.add(chunk("gAMA", new byte[] { 0, 0, (byte) 0xb1, (byte) 0x8f }));
		others.add(gamma);
		Png palette = new Png(6, 5, RGB, 8); // a suggested palette, allowed in an RGB PNG
		palette.before.add(chunk("PLTE", new byte[] { 1, 2, 3 }));
		others.add(palette);
		for (int i = 0; i < others.size(); i++) {
			Png png = others.get(i);
			png.randomPixels(random, false);
			Path p = write("other" + i + ".png", png.bytes());
			assertSameAsImageJ(p, false);
		}
	}

	/** Anything not well-formed is left to ImageJ's path, which gives the same verdict as before this class. */
	@Test
	public void damagedFilesAreLeftToImageJsPath() throws IOException {
		Png png = new Png(20, 10, GRAY, 8);
		png.randomPixels(random, false);
		byte[] good = png.bytes();
		assertNotNull(PngDecoder.decode(good));

		List<byte[]> bad = new ArrayList<>();
		bad.add(Arrays.copyOf(good, good.length - 1)); // truncated
		bad.add(Arrays.copyOf(good, good.length / 2));
		bad.add(Arrays.copyOf(good, good.length + 1)); // a byte after IEND
		byte[] crc = good.clone();
		crc[30] ^= 1; // a bit of the header's CRC
		bad.add(crc);
		byte[] data = good.clone();
		data[41] ^= 1; // a bit of the first IDAT's data (zlib's checksum no longer matches either)
		bad.add(data);
		Png filter = new Png(20, 10, GRAY, 8);
		filter.randomPixels(random, false);
		filter.badFilterRow = 3;
		bad.add(filter.bytes());
		Png shortData = new Png(20, 10, GRAY, 8);
		shortData.randomPixels(random, false);
		shortData.dataDelta = -1;
		bad.add(shortData.bytes());
		Png longData = new Png(20, 10, GRAY, 8);
		longData.randomPixels(random, false);
		longData.dataDelta = +1;
		bad.add(longData.bytes());
		Png trailing = new Png(20, 10, GRAY, 8);
		trailing.randomPixels(random, false);
		trailing.afterStream = new byte[] { 1, 2, 3 };
		bad.add(trailing.bytes());
		Png split = new Png(20, 10, GRAY, 8); // IDAT, tEXt, IDAT
		split.randomPixels(random, false);
		split.idatSplit = 2;
		split.betweenIdat = chunk("tEXt", "a\0b".getBytes(StandardCharsets.ISO_8859_1));
		bad.add(split.bytes());
		Png noEnd = new Png(20, 10, GRAY, 8);
		noEnd.randomPixels(random, false);
		noEnd.iend = false;
		bad.add(noEnd.bytes());
		Png critical = new Png(20, 10, GRAY, 8);
		critical.randomPixels(random, false);
		critical.before.add(chunk("ABCD", new byte[] { 1 }));
		bad.add(critical.bytes());
		Png headerLast = new Png(20, 10, GRAY, 8);
		headerLast.randomPixels(random, false);
		headerLast.before.add(0, chunk("tEXt", "a\0b".getBytes(StandardCharsets.ISO_8859_1)));
		headerLast.textBeforeHeader = true;
		bad.add(headerLast.bytes());
		// a header claiming 40,000 × 40,000 pixels over 30 bytes of data: refused before anything is allocated
		Png huge = new Png(20, 10, GRAY, 8);
		huge.randomPixels(random, false);
		huge.claimedWidth = huge.claimedHeight = 40_000;
		bad.add(huge.bytes());

		long allocated = allocatedBytes();
		assertNull(PngDecoder.decode(bad.get(bad.size() - 1)));
		allocated = allocatedBytes() - allocated;
		assertTrue("a 40,000 × 40,000 header over 30 bytes allocated " + allocated + " bytes", allocated < (1 << 20));

		for (int i = 0; i < bad.size(); i++) {
			assertNull("damaged file " + i + " was decoded", PngDecoder.decode(bad.get(i)));
			Path p = write("bad" + i + ".png", bad.get(i));
			String before = oldVerdict(p), now;
			try {
				ImagePlus imp = new ImageFileReader().read(p);
				now = describe(imp);
			} catch (IOException e) {
				now = "IOException: " + e.getMessage();
			}
			assertEquals("damaged file " + i, before, now);
		}
	}

	/** Each row filter on one RGB row below a known row, against values worked out from the PNG specification. */
	@Test
	public void unfilterFollowsThePngRules() {
		byte[] up = { 10, 20, 30, (byte) 200, (byte) 250, 5, 0, 1, 2 }, cur = { 1, 2, 3, 4, 10, 6, 7, 8, 9 };
		int[][] expected = { { 1, 2, 3, 4, 10, 6, 7, 8, 9 }, // None
				{ 1, 2, 3, 5, 12, 9, 12, 20, 18 }, // Sub: + the byte one pixel (3 bytes) to the left
				{ 11, 22, 33, 204, 4, 11, 7, 9, 11 }, // Up: + the byte above (250 + 10 wraps to 4)
				{ 6, 12, 18, 107, 141, 17, 60, 79, 18 }, // Average: + floor((left + above) / 2)
				{ 11, 22, 33, 204, 4, 11, 7, 9, 20 } }; // Paeth
		for (int f = 0; f < 5; f++) {
			byte[] raw = new byte[20];
			System.arraycopy(up, 0, raw, 1, 9);
			raw[10] = (byte) f;
			System.arraycopy(cur, 0, raw, 11, 9);
			assertTrue(PngDecoder.unfilter(raw, 2, 9, 3));
			for (int i = 0; i < 9; i++) assertEquals("filter " + f + ", byte " + i, expected[f][i], raw[11 + i] & 0xff);
		}
		// Paeth's ties (left, then above, then above-left). Two rows of two bytes, row 0 = {c, b}; row 1 Paeth-filtered,
		// its first byte decoding to a = 0. Then pa = pc < pb (a = 0, b = 3, c = 2) must give a, not c ...
		byte[] leftBeforeCorner = { 0, 2, 3, 4, (byte) 254, 0 };
		assertTrue(PngDecoder.unfilter(leftBeforeCorner, 2, 2, 1));
		assertEquals(0, leftBeforeCorner[4]);
		assertEquals(0, leftBeforeCorner[5]);
		// ... and pb = pc < pa (a = 0, b = 3, c = 1) must give b, not c
		byte[] aboveBeforeCorner = { 0, 1, 3, 4, (byte) 255, 0 };
		assertTrue(PngDecoder.unfilter(aboveBeforeCorner, 2, 2, 1));
		assertEquals(0, aboveBeforeCorner[4]);
		assertEquals(3, aboveBeforeCorner[5]);
		assertTrue("filter type 5 does not exist", !PngDecoder.unfilter(new byte[] { 5, 1, 2 }, 1, 2, 1));
	}

	private static int idatChunks(byte[] png) {
		int count = 0;
		for (int p = 8; p + 8 <= png.length; ) {
			int length = PngDecoder.readInt(png, p);
			if (new String(png, p + 4, 4, StandardCharsets.ISO_8859_1).equals("IDAT")) count++;
			p += 12 + length;
		}
		return count;
	}

	private static long allocatedBytes() {
		return ((com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean())
				.getThreadAllocatedBytes(Thread.currentThread().getId());
	}

	/** ImageJ's opener and ImageFileReader give the same image; {@code fast}: PngDecoder itself took the file. */
	private void assertSameAsImageJ(Path p, boolean fast) throws IOException {
		Opener opener = new Opener();
		opener.setSilentMode(true);
		ImagePlus expected = opener.openImage(p.toString());
		assertNotNull(p + ": ImageJ could not open the test file", expected);
		ImagePlus decoded = PngDecoder.open(p, Files.size(p));
		if (!fast) {
			assertNull(p + " was decoded here, not left to ImageJ", decoded);
			decoded = new ImageFileReader().read(p);
		}
		assertNotNull(p + " was not decoded", decoded);
		assertEquals(p.toString(), describe(expected), describe(decoded));
		Object e = expected.getProcessor().getPixels(), d = decoded.getProcessor().getPixels();
		if (e instanceof byte[]) assertArrayEquals(p.toString(), (byte[]) e, (byte[]) d);
		else if (e instanceof short[]) assertArrayEquals(p.toString(), (short[]) e, (short[]) d);
		else assertArrayEquals(p.toString(), (int[]) e, (int[]) d);
	}

	/** What a caller can see of an opened image besides its pixels. */
	private static String describe(ImagePlus imp) {
		ImageProcessor ip = imp.getProcessor();
		FileInfo fi = imp.getOriginalFileInfo();
		return imp.getTitle() + " " + ip.getClass().getSimpleName() + " " + imp.getWidth() + "x" + imp.getHeight()
				+ " slices " + imp.getStackSize() + " type " + imp.getType() + " bits " + imp.getBitDepth() + " range "
				+ ip.getMin() + "-" + ip.getMax() + " lut " + ip.isDefaultLut() + "/" + ip.isInvertedLut() + " cal "
				+ imp.getCalibration() + " info " + imp.getInfoProperty() + " props "
				+ Arrays.toString(imp.getPropertiesAsArray()) + " file "
				+ (fi == null ? null : fi.fileFormat + " " + fi.fileName + " " + fi.directory);
	}

	/** The verdict of the reader without PngDecoder: its checks, then ImageJ's opener. */
	private static String oldVerdict(Path p) {
		try {
			return describe(new ImageFileReader(false).read(p));
		} catch (IOException e) {
			return "IOException: " + e.getMessage();
		}
	}

	private Path write(String name, byte[] bytes) throws IOException {
		return Files.write(tmp.getRoot().toPath().resolve(name), bytes);
	}

	static byte[] chunk(String type, byte[] data) {
		ByteArrayOutputStream out = new ByteArrayOutputStream();
		byte[] t = type.getBytes(StandardCharsets.ISO_8859_1);
		writeInt(out, data.length);
		out.write(t, 0, 4);
		out.write(data, 0, data.length);
		CRC32 crc = new CRC32();
		crc.update(t);
		crc.update(data);
		writeInt(out, (int) crc.getValue());
		return out.toByteArray();
	}

	private static void writeInt(ByteArrayOutputStream out, int v) {
		out.write(v >>> 24);
		out.write(v >>> 16);
		out.write(v >>> 8);
		out.write(v);
	}

	/** A PNG written byte by byte, with knobs for each way a file can differ from what PngDecoder takes. */
	static final class Png {
		final int width, height, color, depth;
		byte[] pixels; // unfiltered rows, packed as PNG stores them
		int filter = 0, idatSplit = 1, badFilterRow = -1, dataDelta = 0, claimedWidth = -1, claimedHeight = -1;
		boolean interlace, iend = true, textBeforeHeader;
		byte[] afterStream, betweenIdat;
		final List<byte[]> before = new ArrayList<>(), after = new ArrayList<>();

		Png(int width, int height, int color, int depth) {
			this.width = width;
			this.height = height;
			this.color = color;
			this.depth = depth;
		}

		int channels() {
			return color == RGB ? 3 : color == GRAY_ALPHA ? 2 : color == RGBA ? 4 : 1;
		}

		int rowBytes() {
			return (width * channels() * depth + 7) / 8;
		}

		void randomPixels(Random r, boolean smooth) {
			pixels = new byte[rowBytes() * height];
			if (smooth) {
				for (int i = 0; i < pixels.length; i++) pixels[i] = (byte) (i / 3 + r.nextInt(3));
			} else {
				r.nextBytes(pixels);
			}
			if (color == PALETTE) for (int i = 0; i < pixels.length; i++) pixels[i] &= 3;
			if (color == PALETTE) before.add(chunk("PLTE", new byte[] { 0, 0, 0, 80, 80, 80, (byte) 160, 0, 0, 0, 0,
					(byte) 255 }));
		}

		byte[] bytes() {
			ByteArrayOutputStream out = new ByteArrayOutputStream();
			out.write(new byte[] { (byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n' }, 0, 8);
			ByteArrayOutputStream h = new ByteArrayOutputStream();
			writeInt(h, claimedWidth > 0 ? claimedWidth : width);
			writeInt(h, claimedHeight > 0 ? claimedHeight : height);
			h.write(depth);
			h.write(color);
			h.write(0);
			h.write(0);
			h.write(interlace ? 1 : 0);
			byte[] header = chunk("IHDR", h.toByteArray());
			if (!textBeforeHeader) out.write(header, 0, header.length);
			for (byte[] c : before) {
				out.write(c, 0, c.length);
				if (textBeforeHeader && c == before.get(0)) out.write(header, 0, header.length);
			}
			byte[] stream = deflate(filtered());
			int parts = idatSplit, at = 0;
			for (int k = 0; k < parts; k++) {
				int end = k == parts - 1 ? stream.length : stream.length * (k + 1) / parts;
				byte[] c = chunk("IDAT", Arrays.copyOfRange(stream, at, end));
				out.write(c, 0, c.length);
				if (betweenIdat != null && k == 0) out.write(betweenIdat, 0, betweenIdat.length);
				at = end;
			}
			for (byte[] c : after) out.write(c, 0, c.length);
			if (iend) {
				byte[] c = chunk("IEND", new byte[0]);
				out.write(c, 0, c.length);
			}
			return out.toByteArray();
		}

		private byte[] deflate(byte[] data) {
			Deflater d = new Deflater(6);
			d.setInput(data);
			d.finish();
			byte[] buf = new byte[data.length * 2 + 64];
			int n = d.deflate(buf);
			d.end();
			byte[] out = Arrays.copyOf(buf, n + (afterStream == null ? 0 : afterStream.length));
			if (afterStream != null) System.arraycopy(afterStream, 0, out, n, afterStream.length);
			return out;
		}

		/** Rows with their filter bytes, not interlaced (an interlaced test file is 1×1, where both are the same). */
		private byte[] filtered() {
			int rb = rowBytes(), bpp = Math.max(1, channels() * depth / 8);
			Random r = new Random(width * 31 + height);
			ByteArrayOutputStream out = new ByteArrayOutputStream();
			for (int y = 0; y < height; y++) {
				int f = filter >= 0 ? filter : r.nextInt(5);
				out.write(y == badFilterRow ? 5 : f);
				for (int i = 0; i < rb; i++) {
					int x = pixels[y * rb + i] & 0xff;
					int a = i >= bpp ? pixels[y * rb + i - bpp] & 0xff : 0;
					int b = y > 0 ? pixels[(y - 1) * rb + i] & 0xff : 0;
					int c = i >= bpp && y > 0 ? pixels[(y - 1) * rb + i - bpp] & 0xff : 0;
					// the decoder's own Paeth predictor: ImageJ's reading of the file is the independent check
					int predictor = f == 1 ? a : f == 2 ? b : f == 3 ? (a + b) / 2 : f == 4 ? PngDecoder.paeth(a, b, c)
							: 0;
					out.write((x - predictor) & 0xff);
				}
			}
			byte[] all = out.toByteArray();
			return dataDelta == 0 ? all : Arrays.copyOf(all, all.length + dataDelta);
		}
	}
}
