package org.convkit.core.io;

import ij.ImageStack;
import ij.process.ByteProcessor;
import org.convkit.testing.IdxWriter;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;

import static org.convkit.testing.Expect.expectError;
import static org.convkit.testing.IdxWriter.concat;
import static org.convkit.testing.IdxWriter.gzip;
import static org.convkit.testing.IdxWriter.header;
import static org.convkit.testing.IdxWriter.images;
import static org.convkit.testing.IdxWriter.labels;
import static org.convkit.testing.IdxWriter.write;
import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

/**
 * The IDX reader on files written here: round trips of every value type, plain and gzipped; and every bad file —
 * bad magic number, truncated (plain and gzipped, in the header and in the data), extra bytes, damaged gzip,
 * wrong dimensions, bad labels, and headers declaring huge sizes, which must fail without allocating them.
 */
public class IdxFilesTest {
	@Rule
	public TemporaryFolder tmp = new TemporaryFolder();

	private static ImageStack digits(int n, int w, int h) {
		return IdxWriter.randomStack(n, w, h, 1);
	}

	private Path file(String name, byte[] data) throws Exception {
		return write(tmp.getRoot().toPath().resolve(name), data);
	}

	@Test
	public void mnistImagesAndLabelsPlainAndGzipped() throws Exception {
		ImageStack s = digits(7, 5, 3);
		byte[] idx = images(s);
		for (Path p : new Path[] {file("i.idx", idx), file("i.idx.gz", gzip(idx))}) {
			ImageStack back = IdxFiles.readImages(p, null);
			assertEquals(7, back.getSize());
			assertEquals(5, back.getWidth());
			assertEquals(3, back.getHeight());
			assertEquals(8, back.getBitDepth());
			for (int i = 1; i <= 7; i++) assertArrayEquals((byte[]) s.getPixels(i), (byte[]) back.getPixels(i));
		}
		int[] l = {3, 0, 9, 9, 1, 200, 7};
		assertArrayEquals(l, IdxFiles.readLabels(file("l.idx", labels(l))));
		assertArrayEquals(l, IdxFiles.readLabels(file("l.idx.gz", gzip(labels(l)))));
		int[] many = new int[70_000]; // more than the first allocation of the label array
		for (int i = 0; i < many.length; i++) many[i] = i % 10;
		assertArrayEquals(many, IdxFiles.readLabels(file("many.gz", gzip(labels(many)))));
	}

	@Test
	public void everyValueTypeBecomes32Bit() throws Exception {
		double[] v = {-3, 0, 2.5, 1e6 + 1, -128, 127};
		int[] types = {0x09, 0x0B, 0x0C, 0x0D, 0x0E};
		for (int t : types) {
			ByteArrayOutputStream b = new ByteArrayOutputStream();
			DataOutputStream out = new DataOutputStream(b);
			out.write(header(t, 1, 2, 3));
			double[] expected = new double[6];
			for (int i = 0; i < 6; i++) {
				switch (t) {
					case 0x09: out.writeByte((int) Math.max(-128, Math.min(127, v[i]))); expected[i] = Math.max(-128, Math.min(127, (int) v[i])); break;
					case 0x0B: out.writeShort((short) v[i]); expected[i] = (short) v[i]; break;
					case 0x0C: out.writeInt((int) v[i]); expected[i] = (int) v[i]; break;
					case 0x0D: out.writeFloat((float) v[i]); expected[i] = (float) v[i]; break;
					default: out.writeDouble(v[i]); expected[i] = v[i];
				}
			}
			ImageStack s = IdxFiles.readImages(file("t" + t, b.toByteArray()), null);
			assertEquals(32, s.getBitDepth());
			assertEquals(3, s.getWidth());
			float[] px = (float[]) s.getPixels(1);
			for (int i = 0; i < 6; i++) assertEquals("type " + t + " value " + i, expected[i], px[i], 1e-9);
		}
	}

	@Test
	public void badMagicNumbers() throws Exception {
		byte[] good = images(digits(2, 2, 2));
		for (int[] change : new int[][] {{0, 1}, {1, 8}, {2, 0x07}, {2, 0x0A}, {3, 0}}) {
			byte[] b = good.clone();
			b[change[0]] = (byte) change[1];
			Path p = file("m" + change[0] + change[1], b);
			expectError(() -> IdxFiles.readImages(p, null), "magic number", "is not IDX's");
		}
		Path png = file("x.png", new byte[] {(byte) 0x89, 'P', 'N', 'G', 13, 10, 26, 10});
		expectError(() -> IdxFiles.readImages(png, null), "x.png is not a usable IDX file", "0x89504E47");
		Path empty = file("empty", new byte[0]);
		expectError(() -> IdxFiles.readImages(empty, null), "too short for an IDX header");
	}

