package org.convkit.plugins.inspect;

import ij.ImagePlus;
import ij.process.ByteProcessor;
import ij.process.ColorProcessor;
import ij.process.FloatProcessor;
import ij.process.ImageProcessor;
import org.convkit.core.cnn.data.FolderDataset;
import org.convkit.core.cnn.data.Synthetic;
import org.convkit.core.cnn.inspect.ActivationMaximization;
import org.convkit.core.cnn.model.ModelBundle;
import org.convkit.core.cnn.model.ModelBundleIO;
import org.convkit.core.cnn.inspect.Tensor;
import org.convkit.testing.MacroHarness;
import org.junit.BeforeClass;
import org.junit.ClassRule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;

import static org.convkit.plugins.inspect.InspectModels.path;
import static org.junit.Assert.*;

/**
 * CNN Activation Maximization... and CNN Deep Dream..., run as macros; activations are measured independently by
 * CNN Feature Maps... (itself checked against Apply Kernel...).
 */
public class CnnSynthesisTest {
	@ClassRule
	public static TemporaryFolder shared = new TemporaryFolder();

	static Path gray, rgb;
	static ModelBundle grayBundle;

	@BeforeClass
	public static void trainModels() throws Exception {
		Path dir = shared.getRoot().toPath();
		gray = InspectModels.synthetic(dir, "gray.zip", "conv 5x5x6; maxpool 2; conv 3x3x8 pad=same; dense 12");
		grayBundle = ModelBundleIO.read(gray);
		// a small RGB model: red or green squares (PNG files: a folder of RGB images)
		Random r = new Random(1);
		Path data = dir.resolve("rgb-data");
		for (int i = 0; i < 24; i++) {
			ColorProcessor cp = new ColorProcessor(12, 12);
			int x = r.nextInt(6), y = r.nextInt(6);
			cp.setColor(i % 2 == 0 ? new java.awt.Color(220, 40, 40) : new java.awt.Color(40, 220, 40));
			cp.fillRect(x, y, 5, 5);
			Path folder = java.nio.file.Files.createDirectories(data.resolve(i % 2 == 0 ? "red" : "green"));
			Synthetic.save(cp, folder.resolve("img" + i), true);
		}
		rgb = InspectModels.train(new FolderDataset(data), "conv 3x3x4 pad=same; maxpool 2; dense 8",
				InspectModels.SETTINGS.withEpochs(1), dir.resolve("rgb.zip"));
	}

	/** The mean of channel c of the layer's feature maps for a 32-bit image, as CNN Feature Maps... gives it. */
	private static double meanActivation(ImageProcessor image, String layer, int c) {
		ImagePlus maps = MacroHarness.runForNewImage(new ImagePlus("x", image), CnnFeatureMaps.COMMAND,
				"model=" + path(gray) + " layer=" + layer + " input=[Model size]");
		double m = maps.getStack().getProcessor(c + 1).getStatistics().mean;
		maps.close();
		return m;
	}

	@Test
	public void activationMaximizationRaisesEachChannelsMeanActivationManyTimesAndTheSeedReproducesIt() {
		String options = "model=" + path(gray) + " layer=conv2 channels=0-3 iterations=100 step=0.1 seed=7";
		ImagePlus a = MacroHarness.runForNewImage(null, CnnActivationMaximization.COMMAND, options);
		assertEquals("gray conv2 activation maximization", a.getTitle());
		InspectModels.assertSize(a, 16, 16, 4);
		assertEquals(32, a.getBitDepth());
		Tensor start = ActivationMaximization.start(grayBundle, 4, 7);
		for (int c = 0; c < 4; c++) {
			assertEquals(String.format("conv2 ch %02d", c), a.getStack().getSliceLabel(c + 1));
			double before = meanActivation(new FloatProcessor(16, 16, start.plane(c, 0)), "conv2", c);
			double after = meanActivation(a.getStack().getProcessor(c + 1), "conv2", c);
			// measured 0.02-0.12 -> 0.9-1.4 (11-40 times)
			assertTrue("channel " + c + ": " + before + " -> " + after, after > 5 * before && after > 0.5);
		}
		ImagePlus again = MacroHarness.runForNewImage(null, CnnActivationMaximization.COMMAND, options);
		for (int s = 1; s <= 4; s++)
			assertArrayEquals("bit for bit", (float[]) a.getStack().getPixels(s), (float[]) again.getStack().getPixels(s),
					0f);
		ImagePlus other = MacroHarness.runForNewImage(null, CnnActivationMaximization.COMMAND,
				options.replace("seed=7", "seed=8"));
		assertFalse("another seed, another image", Arrays.equals((float[]) a.getStack().getPixels(1),
				(float[]) other.getStack().getPixels(1)));
		a.close();
		again.close();
		other.close();
	}

