package org.convkit.core.io;

import ij.ImageStack;
import ij.process.ByteProcessor;
import ij.process.FloatProcessor;
import ij.process.ImageProcessor;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.PushbackInputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.function.BooleanSupplier;
import java.util.function.IntConsumer;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

/**
 * Reads the IDX format of MNIST and its relatives (Fashion-MNIST, KMNIST, EMNIST), plain or gzipped: a header of
 * two zero bytes, a type byte and a dimension count, then one big-endian int32 per dimension, then the values,
 * big-endian, row-major. Types: 0x08 unsigned byte, 0x09 signed byte, 0x0B int16, 0x0C int32, 0x0D float32,
 * 0x0E float64.
 * <p>
 * Images are files of 3 dimensions (count, rows, columns): unsigned bytes become an 8-bit stack, every other type
 * a 32-bit stack (int32 values beyond 2^24 are rounded, as in any 32-bit image). Labels are files of 1 dimension
 * holding whole numbers ≥ 0.
 * <p>
 * A hostile header cannot make it allocate what the file does not hold: the declared size is checked against the
 * file's length (plain files) and against the memory Java may still use, before any pixel array exists; a gzipped
 * file is read image by image, so a truncated one stops at its end having allocated only what it held. Every
 * problem is an {@link IllegalArgumentException} that names the file and what is wrong.
 */
public final class IdxFiles {
	/** The value types by their IDX code. */
	public enum Type {
		UBYTE(0x08, 1), BYTE(0x09, 1), SHORT(0x0B, 2), INT(0x0C, 4), FLOAT(0x0D, 4), DOUBLE(0x0E, 8);

		public final int code, bytes;

		Type(int code, int bytes) {
			this.code = code;
			this.bytes = bytes;
		}

		static Type of(int code) {
			for (Type t : values())
				if (t.code == code) return t;
			return null;
		}

		/** Value i of a big-endian buffer of this type. */
		double get(ByteBuffer b, int i) {
			switch (this) {
				case UBYTE:
					return b.get(i) & 0xff;
				case BYTE:
					return b.get(i);
				case SHORT:
					return b.getShort(i * 2);
				case INT:
					return b.getInt(i * 4);
				case FLOAT:
					return b.getFloat(i * 4);
				default:
					return b.getDouble(i * 8);
			}
		}
	}

	/** The header: the value type and the dimensions, and where the data start. */
	public static final class Header {
		public final Type type;
		public final int[] dims;
		final int length;

		Header(Type type, int[] dims) {
			this.type = type;
			this.dims = dims;
			this.length = 4 + 4 * dims.length;
		}

		/** The number of values the header declares (Long.MAX_VALUE when that overflows). */
		public long values() {
			long n = 1;
			for (int d : dims) n = product(n, d);
			return n;
		}
	}

	/** Reading progress and Esc: {@code progress} gets the number of images read; null for none. */
	public static final class Monitor {
		final IntConsumer progress;
		final BooleanSupplier cancelled;

		public Monitor(IntConsumer progress, BooleanSupplier cancelled) {
			this.progress = progress;
			this.cancelled = cancelled;
		}
	}

	/** Thrown when the monitor asked to stop. */
	public static final class Cancelled extends RuntimeException {
		Cancelled() {
			super("cancelled", null, false, false);
		}
	}

	private IdxFiles() {}

