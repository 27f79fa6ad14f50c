package org.convkit.plugins.inspect;

import ij.ImagePlus;
import ij.measure.ResultsTable;
import ij.process.ByteProcessor;
import ij.process.ColorProcessor;
import ij.process.ImageProcessor;
import org.convkit.core.cnn.data.Synthetic;
import org.convkit.core.cnn.model.ModelBundle;
import org.convkit.core.cnn.model.ModelBundleIO;
import org.convkit.core.cnn.train.Predictor;
import org.convkit.plugins.cnn.CnnModelInfo;
import org.convkit.plugins.support.NamedTables;
import org.convkit.testing.MacroHarness;
import org.junit.BeforeClass;
import org.junit.ClassRule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Random;

import static org.convkit.plugins.inspect.InspectModels.path;
import static org.junit.Assert.*;

/**
 * CNN Feature Maps..., CNN Filters... and the layer names of CNN Model Info..., run as macros. The independent
 * reference for the first layer: Apply Kernel... with the filter CNN Filters... shows, on the image normalised by
 * the model, plus the bias from the slice label, through ReLU.
 */
public class CnnFeatureMapsTest {
	@ClassRule
	public static TemporaryFolder shared = new TemporaryFolder();

	/** conv 3x3 pad=same (first layer) — and a LeNet-like model with a valid 5x5 first layer. */
	static Path same, valid;
	static ModelBundle sameBundle, validBundle;

	@BeforeClass
	public static void trainModels() throws Exception {
		Path dir = shared.getRoot().toPath();
		same = InspectModels.synthetic(dir, "same.zip", "conv 3x3x4 pad=same; maxpool 2; dense 16");
		valid = InspectModels.synthetic(dir, "valid.zip", "conv 5x5x6; maxpool 2; conv 3x3x8; maxpool 2; dense 12; "
				+ "dropout 0.25");
		sameBundle = ModelBundleIO.read(same);
		validBundle = ModelBundleIO.read(valid);
	}

	private static ImagePlus sample(int c, long seed) {
		return new ImagePlus("sample-" + c + ".tif", Synthetic.image(c, InspectModels.SIZE, new Random(seed)));
	}

	@Test
	public void firstLayerMapsEqualApplyKernelWithTheShownFilterPlusBiasThroughRelu() {
		check(same, sameBundle, sample(0, 31), false);
		check(valid, validBundle, sample(2, 32), false);
	}

	@Test
	public void wholeImageFirstLayerMapsOfA512ImageEqualApplyKernelToo() {
		// a 512x512 image: synthetic cells tiled; the network runs on it at full size
		ByteProcessor big = new ByteProcessor(512, 512);
		Random r = new Random(4);
		for (int ty = 0; ty < 512; ty += 16)
			for (int tx = 0; tx < 512; tx += 16) big.insert(Synthetic.image(r.nextInt(3), 16, r), tx, ty);
		check(same, sameBundle, new ImagePlus("big.tif", big), true);
		check(valid, validBundle, new ImagePlus("big.tif", big), true);
	}