	@Test
	public void truncatedAndExtraBytes() throws Exception {
		byte[] good = images(digits(4, 3, 3));
		Path cut = file("cut", Arrays.copyOf(good, good.length - 5));
		expectError(() -> IdxFiles.readImages(cut, null), "truncated", "4 x 3 x 3 ubyte values");
		Path cutHeader = file("cuth", Arrays.copyOf(good, 9));
		expectError(() -> IdxFiles.readImages(cutHeader, null), "truncated");
		Path cutGz = file("cut.gz", gzip(Arrays.copyOf(good, good.length - 5)));
		expectError(() -> IdxFiles.readImages(cutGz, null), "truncated: it ends in image 4 of the 4");
		Path cutGzHeader = file("cuth.gz", gzip(Arrays.copyOf(good, 10)));
		expectError(() -> IdxFiles.readImages(cutGzHeader, null), "truncated", "dimension 2 of 3");
		byte[] gz = gzip(good);
		Path damaged = file("damaged.gz", Arrays.copyOf(gz, gz.length - 12));
		expectError(() -> IdxFiles.readImages(damaged, null), "damaged.gz is not a usable IDX file");
		Path extra = file("extra", concat(good, new byte[] {1, 2}));
		expectError(() -> IdxFiles.readImages(extra, null), "2 bytes more than its header declares");
		Path extraGz = file("extra.gz", gzip(concat(good, new byte[] {1})));
		expectError(() -> IdxFiles.readImages(extraGz, null), "more data than its header declares");
		Path labelsCut = file("lcut", Arrays.copyOf(labels(1, 2, 3), 10));
		expectError(() -> IdxFiles.readLabels(labelsCut), "truncated");
	}

	@Test
	public void wrongShapesAndLabels() throws Exception {
		Path l = file("l", labels(1, 2));
		expectError(() -> IdxFiles.readImages(l, null), "has 1 (is it a label file?)");
		Path i = file("i", images(digits(2, 2, 2)));
		expectError(() -> IdxFiles.readLabels(i), "has 3 (is it an image file?)");
		Path zero = file("zero", header(0x08, 0, 28, 28));
		expectError(() -> IdxFiles.readImages(zero, null), "dimension 1 of its header is 0");
		Path negative = file("neg", header(0x08, 2, -28, 28));
		expectError(() -> IdxFiles.readImages(negative, null), "dimension 2 of its header is -28");
		ByteArrayOutputStream b = new ByteArrayOutputStream();
		DataOutputStream out = new DataOutputStream(b);
		out.write(header(0x0D, 3));
		out.writeFloat(1);
		out.writeFloat(-2);
		out.writeFloat(0.5f);
		Path bad = file("badlabels", b.toByteArray());
		expectError(() -> IdxFiles.readLabels(bad), "label 2 is -2.0; labels must be whole numbers >= 0");
		expectError(() -> IdxFiles.readImages(tmp.getRoot().toPath().resolve("missing.idx"), null), "not found");
	}

	private static long allocatedByThisThread() {
		return ((com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean()).getThreadAllocatedBytes(
				Thread.currentThread().getId());
	}

	/** Headers that declare more than the file holds fail without allocating the declared size. */
	@Test
	public void hugeDeclaredSizesAreNotAllocated() throws Exception {
		byte[] data = new byte[5 * 28 * 28];
		Path plain = file("huge", concat(header(0x08, Integer.MAX_VALUE, 28, 28), data));
		Path gz = file("huge.gz", gzip(concat(header(0x08, 200_000, 28, 28), data))); // 157 MB declared
		Path gzLabels = file("hugel.gz", gzip(concat(header(0x08, 500_000_000), new byte[10])));
		Path gzOneImage = file("big1.gz", gzip(concat(header(0x08, 1, 65535, 65535), data)));
		Path gzOverflow = file("over.gz", gzip(concat(header(0x0E, Integer.MAX_VALUE, 1000, 1000), data)));
		long before = allocatedByThisThread();
		expectError(() -> IdxFiles.readImages(plain, null), "truncated");
		expectError(() -> IdxFiles.readImages(gz, null), "truncated: it ends in image 6 of the 200000");
		expectError(() -> IdxFiles.readLabels(gzLabels), "truncated: it ends in label 11 of the 500000000");
		expectError(() -> IdxFiles.readImages(gzOneImage, null), "too large for ImageJ");
		expectError(() -> IdxFiles.readImages(gzOverflow, null), "MB in memory");
		long allocated = allocatedByThisThread() - before;
		assertTrue("allocated " + (allocated >> 20) + " MB for files holding a few KB", allocated < 20 << 20);
	}

	@Test
	public void progressAndCancel() throws Exception {
		Path p = file("p", images(digits(5, 2, 2)));
		int[] last = {0};
		IdxFiles.readImages(p, new IdxFiles.Monitor(i -> last[0] = i, () -> false));
		assertEquals(5, last[0]);
		try {
			IdxFiles.readImages(p, new IdxFiles.Monitor(null, () -> true));
			throw new AssertionError("not cancelled");
		} catch (IdxFiles.Cancelled expected) {
			// stopped before the first image
		}
	}
}
