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
import org.convkit.plugins.inspect.CnnFeatureMaps;
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
		String prefix = "run(\"" + command + "\", \"";
		boolean ended = waitUntil(() -> recorder.getText().indexOf(prefix, mark) >= 0 || !Failures.isEmpty()
				|| GuiTesting.exceptionWindowShowing());
		assertEquals(command + " reported a failure", "[]", Failures.drain().toString());
		assertFalse(command + " threw", GuiTesting.exceptionWindowShowing());
		assertTrue(command + ": nothing recorded", ended);
		String text = recorder.getText();
		int start = text.indexOf(prefix, mark), end = text.indexOf('\n', start);
		String line = text.substring(start, end < 0 ? text.length() : end);
		System.out.println("Recorded: " + line);
		return line.substring(prefix.length(), line.length() - 3);
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
		for (int s = 1; s <= expected.getSize(); s++) {
			assertEquals(expected.getSliceLabel(s), actual.getSliceLabel(s));
			assertArrayEquals(expected.getSliceLabel(s), (float[]) expected.getPixels(s),
					(float[]) actual.getPixels(s), 0f);
		}
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
		ImagePlus recorded = GuiTesting.newImage(before, CnnFeatureMaps.COMMAND);
		assertEquals("cells conv1 maps", recorded.getTitle());
		assertEquals(4, recorded.getStackSize());
		assertEquals("scaled onto the image", 24, recorded.getWidth());

		IJ.run(imp, CnnFeatureMaps.COMMAND, options); // the recorded line, played back
		assertEquals("[]", Failures.drain().toString());
		ImagePlus replayed = WindowManager.getCurrentImage();
		assertNotSame(recorded, replayed);
		assertSamePixels(recorded.getStack(), replayed.getStack());
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
}
