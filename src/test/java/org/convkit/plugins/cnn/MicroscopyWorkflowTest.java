package org.convkit.plugins.cnn;

import ij.CompositeImage;
import ij.ImagePlus;
import ij.ImageStack;
import ij.measure.ResultsTable;
import ij.process.ImageProcessor;
import org.convkit.app.MicroscopySample;
import org.convkit.core.cnn.input.NormalisationRule;
import org.convkit.core.cnn.model.ModelBundle;
import org.convkit.core.cnn.model.ModelBundleIO;
import org.convkit.core.cnn.patch.Outline;
import org.convkit.plugins.support.NamedTables;
import org.convkit.plugins.support.RoiOutlines;
import org.convkit.testing.FloatTolerance;
import org.junit.BeforeClass;
import org.junit.ClassRule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import static org.convkit.plugins.cnn.RoiMacros.path;
import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertTrue;

/**
 * The microscopy workflow as batch macros run it, on the synthetic 2-channel 16-bit fields: train from the ROIs of
 * one field (labelled by group, percentile-normalised per image), classify the ROIs of another, and map class
 * probabilities. The quality bar: predictions far above chance on the second field; the map at an ROI's centre pixel
 * is what Classify ROIs says for it.
 */
public class MicroscopyWorkflowTest {
	@ClassRule
	public static TemporaryFolder tmp = new TemporaryFolder();
	static MicroscopySample.Field train, test, small;
	static Path trainZip, testZip, smallZip, model;

	@BeforeClass
	public static void trainOnTheFirstField() throws Exception {
		Path dir = tmp.getRoot().toPath();
		trainZip = dir.resolve("train.zip");
		testZip = dir.resolve("test.zip");
		smallZip = dir.resolve("small.zip");
		model = dir.resolve("cells.zip");
		train = RoiMacros.show(MicroscopySample.field(384, 384, 170, 101, true), "train.tif", trainZip);
		test = RoiMacros.show(MicroscopySample.field(384, 384, 170, 202, false), "test.tif", testZip);
		small = RoiMacros.show(MicroscopySample.field(96, 96, 12, 303, false), "small.tif", smallZip);
		RoiMacros.run("Roi.setGroupNames(\"apoptotic,mitotic,normal\");\n" + RoiMacros.open(train.image, trainZip)
				+ "run(\"Train CNN Classifier...\", \"source=ROIs label=Group patch=32 normalize=Percentile per=Image "
				+ "architecture=Custom layers=[" + RoiMacros.LAYERS + "] epochs=10 batch=16 learning=0.003 "
				+ "validation=0.1 augment=[flip rot90] seed=1 model=" + path(model) + "\");");
	}

	@Test
	public void theModelRecordsHowItsPatchesWereMade() throws Exception {
		ModelBundle b = ModelBundleIO.read(model);
		assertEquals(Arrays.asList(MicroscopySample.CLASSES), b.labels());
		assertEquals(32, b.inputWidth());
		assertEquals(2, b.inputChannels());
		assertArrayEquals(new int[] { 1, 2 }, b.patchInput().channels());
		assertEquals(2, b.patchInput().imageChannels());
		assertEquals(new NormalisationRule(NormalisationRule.Method.PERCENTILE, NormalisationRule.Per.IMAGE, 1, 99.8),
				b.normalisation().rule());
	}

