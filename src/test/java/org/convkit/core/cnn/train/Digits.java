package org.convkit.core.cnn.train;

import ij.ImageStack;
import ij.process.ByteProcessor;
import ij.process.FloatProcessor;
import ij.process.ImageProcessor;

import java.awt.BasicStroke;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.GraphicsEnvironment;
import java.awt.RenderingHints;
import java.awt.Shape;
import java.awt.font.FontRenderContext;
import java.awt.geom.AffineTransform;
import java.awt.geom.Rectangle2D;
import java.awt.image.BufferedImage;
import java.awt.image.DataBufferByte;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/**
 * Seeded MNIST-like digits for accuracy checks: the glyphs 0–9 of the fonts installed here (several families and
 * styles), drawn with a random pen width, distorted (rotation, shear, aspect, then an elastic field as in Simard et
 * al. 2003), and preprocessed as MNIST was: the ink's bounding box scaled (anti-aliased) to fit 20×20, placed in
 * 28×28 with its centre of mass at the centre, white on black, 8-bit. Then a pixel of position jitter, a random ink
 * intensity and mild noise. Test code only (java.awt).
 * <p>
 * The same seed always gives the same images on the same set of fonts; a different seed is an independent sample
 * (use one for training and another for testing).
 */
public final class Digits {
	public static final int SIZE = 28, BOX = 20;
	/** Rendering canvas: 4× the final resolution, so the fit to 20×20 is a real anti-aliasing downscale. */
	static final int CANVAS = 4 * SIZE;
	/** Canvas grey level above which a pixel counts as ink (for the bounding box and speck removal). */
	static final int INK = 20;
	/** Families tried in this order; those not installed are skipped (Java would silently substitute Dialog). */
	static final String[] FAMILIES = { "DejaVu Sans", "DejaVu Serif", "DejaVu Sans Mono", "DejaVu Sans Condensed",
			"Nimbus Sans", "Nimbus Sans Narrow", "Nimbus Roman", "Nimbus Mono PS", "C059", "P052", "URW Bookman",
			"URW Gothic", "Z003", "Noto Mono", "Noto Sans Mono", "Droid Sans Fallback", "Liberation Sans",
			"Liberation Serif", "FreeSans", "FreeSerif" };
	static final int[] STYLES = { Font.PLAIN, Font.BOLD, Font.ITALIC, Font.BOLD | Font.ITALIC };

	/** How strong the distortions are; {@link #DEFAULT} is the calibrated one. */
	public static final class Distortion {
		final double maxRotation, maxShear, maxAspect, elasticAlpha, elasticSigma, maxPen, noise;
		final int jitter;

		/**
		 * @param maxRotation  degrees, uniform ±
		 * @param maxShear     horizontal shear factor, uniform ±
		 * @param maxAspect    x/y scale ratio, log-uniform in [1/a, a]
		 * @param elasticAlpha displacement scale in 28-pixel units (Simard: 34 with sigma 4)
		 * @param elasticSigma smoothing of the displacement field, in 28-pixel units
		 * @param maxPen       outline pen width as a fraction of the font size, uniform in [0, maxPen]
		 * @param jitter       position jitter after centring, whole pixels, uniform ±
		 * @param noise        Gaussian noise, grey levels
		 */
		public Distortion(double maxRotation, double maxShear, double maxAspect, double elasticAlpha,
				double elasticSigma, double maxPen, int jitter, double noise) {
			this.maxRotation = maxRotation;
			this.maxShear = maxShear;
			this.maxAspect = maxAspect;
			this.elasticAlpha = elasticAlpha;
			this.elasticSigma = elasticSigma;
			this.maxPen = maxPen;
			this.jitter = jitter;
			this.noise = noise;
		}
	}

	public static final Distortion DEFAULT = new Distortion(10, 0.3, 1.25, 20, 4, 0.08, 1, 6);

	private final List<Font> fonts;
	private final Distortion d;

	public Digits() {
		this(DEFAULT);
	}

	public Digits(Distortion distortion) {
		if (!GraphicsEnvironment.isHeadless() && System.getProperty("java.awt.headless") == null)
			System.setProperty("java.awt.headless", "true");
		d = distortion;
		List<String> installed = Arrays.asList(GraphicsEnvironment.getLocalGraphicsEnvironment()
				.getAvailableFontFamilyNames());
		List<Font> f = new ArrayList<>();
		for (String family : FAMILIES)
			if (installed.contains(family))
				for (int style : STYLES) {
					Font font = new Font(family, style, 72);
					if (font.canDisplayUpTo("0123456789") == -1) f.add(font);
				}
		if (f.isEmpty()) throw new IllegalStateException("none of the fonts " + Arrays.toString(FAMILIES)
				+ " is installed");
		fonts = Collections.unmodifiableList(f);
	}

