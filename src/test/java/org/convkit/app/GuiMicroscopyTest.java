package org.convkit.app;

import ij.IJ;
import ij.ImagePlus;
import ij.gui.GenericDialog;
import ij.gui.Roi;
import ij.plugin.frame.Recorder;
import ij.plugin.frame.RoiManager;
import org.convkit.core.cnn.input.NormalisationRule;
import org.convkit.core.cnn.input.PatchInput;
import org.convkit.core.cnn.net.ClassBalance;
import org.convkit.core.cnn.net.TrainingSettings;
import org.convkit.core.cnn.patch.PatchDataset;
import org.convkit.core.cnn.spec.NetworkSpec;
import org.convkit.core.cnn.train.Trainer;
import org.convkit.core.filter.Border;
import org.convkit.plugins.cnn.ClassifyRoisWithCnn;
import org.convkit.plugins.cnn.CnnProbabilityMap;
import org.convkit.plugins.support.ClassColours;
import org.convkit.plugins.support.Failures;
import org.convkit.plugins.support.RoiOutlines;
import org.junit.After;
import org.junit.AfterClass;
import org.junit.BeforeClass;
import org.junit.ClassRule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

import javax.imageio.ImageIO;
import java.awt.EventQueue;
import java.awt.Rectangle;
import java.awt.Robot;
import java.awt.TextField;
import java.awt.Window;
import java.awt.image.BufferedImage;
import java.io.File;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.convkit.app.GuiTesting.LIMIT_MS;
import static org.convkit.app.GuiTesting.waitUntil;
import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertTrue;

/**
 * The microscopy commands with real windows (under Xvfb), on the committed synthetic sample: Classify ROIs and CNN
 * Probability Map record their keys and play back, the ROI Manager's ROIs take their class's group and colour, and
 * the README's pictures (the ROI Manager coloured by class; the probability map next to the image) are grabbed here.
 */
public class GuiMicroscopyTest {
	@ClassRule
	public static TemporaryFolder tmp = new TemporaryFolder();
	private static Recorder recorder;
	private static Path model;
	private static final Path SAMPLES = HeadlessProcess.basedir().resolve("sample-images");

	@BeforeClass
	public static void trainOnTheFirstField() throws Exception {
		recorder = GuiTesting.startRecording();
		ClassColours.quietGroupColours(); // as ./convkit does: ImageJ's Glasbey LUT is not installed here
		model = tmp.getRoot().toPath().resolve("cells.zip");
		ImagePlus field1 = IJ.openImage(SAMPLES.resolve(MicroscopySample.FIELD1).toString());
		List<Roi> rois = new ArrayList<>(MicroscopySampleTest.rois(SAMPLES.resolve(MicroscopySample.ROIS1)));
		List<String> labels = new ArrayList<>();
		for (Roi r : rois) labels.add(MicroscopySample.CLASSES[r.getGroup() - 1]);
		for (Roi r : MicroscopySampleTest.rois(SAMPLES.resolve(MicroscopySample.BACKGROUND1))) {
			rois.add(r);
			labels.add(MicroscopySample.BACKGROUND);
		}
		PatchDataset data = new PatchDataset(RoiOutlines.outlines(rois, field1), labels, new PatchInput(new int[] {
				1, 2 }, 2, false, Border.REFLECT, 0, false), 32);
		new Trainer(data, NetworkSpec.parse("conv 3x3x16 pad=same; maxpool 2; conv 3x3x32 pad=same; maxpool 2; "
				+ "dense 64"), TrainingSettings.DEFAULTS.withEpochs(8).withBatchSize(16).withLearningRate(0.002)
						.withSeed(7).withBalance(ClassBalance.WEIGHTS)).input(data.format()).normalisation(
								new NormalisationRule(NormalisationRule.Method.PERCENTILE,
										NormalisationRule.Per.IMAGE, 1, 99.8)).saveTo(model, false).train(null);
	}

	@AfterClass
	public static void quit() {
		GuiTesting.quitImageJ(recorder);
	}

	@After
	public void cleanUp() throws Exception {
		GuiTesting.disposeDialogs();
		GuiTesting.closeImages();
		RoiManager rm = RoiManager.getRawInstance();
		if (rm != null) EventQueue.invokeAndWait(rm::close);
		Failures.drain();
	}

	private static ImagePlus field2() throws Exception {
		ImagePlus imp = IJ.openImage(SAMPLES.resolve(MicroscopySample.FIELD2).toString());
		imp.show();
		assertTrue(waitUntil(() -> imp.getWindow() != null && imp.getWindow().isShowing()));
		EventQueue.invokeAndWait(() -> imp.getWindow().setLocation(0, 0));
		return imp;
	}

	/** Opens the command's dialog as a menu click does, types the values, presses OK, returns the recorded options. */
	private static Map<String, String> record(ImagePlus imp, String command, String... values) throws Exception {
		int mark = recorder.getText().length();
		IJ.doCommand(imp, command);
		GenericDialog gd = GuiTesting.waitForDialog(command);
		@SuppressWarnings("unchecked")
		List<TextField> strings = gd.getStringFields();
		GuiTesting.type(gd, strings.get(0), values[0]);
		if (values.length > 1) {
			@SuppressWarnings("unchecked")
			List<TextField> numbers = gd.getNumericFields();
			GuiTesting.type(gd, numbers.get(0), values[1]);
			GuiTesting.select(gd, (java.awt.Choice) gd.getChoices().get(0), values[2]);
		}
		GuiTesting.press(gd, "OK");
		return GuiRecordingTest.parseOptions(GuiTesting.recordedOptions(recorder, mark, command));
	}