	/** Per-ROI predictions on the second field: far above chance (1/3), also for the rare classes. */
	@Test
	public void roisOfTheSecondFieldAreClassifiedFarAboveChance() {
		ResultsTable before = NamedTables.get(ClassifyRoisWithCnn.TABLE);
		int rowsBefore = before == null ? 0 : before.size();
		int[] g = RoiMacros.groups(RoiMacros.run(RoiMacros.open(test.image, testZip)
				+ "run(\"Classify ROIs with CNN...\", \"model=" + path(model) + "\");\n" + RoiMacros.GROUPS));
		assertEquals(test.rois.size(), g.length);
		int k = MicroscopySample.CLASSES.length;
		int[][] confusion = new int[k][k];
		for (int i = 0; i < g.length; i++)
			confusion[Arrays.asList(MicroscopySample.CLASSES).indexOf(test.truth.get(i))][g[i] - 1]++;
		int right = 0;
		double recallSum = 0;
		for (int c = 0; c < k; c++) {
			right += confusion[c][c];
			recallSum += (double) confusion[c][c] / Arrays.stream(confusion[c]).sum();
		}
		double accuracy = (double) right / g.length, balanced = recallSum / k;
		System.out.println("second field: accuracy " + accuracy + ", balanced accuracy " + balanced
				+ ", confusion " + Arrays.deepToString(confusion));
		assertTrue("accuracy " + accuracy, accuracy >= 0.9);
		assertTrue("balanced accuracy " + balanced + " (chance 0.33)", balanced >= 0.75);

		ResultsTable rt = NamedTables.get(ClassifyRoisWithCnn.TABLE);
		assertEquals(rowsBefore + g.length, rt.size());
		for (int i = 0; i < g.length; i++) {
			int row = rowsBefore + i;
			assertEquals(test.rois.get(i).getName(), rt.getStringValue(ClassifyRoisWithCnn.COL_ROI, row));
			assertEquals("test.tif", rt.getStringValue(ClassifyRoisWithCnn.COL_IMAGE, row));
			assertEquals(1, rt.getValue(ClassifyRoisWithCnn.COL_SLICE, row), 0);
			assertEquals(1, rt.getValue(ClassifyRoisWithCnn.COL_FRAME, row), 0);
			String cls = rt.getStringValue(ClassifyRoisWithCnn.COL_CLASS, row);
			assertEquals("the group is the class", MicroscopySample.CLASSES[g[i] - 1], cls);
			double sum = 0, best = 0;
			for (String c : MicroscopySample.CLASSES) {
				double p = rt.getValue(c, row);
				sum += p;
				best = Math.max(best, p);
			}
			assertEquals(1, sum, 1e-5);
			assertEquals(best, rt.getValue(ClassifyRoisWithCnn.COL_PROBABILITY, row), 0);
			assertEquals(best, rt.getValue(cls, row), 0);
		}
	}

	/** stride=1: every pixel is a window centre, and holds what Classify ROIs gives an ROI centred there. */
	@Test
	public void theMapAtAnRoisCentreIsWhatClassifyRoisSays() throws Exception {
		ResultsTable before = NamedTables.get(ClassifyRoisWithCnn.TABLE);
		int rowsBefore = before == null ? 0 : before.size();
		java.util.Set<Integer> ids = RoiMacros.ids();
		RoiMacros.run(RoiMacros.open(small.image, smallZip) + "run(\"Classify ROIs with CNN...\", \"model="
				+ path(model) + "\");\nselectImage(\"small.tif\");\nrun(\"CNN Probability Map...\", \"model="
				+ path(model) + " stride=1 output=Both\");");
		ImagePlus map = RoiMacros.created(ids, "-probabilities"), labels = RoiMacros.created(ids, "-classes");
		assertNotNull(map);
		assertNotNull(labels);
		List<Outline> outlines = RoiOutlines.outlines(small.rois, small.image);
		ResultsTable rt = NamedTables.get(ClassifyRoisWithCnn.TABLE);
		assertEquals(rowsBefore + outlines.size(), rt.size());
		int k = MicroscopySample.CLASSES.length;
		for (int i = 0; i < outlines.size(); i++) {
			Outline o = outlines.get(i);
			int best = 0;
			for (int c = 0; c < k; c++) {
				double p = map.getStack().getProcessor(c + 1).getf(o.centreX(), o.centreY());
				assertEquals(o.name() + " " + MicroscopySample.CLASSES[c], rt.getValue(MicroscopySample.CLASSES[c],
						rowsBefore + i), p, FloatTolerance.PROBABILITY);
				if (p > map.getStack().getProcessor(best + 1).getf(o.centreX(), o.centreY())) best = c;
			}
			assertEquals("the label image is the most probable class", best + 1, labels.getProcessor().get(
					o.centreX(), o.centreY()));
		}
	}

