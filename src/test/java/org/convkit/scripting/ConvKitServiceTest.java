package org.convkit.scripting;

import ij.process.ByteProcessor;
import ij.process.FloatProcessor;
import ij.process.ImageProcessor;
import ij.process.ShortProcessor;
import org.convkit.core.cnn.input.InputFormat;
import org.convkit.core.cnn.input.Resize;
import org.convkit.core.cnn.data.Synthetic;
import org.convkit.core.cnn.model.ModelBundle;
import org.convkit.core.cnn.net.TrainingSettings;
import org.convkit.core.cnn.train.Predictor;
import org.convkit.core.cnn.train.TrainingResult;
import org.convkit.core.edges.EdgeDetector;
import org.convkit.core.edges.EdgeParams;
import org.convkit.core.filter.Border;
import org.convkit.core.filter.KernelCorrelator;
import org.convkit.core.image.Region;
import org.convkit.core.kernel.KernelPresets;
import org.junit.AfterClass;
import org.junit.BeforeClass;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;
import org.scijava.Context;

import java.io.File;
import java.util.Arrays;
import java.util.Random;

import static org.junit.Assert.*;

/** The scripting service: found by SciJava, and each method gives exactly what the core gives directly. */
public class ConvKitServiceTest {
	@Rule
	public TemporaryFolder tmp = new TemporaryFolder();

	static Context context;
	static ConvKitService convkit;

	@BeforeClass
	public static void startContext() {
		context = new Context(ConvKitService.class);
		convkit = context.getService(ConvKitService.class);
	}

	@AfterClass
	public static void disposeContext() {
		context.dispose();
	}

	@Test
	public void aPlainContextFindsTheServiceThroughThePluginIndex() {
		Context all = new Context();
		try {
			ConvKitService s = all.getService(ConvKitService.class);
			assertNotNull(s);
			assertSame(DefaultConvKitService.class, s.getClass());
		} finally {
			all.dispose();
		}
		assertSame(DefaultConvKitService.class, convkit.getClass());
	}

	@Test
	public void applyKernelMatchesAHandComputedShift() {
		ByteProcessor ip = new ByteProcessor(3, 3, new byte[] { 1, 2, 3, 4, 5, 6, 7, 8, 9 });
		// out(x, y) = in(x + 1, y): correlation, anchor at the centre; Replicate repeats the last column
		FloatProcessor out = convkit.applyKernel(ip, "0 0 0; 0 0 1; 0 0 0", "replicate");
		assertArrayEquals(new float[] { 2, 3, 3, 5, 6, 6, 8, 9, 9 }, (float[]) out.getPixels(), 0);
		// Constant 10 outside
		out = convkit.applyKernel(ip, "0 0 0; 0 0 1; 0 0 0", "Constant", 10);
		assertArrayEquals(new float[] { 2, 3, 10, 5, 6, 10, 8, 9, 10 }, (float[]) out.getPixels(), 0);
		assertArrayEquals(new byte[] { 1, 2, 3, 4, 5, 6, 7, 8, 9 }, (byte[]) ip.getPixels());
	}

	@Test
	public void applyKernelEqualsKernelCorrelatorAndLeavesTheInputAlone() {
		FloatProcessor ip = randomFloats(23, 17, 3);
		float[] before = ((float[]) ip.getPixels()).clone();
		for (Border b : Border.values()) {
			float[] expected = before.clone();
			KernelCorrelator.apply(expected, 23, 17, Region.whole(23, 17), KernelPresets.get("Gaussian 5x5"), b, 2.5);
			FloatProcessor out = convkit.applyKernel(ip, "gaussian 5X5", b.label, 2.5);
			assertNotSame(ip, out);
			assertArrayEquals(b.label, expected, (float[]) out.getPixels(), 0);
		}
		assertArrayEquals(before, (float[]) ip.getPixels(), 0);
	}

	@Test
	public void badKernelOrBorderThrowsAReadableMessage() {
		ByteProcessor ip = new ByteProcessor(4, 4);
		try {
			convkit.applyKernel(ip, "1 2; 3 x", "Reflect");
			fail();
		} catch (IllegalArgumentException e) {
			assertTrue(e.getMessage(), e.getMessage().contains("x"));
		}
		try {
			convkit.applyKernel(ip, "Sobel X", "Mirror");
			fail();
		} catch (IllegalArgumentException e) {
			assertTrue(e.getMessage(), e.getMessage().contains("Mirror"));
		}
	}

	@Test
	public void sobelGradientEqualsCorrelationWithTheSobelKernel() {
		FloatProcessor ip = randomFloats(20, 14, 5);
		float[] sobel = (float[]) convkit.gradient(ip, "Sobel", "X", 3).getPixels();
		float[] corr = (float[]) convkit.applyKernel(ip, "Sobel X", "Reflect").getPixels();
		assertArrayEquals(corr, sobel, 1e-3f);
	}

	@Test
	public void gaussianHighPassOfAConstantImageIsTheOffset() {
		ShortProcessor ip = new ShortProcessor(16, 12);
		ip.set(700);
		float[] out = (float[]) convkit.highPassGaussian(ip, 2, 5).getPixels();
		for (float v : out) assertEquals(5, v, 1e-3);
		assertEquals(700, ip.get(3, 3));
	}

