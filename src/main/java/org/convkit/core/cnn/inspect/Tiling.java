package org.convkit.core.cnn.inspect;

import java.util.ArrayList;
import java.util.List;

/**
 * Tiles along one axis for running the spatial layers of a network on an image too large to run at once, so that
 * the stitched result equals the whole-image result (halo and crop, as QuPath and CSBDeep tile).
 * <ul>
 * <li>Each tile owns a core {@code [coreStart, coreEnd)}; cores are multiples of the total stride S and partition
 * the axis. A tile reads its core plus a halo of at least the receptive field on each side (clipped to the
 * image).</li>
 * <li>DL4J's "same" padding depends on the input length, so each tile starts at a multiple of S and its length is
 * congruent to the image's length modulo S: then every layer's output grid and padding in the tile are those of
 * the whole image shifted by {@code start / stride}, and only the windows touching the tile's cut edges differ,
 * which the halo keeps out of the core.</li>
 * </ul>
 */
public final class Tiling {
	/** One tile along the axis: the input it reads and the core it owns. */
	public static final class Tile {
		public final int start, end, coreStart, coreEnd;

		Tile(int start, int end, int coreStart, int coreEnd) {
			this.start = start;
			this.end = end;
			this.coreStart = coreStart;
			this.coreEnd = coreEnd;
		}

		public int length() {
			return end - start;
		}

		@Override
		public String toString() {
			return "[" + start + "," + end + ") core [" + coreStart + "," + coreEnd + ")";
		}
	}

	private Tiling() {
	}

	/**
	 * Tiles of an axis of {@code length} pixels with cores of about {@code core} pixels (rounded to a multiple of
	 * {@code stride}), and a halo of at least {@code halo}. One tile covering everything when the axis fits.
	 */
	public static List<Tile> of(int length, int stride, int halo, int core) {
		if (length < 1 || stride < 1 || halo < 0 || core < 1)
			throw new IllegalArgumentException("bad tiling: length " + length + " stride " + stride + " halo " + halo
					+ " core " + core);
		List<Tile> tiles = new ArrayList<>();
		int c = Math.max(stride, core / stride * stride);
		int h = (halo + stride - 1) / stride * stride;
		if (c + 2 * h >= length) {
			tiles.add(new Tile(0, length, 0, length));
			return tiles;
		}
		for (int coreStart = 0; coreStart < length; coreStart += c) {
			int coreEnd = coreStart + c >= length - stride ? length : coreStart + c; // no sliver at the end
			int start = Math.max(0, coreStart - h);
			int end = Math.min(length, coreEnd + h);
			if (end < length) { // length congruent to the image's modulo the stride (see the class comment)
				end += Math.floorMod(length - (end - start), stride);
				end = Math.min(length, end);
			}
			tiles.add(new Tile(start, end, coreStart, coreEnd));
			if (coreEnd == length) break;
		}
		return tiles;
	}
}