	/**
	 * ROIs drawn on two images, two of four selected: only the selected ones are classified, each on the image it was
	 * drawn on (what the patch classifier gives for it there), the others keep their group.
	 */
	@Test
	public void theSelectedRoisAreClassifiedEachOnItsOwnImage() throws Exception {
		ResultsTable before = NamedTables.get(ClassifyRoisWithCnn.TABLE);
		int rowsBefore = before == null ? 0 : before.size();
		ij.gui.Roi[] drawn = { test.rois.get(0), test.rois.get(1), small.rois.get(0), small.rois.get(1) };
		ImagePlus[] on = { test.image, test.image, small.image, small.image };
		StringBuilder macro = new StringBuilder("roiManager(\"reset\");\n");
		for (int i = 0; i < drawn.length; i++) {
			java.awt.Rectangle r = drawn[i].getBounds();
			macro.append("selectImage(\"").append(on[i].getTitle()).append("\");\nmakeOval(").append(r.x).append(", ")
					.append(r.y).append(", ").append(r.width).append(", ").append(r.height).append(");\nroiManager(\"add\");\n")
					.append("roiManager(\"select\", ").append(i).append(");\nroiManager(\"rename\", \"r").append(i)
					.append("\");\n");
		}
		macro.append("selectImage(\"train.tif\");\nroiManager(\"select\", newArray(1, 2));\n")
				.append("run(\"Classify ROIs with CNN...\", \"model=").append(path(model)).append("\");\n")
				.append(RoiMacros.GROUPS);
		int[] g = RoiMacros.groups(RoiMacros.run(macro.toString()));
		assertEquals("unselected ROIs keep no group", 0, g[0]);
		assertEquals("unselected ROIs keep no group", 0, g[3]);
		ResultsTable rt = NamedTables.get(ClassifyRoisWithCnn.TABLE);
		assertEquals("one row per selected ROI", rowsBefore + 2, rt.size());
		ModelBundle b = ModelBundleIO.read(model);
		for (int i = 1; i <= 2; i++) {
			int row = rowsBefore + i - 1;
			java.awt.Rectangle r = drawn[i].getBounds();
			Outline alone = RoiOutlines.outline(new ij.gui.OvalRoi(r.x, r.y, r.width, r.height), on[i]);
			float[] expected = new org.convkit.core.cnn.patch.PatchClassifier(b).classify(List.of(alone))[0];
			assertEquals("r" + i, rt.getStringValue(ClassifyRoisWithCnn.COL_ROI, row));
			assertEquals(on[i].getTitle(), rt.getStringValue(ClassifyRoisWithCnn.COL_IMAGE, row));
			for (int c = 0; c < expected.length; c++)
				assertEquals("r" + i + " " + MicroscopySample.CLASSES[c], expected[c],
						rt.getValue(MicroscopySample.CLASSES[c], row), FloatTolerance.PROBABILITY);
			assertTrue("classified: a group", g[i] >= 1 && g[i] <= MicroscopySample.CLASSES.length);
		}
	}

