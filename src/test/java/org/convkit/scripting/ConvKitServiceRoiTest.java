package org.convkit.scripting;

import ij.ImagePlus;
import ij.gui.Roi;
import org.convkit.app.MicroscopySample;
import org.convkit.core.cnn.input.NormalisationRule;
import org.convkit.core.cnn.input.PatchInput;
import org.convkit.core.cnn.model.ModelBundle;
import org.convkit.core.cnn.model.ModelBundleIO;
import org.convkit.core.cnn.net.ClassBalance;
import org.convkit.core.cnn.net.TrainingSettings;
import org.convkit.core.cnn.patch.PatchClassifier;
import org.convkit.core.cnn.train.TrainingResult;
import org.convkit.core.filter.Border;
import org.convkit.plugins.cnn.CnnProbabilityMap;
import org.convkit.plugins.support.RoiOutlines;
import org.junit.AfterClass;
import org.junit.BeforeClass;
import org.junit.ClassRule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;
import org.scijava.Context;

import java.io.File;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

/** The scripting service's ROI methods: ROIs as a list, labels as strings; each gives what the core gives. */
public class ConvKitServiceRoiTest {
	@ClassRule
	public static TemporaryFolder tmp = new TemporaryFolder();
	static final String LAYERS = "conv 3x3x8 pad=same; maxpool 2; dense 16";
	static Context context;
	static ConvKitService convkit;
	static MicroscopySample.Field field;
	static TrainingResult trained;
	static File model;

	@BeforeClass
	public static void train() throws Exception {
		context = new Context(ConvKitService.class);
		convkit = context.getService(ConvKitService.class);
		field = MicroscopySample.field(160, 160, 40, 21, false);
		model = new File(tmp.getRoot(), "service.zip");
		PatchInput input = new PatchInput(new int[] { 2, 1 }, 2, false, Border.REPLICATE, 0, true);
		NormalisationRule rule = new NormalisationRule(NormalisationRule.Method.MIN_MAX,
				NormalisationRule.Per.DATASET, 1, 99.8);
		trained = convkit.trainFromRois(field.image, new ArrayList<>(field.rois), new ArrayList<>(field.truth), 24,
				input, rule, LAYERS, TrainingSettings.DEFAULTS.withEpochs(2).withBatchSize(8).withBalance(
						ClassBalance.SAMPLING), 0, model, false, null);
	}

	@AfterClass
	public static void dispose() {
		context.dispose();
	}

	@Test
	public void trainFromRoisKeepsEverySettingInTheModel() throws Exception {
		ModelBundle b = ModelBundleIO.read(model.toPath());
		assertEquals(Arrays.asList(MicroscopySample.CLASSES), b.labels());
		assertEquals(24, b.inputWidth());
		assertArrayEquals(new int[] { 2, 1 }, b.patchInput().channels());
		assertTrue(b.patchInput().mask());
		assertEquals(Border.REPLICATE, b.patchInput().border());
		assertEquals(NormalisationRule.Method.MIN_MAX, b.normalisation().rule().method());
		assertEquals(ClassBalance.SAMPLING, b.settings().balance());
		assertEquals(2, trained.epochs.size());
	}

	@Test
	public void classifyRoisIsThePatchClassifiersAndLeavesTheRoisAlone() throws Exception {
		ModelBundle b = ModelBundleIO.read(model.toPath());
		List<Roi> rois = new ArrayList<>(field.rois);
		int[] groups = new int[rois.size()];
		for (int i = 0; i < groups.length; i++) groups[i] = rois.get(i).getGroup();
		float[][] p = convkit.classifyRois(b, field.image, rois);
		float[][] expected = new PatchClassifier(b).classify(RoiOutlines.outlines(rois, field.image));
		assertEquals(rois.size(), p.length);
		for (int i = 0; i < p.length; i++) {
			assertArrayEquals(expected[i], p[i], 0f);
			assertEquals(groups[i], rois.get(i).getGroup());
		}
	}

	@Test
	public void probabilityMapIsTheCommandsImage() throws Exception {
		ModelBundle b = ModelBundleIO.read(model.toPath());
		ImagePlus map = convkit.probabilityMap(b, field.image, 7);
		ImagePlus command = CnnProbabilityMap.compute(field.image, b, 7, true, false).probabilities;
		assertEquals(3, map.getNChannels());
		for (int c = 1; c <= 3; c++)
			assertArrayEquals((float[]) command.getStack().getPixels(c), (float[]) map.getStack().getPixels(c), 0f);
		assertEquals(MicroscopySample.PIXEL_UM, map.getCalibration().pixelWidth, 0);
	}

	@Test
	public void badArgumentsAreClearErrors() {
		ModelBundle b = trained.best;
		expect(() -> convkit.classifyRois(b, field.image, new ArrayList<>()), "no ROIs");
		expect(() -> convkit.probabilityMap(b, field.image, 0), "stride=0");
		ImagePlus oneChannel = new ImagePlus("one", field.image.getStack().getProcessor(1));
		expect(() -> convkit.classifyRois(b, oneChannel, new ArrayList<>(field.rois)), "2 channel(s)");
		expect(() -> convkit.trainFromRois(field.image, new ArrayList<>(field.rois), field.truth.subList(0, 3), 24,
				LAYERS, 1, null), "one label per ROI");
	}

	private interface Call {
		void run() throws Exception;
	}

	private static void expect(Call c, String part) {
		try {
			c.run();
			fail("no error; expected " + part);
		} catch (IllegalArgumentException e) {
			assertTrue(e.getMessage(), e.getMessage().contains(part));
		} catch (Exception e) {
			throw new AssertionError(e);
		}
	}
}
