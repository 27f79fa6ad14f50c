package org.convkit.core.cnn.data;

import org.convkit.core.cnn.input.InputFormat;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Random;
import java.util.Set;

/**
 * Random changes applied to TRAINING examples only, freshly each epoch, on the normalised network input (so the
 * amounts are in units of the training data's standard deviation, whatever the bit depth). Seeded: the changes to
 * example i in epoch e depend only on (seed, e, i), not on batch order or threads.
 * <p>
 * In this order, each chosen operation:
 * <ul>
 * <li>flip: mirror left-right with probability 1/2, and independently top-bottom with probability 1/2;</li>
 * <li>rot90: rotate by 0, 90, 180 or 270 degrees (square inputs; others 0 or 180);</li>
 * <li>rotate: by a uniform angle in ±{@value #MAX_ANGLE} degrees about the centre, bilinear, outside = 0;</li>
 * <li>shift: by whole pixels, uniform in ±{@value #MAX_SHIFT} of the width and height, new pixels = 0;</li>
 * <li>contrast: each channel scaled about its mean by a factor in [{@value #MIN_CONTRAST}, 1/{@value #MIN_CONTRAST}];</li>
 * <li>brightness: a uniform offset in ±{@value #MAX_BRIGHTNESS} added to all channels;</li>
 * <li>noise: Gaussian noise with standard deviation {@value #NOISE_SIGMA}.</li>
 * </ul>
 * 0 in normalised units is the training mean, so uncovered pixels look like average background.
 */
public final class Augmenter {
	public static final double MAX_ANGLE = 15, MAX_SHIFT = 0.1, MIN_CONTRAST = 0.8, MAX_BRIGHTNESS = 0.2,
			NOISE_SIGMA = 0.1;

	/** The operations of the {@code augment=} choice; lower-case names are public macro API. */
	public enum Op {
		FLIP, ROT90, ROTATE, SHIFT, BRIGHTNESS, CONTRAST, NOISE;

		public String word() {
			return name().toLowerCase(Locale.ROOT);
		}
	}

	private final Set<Op> ops;
	private final long seed;

	public Augmenter(Set<Op> ops, long seed) {
		this.ops = ops.isEmpty() ? EnumSet.noneOf(Op.class) : EnumSet.copyOf(ops);
		this.seed = seed;
	}

	/**
	 * Operations from text such as "flip rot90, noise" (separated by spaces or commas; "" or "none" = none).
	 *
	 * @throws IllegalArgumentException naming an unknown word
	 */
	public static Set<Op> parse(String text) {
		Set<Op> out = EnumSet.noneOf(Op.class);
		if (text == null) return out;
		for (String w : text.trim().toLowerCase(Locale.ROOT).split("[\\s,;]+")) {
			if (w.isEmpty() || w.equals("none")) continue;
			Op found = null;
			for (Op o : Op.values())
				if (o.word().equals(w)) found = o;
			if (found == null)
				throw new IllegalArgumentException("Unknown augmentation '" + w + "' (expected any of flip, rot90, "
						+ "rotate, shift, brightness, contrast, noise)");
			out.add(found);
		}
		return out;
	}

	public Set<Op> ops() {
		return EnumSet.copyOf(ops.isEmpty() ? EnumSet.noneOf(Op.class) : ops);
	}

	public boolean isEmpty() {
		return ops.isEmpty();
	}

	/** Changes one normalised image at {@code data[offset ...]} in place. */
	public void apply(float[] data, int offset, InputFormat f, int epoch, int example) {
		if (ops.isEmpty()) return;
		draw(f, epoch, example).apply(data, offset, f);
	}