	/** A time series is mapped frame by frame: each frame's channels are the map of that frame alone. */
	@Test
	public void aTimeSeriesIsMappedFrameByFrame() throws Exception {
		MicroscopySample.Field other = MicroscopySample.field(96, 96, 12, 404, false);
		ImageStack st = new ImageStack(96, 96);
		for (ImagePlus f : new ImagePlus[] { small.image, other.image })
			for (int c = 1; c <= 2; c++) st.addSlice(f.getStack().getProcessor(c).duplicate());
		ImagePlus series = new ImagePlus("series.tif", st);
		series.setDimensions(2, 1, 2);
		series.setOpenAsHyperStack(true);
		series.setCalibration(small.image.getCalibration().copy());
		RoiMacros.keepShown(series);
		ModelBundle b = ModelBundleIO.read(model);
		java.util.Set<Integer> ids = RoiMacros.ids();
		RoiMacros.run("selectImage(\"series.tif\");\nrun(\"CNN Probability Map...\", \"model=" + path(model)
				+ " stride=3 output=Both\");");
		ImagePlus map = RoiMacros.created(ids, "-probabilities"), labels = RoiMacros.created(ids, "-classes");
		assertEquals(3, map.getNChannels());
		assertEquals(2, map.getNFrames());
		assertEquals(2, labels.getNFrames());
		ImagePlus[] frames = { small.image, other.image };
		for (int t = 1; t <= 2; t++) {
			ImagePlus alone = CnnProbabilityMap.compute(frames[t - 1], b, 3, true, false).probabilities;
			for (int c = 1; c <= 3; c++) {
				float[] expected = (float[]) alone.getStack().getPixels(c);
				float[] actual = (float[]) map.getStack().getPixels(map.getStackIndex(c, 1, t));
				for (int i = 0; i < expected.length; i++)
					assertEquals("frame " + t + " class " + c + " pixel " + i, expected[i], actual[i],
							FloatTolerance.PROBABILITY);
			}
		}
	}

	/** Both outputs: size, calibration, one channel per class named after it, sums of 1, the argmax labels. */
	@Test
	public void theMapsHaveTheImagesSizeAndCalibrationAndAChannelPerClass() {
		java.util.Set<Integer> ids = RoiMacros.ids();
		RoiMacros.run("selectImage(\"small.tif\");\nrun(\"CNN Probability Map...\", \"model=" + path(model)
				+ " stride=5 output=Both\");");
		ImagePlus map = RoiMacros.created(ids, "-probabilities"), labels = RoiMacros.created(ids, "-classes");
		int k = MicroscopySample.CLASSES.length, w = small.image.getWidth(), h = small.image.getHeight();
		assertEquals(32, map.getBitDepth());
		assertEquals(w, map.getWidth());
		assertEquals(h, map.getHeight());
		assertEquals(k, map.getNChannels());
		assertTrue(map instanceof CompositeImage);
		assertEquals(small.image.getCalibration().pixelWidth, map.getCalibration().pixelWidth, 0);
		assertEquals("micron", map.getCalibration().getUnit());
		assertEquals(small.image.getCalibration().pixelWidth, labels.getCalibration().pixelWidth, 0);
		ImageStack st = map.getStack();
		for (int c = 0; c < k; c++) assertEquals(MicroscopySample.CLASSES[c], st.getSliceLabel(c + 1));
		ImageProcessor lab = labels.getProcessor();
		assertEquals(8, labels.getBitDepth());
		assertTrue(lab.isColorLut() || labels.getProcessor().getLut() != null);
		for (int i = 0; i < w * h; i++) {
			float sum = 0;
			int best = 0;
			for (int c = 0; c < k; c++) {
				float p = st.getProcessor(c + 1).getf(i);
				assertTrue(p >= 0 && p <= 1 + 1e-6);
				sum += p;
				if (p > st.getProcessor(best + 1).getf(i)) best = c;
			}
			assertEquals("pixel " + i, 1, sum, 1e-5);
			assertEquals(best + 1, lab.get(i));
		}
		ResultsTable classes = NamedTables.get(CnnProbabilityMap.CLASSES_TABLE);
		assertEquals(k, classes.size());
		for (int c = 0; c < k; c++) {
			assertEquals(c + 1, classes.getValue(CnnProbabilityMap.COL_VALUE, c), 0);
			assertEquals(MicroscopySample.CLASSES[c], classes.getStringValue(CnnProbabilityMap.COL_CLASS, c));
		}
	}
}
