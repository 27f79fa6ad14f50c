package org.convkit.app;

import ij.IJ;
import ij.ImagePlus;
import ij.ImageStack;
import ij.WindowManager;
import ij.gui.GenericDialog;
import ij.gui.Overlay;
import ij.measure.ResultsTable;
import ij.plugin.frame.Recorder;
import org.convkit.core.cnn.data.FolderDataset;
import org.convkit.core.cnn.data.Synthetic;
import org.convkit.core.cnn.net.TrainingSettings;
import org.convkit.core.cnn.spec.NetworkSpec;
import org.convkit.core.cnn.train.Trainer;
import org.convkit.plugins.inspect.CnnActivationMaximization;
import org.convkit.plugins.inspect.CnnDeepDream;
import org.convkit.plugins.inspect.CnnFeatureMaps;
import org.convkit.plugins.inspect.CnnFilters;
import org.convkit.plugins.inspect.CnnSaliencyMap;
import org.convkit.plugins.support.Failures;
import org.junit.After;
import org.junit.AfterClass;
import org.junit.BeforeClass;
import org.junit.ClassRule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

import java.awt.Choice;
import java.awt.TextField;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

import static org.convkit.app.GuiTesting.LIMIT_MS;
import static org.convkit.app.GuiTesting.waitUntil;
import static org.junit.Assert.*;

/**
 * The Inspect commands with real dialogs (under Xvfb): the layer and class fields, the checkboxes and the choices
 * record as the documented keys, and the recorded line plays back to the same pixels.
 */
public class GuiInspectRecordingTest {
	@ClassRule
	public static TemporaryFolder tmp = new TemporaryFolder();

	private static Recorder recorder;
	private static Path model;

	@BeforeClass
	public static void start() throws Exception {
		recorder = GuiTesting.startRecording();
		Path root = tmp.getRoot().toPath();
		Path data = Synthetic.folder(Files.createDirectories(root.resolve("training")), 10, 16, 4);
		model = root.resolve("inspect model.zip");
		new Trainer(new FolderDataset(data), NetworkSpec.parse("conv 3x3x4; maxpool 2; dense 8"),
				TrainingSettings.DEFAULTS.withBatchSize(10).withEpochs(2).withSeed(3)).saveTo(model, false).train(null);
	}

	@AfterClass
	public static void quit() {
		GuiTesting.quitImageJ(recorder);
	}

	@After
	public void cleanUp() throws Exception {
		GuiTesting.disposeDialogs();
		GuiTesting.closeImages();
		Failures.drain();
	}

	private interface DialogInput {
		void fill(GenericDialog gd) throws Exception;
	}

	/** Starts the command on the image as a menu click does, fills its dialog, presses OK; the recorded options. */
	private static String record(ImagePlus imp, String command, DialogInput input) throws Exception {
		int mark = recorder.getText().length();
		IJ.doCommand(imp, command);
		GenericDialog gd = GuiTesting.waitForDialog(command);
		input.fill(gd);
		GuiTesting.press(gd, "OK");
		return GuiTesting.recordedOptions(recorder, mark, command);
	}

	/**
	 * The image the dialog run of {@code command} opened since {@code before}; asserts that the recorded line, played
	 * back on {@code imp}, gives a new image with the same title, slice labels and pixels.
	 */
	private static ImagePlus playsBackToTheSamePixels(ImagePlus imp, String command, String options,
			Set<Integer> before) throws Exception {
		ImagePlus recorded = GuiTesting.newImage(before, command);
		IJ.run(imp, command, options); // the recorded line, played back
		assertEquals("[]", Failures.drain().toString());
		ImagePlus replayed = WindowManager.getCurrentImage();
		assertNotSame(recorded, replayed);
		assertEquals(recorded.getTitle(), replayed.getTitle());
		assertSamePixels(recorded.getStack(), replayed.getStack());
		return recorded;
	}

	private static ImagePlus shown(String title) throws Exception {
		Random r = new Random(4);
		ImagePlus imp = new ImagePlus(title, Synthetic.image(1, 24, r).resize(24, 20));
		imp.show();
		WindowManager.setCurrentWindow(imp.getWindow());
		assertTrue(waitUntil(() -> WindowManager.getCurrentImage() == imp));
		return imp;
	}

	private static void typeString(GenericDialog gd, int index, String text) throws Exception {
		GuiTesting.type(gd, (TextField) gd.getStringFields().get(index), text);
	}

	private static void typeNumber(GenericDialog gd, int index, String text) throws Exception {
		GuiTesting.type(gd, (TextField) gd.getNumericFields().get(index), text);
	}

	private static void assertSamePixels(ImageStack expected, ImageStack actual) {
		assertEquals(expected.getSize(), actual.getSize());
		assertEquals(expected.getBitDepth(), actual.getBitDepth());
		for (int s = 1; s <= expected.getSize(); s++) {
			assertEquals(expected.getSliceLabel(s), actual.getSliceLabel(s));
			assertArrayEquals(expected.getSliceLabel(s), floats(expected, s), floats(actual, s), 0f);
		}
	}

