package org.convkit.plugins.filters;

import ij.ImagePlus;
import ij.ImageStack;
import ij.WindowManager;
import ij.gui.Roi;
import ij.process.ByteProcessor;
import ij.process.ColorProcessor;
import ij.process.FloatProcessor;
import ij.process.ShortProcessor;
import org.convkit.core.edges.EdgeDetector;
import org.convkit.core.edges.EdgeParams;
import org.convkit.testing.MacroHarness;
import org.junit.Test;

import java.util.Random;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertTrue;

/** Edge Detection... run as a macro: new images, type rules, stacks, selections, bad input. */
public class EdgeDetectionTest {
	private static final String CMD = EdgeDetection.COMMAND;
	private static final int N = 64;
	private static final String CANNY = "method=Canny low=60 high=150 aperture=3 blur=0";

	private static byte[] disk(long seed) {
		Random r = new Random(seed);
		byte[] px = new byte[N * N];
		for (int y = 0; y < N; y++)
			for (int x = 0; x < N; x++) {
				double v = (Math.hypot(x - 31.4, y - 30.2) <= 20 ? 180 : 50) + 10 * r.nextGaussian();
				px[y * N + x] = (byte) Math.max(0, Math.min(255, Math.round(v)));
			}
		return px;
	}

	/** Runs the command and returns the image it created (found by title; the harness returns the source). */
	private static ImagePlus runFor(ImagePlus imp, String options, String title) {
		MacroHarness.run(imp, CMD, options);
		ImagePlus out = WindowManager.getImage(title);
		assertNotNull("no image '" + title + "'", out);
		return out;
	}

	private static byte[] cannyRef(byte[] px) {
		return EdgeDetector.canny(px, N, N, EdgeParams.canny(60, 150, 3, false, 0));
	}

	@Test
	public void cannyOnEightBitMakesANewBinaryImage() {
		byte[] px = disk(1);
		ImagePlus imp = new ImagePlus("disk.tif", new ByteProcessor(N, N, px.clone()));
		ImagePlus out = runFor(imp, CANNY, "disk-canny");
		assertEquals(8, out.getBitDepth());
		assertArrayEquals(px, (byte[]) imp.getProcessor().getPixels());
		byte[] e = (byte[]) out.getProcessor().getPixels();
		assertArrayEquals(cannyRef(px), e);
		int edges = 0;
		for (byte b : e) {
			assertTrue(b == 0 || b == -1);
			if (b != 0) edges++;
		}
		assertTrue(edges > 60);
		out.close();
		// The l2, aperture and blur keys reach the core (a misspelled key would silently use the default).
		ImagePlus k = runFor(imp, "method=Canny low=100 high=300 aperture=5 l2 blur=1.5", "disk-canny");
		assertArrayEquals(EdgeDetector.canny(px, N, N, EdgeParams.canny(100, 300, 5, true, 1.5)),
				(byte[]) k.getProcessor().getPixels());
		assertTrue(!java.util.Arrays.equals(EdgeDetector.canny(px, N, N, EdgeParams.canny(100, 300, 5, false, 1.5)),
				(byte[]) k.getProcessor().getPixels()));
	}

	@Test
	public void sixteenAndThirtyTwoBitAreScaledByTheDisplayRange() {
		byte[] px = disk(2);
		short[] s = new short[px.length];
		float[] f = new float[px.length];
		for (int i = 0; i < px.length; i++) {
			s[i] = (short) (1000 + 100 * (px[i] & 0xff));
			f[i] = 0.5f + (px[i] & 0xff) / 255f;
		}
		ImagePlus i16 = new ImagePlus("s16", new ShortProcessor(N, N, s, null));
		i16.setDisplayRange(1000, 1000 + 255 * 100);
		ImagePlus first = runFor(i16, CANNY, "s16-canny");
		assertArrayEquals(cannyRef(px), (byte[]) first.getProcessor().getPixels());
		first.close();
		ImagePlus i32 = new ImagePlus("f32", new FloatProcessor(N, N, f));
		i32.setDisplayRange(0.5, 1.5);
		assertArrayEquals(cannyRef(px), (byte[]) runFor(i32, CANNY, "f32-canny").getProcessor().getPixels());
		// A different display range gives different edges: the range is really used.
		i16.setDisplayRange(0, 65535);
		byte[] wide = (byte[]) runFor(i16, CANNY, "s16-canny").getProcessor().getPixels();
		assertTrue(!java.util.Arrays.equals(cannyRef(px), wide));
	}

	@Test
	public void rgbUsesTheGrayConversion() {
		byte[] px = disk(3);
		ColorProcessor cp = new ColorProcessor(N, N);
		byte[] gray = new byte[px.length];
		for (int i = 0; i < px.length; i++) {
			int v = px[i] & 0xff, r = Math.min(255, v + 30), b = Math.max(0, v - 30);
			cp.set(i, (r << 16) | (v << 8) | b);
			gray[i] = (byte) (r / 3.0 + v / 3.0 + b / 3.0 + 0.5);
		}
		ImagePlus imp = new ImagePlus("rgb", cp);
		assertArrayEquals(cannyRef(gray), (byte[]) runFor(imp, CANNY, "rgb-canny").getProcessor().getPixels());
		float[] lap = (float[]) runFor(imp, "method=Laplacian ksize=3", "rgb-laplacian").getProcessor().getPixels();
		float[] g = new float[gray.length];
		for (int i = 0; i < g.length; i++) g[i] = gray[i] & 0xff;
		assertArrayEquals(EdgeDetector.gradient(g, N, N, EdgeParams.laplacian(3)), lap, 1e-3f);
	}

