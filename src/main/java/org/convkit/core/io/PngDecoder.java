package org.convkit.core.io;

import ij.ImagePlus;
import ij.io.FileInfo;
import ij.process.ByteProcessor;
import ij.process.ColorProcessor;
import ij.process.ImageProcessor;
import ij.process.ShortProcessor;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.zip.CRC32;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * A fast path for the PNG files that folders of training images are mostly made of: 8-bit or 16-bit grayscale and
 * 8-bit RGB, not interlaced, without transparency, palette or colour profile. ImageJ opens a PNG through
 * {@code javax.imageio} and AWT, and {@link ImageFileReader} decoded each file once more before that to check it:
 * together about 360 µs of a reader thread per 28×28 file, most of the time a training run spent reading a folder
 * of small PNGs (docs/benchmarks.md). This decoder reads the file once, inflates it with {@code java.util.zip} and
 * undoes the row filters: the same pixels, processor type, title and file info as ImageJ's opener
 * ({@code PngDecoderTest} compares them on every filter type, kind and size it handles).
 * <p>
 * It accepts only a file that is well-formed throughout: the signature, a valid header first, every chunk's CRC, one
 * zlib stream in consecutive IDAT chunks that ends exactly with the image data, IEND last with nothing after it, and
 * besides those only chunks that change neither ImageJ's pixels nor its calibration (text, time, physical pixel
 * size; checked with ImageJ 1.54). Anything else gives null, and the file takes ImageJ's path with its checks and
 * reasons unchanged, so a damaged file is reported exactly as before.
 */
final class PngDecoder {
	private static final long SIGNATURE = 0x89504e470d0a1a0aL;
	private static final int IHDR = 0x49484452, IDAT = 0x49444154, IEND = 0x49454e44;
	/** Ancillary chunks that leave ImageJ's image as it is (tried: pixels, calibration, info and properties). */
	private static final Set<String> HARMLESS = Set.of("tEXt", "zTXt", "iTXt", "tIME", "pHYs");
	/** Larger files take ImageJ's path: the whole file is read into memory here. */
	static final long MAX_FILE_BYTES = 64L << 20;
	/** Deflate cannot expand data by more than about 1032:1; a header that claims more is not believed. */
	private static final long MAX_RATIO = 1032;

	private PngDecoder() {
	}

	/**
	 * The image in {@code file} as ImageJ's opener gives it, or null when the file is not a PNG this class handles
	 * (or cannot be read here): the caller then takes ImageJ's path.
	 *
	 * @param size the file's size, already known to the caller
	 */
	static ImagePlus open(Path file, long size) {
		if (size > MAX_FILE_BYTES) return null;
		ImageProcessor ip;
		try {
			ip = decode(Files.readAllBytes(file));
		} catch (IOException | OutOfMemoryError e) { // ImageJ's path will say what is wrong
			return null;
		}
		if (ip == null) return null;
		// as ImageJ's Opener.openUsingImageIO names the image and fills its file info
		File f = new File(file.toString());
		ImagePlus imp = new ImagePlus(f.getName(), ip);
		FileInfo fi = new FileInfo();
		fi.fileFormat = FileInfo.IMAGEIO;
		fi.fileName = f.getName();
		if (f.getParent() != null) fi.directory = f.getParent() + File.separator;
		imp.setFileInfo(fi);
		return imp;
	}

	/** The pixels of a PNG this class handles, or null (see the class comment). */
	static ImageProcessor decode(byte[] b) {
		if (b.length < 8 || readLong(b, 0) != SIGNATURE) return null;
		Inflater inflater = new Inflater();
		try {
			return decode(b, inflater);
		} catch (DataFormatException e) {
			return null;
		} finally {
			inflater.end();
		}
	}

	private static ImageProcessor decode(byte[] b, Inflater inflater) throws DataFormatException {
		CRC32 crc = new CRC32();
		int width = 0, height = 0, depth = 0, color = 0, bytesPerPixel = 0, rowBytes = 0, expected = 0, produced = 0;
		byte[] raw = null;
		boolean inData = false, dataDone = false, ended = false;
		int p = 8;
		while (!ended && p <= b.length - 12) {
			int length = readInt(b, p), type = readInt(b, p + 4), data = p + 8;
			if (length < 0 || length > b.length - p - 12) return null;
			crc.reset();
			crc.update(b, p + 4, length + 4);
			if ((int) crc.getValue() != readInt(b, data + length)) return null;
			if (raw == null) { // the header comes first
				if (type != IHDR || length != 13) return null;
				width = readInt(b, data);
				height = readInt(b, data + 4);
				depth = b[data + 8];
				color = b[data + 9];
				if (b[data + 10] != 0 || b[data + 11] != 0 || b[data + 12] != 0) return null; // compression, filter, interlace
				if (!(color == 0 && (depth == 8 || depth == 16)) && !(color == 2 && depth == 8)) return null;
				if (width <= 0 || height <= 0 || (long) width * height > Integer.MAX_VALUE) return null;
				bytesPerPixel = (color == 2 ? 3 : 1) * (depth / 8);
				long row = (long) width * bytesPerPixel;
				long total = height * (row + 1);
				if (total > Integer.MAX_VALUE - 16 || total > (long) b.length * MAX_RATIO) return null;
				rowBytes = (int) row;
				expected = (int) total;
				raw = new byte[expected + 1]; // one spare byte: filling it means the stream holds too much
			} else if (type == IDAT) {
				if (dataDone || inflater.finished()) return null; // split data, or data after the stream's end
				inData = true;
				inflater.setInput(b, data, length);
				while (true) {
					int n = inflater.inflate(raw, produced, raw.length - produced);
					produced += n;
					if (produced > expected || inflater.needsDictionary()) return null;
					if (inflater.finished()) {
						if (inflater.getRemaining() > 0) return null;
						break;
					}
					if (inflater.needsInput()) break;
					if (n == 0) return null; // no progress with input and room left (zlib says it cannot happen): no loop
				}
			} else if (type == IEND) {
				if (length != 0) return null;
				ended = true;
			} else if (HARMLESS.contains(chunkName(type))) {
				dataDone |= inData;
			} else {
				return null; // PLTE, tRNS, gAMA, iCCP, sBIT, ... or a chunk this class does not know
			}
			p = data + length + 4;
		}
		if (!ended || p != b.length || !inflater.finished() || produced != expected) return null;
		if (!unfilter(raw, height, rowBytes, bytesPerPixel)) return null;
		return processor(raw, width, height, rowBytes, depth, color);
	}

