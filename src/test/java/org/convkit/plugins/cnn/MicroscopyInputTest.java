package org.convkit.plugins.cnn;

import ij.ImagePlus;
import ij.ImageStack;
import ij.gui.Roi;
import ij.measure.ResultsTable;
import ij.process.ShortProcessor;
import org.convkit.app.MicroscopySample;
import org.convkit.core.cnn.model.ModelBundle;
import org.convkit.core.cnn.model.ModelBundleIO;
import org.convkit.plugins.support.NamedTables;
import org.junit.BeforeClass;
import org.junit.ClassRule;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

import java.awt.Color;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.convkit.plugins.cnn.RoiMacros.fails;
import static org.convkit.plugins.cnn.RoiMacros.path;
import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

/**
 * Every bad input of the ROI workflow (the list and hostile values of every new key) as macro calls: exactly
 * one failure with a clear message, no file written, no image made, the images' pixels, the ROI set and the tables
 * unchanged. A constant image under percentile normalisation is no error: it trains and maps without NaN.
 */
public class MicroscopyInputTest {
	@ClassRule
	public static TemporaryFolder shared = new TemporaryFolder();
	@Rule
	public TemporaryFolder tmp = new TemporaryFolder();
	static MicroscopySample.Field two;
	static ImagePlus one, tiny, flat;
	static Path twoZip, oneZip, model;
	static final String TRAIN = "run(\"Train CNN Classifier...\", \"source=ROIs architecture=Custom layers=["
			+ RoiMacros.LAYERS + "] epochs=1 batch=8 validation=0 augment=none ";

	@BeforeClass
	public static void fieldsAndAModel() throws Exception {
		Path dir = shared.getRoot().toPath();
		twoZip = dir.resolve("two.zip");
		oneZip = dir.resolve("one.zip");
		model = dir.resolve("two-channels.zip");
		two = RoiMacros.show(MicroscopySample.field(128, 128, 30, 7, true), "two.tif", twoZip);
		one = new ImagePlus("one.tif", two.image.getStack().getProcessor(1).duplicate()); // channel 1 only
		RoiMacros.keepShown(one);
		MicroscopySample.writeRois(two.rois, oneZip);
		ImageStack small = new ImageStack(20, 20);
		small.addSlice(new ShortProcessor(20, 20));
		small.addSlice(new ShortProcessor(20, 20));
		tiny = new ImagePlus("tiny.tif", small);
		tiny.setDimensions(2, 1, 1);
		RoiMacros.keepShown(tiny);
		ImageStack constant = new ImageStack(64, 64);
		for (int c = 0; c < 2; c++) {
			ShortProcessor sp = new ShortProcessor(64, 64);
			sp.setValue(777);
			sp.fill();
			constant.addSlice(sp);
		}
		flat = new ImagePlus("flat.tif", constant);
		flat.setDimensions(2, 1, 1);
		RoiMacros.keepShown(flat);
		RoiMacros.run(RoiMacros.open(two.image, twoZip) + TRAIN + "normalize=Percentile per=Image model="
				+ path(model) + "\");");
	}

	/** Fails as expected and leaves everything as it was. */
	private void bad(String macro, String... parts) throws Exception {
		long[] sums = { checksum(two.image), checksum(one), checksum(tiny), checksum(flat) };
		byte[] zip = Files.readAllBytes(twoZip);
		java.util.Set<Integer> ids = RoiMacros.ids();
		ResultsTable rt = NamedTables.get(ClassifyRoisWithCnn.TABLE);
		int rows = rt == null ? 0 : rt.size();
		fails(macro, parts);
		assertArrayEquals("pixels unchanged", sums, new long[] { checksum(two.image), checksum(one), checksum(tiny),
				checksum(flat) });
		assertArrayEquals("the ROI set unchanged", zip, Files.readAllBytes(twoZip));
		java.util.Set<Integer> made = RoiMacros.ids();
		made.removeAll(ids);
		assertEquals("no image made", java.util.Collections.emptySet(), made);
		ResultsTable after = NamedTables.get(ClassifyRoisWithCnn.TABLE);
		assertEquals("no rows added", rows, after == null ? 0 : after.size());
		try (Stream<Path> s = Files.list(tmp.getRoot().toPath())) {
			assertEquals("no file written", 0, s.count());
		}
	}

	private static long checksum(ImagePlus imp) {
		long h = 1;
		for (int i = 1; i <= imp.getStackSize(); i++) {
			ij.process.ImageProcessor ip = imp.getStack().getProcessor(i);
			for (int p = 0; p < ip.getPixelCount(); p++) h = 31 * h + ip.get(p);
		}
		return h;
	}

	private String out() {
		return " model=" + path(tmp.getRoot().toPath().resolve("m.zip")) + "\");";
	}

	@Test
	public void trainingWithoutRoisIsAnError() throws Exception {
		bad("selectImage(\"two.tif\");\nroiManager(\"reset\");\n" + TRAIN + out(), "no ROIs");
	}

