package org.convkit.app;

import ij.IJ;
import ij.ImagePlus;
import ij.ImageStack;
import ij.WindowManager;
import ij.gui.GenericDialog;
import ij.measure.ResultsTable;
import ij.plugin.frame.Recorder;
import org.convkit.core.cnn.data.FolderDataset;
import org.convkit.core.cnn.data.Synthetic;
import org.convkit.core.cnn.model.ModelBundleIO;
import org.convkit.core.cnn.net.TrainingSettings;
import org.convkit.core.cnn.spec.NetworkSpec;
import org.convkit.core.cnn.train.Predictor;
import org.convkit.core.cnn.train.Trainer;
import org.convkit.plugins.cnn.ClassifyFolderWithCnn;
import org.convkit.plugins.cnn.ClassifyWithCnn;
import org.convkit.plugins.cnn.CnnModelInfo;
import org.convkit.plugins.support.Failures;
import org.junit.After;
import org.junit.AfterClass;
import org.junit.BeforeClass;
import org.junit.ClassRule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

import java.awt.EventQueue;
import java.awt.TextField;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.convkit.app.GuiTesting.LIMIT_MS;
import static org.convkit.app.GuiTesting.waitUntil;
import static org.junit.Assert.*;

/**
 * The CNN commands with real dialogs (under Xvfb): the file and folder fields (with Browse buttons) and the
 * checkboxes record as the documented keys, the recorded line plays back to the same result, and the tables are
 * real windows (a second Classify call appends to the open CNN Predictions window).
 */
public class GuiCnnRecordingTest {
	@ClassRule
	public static TemporaryFolder tmp = new TemporaryFolder();

	private static Recorder recorder;
	private static Path model, images;