	/** The fonts in use (family and style). */
	public List<Font> fonts() {
		return fonts;
	}

	/** {@code n} digits, classes in turn (0, 1, ..., 9, 0, ...), slice labels "0" to "9". */
	public ImageStack stack(int n, long seed) {
		ImageStack s = new ImageStack(SIZE, SIZE);
		Random r = new Random(seed);
		for (int i = 0; i < n; i++) s.addSlice(String.valueOf(i % 10), image(i % 10, r));
		return s;
	}

	/** One 28×28 8-bit image of {@code digit}. */
	public ByteProcessor image(int digit, Random r) {
		float[] hi = render(digit, r);
		elastic(hi, r);
		dropSpecks(hi);
		return centre(hi, r);
	}

	/** The glyph, affinely distorted and drawn with a random pen, white on black, centred on the canvas. */
	float[] render(int digit, Random r) {
		Font font = fonts.get(r.nextInt(fonts.size()));
		BufferedImage img = new BufferedImage(CANVAS, CANVAS, BufferedImage.TYPE_BYTE_GRAY);
		Graphics2D g = img.createGraphics();
		g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
		g.setRenderingHint(RenderingHints.KEY_STROKE_CONTROL, RenderingHints.VALUE_STROKE_PURE);
		FontRenderContext frc = g.getFontRenderContext();
		Shape glyph = font.createGlyphVector(frc, String.valueOf(digit)).getOutline();
		double aspect = Math.exp((2 * r.nextDouble() - 1) * Math.log(d.maxAspect));
		AffineTransform t = new AffineTransform();
		t.rotate(Math.toRadians((2 * r.nextDouble() - 1) * d.maxRotation));
		t.shear((2 * r.nextDouble() - 1) * d.maxShear, 0);
		t.scale(Math.sqrt(aspect), 1 / Math.sqrt(aspect));
		Shape s = t.createTransformedShape(glyph);
		Rectangle2D b = s.getBounds2D();
		// the glyph's longer side to ~70% of the canvas, like 20 of 28 pixels
		double k = 0.7 * CANVAS / Math.max(b.getWidth(), b.getHeight());
		AffineTransform fit = new AffineTransform();
		fit.translate(CANVAS / 2.0, CANVAS / 2.0);
		fit.scale(k, k);
		fit.translate(-b.getCenterX(), -b.getCenterY());
		s = fit.createTransformedShape(s);
		g.setColor(java.awt.Color.WHITE);
		g.fill(s);
		float pen = (float) (r.nextDouble() * d.maxPen * font.getSize() * k);
		if (pen > 0.5f) {
			g.setStroke(new BasicStroke(pen, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND));
			g.draw(s);
		}
		g.dispose();
		byte[] px = ((DataBufferByte) img.getRaster().getDataBuffer()).getData();
		float[] out = new float[px.length];
		for (int i = 0; i < px.length; i++) out[i] = px[i] & 0xff;
		return out;
	}

	/** Elastic distortion: a smoothed random displacement field (made at 28×28, scaled up), bilinear. */
	void elastic(float[] hi, Random r) {
		if (d.elasticAlpha <= 0) return;
		float[] dx = smoothField(r), dy = smoothField(r);
		float[] src = hi.clone();
		int scale = CANVAS / SIZE;
		for (int y = 0; y < CANVAS; y++)
			for (int x = 0; x < CANVAS; x++) {
				double fx = (x + 0.5) / scale - 0.5, fy = (y + 0.5) / scale - 0.5;
				double sx = x + scale * bilinear(dx, SIZE, fx, fy), sy = y + scale * bilinear(dy, SIZE, fx, fy);
				hi[y * CANVAS + x] = (float) bilinear(src, CANVAS, sx, sy);
			}
	}

	/** Uniform noise in ±1, Gaussian-smoothed, times alpha (28-pixel units). */
	private float[] smoothField(Random r) {
		float[] f = new float[SIZE * SIZE];
		for (int i = 0; i < f.length; i++) f[i] = (float) (2 * r.nextDouble() - 1);
		FloatProcessor fp = new FloatProcessor(SIZE, SIZE, f);
		new ij.plugin.filter.GaussianBlur().blurGaussian(fp, d.elasticSigma, d.elasticSigma, 0.002);
		float[] out = (float[]) fp.getPixels();
		for (int i = 0; i < out.length; i++) out[i] *= (float) d.elasticAlpha;
		return out;
	}