	/** A slice's values as floats (exact for 8-, 16- and 32-bit; RGB as its packed ints). */
	private static float[] floats(ImageStack stack, int slice) {
		Object pixels = stack.getPixels(slice);
		if (pixels instanceof int[]) {
			int[] rgb = (int[]) pixels;
			float[] f = new float[rgb.length];
			for (int i = 0; i < rgb.length; i++) f[i] = rgb[i] & 0xffffff; // 24 bits: exact as a float
			return f;
		}
		return (float[]) stack.getProcessor(slice).convertToFloat().getPixels();
	}

	@Test(timeout = 5 * LIMIT_MS)
	public void featureMapsRecordLayerScaleAndInputAndPlayBackToTheSameMaps() throws Exception {
		ImagePlus imp = shown("cells");
		Set<Integer> before = GuiTesting.imageIds();
		String options = record(imp, CnnFeatureMaps.COMMAND, gd -> {
			typeString(gd, 0, model.toString());
			typeString(gd, 1, "conv1");
			GuiTesting.check(gd, GuiTesting.checkbox(gd, CnnFeatureMaps.KEY_SCALE), true);
			GuiTesting.select(gd, (Choice) gd.getChoices().get(0), CnnFeatureMaps.WHOLE_IMAGE);
		});
		Map<String, String> o = GuiRecordingTest.parseOptions(options);
		assertEquals(Arrays.asList("model", "layer", "scale", "input"), List.copyOf(o.keySet()));
		assertEquals("conv1", o.get("layer"));
		assertEquals(CnnFeatureMaps.WHOLE_IMAGE, o.get("input"));
		ImagePlus recorded = playsBackToTheSamePixels(imp, CnnFeatureMaps.COMMAND, options, before);
		assertEquals("cells conv1 maps", recorded.getTitle());
		assertEquals(4, recorded.getStackSize());
		assertEquals("scaled onto the image", 24, recorded.getWidth());
	}

	@Test(timeout = 5 * LIMIT_MS)
	public void saliencyRecordsMethodClassAndPatchAndPlaysBackToTheSameMap() throws Exception {
		ImagePlus imp = shown("field");
		Set<Integer> before = GuiTesting.imageIds();
		String options = record(imp, CnnSaliencyMap.COMMAND, gd -> {
			typeString(gd, 0, model.toString());
			GuiTesting.select(gd, (Choice) gd.getChoices().get(0), "Occlusion");
			typeString(gd, 1, "hbar");
			typeNumber(gd, 0, "6");
			typeNumber(gd, 1, "3");
		});
		Map<String, String> o = GuiRecordingTest.parseOptions(options);
		assertEquals("Occlusion", o.get("method"));
		assertEquals("hbar", o.get("class"));
		assertEquals("6", o.get("patch"));
		assertEquals("3", o.get("stride"));
		ImagePlus recorded = GuiTesting.newImage(before, CnnSaliencyMap.COMMAND);
		assertEquals(24, recorded.getWidth());
		assertEquals(20, recorded.getHeight());
		Overlay overlay = imp.getOverlay();
		assertNotNull("the map laid over the image", overlay);
		assertTrue(waitUntil(() -> ResultsTable.getResultsTable(CnnSaliencyMap.TABLE) != null));
		assertEquals(1, ResultsTable.getResultsTable(CnnSaliencyMap.TABLE).size());

		IJ.run(imp, CnnSaliencyMap.COMMAND, options);
		assertEquals("[]", Failures.drain().toString());
		ImagePlus replayed = WindowManager.getCurrentImage();
		assertNotSame(recorded, replayed);
		assertSamePixels(recorded.getStack(), replayed.getStack());
		assertEquals("the new overlay replaces the old", overlay.size(), imp.getOverlay().size());
		assertEquals(2, ResultsTable.getResultsTable(CnnSaliencyMap.TABLE).size());
	}

	@Test(timeout = 5 * LIMIT_MS)
	public void filtersRecordLayerAndZoomAndPlayBackToTheSameKernels() throws Exception {
		ImagePlus imp = shown("any");
		Set<Integer> before = GuiTesting.imageIds();
		String options = record(imp, CnnFilters.COMMAND, gd -> {
			typeString(gd, 0, model.toString());
			typeString(gd, 1, "conv1");
			typeNumber(gd, 0, "5"); // not the default 8
		});
		Map<String, String> o = GuiRecordingTest.parseOptions(options);
		assertEquals(Arrays.asList(CnnFilters.KEY_MODEL, CnnFilters.KEY_LAYER, CnnFilters.KEY_ZOOM),
				List.copyOf(o.keySet()));
		assertEquals(model.toString(), o.get(CnnFilters.KEY_MODEL));
		assertEquals("conv1", o.get(CnnFilters.KEY_LAYER));
		assertEquals("5", o.get(CnnFilters.KEY_ZOOM));
		ImagePlus recorded = playsBackToTheSamePixels(imp, CnnFilters.COMMAND, options, before);
		assertEquals("inspect model conv1 filters", recorded.getTitle());
		assertEquals("one slice per filter", 4, recorded.getStackSize());
		assertEquals("3x3 kernels zoomed 5 times", 15, recorded.getWidth());
		assertEquals(15, recorded.getHeight());
	}