	/** Every channel of conv1's maps against Apply Kernel on the normalised image (tolerance 1e-4). */
	private static void check(Path model, ModelBundle b, ImagePlus imp, boolean whole) {
		ImagePlus filters = MacroHarness.runForNewImage(null, CnnFilters.COMMAND, "model=" + path(model)
				+ " layer=conv1 zoom=1");
		ImagePlus maps = MacroHarness.runForNewImage(imp, CnnFeatureMaps.COMMAND, "model=" + path(model)
				+ " layer=conv1 input=[" + (whole ? "Whole image" : "Model size") + "]");
		int k = b.spec().layers().get(0).kernelWidth(), off = b.spec().layers().get(0).padding().name().equals("SAME")
				? 0 : k / 2;
		int w = imp.getWidth() - 2 * off, h = imp.getHeight() - 2 * off;
		int channels = b.spec().layers().get(0).filters();
		InspectModels.assertSize(maps, w, h, channels);
		assertEquals(InspectFields.baseTitle(imp.getTitle()) + " conv1 maps", maps.getTitle());
		assertEquals(channels, filters.getStackSize());
		double worst = 0;
		for (int ch = 0; ch < channels; ch++) {
			String label = filters.getStack().getSliceLabel(ch + 1);
			assertTrue(label, label.startsWith(String.format(Locale.ROOT, "conv1 ch %02d bias=", ch)));
			assertEquals(String.format(Locale.ROOT, "conv1 ch %02d", ch), maps.getStack().getSliceLabel(ch + 1));
			ImageProcessor f = filters.getStack().getProcessor(ch + 1);
			StringBuilder kernel = new StringBuilder();
			for (int y = 0; y < f.getHeight(); y++) {
				if (y > 0) kernel.append("; ");
				for (int x = 0; x < f.getWidth(); x++) kernel.append(x > 0 ? " " : "").append(f.getf(x, y));
			}
			ImagePlus norm = InspectModels.normalised(imp, b);
			MacroHarness.run(norm, "Apply Kernel...", "kernel=[" + kernel + "] border=Constant value=0 output=32-bit");
			float bias = InspectModels.bias(label);
			ImageProcessor map = maps.getStack().getProcessor(ch + 1);
			for (int y = 0; y < h; y++)
				for (int x = 0; x < w; x++) {
					float expected = Math.max(0, norm.getProcessor().getf(x + off, y + off) + bias);
					worst = Math.max(worst, Math.abs(expected - map.getf(x, y)));
				}
		}
		assertTrue("largest difference " + worst, worst <= 1e-4);
		filters.close();
		maps.close();
	}

	@Test
	public void allGivesOneStackPerLayerWithTheModelInfoShapesAndTheOutputIsTheClassifyProbabilities() {
		ImagePlus imp = sample(1, 40);
		int before = InspectModels.ids().length;
		MacroHarness.run(imp, CnnFeatureMaps.COMMAND, "model=" + path(valid) + " layer=All input=[Model size]");
		int[] ids = InspectModels.ids();
		String[] names = {"conv1", "pool1", "conv2", "pool2", "dense1", "dropout1", "output"};
		String[] shapes = {"12x12x6", "6x6x6", "4x4x8", "2x2x8", "12", "12", "3"};
		assertEquals(before + names.length, ids.length);
		MacroHarness.run(null, CnnModelInfo.COMMAND, "model=" + path(valid));
		ResultsTable info = NamedTables.get(CnnModelInfo.TABLE);
		for (int i = 0; i < names.length; i++) {
			ImagePlus m = ij.WindowManager.getImage(ids[before + i]);
			assertEquals("sample-1 " + names[i] + " maps", m.getTitle());
			assertEquals(names[i], info.getStringValue(CnnModelInfo.COL_NAME, i));
			assertEquals(shapes[i], info.getStringValue(CnnModelInfo.COL_OUTPUT, i));
			String[] s = shapes[i].split("x");
			if (s.length == 3) InspectModels.assertSize(m, Integer.parseInt(s[1]), Integer.parseInt(s[0]),
					Integer.parseInt(s[2]));
			else InspectModels.assertSize(m, Integer.parseInt(s[0]), 1, 1);
		}
		// the output layer's map is the softmax: exactly what Classify with CNN... computes
		ImagePlus out = ij.WindowManager.getImage(ids[ids.length - 1]);
		float[] p = new Predictor(validBundle).predict(imp.getProcessor());
		assertArrayEquals(p, (float[]) out.getProcessor().getPixels(), 1e-6f);
		// dropout is off at inference: dropout1 equals dense1
		ImagePlus dense = ij.WindowManager.getImage(ids[before + 4]), dropout = ij.WindowManager.getImage(ids[before + 5]);
		assertArrayEquals((float[]) dense.getProcessor().getPixels(), (float[]) dropout.getProcessor().getPixels(), 0f);
		for (int i = before; i < ids.length; i++) ij.WindowManager.getImage(ids[i]).close();
	}

