package org.convkit.core.cnn.train;

import ij.ImageStack;
import ij.process.ByteProcessor;
import ij.process.ImageProcessor;
import org.junit.Test;

import java.awt.Font;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Random;
import java.util.Set;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

/** The digit generator behind {@link AccuracyCheck}: seeded, MNIST-shaped, and labelled by what it draws. */
public class DigitsTest {
	private static final Digits.Distortion CLEAN_GEOMETRY = new Digits.Distortion(15, 0.35, 1.35, 34, 4, 0.10, 0,
			0);

	@Test
	public void seededAndLabelledInTurn() {
		Digits d = new Digits();
		ImageStack a = d.stack(30, 5), b = d.stack(30, 5), c = d.stack(30, 6);
		assertEquals(28, a.getWidth());
		assertEquals(28, a.getHeight());
		assertTrue(a.getProcessor(1) instanceof ByteProcessor);
		for (int i = 1; i <= 30; i++) {
			assertEquals(String.valueOf((i - 1) % 10), a.getSliceLabel(i));
			assertArrayEquals((byte[]) a.getPixels(i), (byte[]) b.getPixels(i));
		}
		assertFalse(Arrays.equals((byte[]) a.getPixels(1), (byte[]) c.getPixels(1)));
		Set<String> families = new HashSet<>();
		for (Font f : d.fonts()) families.add(f.getFamily());
		assertTrue("font families: " + families, families.size() >= 3);
	}

	/** MNIST's layout: ink within a 20×20 box, centre of mass at the image centre (13.5, 13.5) to rounding. */
	@Test
	public void fittedIntoTwentyAndCentredByMass() {
		Digits d = new Digits(CLEAN_GEOMETRY);
		Random r = new Random(3);
		for (int i = 0; i < 50; i++) {
			ImageProcessor ip = d.image(i % 10, r);
			int x0 = 28, y0 = 28, x1 = -1, y1 = -1;
			double m = 0, mx = 0, my = 0;
			for (int y = 0; y < 28; y++)
				for (int x = 0; x < 28; x++) {
					int v = ip.get(x, y);
					if (v == 0) continue;
					x0 = Math.min(x0, x);
					x1 = Math.max(x1, x);
					y0 = Math.min(y0, y);
					y1 = Math.max(y1, y);
					m += v;
					mx += v * x;
					my += v * y;
				}
			String what = "digit " + (i % 10) + " #" + i;
			assertTrue(what + " width " + (x1 - x0 + 1), x1 - x0 + 1 <= 20);
			assertTrue(what + " height " + (y1 - y0 + 1), y1 - y0 + 1 <= 20);
			assertTrue(what + " is 20 wide or high", x1 - x0 + 1 >= 19 || y1 - y0 + 1 >= 19);
			assertEquals(what + " centre x", 13.5, mx / m, 0.6);
			assertEquals(what + " centre y", 13.5, my / m, 0.6);
		}
	}

	/**
	 * The pictures carry their labels (a nearest-class-mean classifier is far above chance) but are not trivial
	 * (it is far below perfect; on real MNIST it gets about 82%).
	 */
	@Test
	public void classesDifferButNotTrivially() {
		Digits d = new Digits();
		ImageStack train = d.stack(1000, 11), test = d.stack(500, 12);
		double[][] mean = new double[10][28 * 28];
		for (int i = 1; i <= train.getSize(); i++) {
			byte[] p = (byte[]) train.getPixels(i);
			double[] m = mean[Integer.parseInt(train.getSliceLabel(i))];
			for (int j = 0; j < p.length; j++) m[j] += (p[j] & 0xff) / 100.0;
		}
		int right = 0;
		for (int i = 1; i <= test.getSize(); i++) {
			byte[] p = (byte[]) test.getPixels(i);
			int best = -1;
			double bestD = Double.POSITIVE_INFINITY;
			for (int c = 0; c < 10; c++) {
				double dist = 0;
				for (int j = 0; j < p.length; j++) {
					double e = (p[j] & 0xff) - mean[c][j];
					dist += e * e;
				}
				if (dist < bestD) {
					bestD = dist;
					best = c;
				}
			}
			if (String.valueOf(best).equals(test.getSliceLabel(i))) right++;
		}
		double acc = right / 500.0;
		assertTrue("nearest class mean accuracy " + acc, acc > 0.5 && acc < 0.9);
	}
}
