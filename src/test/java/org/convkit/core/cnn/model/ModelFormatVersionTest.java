package org.convkit.core.cnn.model;

import ij.process.ShortProcessor;
import org.convkit.core.cnn.input.Normalisation;
import org.convkit.core.cnn.input.NormalisationRule;
import org.convkit.core.cnn.input.PatchInput;
import org.convkit.core.cnn.net.ClassBalance;
import org.convkit.core.cnn.net.TrainingSettings;
import org.convkit.core.cnn.train.Predictor;
import org.convkit.core.filter.Border;
import org.convkit.testing.FloatTolerance;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.zip.ZipFile;

import static org.convkit.core.cnn.model.BundleFixtures.C;
import static org.convkit.core.cnn.model.BundleFixtures.DETERMINISTIC_SPEC;
import static org.convkit.core.cnn.model.BundleFixtures.trained;
import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;

/**
 * Model files of format version 1 (everything before normalisation rules, patch models and class balancing) load and
 * classify exactly as before, and are still written as version 1; what they cannot express makes version 2 and
 * round-trips.
 */
public class ModelFormatVersionTest {
	@Rule
	public TemporaryFolder tmp = new TemporaryFolder();

	/**
	 * {@code v1-model.zip} and {@code v1-expected.csv} were made by ConvKit b502e0b, before this format change: a
	 * 12×12 16-bit model trained on a labelled stack (classes bright, dark, stripes; "conv 3x3x4 pad=same; maxpool 2;
	 * dense 8", seed 7, 2 epochs, batch 8, learning rate 0.01, validation 0), and its Predictor's probabilities of
	 * the six images {@code image(i % 3, 5000 + i)}.
	 */
	static ShortProcessor image(int c, long seed) {
		Random r = new Random(seed);
		short[] px = new short[144];
		for (int y = 0; y < 12; y++)
			for (int x = 0; x < 12; x++) {
				double v = c == 0 ? 3000 : c == 1 ? 500 : (x % 4 < 2 ? 3000 : 500);
				px[y * 12 + x] = (short) Math.max(0, Math.min(65535, Math.round(v + 400 * r.nextGaussian())));
			}
		return new ShortProcessor(12, 12, px, null);
	}

	private Path resource(String name) throws Exception {
		Path p = tmp.getRoot().toPath().resolve(name);
		try (InputStream in = getClass().getResourceAsStream(name)) {
			Files.copy(in, p);
		}
		return p;
	}

	@Test
	public void aModelFileOfEarlierConvKitLoadsAndClassifiesAsBefore() throws Exception {
		ModelBundle b = ModelBundleIO.read(resource("v1-model.zip"));
		assertEquals(NormalisationRule.MEAN_STD, b.normalisation().rule());
		assertNull(b.patchInput());
		assertEquals(ClassBalance.NONE, b.settings().balance());
		List<ShortProcessor> images = new ArrayList<>();
		for (int i = 0; i < 6; i++) images.add(image(i % 3, 5000 + i));
		float[][] p = new Predictor(b).predict(images);
		List<String> expected = Files.readAllLines(resource("v1-expected.csv"), StandardCharsets.UTF_8);
		assertEquals(6, expected.size());
		for (int i = 0; i < 6; i++) {
			String[] e = expected.get(i).split(",");
			for (int c = 0; c < 3; c++)
				assertEquals("image " + i + " class " + c, Float.parseFloat(e[c]), p[i][c], FloatTolerance.PROBABILITY);
		}
	}

	@Test
	public void aVersionOneModelIsWrittenAsVersionOneWithTheSameMetadata() throws Exception {
		Path old = resource("v1-model.zip"), again = tmp.getRoot().toPath().resolve("again.zip");
		ModelBundleIO.write(ModelBundleIO.read(old), again, false);
		assertEquals(metadata(old), metadata(again));
	}

	@Test
	public void newFeaturesMakeVersionTwoAndRoundTrip() throws Exception {
		ModelBundle base = trained(DETERMINISTIC_SPEC, TrainingSettings.DEFAULTS.withBalance(ClassBalance.WEIGHTS), 1);
		NormalisationRule rule = new NormalisationRule(NormalisationRule.Method.PERCENTILE,
				NormalisationRule.Per.IMAGE, 3, 99.5);
		PatchInput patches = new PatchInput(new int[] { 3, 1 }, 4, false, Border.CONSTANT, 120.5, true);
		ModelBundle b = new ModelBundle(base.network(), base.spec(), base.labels(), base.inputHeight(),
				base.inputWidth(), C, Normalisation.identity(rule, C), base.settings(), base.history(), base.resize(),
				patches);
		Path f = tmp.getRoot().toPath().resolve("v2.zip");
		ModelBundleIO.write(b, f, false);
		assertTrue(metadata(f), metadata(f).contains("\"formatVersion\": 2"));
		ModelBundle back = ModelBundleIO.read(f);
		assertEquals(b.normalisation(), back.normalisation());
		assertEquals(patches, back.patchInput());
		assertEquals(ClassBalance.WEIGHTS, back.settings().balance());
		assertArrayEquals(new int[] { 3, 1 }, back.patchInput().channels());
		String info = String.join("\n", new ModelSummary(back).infoLines());
		assertTrue(info, info.contains("channels: 3,1 of 4-channel images"));
		assertTrue(info, info.contains("patches: 10x12 centred on each ROI, border Constant 120.5, pixels outside the "
				+ "ROI blanked (mask)"));
		assertTrue(info, info.contains("normalisation: Percentile 3-99.5 per Image (each image by its own "
				+ "statistics)"));
		assertTrue(info, info.contains("balance=Weights"));

		Path plain = tmp.getRoot().toPath().resolve("plain.zip");
		ModelBundleIO.write(trained(DETERMINISTIC_SPEC, TrainingSettings.DEFAULTS, 1), plain, false);
		assertTrue("defaults stay version 1", metadata(plain).contains("\"formatVersion\": 1"));
	}

	private static String metadata(Path zip) throws Exception {
		try (ZipFile z = new ZipFile(zip.toFile()); InputStream in = z.getInputStream(z.getEntry(
				ModelBundleIO.METADATA_ENTRY))) {
			return new String(in.readAllBytes(), StandardCharsets.UTF_8);
		}
	}
}