	/**
	 * Undoes the PNG row filters in place (each row is a filter byte, then {@code rowBytes} bytes); false for a filter
	 * type PNG does not define.
	 */
	static boolean unfilter(byte[] raw, int height, int rowBytes, int bpp) {
		int stride = rowBytes + 1;
		for (int y = 0; y < height; y++) {
			int row = y * stride + 1, up = row - stride; // up is only read when y > 0
			switch (raw[row - 1]) {
				case 0:
					break;
				case 1: // Sub
					for (int i = bpp; i < rowBytes; i++) raw[row + i] += raw[row + i - bpp];
					break;
				case 2: // Up
					if (y > 0) for (int i = 0; i < rowBytes; i++) raw[row + i] += raw[up + i];
					break;
				case 3: // Average
					for (int i = 0; i < rowBytes; i++) {
						int left = i >= bpp ? raw[row + i - bpp] & 0xff : 0, above = y > 0 ? raw[up + i] & 0xff : 0;
						raw[row + i] += (byte) ((left + above) >>> 1);
					}
					break;
				case 4: // Paeth
					for (int i = 0; i < rowBytes; i++) {
						int a = i >= bpp ? raw[row + i - bpp] & 0xff : 0, bUp = y > 0 ? raw[up + i] & 0xff : 0;
						int c = i >= bpp && y > 0 ? raw[up + i - bpp] & 0xff : 0;
						raw[row + i] += (byte) paeth(a, bUp, c);
					}
					break;
				default:
					return false;
			}
		}
		return true;
	}

	/** The Paeth predictor of left {@code a}, above {@code b} and above-left {@code c} (ties: a, then b). */
	static int paeth(int a, int b, int c) {
		int p = a + b - c, pa = Math.abs(p - a), pb = Math.abs(p - b), pc = Math.abs(p - c);
		return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
	}

	/** ImageJ's processor for the kind: 8-bit and 16-bit gray as stored, RGB with an opaque alpha byte. */
	private static ImageProcessor processor(byte[] raw, int width, int height, int rowBytes, int depth, int color) {
		int stride = rowBytes + 1;
		if (color == 2) {
			int[] pixels = new int[width * height];
			for (int y = 0, k = 0; y < height; y++)
				for (int x = 0, i = y * stride + 1; x < width; x++, i += 3)
					pixels[k++] = 0xff000000 | (raw[i] & 0xff) << 16 | (raw[i + 1] & 0xff) << 8 | raw[i + 2] & 0xff;
			return new ColorProcessor(width, height, pixels);
		}
		if (depth == 16) {
			short[] pixels = new short[width * height];
			for (int y = 0, k = 0; y < height; y++)
				for (int x = 0, i = y * stride + 1; x < width; x++, i += 2)
					pixels[k++] = (short) ((raw[i] & 0xff) << 8 | raw[i + 1] & 0xff);
			// setPixels also sets the display range to the data's, as the constructor that takes the pixels (and names
			// an AWT colour model, which the core does not) does
			ShortProcessor sp = new ShortProcessor(width, height);
			sp.setPixels(pixels);
			return sp;
		}
		byte[] pixels = new byte[width * height];
		for (int y = 0; y < height; y++) System.arraycopy(raw, y * stride + 1, pixels, y * width, width);
		return new ByteProcessor(width, height, pixels);
	}

	private static String chunkName(int type) {
		return new String(new char[] { (char) (type >>> 24 & 0xff), (char) (type >>> 16 & 0xff), (char) (type >>> 8 & 0xff),
				(char) (type & 0xff) });
	}

	/** The big-endian int at {@code p} (PNG's byte order). */
	static int readInt(byte[] b, int p) {
		return (b[p] & 0xff) << 24 | (b[p + 1] & 0xff) << 16 | (b[p + 2] & 0xff) << 8 | b[p + 3] & 0xff;
	}

	private static long readLong(byte[] b, int p) {
		return (long) readInt(b, p) << 32 | readInt(b, p + 4) & 0xffffffffL;
	}
}
