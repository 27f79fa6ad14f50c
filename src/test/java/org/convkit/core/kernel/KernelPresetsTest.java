package org.convkit.core.kernel;

import org.convkit.core.filter.Border;
import org.convkit.core.filter.KernelCorrelator;
import org.convkit.core.image.Region;
import org.junit.Test;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

public class KernelPresetsTest {
	/** The documented values, row-major; the code keeps them as text, so this table is independent. */
	private static final Map<String, double[]> TABLE = new LinkedHashMap<>();

	static {
		TABLE.put("Identity", new double[] {0, 0, 0, 0, 1, 0, 0, 0, 0});
		double n = 1.0 / 9;
		TABLE.put("Box blur 3x3", new double[] {n, n, n, n, n, n, n, n, n});
		double[] g = {1, 4, 6, 4, 1};
		double[] gauss = new double[25];
		for (int i = 0; i < 25; i++) gauss[i] = g[i / 5] * g[i % 5] / 256;
		TABLE.put("Gaussian 5x5", gauss);
		TABLE.put("Sharpen", new double[] {0, -1, 0, -1, 5, -1, 0, -1, 0});
		TABLE.put("High-pass 3x3", new double[] {-1, -1, -1, -1, 8, -1, -1, -1, -1});
		TABLE.put("Laplacian 4-neighbour", new double[] {0, 1, 0, 1, -4, 1, 0, 1, 0});
		TABLE.put("Laplacian 8-neighbour", new double[] {1, 1, 1, 1, -8, 1, 1, 1, 1});
		TABLE.put("Sobel X", new double[] {-1, 0, 1, -2, 0, 2, -1, 0, 1});
		TABLE.put("Sobel Y", new double[] {-1, -2, -1, 0, 0, 0, 1, 2, 1});
		TABLE.put("Scharr X", new double[] {-3, 0, 3, -10, 0, 10, -3, 0, 3});
		TABLE.put("Scharr Y", new double[] {-3, -10, -3, 0, 0, 0, 3, 10, 3});
		TABLE.put("Prewitt X", new double[] {-1, 0, 1, -1, 0, 1, -1, 0, 1});
		TABLE.put("Prewitt Y", new double[] {-1, -1, -1, 0, 0, 0, 1, 1, 1});
		TABLE.put("Emboss", new double[] {-2, -1, 0, -1, 1, 1, 0, 1, 2});
	}

	@Test
	public void everyPresetMatchesTheTable() {
		for (Map.Entry<String, double[]> e : TABLE.entrySet()) {
			Kernel k = KernelPresets.get(e.getKey());
			int side = (int) Math.sqrt(e.getValue().length);
			assertEquals(e.getKey(), side, k.width());
			assertEquals(e.getKey(), side, k.height());
			assertArrayEquals(e.getKey(), e.getValue(), k.values(), 1e-15);
		}
	}

	@Test
	public void namesAreTheTableThenCustom() {
		String[] expected = TABLE.keySet().toArray(new String[TABLE.size() + 1]);
		expected[TABLE.size()] = KernelPresets.CUSTOM;
		assertEquals(Arrays.asList(expected), KernelPresets.names());
		assertTrue(KernelPresets.isCustom("custom"));
		assertEquals("Sobel X", KernelPresets.canonical("sobel x"));
	}

	@Test
	public void sobelXOnARampIsConstant() {
		int w = 9, h = 6;
		float[] p = new float[w * h];
		for (int y = 0; y < h; y++)
			for (int x = 0; x < w; x++) p[y * w + x] = 3 * x + 7 * y; // slope 3 along x
		float[] sx = p.clone();
		KernelCorrelator.apply(sx, w, h, Region.whole(w, h), KernelPresets.get("Sobel X"), Border.REFLECT, 0);
		float[] sy = p.clone();
		KernelCorrelator.apply(sy, w, h, Region.whole(w, h), KernelPresets.get("Sobel Y"), Border.REFLECT, 0);
		for (int y = 1; y < h - 1; y++)
			for (int x = 1; x < w - 1; x++) {
				assertEquals(8 * 3, sx[y * w + x], 0f); // (1+2+1) * 2 * slope
				assertEquals(8 * 7, sy[y * w + x], 0f);
			}
		// Reflect mirrors the ramp at the edges: the gradient there is 0.
		assertEquals(0, sx[w * 2], 0f);
	}

	@Test(expected = IllegalArgumentException.class)
	public void unknownPreset() {
		KernelPresets.get("Sobel Z");
	}
}