	/**
	 * The random changes for example {@code example} in epoch {@code epoch}: what {@link #apply} does to it. The
	 * draws come from one generator seeded by (seed, epoch, example), in the order of the class comment; the noise
	 * values follow when the draw is applied.
	 */
	public Draw draw(InputFormat f, int epoch, int example) {
		Random r = new Random(seed * 0x9E3779B97F4A7C15L + epoch * 0xBF58476D1CE4E5B9L + example);
		int w = f.width(), h = f.height();
		// one geometric draw for all channels
		boolean lr = ops.contains(Op.FLIP) && r.nextBoolean(), tb = ops.contains(Op.FLIP) && r.nextBoolean();
		int quarter = !ops.contains(Op.ROT90) ? 0 : w == h ? r.nextInt(4) : 2 * r.nextInt(2);
		double angle = ops.contains(Op.ROTATE) ? Math.toRadians((r.nextDouble() * 2 - 1) * MAX_ANGLE) : 0;
		int mx = (int) Math.round(MAX_SHIFT * w), my = (int) Math.round(MAX_SHIFT * h);
		boolean shift = ops.contains(Op.SHIFT);
		int dx = shift && mx > 0 ? r.nextInt(2 * mx + 1) - mx : 0, dy = shift && my > 0 ? r.nextInt(2 * my + 1) - my
				: 0;
		double contrast = ops.contains(Op.CONTRAST) ? Math.exp((r.nextDouble() * 2 - 1) * Math.log(1 / MIN_CONTRAST))
				: 1;
		float brightness = ops.contains(Op.BRIGHTNESS) ? (float) ((r.nextDouble() * 2 - 1) * MAX_BRIGHTNESS) : 0f;
		return new Draw(lr, tb, quarter, angle, dx, dy, ops.contains(Op.CONTRAST), contrast,
				ops.contains(Op.BRIGHTNESS), brightness, ops.contains(Op.NOISE) ? r : null);
	}

	/** One example's changes, drawn by {@link #draw}; {@link #toString()} says what they are. */
	public static final class Draw {
		public final boolean flipLeftRight, flipTopBottom;
		/** Quarter turns (0-3), each output (x, y) taking input (w-1-y, x). */
		public final int quarterTurns;
		/** Rotation in radians. */
		public final double angle;
		public final int shiftX, shiftY;
		private final boolean contrastOn, brightnessOn;
		/** The contrast factor (1 when off) and the brightness offset (0 when off), in normalised units. */
		public final double contrast;
		public final float brightness;
		/** The generator the noise is drawn from when applied; null when there is no noise. */
		private final Random noise;

		private Draw(boolean lr, boolean tb, int quarter, double angle, int dx, int dy, boolean contrastOn,
				double contrast, boolean brightnessOn, float brightness, Random noise) {
			this.flipLeftRight = lr;
			this.flipTopBottom = tb;
			this.quarterTurns = quarter;
			this.angle = angle;
			this.shiftX = dx;
			this.shiftY = dy;
			this.contrastOn = contrastOn;
			this.contrast = contrast;
			this.brightnessOn = brightnessOn;
			this.brightness = brightness;
			this.noise = noise;
		}

		/** Applies the changes (and draws the noise: apply a draw once) to one image at {@code data[offset ...]}. */
		void apply(float[] data, int offset, InputFormat f) {
			int w = f.width(), h = f.height(), plane = w * h, c = f.channels();
			boolean lr = flipLeftRight, tb = flipTopBottom;
			int dx = shiftX, dy = shiftY;
			float[] tmp = new float[plane];
			for (int ch = 0; ch < c; ch++) {
				int off = offset + ch * plane;
				if (lr || tb) transform(data, off, tmp, w, h, (x, y, o) -> {
					o[0] = lr ? w - 1 - x : x;
					o[1] = tb ? h - 1 - y : y;
				});
				if (quarterTurns == 2) transform(data, off, tmp, w, h, (x, y, o) -> {
					o[0] = w - 1 - x;
					o[1] = h - 1 - y;
				});
				else for (int i = 0; i < quarterTurns; i++) // square only: output (x, y) takes input (w-1-y, x)
					transform(data, off, tmp, w, h, (x, y, o) -> {
						o[0] = w - 1 - y;
						o[1] = x;
					});
				if (angle != 0) rotate(data, off, tmp, w, h, angle);
				if (dx != 0 || dy != 0) {
					System.arraycopy(data, off, tmp, 0, plane);
					for (int y = 0; y < h; y++)
						for (int x = 0; x < w; x++) {
							int sx = x - dx, sy = y - dy;
							data[off + y * w + x] = sx >= 0 && sx < w && sy >= 0 && sy < h ? tmp[sy * w + sx] : 0f;
						}
				}
			}
			if (contrastOn) {
				for (int ch = 0; ch < c; ch++) {
					double mean = 0;
					for (int i = offset + ch * plane, e = i + plane; i < e; i++) mean += data[i];
					mean /= plane;
					for (int i = offset + ch * plane, e = i + plane; i < e; i++)
						data[i] = (float) (mean + (data[i] - mean) * contrast);
				}
			}
			if (brightnessOn)
				for (int i = offset, e = offset + c * plane; i < e; i++) data[i] += brightness;
			if (noise != null)
				for (int i = offset, e = offset + c * plane; i < e; i++)
					data[i] += (float) (noise.nextGaussian() * NOISE_SIGMA);
		}