	@Test
	public void roisOnAClosedImageAreAnError() throws Exception {
		String gone = "newImage(\"gone\", \"16-bit black\", 64, 64, 1);\nmakeOval(10, 10, 20, 20);\n"
				+ "roiManager(\"add\");\nclose(\"gone\");\nselectImage(\"two.tif\");\n";
		bad(RoiMacros.open(two.image, twoZip) + gone + TRAIN + out(), "closed");
		bad(RoiMacros.open(two.image, twoZip) + gone + "run(\"Classify ROIs with CNN...\", \"model=" + path(model)
				+ "\");", "closed");
	}

	@Test
	public void roisWithoutAGroupOrNamePrefixAreAnError() throws Exception {
		String ungroup = "roiManager(\"select\", 3);\nRoiManager.setGroup(0);\n";
		bad(RoiMacros.open(two.image, twoZip) + ungroup + TRAIN + out(), "1 of " + two.rois.size()
				+ " ROIs have no group", two.rois.get(3).getName());
		String rename = "roiManager(\"select\", 2);\nroiManager(\"rename\", \"nolabel\");\n"
				+ "roiManager(\"select\", 4);\nroiManager(\"rename\", \"0001-0012-0034\");\n";
		bad(RoiMacros.open(two.image, twoZip) + rename + TRAIN + "label=[Name prefix]" + out(), "2 of",
				"no name prefix", "'nolabel'", "'0001-0012-0034'");
	}

	@Test
	public void aSingleClassIsAnError() throws Exception {
		String all = "for (i = 0; i < roiManager(\"count\"); i++) {\n  roiManager(\"select\", i);\n"
				+ "  RoiManager.setGroup(3);\n}\n";
		bad(RoiMacros.open(two.image, twoZip) + all + TRAIN + out(), "at least 2 classes");
	}

	@Test
	public void aPatchLargerThanTheImageIsAnError() throws Exception {
		bad(RoiMacros.open(two.image, twoZip) + TRAIN + "patch=200" + out(), "patch=200 is larger than the image "
				+ "'two.tif' (128x128)");
	}

	@Test
	public void channelsTheImageDoesNotHaveOrThatDifferFromTheModelsAreErrors() throws Exception {
		bad(RoiMacros.open(two.image, twoZip) + TRAIN + "channels=3" + out(), "no channel 3", "it has 2");
		bad(RoiMacros.open(two.image, twoZip) + TRAIN + "channels=[1,x]" + out(), "channels=1,x",
				"not a list of channel numbers");
		bad(RoiMacros.open(two.image, twoZip) + TRAIN + "channels=[2,2]" + out(), "channel 2 twice");
		bad(RoiMacros.open(two.image, twoZip) + TRAIN + "channels=1 continue=" + path(model) + out(),
				"continue training only with data cut the same way", "channels 1,2 of 2", "channels 1 of 2");
	}

	@Test
	public void aTwoChannelModelOnAOneChannelImageIsAnError() throws Exception {
		bad(RoiMacros.open(one, oneZip) + "run(\"Classify ROIs with CNN...\", \"model=" + path(model) + "\");",
				"trained on images with 2 channel(s)", "'one.tif' has 1");
		bad("selectImage(\"one.tif\");\nrun(\"CNN Probability Map...\", \"model=" + path(model) + " stride=4\");",
				"trained on images with 2 channel(s)", "'one.tif' has 1");
	}

	@Test
	public void aMapOfAnImageSmallerThanTheModelInputIsAnError() throws Exception {
		bad("selectImage(\"tiny.tif\");\nrun(\"CNN Probability Map...\", \"model=" + path(model) + " stride=4\");",
				"'tiny.tif' (20x20) is smaller than the model's input (32x32)");
	}

	@Test
	public void strideZeroAndOtherBadStridesAreErrors() throws Exception {
		for (String s : new String[] { "0", "-3", "1.5", "NaN", "Infinity", "1e9" })
			bad("selectImage(\"two.tif\");\nrun(\"CNN Probability Map...\", \"model=" + path(model) + " stride=" + s
					+ "\");", "stride=", "at least 1");
		bad("selectImage(\"two.tif\");\nrun(\"CNN Probability Map...\", \"model=" + path(model) + " stride=abc\");",
				"stride=abc is not a number");
		bad("selectImage(\"two.tif\");\nrun(\"CNN Probability Map...\", \"model=" + path(model) + " output=Maps\");",
				"output=Maps is unknown");
		bad("selectImage(\"two.tif\");\nrun(\"CNN Probability Map...\", \"model=" + path(tmp.getRoot().toPath()
				.resolve("missing.zip")) + "\");", "not found");
	}

	@Test
	public void percentilesOutOfOrderOrOutsideZeroToHundredAreErrors() throws Exception {
		String[][] cases = { { "99", "1", "below the high one" }, { "50", "50", "below the high one" },
				{ "-5", "99", "between 0 and 100" }, { "1", "101", "between 0 and 100" },
				{ "NaN", "99", "between 0 and 100" } };
		for (String[] c : cases)
			bad(RoiMacros.open(two.image, twoZip) + TRAIN + "normalize=Percentile low=" + c[0] + " high=" + c[1]
					+ out(), "low=", c[2]);
		bad(RoiMacros.open(two.image, twoZip) + TRAIN + "low=abc" + out(), "low=abc is not a number");
	}