	/**
	 * The images of an IDX file as a stack (no slice labels).
	 *
	 * @param monitor may be null
	 * @throws IllegalArgumentException for a missing, truncated or malformed file, or one too large for memory
	 * @throws Cancelled                when the monitor said stop
	 */
	public static ImageStack readImages(Path file, Monitor monitor) {
		return read(file, (in, h) -> {
			if (h.dims.length != 3)
				throw bad(file, "an image file has 3 dimensions (count, rows, columns); this one has " + h.dims.length
						+ (h.dims.length == 1 ? " (is it a label file?)" : ""));
			int n = h.dims[0], rows = h.dims[1], cols = h.dims[2];
			if ((long) rows * cols > Integer.MAX_VALUE / 8)
				throw bad(file, "its images of " + cols + "x" + rows + " pixels are too large for ImageJ");
			long pixelBytes = h.type == Type.UBYTE ? 1 : 4;
			requireMemory(file, product(product(n, (long) rows * cols), pixelBytes), n + " images of " + cols + "x"
					+ rows);
			ImageStack stack = new ImageStack(cols, rows);
			int plane = rows * cols;
			byte[] raw = new byte[plane * h.type.bytes];
			for (int i = 0; i < n; i++) {
				if (monitor != null && monitor.cancelled != null && monitor.cancelled.getAsBoolean())
					throw new Cancelled();
				readFully(in, raw, file, h, i, n, "image");
				ImageProcessor ip;
				if (h.type == Type.UBYTE) {
					ip = new ByteProcessor(cols, rows, raw.clone());
				} else {
					ByteBuffer b = ByteBuffer.wrap(raw);
					float[] px = new float[plane];
					for (int p = 0; p < plane; p++) px[p] = (float) h.type.get(b, p);
					ip = new FloatProcessor(cols, rows, px);
				}
				stack.addSlice(null, ip);
				if (monitor != null && monitor.progress != null) monitor.progress.accept(i + 1);
			}
			return stack;
		});
	}

	/**
	 * The labels of a 1-dimensional IDX file: whole numbers ≥ 0 (any value type).
	 *
	 * @throws IllegalArgumentException for a missing, truncated or malformed file, or a label that is not a whole
	 *                                  number ≥ 0
	 */
	public static int[] readLabels(Path file) {
		return read(file, (in, h) -> {
			if (h.dims.length != 1)
				throw bad(file, "a label file has 1 dimension (count); this one has " + h.dims.length
						+ (h.dims.length == 3 ? " (is it an image file?)" : ""));
			int n = h.dims[0];
			requireMemory(file, (long) n * (4 + h.type.bytes), n + " labels");
			byte[] raw = new byte[h.type.bytes];
			int[] labels = new int[Math.min(n, 1 << 16)]; // grows with what the file holds, not what it declares
			for (int i = 0; i < n; i++) {
				readFully(in, raw, file, h, i, n, "label");
				if (i == labels.length) labels = java.util.Arrays.copyOf(labels, (int) Math.min(n, 2L * i));
				double v = h.type.get(ByteBuffer.wrap(raw), 0);
				if (!(v >= 0 && v == Math.rint(v) && v <= Integer.MAX_VALUE))
					throw bad(file, "label " + (i + 1) + " is " + v + "; labels must be whole numbers >= 0");
				labels[i] = (int) v;
			}
			return labels;
		});
	}

	/** The header alone. */
	public static Header header(Path file) {
		return read(file, (in, h) -> h, false);
	}

	private interface Body<T> {
		T read(DataInputStream in, Header h) throws IOException;
	}

	private static <T> T read(Path file, Body<T> body) {
		return read(file, body, true);
	}