	@Test
	public void scaleBringsMapsOntoTheImageThroughTheResizeRuleAndMontageAddsAMontage() {
		// a 48x40 image for the 16x16 model (Scale rule): scaled maps have the image's size
		ImageProcessor ip = Synthetic.image(1, 48, new Random(3)).resize(48, 40);
		ImagePlus imp = new ImagePlus("wide", ip);
		imp.getCalibration().pixelWidth = 0.5;
		int before = InspectModels.ids().length;
		MacroHarness.run(imp, CnnFeatureMaps.COMMAND, "model=" + path(same) + " layer=conv1 scale montage "
				+ "input=[Model size]");
		int[] ids = InspectModels.ids();
		assertEquals("maps and montage", before + 2, ids.length);
		ImagePlus scaled = ij.WindowManager.getImage(ids[before]), montage = ij.WindowManager.getImage(ids[before + 1]);
		InspectModels.assertSize(scaled, 48, 40, 4);
		assertEquals(0.5, scaled.getCalibration().pixelWidth, 0);
		assertEquals("wide conv1 montage", montage.getTitle());
		// the unscaled map sampled where the image's pixel centres fall (Scale: x_model = (x + 0.5) / 3 - 0.5)
		ImagePlus plain = MacroHarness.runForNewImage(imp, CnnFeatureMaps.COMMAND, "model=" + path(same)
				+ " layer=conv1 input=[Model size]");
		ImageProcessor m = plain.getStack().getProcessor(2), s = scaled.getStack().getProcessor(2);
		for (int y = 0; y < 40; y++)
			for (int x = 0; x < 48; x++) {
				double mx = Math.min(15, Math.max(0, (x + 0.5) * 16 / 48 - 0.5));
				double my = Math.min(15, Math.max(0, (y + 0.5) * 16 / 40 - 0.5));
				assertEquals(x + "," + y, m.getInterpolatedValue(mx, my), s.getf(x, y), 1e-5);
			}
		for (int i = before; i < ids.length; i++) ij.WindowManager.getImage(ids[i]).close();
		plain.close();
	}

	@Test
	public void badInputIsAClearMessageAndLeavesEverythingUntouched() throws Exception {
		ImagePlus imp = sample(0, 50);
		Object pixels = InspectModels.pixels(imp);
		int[] before = InspectModels.ids();
		String m = "model=" + path(valid);
		MacroHarness.runExpectingError(imp, CnnFeatureMaps.COMMAND, m + " layer=conv9 input=[Model size]",
				"no layer 'conv9'; its layers are conv1, pool1, conv2, pool2, dense1, dropout1, output");
		MacroHarness.runExpectingError(imp, CnnFeatureMaps.COMMAND, m + " layer=dense1 input=[Whole image]",
				"dense1 needs the model's input size");
		MacroHarness.runExpectingError(imp, CnnFeatureMaps.COMMAND, m + " layer=output input=[Whole image]",
				"choose a conv or pooling layer before the first dense layer (conv1, pool1, conv2, pool2)");
		MacroHarness.runExpectingError(imp, CnnFeatureMaps.COMMAND, m + " layer=[] input=[Model size]",
				"No layer given");
		MacroHarness.runExpectingError(imp, CnnFeatureMaps.COMMAND, m + " layer=conv1 input=Tiles",
				"Unknown input 'Tiles'");
		ImagePlus rgb = new ImagePlus("rgb", new ColorProcessor(16, 16));
		MacroHarness.runExpectingError(rgb, CnnFeatureMaps.COMMAND, m + " layer=conv1 input=[Model size]",
				"The model expects grayscale (1 channel) images but this image is RGB");
		Path bad = shared.newFile("bad.zip").toPath();
		Files.write(bad, new byte[] {'P', 'K', 3, 4});
		MacroHarness.runExpectingError(imp, CnnFeatureMaps.COMMAND, "model=" + path(bad) + " layer=conv1",
				"is not a ConvKit model");
		// a whole image too small for the valid layers
		ImagePlus tiny = new ImagePlus("tiny", new ByteProcessor(4, 4));
		MacroHarness.runExpectingError(tiny, CnnFeatureMaps.COMMAND, m + " layer=pool2 input=[Whole image]",
				"needs at least 5 pixels here but gets 4");
		// no options and no display: no dialog can be shown, so a message instead of a HeadlessException
		MacroHarness.runExpectingError(imp, CnnFeatureMaps.COMMAND, "", "No values given");
		MacroHarness.runExpectingError(null, CnnFilters.COMMAND, "", "No values given");
		InspectModels.assertSamePixels(pixels, imp);
		assertArrayEquals("no image created", before, InspectModels.ids());
	}