	@Test
	public void cannyOnADiskGivesBinaryEdgesOnItsRim() {
		int n = 40;
		double cx = 19.5, cy = 19.5, r = 10;
		ByteProcessor ip = new ByteProcessor(n, n);
		for (int y = 0; y < n; y++)
			for (int x = 0; x < n; x++) ip.set(x, y, Math.hypot(x - cx, y - cy) <= r ? 200 : 30);
		ByteProcessor edges = convkit.canny(ip, 50, 150);
		byte[] px = (byte[]) edges.getPixels();
		assertArrayEquals(EdgeDetector.canny((byte[]) ip.getPixels(), n, n, EdgeParams.canny(50, 150, 3, false, 0)), px);
		int on = 0;
		for (int y = 0; y < n; y++)
			for (int x = 0; x < n; x++) {
				int v = edges.get(x, y);
				assertTrue("value " + v, v == 0 || v == 255);
				if (v == 255) {
					on++;
					assertEquals("edge at " + x + "," + y, r, Math.hypot(x - cx, y - cy), 1.6);
				}
			}
		// the rim is about 2πr = 63 pixels long
		assertTrue("edge pixels " + on, on > 40 && on < 130);
		// 16-bit with the same values and display range 0..255 gives the same edges
		ShortProcessor sp = new ShortProcessor(n, n);
		for (int i = 0; i < n * n; i++) sp.set(i, ip.get(i));
		sp.setMinAndMax(0, 255);
		assertArrayEquals(px, (byte[]) convkit.canny(sp, 50, 150).getPixels());
	}

	@Test
	public void trainsLoadsAndClassifiesExactlyAsThePredictor() throws Exception {
		File folder = Synthetic.folder(tmp.newFolder("data").toPath(), 30, 16, 11).toFile();
		File model = new File(tmp.getRoot(), "model.zip");
		TrainingSettings s = TrainingSettings.DEFAULTS.withLearningRate(3e-3).withBatchSize(16).withEpochs(5)
				.withSeed(1);
		TrainingResult r = convkit.train(folder, "conv 3x3x8 pad=same; maxpool 2; conv 3x3x16 pad=same; maxpool 2; dense 32",
				new InputFormat(16, 16, 1, Resize.SCALE), s, 0.2, model, false, null);
		assertEquals(TrainingResult.Stop.COMPLETED, r.stop);
		assertEquals(5, r.epochs.size());
		assertTrue(model.isFile());

		ModelBundle loaded = convkit.load(model);
		assertEquals(Arrays.asList(Synthetic.CLASSES), loaded.labels());
		Predictor direct = new Predictor(loaded);
		Predictor trained = new Predictor(r.best);
		Random rnd = new Random(99);
		int right = 0, total = 0;
		for (int c = 0; c < Synthetic.CLASSES.length; c++)
			for (int i = 0; i < 10; i++) {
				ImageProcessor ip = Synthetic.image(c, 16, rnd);
				float[] p = convkit.classify(loaded, ip);
				double sum = 0;
				for (float v : p) sum += v;
				assertEquals(1, sum, 1e-5);
				assertArrayEquals(direct.predict(ip), p, 0);
				assertArrayEquals(trained.predict(ip), p, 0);
				String label = convkit.predictLabel(loaded, ip);
				assertEquals(loaded.labels().get(argMax(p)), label);
				if (label.equals(Synthetic.CLASSES[c])) right++;
				total++;
			}
		System.out.println("service: " + right + "/" + total + " fresh images right after 5 epochs");

		// inspection: conv1's maps (16x16x8), the output layer = the probabilities, a saliency map at the image size
		ImageProcessor one = Synthetic.image(1, 16, new Random(5));
		ij.ImageStack maps = convkit.featureMaps(loaded, one, "conv1");
		assertEquals(8, maps.getSize());
		assertEquals(16, maps.getWidth());
		assertEquals("conv1 ch 03", maps.getSliceLabel(4)); // as CNN Feature Maps... labels them
		assertArrayEquals(convkit.classify(loaded, one), (float[]) convkit.featureMaps(loaded, one, "output")
				.getPixels(1), 1e-6f);
		FloatProcessor map = convkit.saliency(loaded, one.resize(24, 20), "Occlusion", "hbar");
		assertEquals(24, map.getWidth());
		assertEquals(20, map.getHeight());
		assertTrue(right + "/" + total, right >= 0.6 * total); // chance is 1/3; 23/30 with these seeds

		// an existing model file is not overwritten by the short form
		try {
			convkit.trainFromFolder(folder, "conv 3x3x4; maxpool 2; dense 8", 16, 16, 1, model);
			fail();
		} catch (IllegalArgumentException e) {
			assertTrue(e.getMessage(), e.getMessage().contains("model.zip"));
		}
	}

	@Test
	public void trainFromFolderWithDefaultsSavesAModelOfTheGivenSize() throws Exception {
		File folder = Synthetic.folder(tmp.newFolder("data").toPath(), 30, 16, 12).toFile();
		File model = new File(tmp.getRoot(), "small.zip");
		TrainingResult r = convkit.trainFromFolder(folder, "conv 3x3x4; maxpool 2; dense 8", 12, 10, 1, model);
		assertEquals(1, r.epochs.size());
		ModelBundle b = convkit.load(model);
		assertEquals(12, b.inputWidth());
		assertEquals(10, b.inputHeight());
		assertEquals(Resize.SCALE, b.resize());
		assertEquals(TrainingSettings.DEFAULTS.withEpochs(1), b.settings());
		assertEquals(3, convkit.classify(b, Synthetic.image(0, 16, new Random(1))).length);
	}

	private static FloatProcessor randomFloats(int w, int h, long seed) {
		Random r = new Random(seed);
		float[] px = new float[w * h];
		for (int i = 0; i < px.length; i++) px[i] = (float) (r.nextGaussian() * 50 + 100);
		return new FloatProcessor(w, h, px);
	}

	private static int argMax(float[] p) {
		int best = 0;
		for (int i = 1; i < p.length; i++) if (p[i] > p[best]) best = i;
		return best;
	}
}
