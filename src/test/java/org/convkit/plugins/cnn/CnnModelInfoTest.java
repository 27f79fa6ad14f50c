package org.convkit.plugins.cnn;

import ij.ImagePlus;
import ij.measure.ResultsTable;
import org.convkit.core.cnn.model.ModelBundle;
import org.convkit.core.cnn.model.ModelBundleIO;
import org.convkit.core.cnn.input.Normalisation;
import org.convkit.core.cnn.spec.LayerShape;
import org.convkit.plugins.support.NamedTables;
import org.convkit.testing.MacroHarness;
import org.junit.BeforeClass;
import org.junit.ClassRule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

import java.nio.file.Files;
import java.util.List;

import static org.convkit.plugins.cnn.CnnFixtures.macroPath;
import static org.junit.Assert.*;

/** CNN Model Info... run as a macro: the layer table against NetworkSpec.shapes and DL4J, the Log, the plot. */
public class CnnModelInfoTest {
	@ClassRule
	public static TemporaryFolder shared = new TemporaryFolder();

	static CnnFixtures fx;

	@BeforeClass
	public static void trainModel() throws Exception {
		fx = CnnFixtures.train(shared.getRoot().toPath());
	}

	@Test
	public void tableListsEveryLayerWithShapeAndParametersAndTheTotalEqualsDl4j() throws Exception {
		ImagePlus plot = MacroHarness.runForNewImage(null, CnnModelInfo.COMMAND, "model=" + macroPath(fx.model));
		ModelBundle b = ModelBundleIO.read(fx.model);
		ResultsTable rt = NamedTables.get(CnnModelInfo.TABLE);
		assertNotNull(rt);
		List<LayerShape> shapes = b.spec().shapes(CnnFixtures.SIZE, CnnFixtures.SIZE, 1, 3);
		assertEquals("layers, output layer, total", 3 + 1 + 1, shapes.size() + 1);
		assertEquals(shapes.size() + 1, rt.size());
		String[] layers = { "conv 3x3x4 pad=same relu", "maxpool 2", "dense 16 relu", "output softmax 3" };
		String[] outputs = { "16x16x4", "8x8x4", "16", "3" };
		long[] params = { 3 * 3 * 4 + 4, 0, 8 * 8 * 4 * 16 + 16, 16 * 3 + 3 }; // by hand
		for (int i = 0; i < shapes.size(); i++) {
			assertEquals(layers[i], rt.getStringValue(CnnModelInfo.COL_LAYER, i));
			if (shapes.get(i).layer != null)
				assertEquals(shapes.get(i).layer.toString(), rt.getStringValue(CnnModelInfo.COL_LAYER, i));
			assertEquals(outputs[i], rt.getStringValue(CnnModelInfo.COL_OUTPUT, i));
			assertEquals(shapes.get(i).shapeText(), rt.getStringValue(CnnModelInfo.COL_OUTPUT, i));
			assertEquals(params[i], (long) rt.getValue(CnnModelInfo.COL_PARAMETERS, i));
			assertEquals(shapes.get(i).params, (long) rt.getValue(CnnModelInfo.COL_PARAMETERS, i));
			// DL4J's own count for the layer
			assertEquals(b.network().getLayer(i).numParams(), (long) rt.getValue(CnnModelInfo.COL_PARAMETERS, i));
		}
		int last = rt.size() - 1;
		assertEquals(CnnModelInfo.TOTAL, rt.getStringValue(CnnModelInfo.COL_LAYER, last));
		assertEquals(b.network().numParams(), (long) rt.getValue(CnnModelInfo.COL_PARAMETERS, last));

		assertTrue(plot.getTitle(), plot.getTitle().equals("model.zip training history"));
	}

	@Test
	public void logListsInputClassesNormalisationAndTraining() throws Exception {
		MacroHarness.Outcome o = MacroHarness.attempt(null, CnnModelInfo.COMMAND, "model=" + macroPath(fx.model));
		assertTrue(o.failureText(), o.failures.isEmpty());
		ModelBundle b = ModelBundleIO.read(fx.model);
		Normalisation n = b.normalisation();
		String log = o.output;
		assertTrue(log, log.contains("input: 16x16x1 (width x height x channels)"));
		assertTrue(log, log.contains("channels: grayscale"));
		assertTrue(log, log.contains("resize: Scale"));
		assertTrue(log, log.contains("classes: 3 [disk, hbar, vbar]"));
		assertTrue(log, log.contains("normalisation channel 1: mean " + n.mean(0) + " std " + n.std(0)));
		assertTrue(log, log.contains("training: " + b.settings()));
		assertTrue(log, log.contains("epochs trained: " + b.history().epochs()));
		assertTrue(log, log.contains("parameters: " + b.network().numParams()));
		assertTrue(b.history().epochs() >= 1);
	}

	@Test
	public void aBadModelIsAClearErrorAndShowsNothing() throws Exception {
		java.nio.file.Path bad = shared.newFile("bad.zip").toPath();
		Files.write(bad, new byte[] { 'P', 'K', 3, 4, 0, 0 });
		int[] before = ij.WindowManager.getIDList();
		MacroHarness.runExpectingError(null, CnnModelInfo.COMMAND, "model=" + macroPath(bad), "is not a ConvKit model");
		MacroHarness.runExpectingError(null, CnnModelInfo.COMMAND, "model=[]", "No model file given");
		assertArrayEquals("no plot", before, ij.WindowManager.getIDList());
	}
}