	@Test(timeout = 5 * LIMIT_MS)
	public void activationMaximizationRecordsChannelsIterationsStepAndSeedAndPlaysBackToTheSameImages()
			throws Exception {
		ImagePlus imp = shown("unused");
		Set<Integer> before = GuiTesting.imageIds();
		String options = record(imp, CnnActivationMaximization.COMMAND, gd -> {
			typeString(gd, 0, model.toString());
			typeString(gd, 1, "conv1");
			typeString(gd, 2, "3,1"); // defaults: 0-7, 100 iterations, step 0.1, seed 42
			typeNumber(gd, 0, "4");
			typeNumber(gd, 1, "0.25");
			typeNumber(gd, 2, "7");
		});
		Map<String, String> o = GuiRecordingTest.parseOptions(options);
		assertEquals(Arrays.asList(CnnActivationMaximization.KEY_MODEL, CnnActivationMaximization.KEY_LAYER,
				CnnActivationMaximization.KEY_CHANNELS, CnnActivationMaximization.KEY_ITERATIONS,
				CnnActivationMaximization.KEY_STEP, CnnActivationMaximization.KEY_SEED), List.copyOf(o.keySet()));
		assertEquals("conv1", o.get(CnnActivationMaximization.KEY_LAYER));
		assertEquals("3,1", o.get(CnnActivationMaximization.KEY_CHANNELS));
		assertEquals("4", o.get(CnnActivationMaximization.KEY_ITERATIONS));
		assertEquals(0.25, Double.parseDouble(o.get(CnnActivationMaximization.KEY_STEP)), 0);
		assertEquals("7", o.get(CnnActivationMaximization.KEY_SEED));
		ImagePlus recorded = playsBackToTheSamePixels(imp, CnnActivationMaximization.COMMAND, options, before);
		assertEquals("inspect model conv1 activation maximization", recorded.getTitle());
		assertEquals("the channels in the order given", "conv1 ch 03", recorded.getStack().getSliceLabel(1));
		assertEquals("conv1 ch 01", recorded.getStack().getSliceLabel(2));
		assertEquals("the model's input size", 16, recorded.getWidth());
	}

	@Test(timeout = 5 * LIMIT_MS)
	public void deepDreamRecordsLayersOctavesScaleStepAndSeedAndPlaysBackToTheSameDream() throws Exception {
		ImagePlus imp = shown("tissue");
		byte[] original = ((byte[]) imp.getProcessor().getPixels()).clone();
		Set<Integer> before = GuiTesting.imageIds();
		String options = record(imp, CnnDeepDream.COMMAND, gd -> {
			typeString(gd, 0, model.toString());
			typeString(gd, 1, "conv1 pool1"); // default: empty, the last conv layer
			typeNumber(gd, 0, "2"); // defaults: 10 iterations, 3 octaves, scale 1.4, step 0.05, seed 42
			typeNumber(gd, 1, "2");
			typeNumber(gd, 2, "1.2");
			typeNumber(gd, 3, "0.5");
			typeNumber(gd, 4, "11");
		});
		Map<String, String> o = GuiRecordingTest.parseOptions(options);
		assertEquals(Arrays.asList(CnnDeepDream.KEY_MODEL, CnnDeepDream.KEY_LAYER, CnnDeepDream.KEY_ITERATIONS,
				CnnDeepDream.KEY_OCTAVES, CnnDeepDream.KEY_SCALE, CnnDeepDream.KEY_STEP, CnnDeepDream.KEY_SEED),
				List.copyOf(o.keySet()));
		assertEquals("conv1 pool1", o.get(CnnDeepDream.KEY_LAYER));
		assertEquals("2", o.get(CnnDeepDream.KEY_ITERATIONS));
		assertEquals("2", o.get(CnnDeepDream.KEY_OCTAVES));
		assertEquals(1.2, Double.parseDouble(o.get(CnnDeepDream.KEY_SCALE)), 0);
		assertEquals(0.5, Double.parseDouble(o.get(CnnDeepDream.KEY_STEP)), 0);
		assertEquals("11", o.get(CnnDeepDream.KEY_SEED));
		ImagePlus recorded = playsBackToTheSamePixels(imp, CnnDeepDream.COMMAND, options, before);
		assertEquals("tissue dream", recorded.getTitle());
		assertEquals("the image's own type and size", 8, recorded.getBitDepth());
		assertEquals(24, recorded.getWidth());
		assertEquals(20, recorded.getHeight());
		assertArrayEquals("the image is left as it was", original, (byte[]) imp.getProcessor().getPixels());
		assertFalse("the dream changed the pixels",
				Arrays.equals(original, (byte[]) recorded.getProcessor().getPixels()));
	}
}