	@Test
	public void denseUnitsOutputClassesAndRgbModelsWork() {
		ImagePlus d = MacroHarness.runForNewImage(null, CnnActivationMaximization.COMMAND, "model=" + path(gray)
				+ " layer=dense1 channels=[1, 5] iterations=5 step=0.1 seed=1");
		InspectModels.assertSize(d, 16, 16, 2);
		assertEquals("dense1 ch 05", d.getStack().getSliceLabel(2));
		ImagePlus o = MacroHarness.runForNewImage(null, CnnActivationMaximization.COMMAND, "model=" + path(gray)
				+ " layer=output channels=all iterations=5 step=0.1 seed=1");
		assertEquals("output ch 02 vbar", o.getStack().getSliceLabel(3));
		ImagePlus c = MacroHarness.runForNewImage(null, CnnActivationMaximization.COMMAND, "model=" + path(rgb)
				+ " layer=conv1 channels=0-1 iterations=5 step=0.1 seed=1");
		assertEquals(24, c.getBitDepth());
		InspectModels.assertSize(c, 12, 12, 2);
		d.close();
		o.close();
		c.close();
	}

	@Test
	public void activationMaximizationRejectsBadInput() {
		int[] before = InspectModels.ids();
		String m = "model=" + path(gray);
		for (String v : new String[] {"0", "-1", "NaN", "Infinity", "1e9", "1.5"})
			MacroHarness.runExpectingError(null, CnnActivationMaximization.COMMAND, m + " layer=conv1 iterations=" + v,
					"iterations=" + (v.equals("1e9") ? "1000000000" : v) + " must be a whole number from 1 to 100000");
		for (String v : new String[] {"0", "-0.1", "NaN", "Infinity", "1e9"})
			MacroHarness.runExpectingError(null, CnnActivationMaximization.COMMAND, m + " layer=conv1 step=" + v,
					"must be a number above 0 and at most 100");
		for (String v : new String[] {"NaN", "Infinity", "1e20", "0.5"})
			MacroHarness.runExpectingError(null, CnnActivationMaximization.COMMAND, m + " layer=conv1 seed=" + v,
					"must be a whole number (a seed)");
		for (String key : new String[] {"iterations", "step", "seed"})
			MacroHarness.runExpectingError(null, CnnActivationMaximization.COMMAND, m + " layer=conv1 " + key + "=x",
					key + "=x is not a number");
		MacroHarness.runExpectingError(null, CnnActivationMaximization.COMMAND, m + " layer=conv1 channels=0-6",
				"conv1 has 6 channels (0-5)");
		MacroHarness.runExpectingError(null, CnnActivationMaximization.COMMAND, m + " layer=conv1 channels=-1",
				"'-1' is not a channel number");
		MacroHarness.runExpectingError(null, CnnActivationMaximization.COMMAND, m + " layer=conv1 channels=[]",
				"No channels given");
		MacroHarness.runExpectingError(null, CnnActivationMaximization.COMMAND, m + " layer=conv5 channels=0",
				"no layer 'conv5'");
		assertArrayEquals(before, InspectModels.ids());
	}

