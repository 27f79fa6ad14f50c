package org.convkit.core.cnn.input;

import ij.process.FloatProcessor;
import org.junit.Test;

import java.util.Random;

import static org.junit.Assert.*;

/**
 * Placement's inverse mapping against what ImageTensor actually does: an image whose pixel values are their own x
 * (or y) coordinate is placed by each rule; wherever a model pixel took its value from inside the image (bilinear
 * sampling of a ramp is exact there), modelX of that value must give the model pixel back.
 */
public class PlacementTest {
	@Test
	public void modelCoordinatesInvertTheResizeRuleForEverySizeAndRule() {
		Random r = new Random(3);
		int checked = 0;
		for (int trial = 0; trial < 60; trial++) {
			int sw = 1 + r.nextInt(60), sh = 1 + r.nextInt(60), dw = 1 + r.nextInt(40), dh = 1 + r.nextInt(40);
			if (trial == 0) { sw = dw; sh = dh; }
			for (Resize rule : Resize.values()) {
				InputFormat f = new InputFormat(dh, dw, 1, rule);
				Placement p = Placement.of(sw, sh, dw, dh, rule);
				float[] xs = ImageTensor.convert(ramp(sw, sh, true), f), ys = ImageTensor.convert(ramp(sw, sh, false), f);
				for (int my = 0; my < dh; my++)
					for (int mx = 0; mx < dw; mx++) {
						boolean inside = mx >= Math.max(0, p.offsetX) && mx < p.offsetX + p.scaledWidth
								&& my >= Math.max(0, p.offsetY) && my < p.offsetY + p.scaledHeight;
						if (!inside) {
							assertEquals("padding is 0", 0, xs[my * dw + mx], 0);
							continue;
						}
						float vx = xs[my * dw + mx], vy = ys[my * dw + mx];
						String where = sw + "x" + sh + " -> " + dw + "x" + dh + " " + rule + " at " + mx + "," + my;
						if (vx > 0 && vx < sw - 1 || sw == dw && p.offsetX == 0) {
							assertEquals(where, mx, p.modelX(vx), 1e-3);
							checked++;
						}
						if (vy > 0 && vy < sh - 1 || sh == dh && p.offsetY == 0) assertEquals(where, my, p.modelY(vy), 1e-3);
					}
			}
		}
		assertTrue(checked > 10000);
	}

	@Test
	public void equalSizesAreTheIdentity() {
		for (Resize rule : Resize.values()) {
			Placement p = Placement.of(7, 5, 7, 5, rule);
			assertFalse(p.scales());
			assertEquals(3.0, p.modelX(3), 0);
			assertEquals(4.0, p.modelY(4), 0);
		}
	}

	private static FloatProcessor ramp(int w, int h, boolean x) {
		FloatProcessor fp = new FloatProcessor(w, h);
		for (int y = 0; y < h; y++)
			for (int i = 0; i < w; i++) fp.setf(i, y, x ? i : y);
		return fp;
	}
}
