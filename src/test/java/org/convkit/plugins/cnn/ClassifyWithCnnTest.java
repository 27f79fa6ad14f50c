package org.convkit.plugins.cnn;

import ij.ImagePlus;
import ij.ImageStack;
import ij.measure.ResultsTable;
import ij.process.ColorProcessor;
import org.convkit.core.cnn.data.Synthetic;
import org.convkit.core.cnn.model.BundleCache;
import org.convkit.core.cnn.model.ModelBundle;
import org.convkit.core.cnn.model.ModelBundleIO;
import org.convkit.core.cnn.train.Evaluation;
import org.convkit.core.cnn.train.Predictor;
import org.convkit.testing.MacroHarness;
import org.junit.BeforeClass;
import org.junit.ClassRule;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.Random;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

import static org.convkit.plugins.cnn.CnnFixtures.macroPath;
import static org.junit.Assert.*;

/** Classify with CNN... run as a macro: table values against the Predictor, appending, slices, bad input. */
public class ClassifyWithCnnTest {
	@ClassRule
	public static TemporaryFolder shared = new TemporaryFolder();
	@Rule
	public TemporaryFolder tmp = new TemporaryFolder();

	static CnnFixtures fx;

	@BeforeClass
	public static void trainModel() throws Exception {
		fx = CnnFixtures.train(shared.getRoot().toPath());
	}

	private static String options(Path model, String target) {
		return "model=" + macroPath(model) + " target=" + target;
	}

	private static int rows() {
		ResultsTable rt = org.convkit.plugins.support.NamedTables.get(ClassifyWithCnn.TABLE);
		return rt == null ? 0 : rt.size();
	}

	@Test
	public void tableHoldsExactlyThePredictorsProbabilitiesOfTheTrainedModel() {
		// Reference: the bundle training left in memory; the command reads the saved file (reload equality).
		Predictor reference = new Predictor(fx.trained);
		for (int c = 0; c < Synthetic.CLASSES.length; c++) {
			ImagePlus imp = CnnFixtures.image("img-" + c + ".tif", c, 100 + c);
			int before = rows();
			MacroHarness.run(imp, ClassifyWithCnn.COMMAND, options(fx.model, "Image"));
			ResultsTable rt = CnnFixtures.predictions();
			assertEquals("one row appended", before + 1, rt.size());
			int row = rt.size() - 1;
			float[] expected = reference.predict(imp.getProcessor());
			assertArrayEquals(expected, CnnFixtures.row(rt, row, fx.trained), 0f);
			int best = Evaluation.argMax(expected);
			assertEquals("img-" + c + ".tif", rt.getStringValue(ClassifyWithCnn.COL_IMAGE, row));
			assertEquals(1, rt.getValue(ClassifyWithCnn.COL_SLICE, row), 0);
			assertEquals(fx.trained.labels().get(best), rt.getStringValue(ClassifyWithCnn.COL_CLASS, row));
			assertEquals(expected[best], rt.getValue(ClassifyWithCnn.COL_PROBABILITY, row), 0);
			float sum = 0;
			for (float v : expected) sum += v;
			assertEquals("softmax probabilities", 1, sum, 1e-5);
		}
		assertEquals("the header", "image\tslice\tclass\tprobability\tdisk\thbar\tvbar",
				CnnFixtures.predictions().getColumnHeadings().replaceFirst("^ \t", ""));
	}

	@Test
	public void theModelIsLearnedWellEnoughToTellTheClassesApart() {
		// Sanity of the fixture (the exactness tests above would also pass for an untrained net).
		Predictor p = new Predictor(fx.trained);
		int right = 0, n = 0;
		for (int c = 0; c < 3; c++)
			for (int i = 0; i < 10; i++, n++)
				if (Evaluation.argMax(p.predict(CnnFixtures.image("x", c, 1000 + 10 * c + i).getProcessor())) == c)
					right++;
		assertTrue(right + " of " + n + " right", right >= n / 2);
	}