	/** Bars on the left, a flat background on the right: conv2 responds on the left. */
	private static ByteProcessor halfTexture(int w, int h) {
		ByteProcessor ip = new ByteProcessor(w, h);
		Random r = new Random(6);
		int background = (int) Math.round(grayBundle.normalisation().mean(0));
		ip.setValue(background);
		ip.fill();
		for (int k = 0; k < 12; k++) ip.insert(Synthetic.image(1 + k % 2, 16, r), (k % 2) * 16, (k / 2) * 16 % h);
		return ip;
	}

	@Test
	public void deepDreamChangesTheImageMostWhereTheLayerResponds() {
		ImagePlus imp = new ImagePlus("half.tif", halfTexture(64, 48));
		imp.getCalibration().pixelWidth = 0.4;
		Object pixels = InspectModels.pixels(imp);
		ImagePlus dream = MacroHarness.runForNewImage(imp, CnnDeepDream.COMMAND, "model=" + path(gray)
				+ " layer=conv2 iterations=8 octaves=2 scale=1.3 step=0.05 seed=3");
		InspectModels.assertSamePixels(pixels, imp);
		assertEquals("half dream", dream.getTitle());
		assertEquals(8, dream.getBitDepth());
		InspectModels.assertSize(dream, 64, 48, 1);
		assertEquals(0.4, dream.getCalibration().pixelWidth, 0);
		// the layer's response on the image: conv2's maps on the whole image, scaled onto it, summed over channels
		ImagePlus maps = MacroHarness.runForNewImage(imp, CnnFeatureMaps.COMMAND, "model=" + path(gray)
				+ " layer=conv2 scale input=[Whole image]");
		int n = 64 * 48;
		double[] response = new double[n], change = new double[n];
		for (int i = 0; i < n; i++) {
			for (int c = 1; c <= maps.getStackSize(); c++) response[i] += maps.getStack().getProcessor(c).getf(i);
			change[i] = Math.abs(dream.getProcessor().getf(i) - imp.getProcessor().getf(i));
		}
		Integer[] order = new Integer[n];
		for (int i = 0; i < n; i++) order[i] = i;
		Arrays.sort(order, (x, y) -> Double.compare(response[x], response[y]));
		double low = 0, high = 0;
		for (int i = 0; i < n / 4; i++) {
			low += change[order[i]];
			high += change[order[n - 1 - i]];
		}
		// measured 31.6 vs 2.4 grey levels
		assertTrue("mean change where conv2 responds most " + high / (n / 4) + " vs least " + low / (n / 4),
				high > 3 * low && high / (n / 4) > 2);
		// and it amplifies what conv2 responds to: the layer's mean squared activation grows (measured 5x)
		assertTrue(energy(dream) + " vs " + energy(imp), energy(dream) > 1.5 * energy(imp));
		// the same seed: the same dream
		ImagePlus again = MacroHarness.runForNewImage(imp, CnnDeepDream.COMMAND, "model=" + path(gray)
				+ " layer=conv2 iterations=8 octaves=2 scale=1.3 step=0.05 seed=3");
		assertArrayEquals((byte[]) dream.getProcessor().getPixels(), (byte[]) again.getProcessor().getPixels());
		dream.close();
		again.close();
		maps.close();
	}

	/** conv2's mean squared activation on the whole image (CNN Feature Maps...). */
	private static double energy(ImagePlus imp) {
		ImagePlus maps = MacroHarness.runForNewImage(imp, CnnFeatureMaps.COMMAND, "model=" + path(gray)
				+ " layer=conv2 input=[Whole image]");
		double sum = 0;
		long n = 0;
		for (int c = 1; c <= maps.getStackSize(); c++) {
			ImageProcessor ip = maps.getStack().getProcessor(c);
			for (int i = 0; i < ip.getPixelCount(); i++, n++) sum += ip.getf(i) * ip.getf(i);
		}
		maps.close();
		return sum / n;
	}