	/**
	 * Erases pieces of ink smaller than 15% of the largest piece: strong elastic fields fold a stroke into a detached
	 * speck, which would otherwise widen the bounding box and shrink the digit.
	 */
	static void dropSpecks(float[] hi) {
		int n = CANVAS * CANVAS;
		int[] comp = new int[n], stack = new int[n];
		List<Integer> areas = new ArrayList<>();
		areas.add(0);
		for (int start = 0; start < n; start++) {
			if (comp[start] != 0 || hi[start] <= INK) continue;
			int id = areas.size(), top = 0, area = 0;
			comp[start] = id;
			stack[top++] = start;
			while (top > 0) {
				int p = stack[--top], x = p % CANVAS, y = p / CANVAS;
				area++;
				for (int yy = Math.max(0, y - 1); yy <= Math.min(CANVAS - 1, y + 1); yy++)
					for (int xx = Math.max(0, x - 1); xx <= Math.min(CANVAS - 1, x + 1); xx++) {
						int q = yy * CANVAS + xx;
						if (comp[q] == 0 && hi[q] > INK) {
							comp[q] = id;
							stack[top++] = q;
						}
					}
			}
			areas.add(area);
		}
		int largest = areas.stream().mapToInt(Integer::intValue).max().orElse(0);
		for (int i = 0; i < n; i++)
			if (comp[i] != 0 && areas.get(comp[i]) < 0.15 * largest) hi[i] = 0;
	}

	/** MNIST's preprocessing: ink bounding box scaled to fit 20×20, centre of mass at (14, 14) in 28×28. */
	ByteProcessor centre(float[] hi, Random r) {
		int x0 = CANVAS, y0 = CANVAS, x1 = -1, y1 = -1;
		for (int y = 0; y < CANVAS; y++)
			for (int x = 0; x < CANVAS; x++)
				if (hi[y * CANVAS + x] > INK) {
					x0 = Math.min(x0, x);
					x1 = Math.max(x1, x);
					y0 = Math.min(y0, y);
					y1 = Math.max(y1, y);
				}
		if (x1 < 0) throw new IllegalStateException("empty glyph");
		FloatProcessor fp = new FloatProcessor(CANVAS, CANVAS, hi);
		fp.setRoi(x0, y0, x1 - x0 + 1, y1 - y0 + 1);
		ImageProcessor crop = fp.crop();
		int w = crop.getWidth(), h = crop.getHeight();
		double k = (double) BOX / Math.max(w, h);
		int nw = Math.max(1, (int) Math.round(w * k)), nh = Math.max(1, (int) Math.round(h * k));
		crop.setInterpolationMethod(ImageProcessor.BILINEAR);
		ImageProcessor small = crop.resize(nw, nh, true); // averages when shrinking: anti-aliased
		double m = 0, mx = 0, my = 0;
		for (int y = 0; y < nh; y++)
			for (int x = 0; x < nw; x++) {
				double v = small.getf(x, y);
				m += v;
				mx += v * x;
				my += v * y;
			}
		int ox = (int) Math.round(SIZE / 2.0 - 0.5 - mx / m), oy = (int) Math.round(SIZE / 2.0 - 0.5 - my / m);
		if (d.jitter > 0) {
			ox += r.nextInt(2 * d.jitter + 1) - d.jitter;
			oy += r.nextInt(2 * d.jitter + 1) - d.jitter;
		}
		double peak = 0;
		for (int y = 0; y < nh; y++)
			for (int x = 0; x < nw; x++) peak = Math.max(peak, small.getf(x, y));
		double gain = (200 + 55 * r.nextDouble()) / Math.max(1, peak);
		ByteProcessor out = new ByteProcessor(SIZE, SIZE);
		for (int y = 0; y < SIZE; y++)
			for (int x = 0; x < SIZE; x++) {
				int sx = x - ox, sy = y - oy;
				double v = sx >= 0 && sy >= 0 && sx < nw && sy < nh ? small.getf(sx, sy) * gain : 0;
				if (d.noise > 0) v += r.nextGaussian() * d.noise;
				out.set(x, y, (int) Math.max(0, Math.min(255, Math.round(v))));
			}
		return out;
	}

	private static double bilinear(float[] p, int n, double x, double y) {
		int x0 = (int) Math.floor(x), y0 = (int) Math.floor(y);
		double fx = x - x0, fy = y - y0;
		return (1 - fx) * (1 - fy) * at(p, n, x0, y0) + fx * (1 - fy) * at(p, n, x0 + 1, y0)
				+ (1 - fx) * fy * at(p, n, x0, y0 + 1) + fx * fy * at(p, n, x0 + 1, y0 + 1);
	}

	/** Edge pixels repeat (the field) — for the canvas the border is black anyway. */
	private static float at(float[] p, int n, int x, int y) {
		x = Math.max(0, Math.min(n - 1, x));
		y = Math.max(0, Math.min(n - 1, y));
		return p[y * n + x];
	}
}