	@Test(timeout = 5 * LIMIT_MS)
	public void classifyRoisColoursTheRoiManagerByClass() throws Exception {
		ImagePlus imp = field2();
		RoiManager rm = RoiManager.getRoiManager();
		rm.runCommand("Open", SAMPLES.resolve(MicroscopySample.ROIS2).toString());
		assertEquals(300, rm.getCount(), 20);
		Map<String, String> o = record(imp, ClassifyRoisWithCnn.COMMAND, model.toString());
		assertEquals(Arrays.asList(ClassifyRoisWithCnn.KEY_MODEL), new ArrayList<>(o.keySet()));
		assertEquals(model.toString(), o.get("model"));
		int right = 0;
		List<String> truth = java.nio.file.Files.readAllLines(SAMPLES.resolve(MicroscopySample.TRUTH2));
		List<String> labels = Arrays.asList("apoptotic", "background", "mitotic", "normal"); // the model's order
		for (int i = 0; i < rm.getCount(); i++) {
			Roi roi = rm.getRoi(i);
			int c = roi.getGroup() - 1;
			assertTrue(roi.getName(), c >= 0 && c < 4);
			assertEquals(ClassColours.of(c), roi.getStrokeColor());
			assertEquals(labels.get(c), Roi.getGroupName(c + 1));
			if (truth.get(i + 1).endsWith("," + labels.get(c))) right++;
		}
		assertTrue("accuracy on field 2: " + right + " of " + rm.getCount(), right >= 0.9 * rm.getCount());
		EventQueue.invokeAndWait(() -> {
			rm.runCommand(imp, "Show All without labels");
			outOfThePicture(imp.getWindow().getHeight() + 40);
			rm.setLocation(imp.getWindow().getWidth() + 4, 0);
			rm.toFront();
		});
		grab(union(imp.getWindow(), rm), "microscopy-rois");
	}

	@Test(timeout = 5 * LIMIT_MS)
	public void probabilityMapRecordsPlaysBackAndShowsBesideTheImage() throws Exception {
		ImagePlus imp = field2();
		java.util.Set<Integer> before = GuiTesting.imageIds();
		Map<String, String> o = record(imp, CnnProbabilityMap.COMMAND, model.toString(), "4", "Probabilities");
		assertEquals(Arrays.asList("model", "stride", "output"), new ArrayList<>(o.keySet()));
		assertEquals("4", o.get("stride"));
		ImagePlus map = GuiTesting.newImage(before, "the probability map");
		assertEquals("microscopy-field2-probabilities", map.getTitle());
		assertEquals(4, map.getNChannels());
		assertNotNull(map.getWindow());
		EventQueue.invokeAndWait(() -> {
			outOfThePicture(imp.getWindow().getHeight() + 40);
			map.getWindow().setLocation(imp.getWindow().getWidth() + 4, 0);
			map.getWindow().toFront();
		});
		grab(union(imp.getWindow(), map.getWindow()), "microscopy-probability-map");

		// the recorded line, played back, makes the same map
		before = GuiTesting.imageIds();
		IJ.run(imp, CnnProbabilityMap.COMMAND, "model=[" + model + "] stride=4 output=Probabilities");
		assertEquals("[]", Failures.drain().toString());
		ImagePlus again = GuiTesting.newImage(before, "the replayed map");
		for (int s = 1; s <= 4; s++)
			assertArrayEquals((float[]) map.getStack().getPixels(s), (float[]) again.getStack().getPixels(s), 0f);
	}

	/** The Log and the tables, moved below the picture. */
	private static void outOfThePicture(int y) {
		for (String title : new String[] { "Log", ClassifyRoisWithCnn.TABLE }) {
			Window w = ij.WindowManager.getWindow(title);
			if (w != null) w.setLocation(0, y);
		}
	}

	private static Rectangle union(Window a, Window b) {
		return a.getBounds().union(b.getBounds());
	}

	/** A screen grab into docs/images (with -Dconvkit.update.docs=true) or target/gui. */
	private static void grab(Rectangle r, String name) throws Exception {
		Robot robot = new Robot();
		// the X server draws some time after the event queue is idle: grab until two grabs in a row agree
		BufferedImage[] shot = new BufferedImage[1];
		boolean settled = waitUntil(() -> {
			robot.waitForIdle();
			BufferedImage now = robot.createScreenCapture(r), before = shot[0];
			shot[0] = now;
			return before != null && Arrays.equals(pixels(before), pixels(now));
		});
		assertTrue(name + ": the screen kept changing", settled);
		String folder = Boolean.getBoolean("convkit.update.docs") ? "docs/images" : "target/gui";
		File out = HeadlessProcess.basedir().resolve(folder + "/" + name + ".png").toFile();
		out.getParentFile().mkdirs();
		assertTrue(ImageIO.write(shot[0], "png", out));
	}

	private static int[] pixels(BufferedImage b) {
		return b.getRGB(0, 0, b.getWidth(), b.getHeight(), null, 0, b.getWidth());
	}
}