	/** @param whole the body reads all the data (then a gzipped file must end there) */
	private static <T> T read(Path file, Body<T> body, boolean whole) {
		try (InputStream raw = Files.newInputStream(file)) {
			PushbackInputStream peek = new PushbackInputStream(new BufferedInputStream(raw, 1 << 16), 2);
			byte[] two = new byte[2];
			int got = peek.readNBytes(two, 0, 2);
			peek.unread(two, 0, got);
			boolean gzip = got == 2 && (two[0] & 0xff) == 0x1f && (two[1] & 0xff) == 0x8b;
			InputStream in = gzip ? new BufferedInputStream(new GZIPInputStream(peek, 1 << 16), 1 << 16) : peek;
			DataInputStream data = new DataInputStream(in);
			Header h = header(data, file);
			if (!gzip) {
				long expected = product(h.values(), h.type.bytes), actual = Files.size(file);
				if (expected < Long.MAX_VALUE) expected += h.length;
				if (actual < expected)
					throw bad(file, "it is truncated: its header declares " + describe(h) + " (" + expected
							+ " bytes with the header) but the file has " + actual + " bytes");
				if (actual > expected)
					throw bad(file, "it has " + (actual - expected) + " bytes more than its header declares ("
							+ describe(h) + "): not an IDX file of this shape");
			}
			T result = body.read(data, h);
			if (whole && gzip && data.read() != -1)
				throw bad(file, "it holds more data than its header declares (" + describe(h) + ")");
			return result;
		} catch (NoSuchFileException e) {
			throw new IllegalArgumentException("The file " + file + " was not found.");
		} catch (ZipException e) {
			throw bad(file, "it is gzipped but damaged (" + e.getMessage() + ")");
		} catch (EOFException e) {
			throw bad(file, "it is truncated (it ends inside " + (e.getMessage() == null ? "the data" : e.getMessage())
					+ ")");
		} catch (IOException e) {
			throw new IllegalArgumentException("The file " + file + " cannot be read: " + e.getMessage());
		}
	}

	private static Header header(DataInputStream in, Path file) throws IOException {
		byte[] magic = new byte[4];
		if (in.readNBytes(magic, 0, 4) < 4)
			throw bad(file, "it is too short for an IDX header (4 bytes of magic number)");
		Type type = Type.of(magic[2] & 0xff);
		int dims = magic[3] & 0xff;
		if (magic[0] != 0 || magic[1] != 0 || type == null || dims < 1)
			throw bad(file, String.format(Locale.ROOT, "its magic number 0x%02X%02X%02X%02X is not IDX's "
					+ "(0x0000TTDD: two zero bytes, a type 08/09/0B/0C/0D/0E and the number of dimensions; "
					+ "MNIST images are 0x00000803, labels 0x00000801)", magic[0], magic[1], magic[2], magic[3]));
		int[] d = new int[dims];
		for (int i = 0; i < dims; i++) {
			try {
				d[i] = in.readInt();
			} catch (EOFException e) {
				throw new EOFException("the header, at dimension " + (i + 1) + " of " + dims);
			}
			if (d[i] < 1)
				throw bad(file, "dimension " + (i + 1) + " of its header is " + d[i] + "; sizes must be at least 1");
		}
		return new Header(type, d);
	}

	private static void readFully(DataInputStream in, byte[] buf, Path file, Header h, int i, int n, String what)
			throws IOException {
		if (in.readNBytes(buf, 0, buf.length) < buf.length)
			throw bad(file, "it is truncated: it ends in " + what + " " + (i + 1) + " of the " + n + " its header "
					+ "declares (" + describe(h) + ")");
	}

	/** Refuses (before anything is allocated) what would not fit in the memory Java may still use. */
	private static void requireMemory(Path file, long bytes, String what) {
		Runtime rt = Runtime.getRuntime();
		long available = rt.maxMemory() - (rt.totalMemory() - rt.freeMemory());
		if (bytes > available * 0.9)
			throw bad(file, "its header declares " + what + ", " + (bytes >> 20) + " MB in memory, more than the "
					+ (available >> 20) + " MB Java may still use (Edit › Options › Memory & Threads)");
	}

	/** a·b for a, b ≥ 0, or Long.MAX_VALUE when it overflows. */
	static long product(long a, long b) {
		long hi = Math.multiplyHigh(a, b), lo = a * b;
		return hi != 0 || lo < 0 ? Long.MAX_VALUE : lo;
	}

	private static String describe(Header h) {
		StringBuilder sb = new StringBuilder();
		for (int d : h.dims) sb.append(sb.length() == 0 ? "" : " x ").append(d);
		return sb + " " + h.type.name().toLowerCase(Locale.ROOT) + " values";
	}

	private static IllegalArgumentException bad(Path file, String what) {
		return new IllegalArgumentException(file.getFileName() + " is not a usable IDX file: " + what + ".");
	}
}
