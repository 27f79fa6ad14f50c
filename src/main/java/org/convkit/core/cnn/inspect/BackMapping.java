package org.convkit.core.cnn.inspect;

import org.convkit.core.cnn.input.Placement;

/**
 * Brings a map computed on a layer's grid back onto the image it came from: each image pixel goes through the
 * resize rule to the network input ({@link Placement}), then to the layer's grid by the receptive-field geometry
 * ({@link LayerGeometry}: output o is centred on input {@code o * stride - pad + (field - 1) / 2}), where the map
 * is sampled bilinearly (clamped at its edges). Pixels a crop cut off, which the network never saw, become NaN.
 */
public final class BackMapping {
	private BackMapping() {
	}

	/**
	 * The map (mapHeight × mapWidth, row by row) on the image's pixels (placement.sourceWidth × sourceHeight).
	 */
	public static float[] toImage(float[] map, int mapWidth, int mapHeight, LayerGeometry gx, LayerGeometry gy,
			Placement placement) {
		int w = placement.sourceWidth, h = placement.sourceHeight;
		float[] out = new float[w * h];
		double[] lx = new double[w];
		boolean[] seenX = new boolean[w];
		for (int x = 0; x < w; x++) {
			double mx = placement.modelX(x);
			seenX[x] = mx > -0.5 && mx < placement.width - 0.5;
			lx[x] = clamp(gx.output(mx), mapWidth - 1);
		}
		for (int y = 0; y < h; y++) {
			double my = placement.modelY(y);
			boolean seenY = my > -0.5 && my < placement.height - 0.5;
			double ly = clamp(gy.output(my), mapHeight - 1);
			int y0 = (int) ly, y1 = Math.min(y0 + 1, mapHeight - 1);
			double wy = ly - y0;
			for (int x = 0; x < w; x++) {
				if (!seenY || !seenX[x]) {
					out[y * w + x] = Float.NaN;
					continue;
				}
				int x0 = (int) lx[x], x1 = Math.min(x0 + 1, mapWidth - 1);
				double wx = lx[x] - x0;
				double top = map[y0 * mapWidth + x0] * (1 - wx) + map[y0 * mapWidth + x1] * wx;
				double bottom = map[y1 * mapWidth + x0] * (1 - wx) + map[y1 * mapWidth + x1] * wx;
				out[y * w + x] = (float) (top * (1 - wy) + bottom * wy);
			}
		}
		return out;
	}

	private static double clamp(double v, int max) {
		return Math.min(Math.max(v, 0), max);
	}
}