		/** e.g. "flip left-right, rotate 90°, rotate -7.3°, shift (2, -1), contrast ×1.08, noise"; "unchanged". */
		@Override
		public String toString() {
			java.util.List<String> parts = new java.util.ArrayList<>();
			if (flipLeftRight) parts.add("flip left-right");
			if (flipTopBottom) parts.add("flip top-bottom");
			if (quarterTurns > 0) parts.add("rot90 " + 90 * quarterTurns + "°");
			if (angle != 0) parts.add(String.format(Locale.ROOT, "rotate %.1f°", Math.toDegrees(angle)));
			if (shiftX != 0 || shiftY != 0) parts.add("shift (" + shiftX + ", " + shiftY + ")");
			if (contrastOn) parts.add(String.format(Locale.ROOT, "contrast ×%.3f", contrast));
			if (brightnessOn) parts.add(String.format(Locale.ROOT, "brightness %+.3f", brightness));
			if (noise != null) parts.add("noise");
			return parts.isEmpty() ? "unchanged" : String.join(", ", parts);
		}
	}

	private interface Map2 {
		void source(int x, int y, int[] out);
	}

	/** out(x, y) = in(source(x, y)) for one plane. */
	private static void transform(float[] data, int off, float[] tmp, int w, int h, Map2 m) {
		System.arraycopy(data, off, tmp, 0, w * h);
		int[] s = new int[2];
		for (int y = 0; y < h; y++)
			for (int x = 0; x < w; x++) {
				m.source(x, y, s);
				data[off + y * w + x] = tmp[s[1] * w + s[0]];
			}
	}

	private static void rotate(float[] data, int off, float[] tmp, int w, int h, double angle) {
		System.arraycopy(data, off, tmp, 0, w * h);
		double cos = Math.cos(angle), sin = Math.sin(angle), cx = (w - 1) / 2.0, cy = (h - 1) / 2.0;
		for (int y = 0; y < h; y++)
			for (int x = 0; x < w; x++) {
				double sx = cos * (x - cx) + sin * (y - cy) + cx, sy = -sin * (x - cx) + cos * (y - cy) + cy;
				int x0 = (int) Math.floor(sx), y0 = (int) Math.floor(sy);
				double fx = sx - x0, fy = sy - y0, v = 0;
				v += (1 - fx) * (1 - fy) * at(tmp, w, h, x0, y0) + fx * (1 - fy) * at(tmp, w, h, x0 + 1, y0);
				v += (1 - fx) * fy * at(tmp, w, h, x0, y0 + 1) + fx * fy * at(tmp, w, h, x0 + 1, y0 + 1);
				data[off + y * w + x] = (float) v;
			}
	}

	private static float at(float[] p, int w, int h, int x, int y) {
		return x < 0 || y < 0 || x >= w || y >= h ? 0f : p[y * w + x];
	}
}