	@Test
	public void gradientsUseRawValues() {
		Random r = new Random(4);
		short[] s = new short[N * N];
		float[] f = new float[N * N];
		for (int i = 0; i < s.length; i++) {
			s[i] = (short) (30000 + r.nextInt(20000));
			f[i] = s[i] & 0xffff;
		}
		ImagePlus imp = new ImagePlus("raw", new ShortProcessor(N, N, s, null));
		imp.setDisplayRange(0, 100);
		ImagePlus out = runFor(imp, "method=Sobel output=X ksize=5", "raw-sobel-x");
		assertEquals(32, out.getBitDepth());
		assertArrayEquals(EdgeDetector.gradient(f, N, N, EdgeParams.sobel(EdgeParams.Gradient.X, 5)),
				(float[]) out.getProcessor().getPixels(), 1e-2f);
		ImagePlus dir = runFor(imp, "method=Scharr output=Direction ksize=3", "raw-scharr-direction");
		assertArrayEquals(EdgeDetector.gradient(f, N, N, EdgeParams.scharr(EdgeParams.Gradient.DIRECTION, 3)),
				(float[]) dir.getProcessor().getPixels(), 1e-4f);
	}

	private static ImagePlus stack() {
		ImageStack st = new ImageStack(N, N);
		for (int i = 0; i < 3; i++) st.addSlice(new ByteProcessor(N, N, disk(10 + i)));
		ImagePlus imp = new ImagePlus("st", st);
		imp.setSlice(2);
		return imp;
	}

	@Test
	public void stackKeyDoesEveryPlaneOtherwiseTheCurrentOne() {
		ImagePlus one = stack();
		ImagePlus out1 = runFor(one, CANNY, "st-canny");
		assertEquals(1, out1.getStackSize());
		assertArrayEquals(cannyRef(disk(11)), (byte[]) out1.getProcessor().getPixels());
		out1.close();
		ImagePlus all = runFor(stack(), CANNY + " stack", "st-canny");
		assertEquals(3, all.getStackSize());
		for (int i = 0; i < 3; i++)
			assertArrayEquals(cannyRef(disk(10 + i)), (byte[]) all.getStack().getPixels(i + 1));
	}

	@Test
	public void selectionCropsTheResult() {
		float[] px = new float[N * N];
		Random r = new Random(5);
		for (int i = 0; i < px.length; i++) px[i] = r.nextFloat();
		ImagePlus imp = new ImagePlus("sel", new FloatProcessor(N, N, px));
		imp.setRoi(new Roi(10, 12, 20, 15));
		ImagePlus out = runFor(imp, "method=Laplacian ksize=1", "sel-laplacian");
		assertEquals(20, out.getWidth());
		assertEquals(15, out.getHeight());
		float[] whole = EdgeDetector.gradient(px, N, N, EdgeParams.laplacian(1));
		for (int y = 0; y < 15; y++)
			for (int x = 0; x < 20; x++)
				assertEquals(whole[(y + 12) * N + x + 10], out.getProcessor().getf(x, y), 1e-5);
	}

	@Test
	public void badInputLeavesNoImageAndTheSourceUnchanged() {
		String[][] cases = {
				{"method=Canny low=200 high=100", "must not exceed"}, {"method=Canny low=10 high=100 aperture=4", "aperture"},
				{"method=Canny low=-1 high=100", ">= 0"}, {"method=Canny low=1 high=10 blur=-2", "blur"},
				{"method=Sobel ksize=4", "ksize"}, {"method=Sobel ksize=9", "ksize"},
				{"method=Laplacian ksize=0", "ksize"}, {"method=Scharr ksize=5", "ksize"},
				{"method=Prewitt", "method"}, {"method=Sobel output=Angle", "output"},
				{"method=Canny low=abc high=100", "low=abc is not a number"}};
		for (String[] c : cases) {
			byte[] px = disk(6);
			ImagePlus imp = new ImagePlus("bad", new ByteProcessor(N, N, px.clone()));
			MacroHarness.runExpectingError(imp, CMD, c[0], c[1]);
			assertArrayEquals(c[0], px, (byte[]) imp.getProcessor().getPixels());
			assertEquals(c[0] + " must not create an image", null, WindowManager.getImage("bad-" + "canny"));
			for (String t : new String[] {"bad-sobel", "bad-laplacian", "bad-scharr", "bad-sobel-x"})
				assertEquals(c[0], null, WindowManager.getImage(t));
		}
		ImagePlus tiny = new ImagePlus("tiny", new ByteProcessor(1, 1));
		MacroHarness.runExpectingError(tiny, CMD, CANNY, "at least 3x3");
		assertEquals(null, WindowManager.getImage("tiny-canny"));
	}
}
