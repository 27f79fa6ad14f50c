package org.convkit.core.io;

import org.junit.Test;

import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.MemoryCacheImageInputStream;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.Arrays;
import java.util.Random;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;

/**
 * The in-memory stream answers every call as ImageIO's own stream over the same bytes does
 * ({@code MemoryCacheImageInputStream}): reads of one byte and of many, past the end, seeks back and forth, bit and
 * number reads, skips.
 */
public class ByteArrayImageInputStreamTest {
	@Test
	public void answersAsImageIosOwnStream() throws IOException {
		Random r = new Random(5);
		for (int size : new int[] { 0, 1, 7, 100, 5000 }) {
			byte[] bytes = new byte[size];
			r.nextBytes(bytes);
			try (ImageInputStream ours = new ByteArrayImageInputStream(bytes);
					ImageInputStream theirs = new MemoryCacheImageInputStream(new ByteArrayInputStream(bytes))) {
				for (int op = 0; op < 2000; op++) {
					int kind = r.nextInt(7);
					String what = "size " + size + ", op " + op + " (kind " + kind + ")";
					switch (kind) {
						case 0:
							assertEquals(what, theirs.read(), ours.read());
							break;
						case 1: {
							int len = r.nextInt(300), off = r.nextInt(4);
							byte[] a = new byte[len + 8], b = new byte[len + 8];
							assertEquals(what, theirs.read(a, off, len), ours.read(b, off, len));
							assertArrayEquals(what, a, b);
							break;
						}
						case 2: {
							long to = size == 0 ? 0 : r.nextInt(size + 1);
							theirs.seek(to);
							ours.seek(to);
							break;
						}
						case 3: {
							int bits = 1 + r.nextInt(12);
							long pos = theirs.getStreamPosition();
							if (pos + 2 < size) assertEquals(what, theirs.readBits(bits), ours.readBits(bits));
							break;
						}
						case 4:
							if (theirs.getStreamPosition() + 4 <= size) assertEquals(what, theirs.readInt(), ours.readInt());
							break;
						case 5: {
							int n = r.nextInt(50);
							assertEquals(what, theirs.skipBytes(n), ours.skipBytes(n));
							break;
						}
						default:
							assertEquals(what, theirs.getStreamPosition(), ours.getStreamPosition());
							assertEquals(what, theirs.getBitOffset(), ours.getBitOffset());
					}
				}
				assertEquals(size, ours.length());
			}
		}
	}

	@Test(expected = IndexOutOfBoundsException.class)
	public void aReadOutsideTheCallersArrayIsRefused() throws IOException {
		try (ImageInputStream s = new ByteArrayImageInputStream(new byte[10])) {
			s.read(new byte[4], 2, 3);
		}
	}

	@Test
	public void readsTheWholeFileUnlessHuge() throws IOException {
		java.nio.file.Path f = java.nio.file.Files.createTempFile("convkit", ".bin");
		try {
			byte[] bytes = new byte[300];
			Arrays.fill(bytes, (byte) 9);
			java.nio.file.Files.write(f, bytes);
			try (ImageInputStream s = ByteArrayImageInputStream.of(f, 300)) {
				assertEquals(300, s.length());
				assertEquals(9, s.read());
			}
		} finally {
			java.nio.file.Files.delete(f);
		}
	}
}