	@BeforeClass
	public static void start() throws Exception {
		recorder = GuiTesting.startRecording();
		Path root = tmp.getRoot().toPath();
		Path data = Synthetic.folder(Files.createDirectories(root.resolve("training")), 10, 16, 4);
		model = root.resolve("gui model.zip");
		new Trainer(new FolderDataset(data), NetworkSpec.parse("conv 3x3x4; maxpool 2; dense 8"),
				TrainingSettings.DEFAULTS.withBatchSize(10).withEpochs(2).withSeed(3)).saveTo(model, false).train(null);
		images = Files.createDirectories(root.resolve("images"));
		Random r = new Random(8);
		for (int i = 0; i < 3; i++) Synthetic.save(Synthetic.image(i, 16, r), images.resolve("i" + i), i == 1);
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

	/** Starts the command as a menu click does, fills its dialog, presses OK and returns the recorded options. */
	private static String record(ImagePlus imp, String command, DialogInput input) throws Exception {
		int mark = recorder.getText().length();
		if (imp != null) IJ.doCommand(imp, command);
		else IJ.doCommand(command);
		GenericDialog gd = GuiTesting.waitForDialog(command);
		input.fill(gd);
		capture(gd, command);
		GuiTesting.press(gd, "OK");
		return GuiTesting.recordedOptions(recorder, mark, command);
	}

	/** A screen grab of the filled dialog in target/gui once it is drawn, to look at (the dialogs have Browse buttons). */
	private static void capture(GenericDialog gd, String command) throws Exception {
		EventQueue.invokeAndWait(() -> gd.setLocation(420, 260)); // beside the image window at the top left
		java.awt.image.BufferedImage shot = GuiTesting.captureWhen(gd, command, GuiTesting.looksLikeDialog(1 / 3.0, 0.5));
		String name = command.replace("...", "").toLowerCase(java.util.Locale.ROOT).replace(' ', '-');
		java.io.File out = HeadlessProcess.basedir().resolve("target/gui/dialog-" + name + ".png").toFile();
		out.getParentFile().mkdirs();
		assertTrue(javax.imageio.ImageIO.write(shot, "png", out));
	}

	private interface DialogInput {
		void fill(GenericDialog gd) throws Exception;
	}

	private static void typeString(GenericDialog gd, int index, String text) throws Exception {
		GuiTesting.type(gd, (TextField) gd.getStringFields().get(index), text);
	}

	private static ResultsTable table(String title) throws InterruptedException {
		assertTrue("no '" + title + "' window; windows: " + GuiTesting.titles(),
				waitUntil(() -> ResultsTable.getResultsTable(title) != null));
		return ResultsTable.getResultsTable(title);
	}

	@Test(timeout = 5 * LIMIT_MS)
	public void classifyRecordsModelAndTargetAndAppendsToTheOpenTable() throws Exception {
		ImageStack st = new ImageStack(16, 16);
		for (int c = 0; c < 3; c++) st.addSlice(Synthetic.image(c, 16, new Random(c)));
		ImagePlus imp = new ImagePlus("three", st);
		imp.show();
		WindowManager.setCurrentWindow(imp.getWindow());
		String options = record(imp, ClassifyWithCnn.COMMAND, gd -> {
			typeString(gd, 0, model.toString());
			GuiTesting.select(gd, (java.awt.Choice) gd.getChoices().get(0), "Slices");
		});
		Map<String, String> o = GuiRecordingTest.parseOptions(options);
		assertEquals(Arrays.asList(ClassifyWithCnn.KEY_MODEL, ClassifyWithCnn.KEY_TARGET), List.copyOf(o.keySet()));
		assertEquals(model.toString(), o.get("model"));
		assertEquals("Slices", o.get("target"));
		ResultsTable rt = table(ClassifyWithCnn.TABLE);
		assertEquals(3, rt.size());

		IJ.run(imp, ClassifyWithCnn.COMMAND, options); // the recorded line, played back
		assertEquals("[]", Failures.drain().toString());
		rt = table(ClassifyWithCnn.TABLE);
		assertEquals("appended to the open window's table", 6, rt.size());
		float[][] expected = new Predictor(ModelBundleIO.read(model)).predict(Arrays.asList(st.getProcessor(1),
				st.getProcessor(2), st.getProcessor(3)));
		for (int row = 0; row < 6; row++)
			assertEquals(expected[row % 3][0], rt.getValue("disk", row), 0);
	}

	@Test(timeout = 5 * LIMIT_MS)
	public void classifyFolderRecordsEveryKeyAndPlaysBack() throws Exception {
		String options = record(null, ClassifyFolderWithCnn.COMMAND, gd -> {
			typeString(gd, 0, model.toString());
			typeString(gd, 1, images.toString());
			typeString(gd, 2, "gui.csv");
			GuiTesting.check(gd, GuiTesting.checkbox(gd, ClassifyFolderWithCnn.KEY_RECURSIVE), true);
		});
		Map<String, String> o = GuiRecordingTest.parseOptions(options);
		assertEquals(Arrays.asList("model", "folder", "output", "recursive"), List.copyOf(o.keySet()));
		assertEquals(images.toString(), o.get("folder"));
		Path csv = images.resolve("gui.csv");
		List<String> first = Files.readAllLines(csv, StandardCharsets.UTF_8);
		assertEquals("file,class,probability,disk,hbar,vbar", first.get(0));
		assertEquals(4, first.size());

		Files.delete(csv);
		IJ.run(ClassifyFolderWithCnn.COMMAND, options);
		assertEquals("[]", Failures.drain().toString());
		assertEquals(first, Files.readAllLines(csv, StandardCharsets.UTF_8));
		Files.delete(csv);
	}

	@Test(timeout = 5 * LIMIT_MS)
	public void modelInfoRecordsTheModelAndShowsTableAndPlot() throws Exception {
		java.util.Set<Integer> before = GuiTesting.imageIds();
		String options = record(null, CnnModelInfo.COMMAND, gd -> typeString(gd, 0, model.toString()));
		assertEquals("{model=" + model + "}", GuiRecordingTest.parseOptions(options).toString());
		ResultsTable rt = table(CnnModelInfo.TABLE);
		assertEquals(CnnModelInfo.TOTAL, rt.getStringValue(CnnModelInfo.COL_LAYER, rt.size() - 1));
		assertEquals(ModelBundleIO.read(model).network().numParams(),
				(long) rt.getValue(CnnModelInfo.COL_PARAMETERS, rt.size() - 1));
		ImagePlus plot = GuiTesting.newImage(before, CnnModelInfo.COMMAND);
		assertEquals("gui model.zip training history", plot.getTitle());
	}
}