	@Test
	public void filtersAreZoomedWithNearestNeighboursInAHyperstackForSeveralInputChannels() {
		ImagePlus f = MacroHarness.runForNewImage(null, CnnFilters.COMMAND, "model=" + path(valid)
				+ " layer=conv2 zoom=4");
		assertEquals("valid conv2 filters", f.getTitle());
		InspectModels.assertSize(f, 12, 12, 6 * 8);
		assertEquals(6, f.getNChannels());
		assertEquals(8, f.getNSlices());
		assertTrue(f.isHyperStack());
		float[] w = org.convkit.core.cnn.net.NdArrays.floats(validBundle.network().getLayer(2).getParam("W"), null);
		float max = 0;
		for (float v : w) max = Math.max(max, Math.abs(v));
		for (int o = 0; o < 8; o++)
			for (int c = 0; c < 6; c++) {
				ImageProcessor ip = f.getStack().getProcessor(o * 6 + c + 1);
				String label = f.getStack().getSliceLabel(o * 6 + c + 1);
				assertTrue(label, label.startsWith(String.format(Locale.ROOT, "conv2 ch %02d in %d bias=", o, c + 1)));
				for (int y = 0; y < 12; y++)
					for (int x = 0; x < 12; x++) // DL4J's [out][in][y][x] weight, each repeated 4x4 times
						assertEquals(w[((o * 6 + c) * 3 + y / 4) * 3 + x / 4], ip.getf(x, y), 0f);
			}
		assertEquals("shared display range symmetric around 0", -max, f.getDisplayRangeMin(), 1e-6);
		assertEquals(max, f.getDisplayRangeMax(), 1e-6);
		f.close();
	}

	@Test
	public void filtersRejectHostileZoomAndLayersWithoutFilters() {
		int[] before = InspectModels.ids();
		String m = "model=" + path(valid);
		for (String zoom : new String[] {"0", "-2", "NaN", "Infinity", "1e9", "2.5", "65"})
			MacroHarness.runExpectingError(null, CnnFilters.COMMAND, m + " layer=conv1 zoom=" + zoom,
					"zoom=" + (zoom.equals("1e9") ? "1000000000" : zoom) + " must be a whole number from 1 to 64");
		MacroHarness.runExpectingError(null, CnnFilters.COMMAND, m + " layer=conv1 zoom=abc", "zoom=abc is not a number");
		MacroHarness.runExpectingError(null, CnnFilters.COMMAND, m + " layer=pool1 zoom=2",
				"pool1 is not a convolution layer (those with filters: conv1, conv2)");
		MacroHarness.runExpectingError(null, CnnFilters.COMMAND, m + " layer=conv7 zoom=2", "no layer 'conv7'");
		assertArrayEquals(before, InspectModels.ids());
	}

	@Test
	public void modelInfoListsTheLayerNames() {
		MacroHarness.run(null, CnnModelInfo.COMMAND, "model=" + path(same));
		ResultsTable rt = NamedTables.get(CnnModelInfo.TABLE);
		String[] names = {"conv1", "pool1", "dense1", "output", ""};
		for (int i = 0; i < names.length; i++) assertEquals(names[i], rt.getStringValue(CnnModelInfo.COL_NAME, i));
	}
}
