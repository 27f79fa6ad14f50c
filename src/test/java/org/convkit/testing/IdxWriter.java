package org.convkit.testing;

import ij.ImageStack;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPOutputStream;

/** Writes small IDX files for tests, written here from the format's description (not with ConvKit's reader). */
public final class IdxWriter {
	private IdxWriter() {}

	/** Header bytes: 0, 0, type, dimension count, then each dimension as a big-endian int32. */
	public static byte[] header(int type, int... dims) {
		ByteArrayOutputStream b = new ByteArrayOutputStream();
		try (DataOutputStream out = new DataOutputStream(b)) {
			out.write(new byte[] {0, 0, (byte) type, (byte) dims.length});
			for (int d : dims) out.writeInt(d);
		} catch (IOException e) {
			throw new IllegalStateException(e);
		}
		return b.toByteArray();
	}

	/** An 8-bit stack as MNIST images (type 0x08, count × rows × columns). */
	public static byte[] images(ImageStack stack) {
		ByteArrayOutputStream b = new ByteArrayOutputStream();
		b.writeBytes(header(0x08, stack.getSize(), stack.getHeight(), stack.getWidth()));
		for (int i = 1; i <= stack.getSize(); i++) b.writeBytes((byte[]) stack.getPixels(i));
		return b.toByteArray();
	}

	/** n 8-bit images of random bytes (seeded). */
	public static ImageStack randomStack(int n, int w, int h, long seed) {
		java.util.Random r = new java.util.Random(seed);
		ImageStack s = new ImageStack(w, h);
		for (int i = 0; i < n; i++) {
			byte[] p = new byte[w * h];
			r.nextBytes(p);
			s.addSlice(null, new ij.process.ByteProcessor(w, h, p));
		}
		return s;
	}

	/** Labels as MNIST's (type 0x08, one dimension). */
	public static byte[] labels(int... labels) {
		ByteArrayOutputStream b = new ByteArrayOutputStream();
		b.writeBytes(header(0x08, labels.length));
		for (int l : labels) b.write(l);
		return b.toByteArray();
	}

	public static byte[] concat(byte[]... parts) {
		ByteArrayOutputStream b = new ByteArrayOutputStream();
		for (byte[] p : parts) b.writeBytes(p);
		return b.toByteArray();
	}

	public static byte[] gzip(byte[] data) {
		ByteArrayOutputStream b = new ByteArrayOutputStream();
		try (GZIPOutputStream z = new GZIPOutputStream(b)) {
			z.write(data);
		} catch (IOException e) {
			throw new IllegalStateException(e);
		}
		return b.toByteArray();
	}

	public static Path write(Path file, byte[] data) throws IOException {
		return Files.write(file, data);
	}
}
