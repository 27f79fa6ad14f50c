package org.convkit.core.filter;

import org.convkit.core.image.Region;
import org.convkit.core.kernel.Kernel;
import org.convkit.core.kernel.KernelParser;
import org.junit.Test;

import java.util.Random;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

/** Hand-computed results on a 4x3 image (values 1..12, row-major) for every border mode. */
public class KernelCorrelatorTest {
	/** out(x,y) = in(x, y-1) + 2 in(x+1, y+1): asymmetric, so a flipped kernel or a wrong anchor shows. */
	private static final Kernel A = KernelParser.parse("0 1 0; 0 0 0; 0 0 2");
	/** 2x2, anchor (1,1): out(x,y) = in(x-1, y-1) + 10 in(x, y). */
	private static final Kernel B = KernelParser.parse("1 0; 0 10");

	private static float[] image() {
		float[] p = new float[12];
		for (int i = 0; i < 12; i++) p[i] = i + 1;
		return p;
	}

	private static void check(Kernel k, Border b, float[] expected) {
		float[] p = image();
		KernelCorrelator.apply(p, 4, 3, Region.whole(4, 3), k, b, 100);
		assertArrayEquals(b + " " + k.width() + "x" + k.height(), expected, p, 0f);
	}

	@Test
	public void reflect() {
		check(A, Border.REFLECT, new float[] {17, 20, 23, 22, 21, 24, 27, 26, 17, 20, 23, 22});
		check(B, Border.REFLECT, new float[] {16, 25, 36, 47, 52, 61, 72, 83, 96, 105, 116, 127});
	}

	@Test
	public void replicate() {
		check(A, Border.REPLICATE, new float[] {13, 16, 19, 20, 21, 24, 27, 28, 25, 28, 31, 32});
		check(B, Border.REPLICATE, new float[] {11, 21, 32, 43, 51, 61, 72, 83, 95, 105, 116, 127});
	}

	@Test
	public void constant() {
		check(A, Border.CONSTANT, new float[] {112, 114, 116, 300, 21, 24, 27, 204, 205, 206, 207, 208});
		check(B, Border.CONSTANT, new float[] {110, 120, 130, 140, 150, 61, 72, 83, 190, 105, 116, 127});
	}

	@Test
	public void constantZeroUsesTheSameRule() {
		float[] p = image();
		KernelCorrelator.apply(p, 4, 3, Region.whole(4, 3), A, Border.CONSTANT, 0);
		assertArrayEquals(new float[] {12, 14, 16, 0, 21, 24, 27, 4, 5, 6, 7, 8}, p, 0f);
	}

	@Test
	public void wrap() {
		check(A, Border.WRAP, new float[] {21, 24, 27, 22, 21, 24, 27, 22, 9, 12, 15, 10});
		check(B, Border.WRAP, new float[] {22, 29, 40, 51, 54, 61, 72, 83, 98, 105, 116, 127});
	}

	/** Inside a region the result equals the whole-image result; outside nothing changes. */
	@Test
	public void regionReadsNeighboursOutsideAndWritesOnlyInside() {
		Random r = new Random(7);
		int w = 37, h = 29;
		float[] src = new float[w * h];
		for (int i = 0; i < src.length; i++) src[i] = r.nextFloat() * 10 - 5;
		for (Border b : Border.values()) {
			for (String text : new String[] {"1 2 3; 4 5 6; 7 8 -9", "1 -2; 3 4",
					"0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15; 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 -3"}) {
				Kernel k = KernelParser.parse(text);
				float[] whole = src.clone();
				KernelCorrelator.apply(whole, w, h, Region.whole(w, h), k, b, 2.5);
				for (Region reg : new Region[] {new Region(0, 0, 5, 4), new Region(10, 7, 12, 9),
						new Region(30, 20, 7, 9), new Region(36, 0, 1, 29)}) {
					float[] part = src.clone();
					KernelCorrelator.apply(part, w, h, reg, k, b, 2.5);
					for (int y = 0; y < h; y++)
						for (int x = 0; x < w; x++) {
							boolean in = x >= reg.x && x < reg.x + reg.width && y >= reg.y && y < reg.y + reg.height;
							float expected = in ? whole[y * w + x] : src[y * w + x];
							assertEquals(b + " " + reg + " at " + x + "," + y, expected, part[y * w + x],
									1e-4f * Math.max(1, Math.abs(expected)));
						}
				}
			}
		}
	}

	/** A large kernel takes OpenCV's DFT path; compare with a direct sum on the padded path's rules. */
	@Test
	public void largeKernelMatchesDirectSum() {
		Random r = new Random(11);
		int w = 64, h = 48, kw = 21, kh = 16;
		float[] src = new float[w * h];
		for (int i = 0; i < src.length; i++) src[i] = r.nextFloat();
		double[] kv = new double[kw * kh];
		for (int i = 0; i < kv.length; i++) kv[i] = r.nextGaussian();
		Kernel k = new Kernel(kw, kh, kv);
		for (Border b : Border.values()) {
			float[] out = src.clone();
			KernelCorrelator.apply(out, w, h, Region.whole(w, h), k, b, 0.5);
			// A region goes through the padded path (filter2D on a view of a padded parent), here also with DFT.
			Region reg = new Region(3, 30, 40, 18);
			float[] part = src.clone();
			KernelCorrelator.apply(part, w, h, reg, k, b, 0.5);
			for (int y = reg.y; y < h; y++)
				for (int x = reg.x; x < reg.x + reg.width; x++)
					assertEquals(b + " region at " + x + "," + y, out[y * w + x], part[y * w + x], 1e-4);
			for (int y = 0; y < h; y += 5)
				for (int x = 0; x < w; x += 3) {
					double s = 0;
					for (int j = 0; j < kh; j++)
						for (int i = 0; i < kw; i++) {
							int xx = b.index(x + i - kw / 2, w), yy = b.index(y + j - kh / 2, h);
							s += kv[j * kw + i] * (xx < 0 || yy < 0 ? 0.5 : src[yy * w + xx]);
						}
					assertEquals(b + " at " + x + "," + y, s, out[y * w + x], 1e-3);
				}
		}
	}

	@Test
	public void oneByOneImageWithOneByOneKernel() {
		float[] p = {3};
		KernelCorrelator.apply(p, 1, 1, Region.whole(1, 1), KernelParser.parse("2.5"), Border.REFLECT, 0);
		assertEquals(7.5f, p[0], 0f);
	}

	@Test
	public void kernelLargerThanImageIsRejected() {
		try {
			KernelCorrelator.apply(new float[1], 1, 1, Region.whole(1, 1), A, Border.REFLECT, 0);
			fail("a 3x3 kernel on a 1x1 image must be rejected");
		} catch (IllegalArgumentException e) {
			assertTrue(e.getMessage(), e.getMessage().contains("larger than the image"));
		}
	}

	@Test
	public void borderIndexRules() {
		// Row a b c d (0..3): two pixels left of a, two right of d.
		assertArrayEquals(new int[] {2, 1, 2, 1}, idx(Border.REFLECT));
		assertArrayEquals(new int[] {0, 0, 3, 3}, idx(Border.REPLICATE));
		assertArrayEquals(new int[] {2, 3, 0, 1}, idx(Border.WRAP));
		assertArrayEquals(new int[] {-1, -1, -1, -1}, idx(Border.CONSTANT));
		assertEquals(0, Border.REFLECT.index(-3, 1));
	}

	private static int[] idx(Border b) {
		return new int[] {b.index(-2, 4), b.index(-1, 4), b.index(4, 4), b.index(5, 4)};
	}
}