	@Test
	public void slicesGivesOneRowPerSliceAndImageOnlyTheCurrentPlane() throws Exception {
		ImageStack st = new ImageStack(CnnFixtures.SIZE, CnnFixtures.SIZE);
		for (int c = 0; c < 3; c++) st.addSlice("s" + c, CnnFixtures.image("x", c, 200 + c).getProcessor());
		ImagePlus imp = new ImagePlus("stack", st);
		ModelBundle reloaded = ModelBundleIO.read(fx.model);
		float[][] expected = new Predictor(reloaded).predict(java.util.Arrays.asList(st.getProcessor(1),
				st.getProcessor(2), st.getProcessor(3)));

		int before = rows();
		MacroHarness.run(imp, ClassifyWithCnn.COMMAND, options(fx.model, "Slices"));
		ResultsTable rt = CnnFixtures.predictions();
		assertEquals(before + 3, rt.size());
		for (int s = 0; s < 3; s++) {
			assertEquals("stack", rt.getStringValue(ClassifyWithCnn.COL_IMAGE, before + s));
			assertEquals(s + 1, rt.getValue(ClassifyWithCnn.COL_SLICE, before + s), 0);
			assertArrayEquals(expected[s], CnnFixtures.row(rt, before + s, reloaded), 0f);
		}

		imp.setSlice(2);
		MacroHarness.run(imp, ClassifyWithCnn.COMMAND, options(fx.model, "Image"));
		assertEquals(before + 4, rt.size());
		assertEquals(2, rt.getValue(ClassifyWithCnn.COL_SLICE, before + 3), 0);
		assertArrayEquals(new Predictor(reloaded).predict(st.getProcessor(2)), CnnFixtures.row(rt, before + 3,
				reloaded), 0f);
	}

	@Test
	public void missingCorruptAndForeignModelsAreClearErrorsAndAddNoRows() throws Exception {
		ImagePlus imp = CnnFixtures.image("a", 0, 1);
		MacroHarness.run(imp, ClassifyWithCnn.COMMAND, options(fx.model, "Image")); // the table exists
		int before = rows();
		Path missing = tmp.getRoot().toPath().resolve("nope.zip");
		MacroHarness.runExpectingError(imp, ClassifyWithCnn.COMMAND, options(missing, "Image"), "not found");

		Path corrupt = tmp.newFile("corrupt.zip").toPath();
		byte[] junk = new byte[500];
		new Random(3).nextBytes(junk);
		Files.write(corrupt, junk);
		MacroHarness.runExpectingError(imp, ClassifyWithCnn.COMMAND, options(corrupt, "Image"),
				"is not a ConvKit model");

		Path foreign = tmp.getRoot().toPath().resolve("foreign.zip");
		try (OutputStream os = Files.newOutputStream(foreign); ZipOutputStream z = new ZipOutputStream(os)) {
			z.putNextEntry(new ZipEntry("readme.txt"));
			z.write("hello".getBytes(StandardCharsets.UTF_8));
			z.closeEntry();
		}
		MacroHarness.runExpectingError(imp, ClassifyWithCnn.COMMAND, options(foreign, "Image"),
				"is not a ConvKit model");
		MacroHarness.runExpectingError(imp, ClassifyWithCnn.COMMAND, "target=Image", "No model file given");
		MacroHarness.runExpectingError(imp, ClassifyWithCnn.COMMAND, options(fx.model, "Everything"),
				"Unknown target 'Everything'");
		assertEquals("no rows added by failed runs", before, rows());
	}

	@Test
	public void anRgbImageOnAGrayModelIsAnErrorNamingTheChannels() {
		MacroHarness.run(CnnFixtures.image("a", 0, 1), ClassifyWithCnn.COMMAND, options(fx.model, "Image"));
		int before = rows();
		ColorProcessor cp = new ColorProcessor(CnnFixtures.SIZE, CnnFixtures.SIZE);
		cp.setColor(0x336699);
		cp.fill();
		ImagePlus rgb = new ImagePlus("colour.png", cp);
		int[] pixels = ((int[]) cp.getPixels()).clone();
		String m = MacroHarness.runExpectingError(rgb, ClassifyWithCnn.COMMAND, options(fx.model, "Image"),
				"expects grayscale (1 channel) images but 'colour.png' is RGB (3 channels)");
		assertTrue(m, m.contains("8-bit"));
		assertEquals(before, rows());
		assertArrayEquals("the image is untouched", pixels, (int[]) cp.getPixels());
	}

	@Test
	public void theModelIsReadOnceWhileItsFileIsUnchanged() throws Exception {
		Path copy = tmp.getRoot().toPath().resolve("copy.zip");
		Files.copy(fx.model, copy);
		ModelBundle first = BundleCache.read(copy);
		assertSame(first, BundleCache.read(copy));
		Files.setLastModifiedTime(copy, FileTime.fromMillis(Files.getLastModifiedTime(copy).toMillis() - 5000));
		ModelBundle again = BundleCache.read(copy);
		assertNotSame("a changed file is read again", first, again);
		assertSame(again, BundleCache.read(copy));
		Files.write(copy, new byte[] { 1, 2, 3 });
		try {
			BundleCache.read(copy);
			fail("a corrupt file must not be served from the cache");
		} catch (org.convkit.core.cnn.model.ModelFileException e) {
			assertTrue(e.getMessage(), e.getMessage().contains("not a ConvKit model"));
		}
	}
}