	@Test
	public void deepDreamKeepsEveryImageType() {
		ByteProcessor base = halfTexture(40, 32);
		ImageProcessor[] types = {base.convertToShortProcessor(), base.convertToFloatProcessor()};
		for (ImageProcessor ip : types) {
			ImagePlus d = MacroHarness.runForNewImage(new ImagePlus("t", ip), CnnDeepDream.COMMAND, "model="
					+ path(gray) + " layer=[conv1 pool1] iterations=3 octaves=1 scale=1.4 step=0.05 seed=1");
			assertEquals(ip.getBitDepth(), d.getBitDepth());
			InspectModels.assertSize(d, 40, 32, 1);
			d.close();
		}
		ColorProcessor cp = new ColorProcessor(20, 20);
		cp.setColor(new java.awt.Color(200, 50, 50));
		cp.fillRect(3, 3, 8, 8);
		ImagePlus d = MacroHarness.runForNewImage(new ImagePlus("c", cp), CnnDeepDream.COMMAND, "model=" + path(rgb)
				+ " layer=conv1 iterations=3 octaves=2 scale=1.4 step=0.05 seed=1");
		assertEquals(24, d.getBitDepth());
		InspectModels.assertSize(d, 20, 20, 1);
		d.close();
	}

	@Test
	public void deepDreamRejectsBadInputAndLeavesTheImageAlone() {
		ImagePlus imp = new ImagePlus("x", halfTexture(32, 32));
		Object pixels = InspectModels.pixels(imp);
		int[] before = InspectModels.ids();
		String m = "model=" + path(gray);
		MacroHarness.runExpectingError(imp, CnnDeepDream.COMMAND, m + " layer=dense1",
				"dense1 is after a dense layer");
		MacroHarness.runExpectingError(imp, CnnDeepDream.COMMAND, m + " layer=conv2 octaves=6 scale=2",
				"6 octaves with scale 2.0 shrink the image to 1x1, smaller than conv2 needs (6x6)");
		for (String v : new String[] {"0", "-1", "NaN", "Infinity", "1e9"})
			MacroHarness.runExpectingError(imp, CnnDeepDream.COMMAND, m + " layer=conv2 iterations=" + v,
					"must be a whole number from 1 to 10000");
		for (String v : new String[] {"0", "-2", "NaN", "Infinity", "21", "2.5"})
			MacroHarness.runExpectingError(imp, CnnDeepDream.COMMAND, m + " layer=conv2 octaves=" + v,
					"must be a whole number from 1 to 20");
		for (String v : new String[] {"1", "0", "-1.4", "NaN", "Infinity", "5"})
			MacroHarness.runExpectingError(imp, CnnDeepDream.COMMAND, m + " layer=conv2 scale=" + v,
					"must be a number above 1 and at most 4");
		for (String v : new String[] {"0", "-1", "NaN", "Infinity", "1e9"})
			MacroHarness.runExpectingError(imp, CnnDeepDream.COMMAND, m + " layer=conv2 step=" + v,
					"must be a number above 0 and at most 100");
		for (String v : new String[] {"NaN", "Infinity", "-1e300", "0.5"})
			MacroHarness.runExpectingError(imp, CnnDeepDream.COMMAND, m + " layer=conv2 seed=" + v,
					"must be a whole number (a seed)");
		for (String key : new String[] {"iterations", "octaves", "scale", "step", "seed"})
			MacroHarness.runExpectingError(imp, CnnDeepDream.COMMAND, m + " layer=conv2 " + key + "=abc",
					key + "=abc is not a number");
		MacroHarness.runExpectingError(new ImagePlus("rgb", new ColorProcessor(32, 32)), CnnDeepDream.COMMAND,
				m + " layer=conv2", "The model expects grayscale (1 channel) images but this image is RGB");
		InspectModels.assertSamePixels(pixels, imp);
		assertArrayEquals(before, InspectModels.ids());
	}
}