	@Test
	public void hostileValuesOfTheOtherNewKeysAreErrors() throws Exception {
		String[][] cases = { { "patch=0", "patch=0 must be a whole number from 1" },
				{ "patch=-4", "patch=-4 must be" }, { "patch=2.5", "patch=2.5 must be" },
				{ "patch=NaN", "patch=NaN must be" }, { "patch=1e12", "must be a whole number" },
				{ "patch=abc", "patch=abc is not a number" },
				{ "border=Constant value=Infinity", "value=Infinity must be a finite number" },
				{ "border=Mirror", "border=Mirror", "Unknown border" },
				{ "label=Colour", "label=Colour", "Group or Name prefix" },
				{ "normalize=Zscore", "Unknown normalisation 'Zscore'" }, { "per=Cell", "Unknown per='Cell'" },
				{ "balance=Oversample", "Unknown balance 'Oversample'" } };
		for (String[] c : cases) {
			String[] parts = java.util.Arrays.copyOfRange(c, 1, c.length);
			try {
				bad(RoiMacros.open(two.image, twoZip) + TRAIN + c[0] + out(), parts);
			} catch (AssertionError e) {
				throw new AssertionError(c[0] + ": " + e.getMessage(), e);
			}
		}
		bad(RoiMacros.open(two.image, twoZip) + TRAIN.replace("source=ROIs", "source=Rois2") + out(),
				"source=Rois2 is unknown: use Folder, Stack or ROIs");
	}

	/** Classify ROIs refused a bad image before touching any ROI: groups, colours and names stay. */
	@Test
	public void aRefusedClassificationLeavesTheRoisAsTheyWere() throws Exception {
		ModelBundle b = ModelBundleIO.read(model);
		List<Roi> rois = new ArrayList<>();
		for (Roi r : two.rois) rois.add((Roi) r.clone());
		Color[] colours = new Color[rois.size()];
		int[] groups = new int[rois.size()];
		for (int i = 0; i < rois.size(); i++) {
			colours[i] = rois.get(i).getStrokeColor();
			groups[i] = rois.get(i).getGroup();
		}
		ResultsTable rt = new ResultsTable();
		try {
			ClassifyRoisWithCnn.classify(rois, one, b, rt); // ROIs that know no image: on one.tif, 1 channel
			fail("a 1-channel image was accepted");
		} catch (IllegalArgumentException e) {
			assertTrue(e.getMessage(), e.getMessage().contains("2 channel(s)"));
		}
		for (int i = 0; i < rois.size(); i++) {
			assertEquals(groups[i], rois.get(i).getGroup());
			assertEquals(colours[i], rois.get(i).getStrokeColor());
			assertEquals(two.rois.get(i).getName(), rois.get(i).getName());
		}
		assertEquals(0, rt.size());
		// and the same ROIs on the 2-channel field are classified, grouped and coloured
		assertTrue(ClassifyRoisWithCnn.classify(rois, two.image, b, rt) != null);
		assertEquals(rois.size(), rt.size());
		for (Roi r : rois) assertTrue(r.getGroup() >= 1 && r.getGroup() <= 3);
	}

	/** A constant image: percentiles equal, scale 1, every value normalised to 0; training and the map stay finite. */
	@Test
	public void aConstantImageUnderPercentileNormalisationGivesNoNaN() throws Exception {
		java.util.Set<Integer> ids = RoiMacros.ids();
		RoiMacros.run("selectImage(\"flat.tif\");\nrun(\"CNN Probability Map...\", \"model=" + path(model)
				+ " stride=8 output=Probabilities\");");
		ImagePlus map = RoiMacros.created(ids, "-probabilities");
		for (int s = 1; s <= map.getStackSize(); s++)
			for (float v : (float[]) map.getStack().getProcessor(s).getPixels())
				assertFalse("NaN in the map", Float.isNaN(v));
		Path flatModel = tmp.getRoot().toPath().resolve("flat.zip");
		RoiMacros.run("selectImage(\"flat.tif\");\nroiManager(\"reset\");\nmakeOval(5, 5, 20, 20);\n"
				+ "roiManager(\"add\");\nRoiManager.select(0);\nroiManager(\"rename\", \"a_1\");\nmakeOval(30, 30, "
				+ "20, 20);\nroiManager(\"add\");\nRoiManager.select(1);\nroiManager(\"rename\", \"b_1\");\n"
				+ TRAIN.replace("batch=8", "batch=2") + "label=[Name prefix] patch=16 normalize=Percentile per=Image "
				+ "model=" + path(flatModel) + "\");");
		String loss = TrainCnnClassifier.lastResult("best_validation_loss");
		ModelBundle b = ModelBundleIO.read(flatModel);
		double trainLoss = b.history().trainLoss().get(0);
		assertTrue("training loss " + trainLoss + " (best validation loss '" + loss + "')", Double.isFinite(trainLoss));
	}
}
