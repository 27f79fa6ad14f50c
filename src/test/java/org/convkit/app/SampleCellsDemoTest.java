package org.convkit.app;

import org.convkit.core.cnn.model.ModelBundle;
import org.convkit.core.cnn.model.ModelBundleIO;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

/**
 * The README's CNN quick start, as written there: train with the defaults but batch=16 on
 * sample-images/cell-classes/train (30/30 right here; batch 64 gave 28/30: only 2 steps per epoch),
 * then classify the 30 held-out cells of test/ into a CSV. The class in each test file's path is the truth.
 */
public class SampleCellsDemoTest {
	@Rule
	public TemporaryFolder tmp = new TemporaryFolder();

	private static final Path BASE = HeadlessProcess.basedir(), CELLS = BASE.resolve("sample-images/cell-classes");

	@Test
	public void defaultTrainingOnTheSampleCellsClassifiesTheHeldOutCells() throws Exception {
		Path model = tmp.getRoot().toPath().resolve("cells.zip"), csv = tmp.getRoot().toPath().resolve("cells.csv");
		HeadlessProcess.Result train = HeadlessProcess.run(BASE.resolve("macros/train-folder.ijm"),
				"folder=[" + CELLS.resolve("train") + "] model=[" + model + "] batch=16");
		assertEquals(train.toString(), 0, train.exitCode);
		ModelBundle b = ModelBundleIO.read(model);
		assertEquals(Arrays.asList("dividing", "elongated", "round"), b.labels());
		assertEquals(32, b.inputWidth());

		HeadlessProcess.Result classify = HeadlessProcess.run(BASE.resolve("macros/classify-folder.ijm"),
				"model=[" + model + "] folder=[" + CELLS.resolve("test") + "] output=[" + csv + "] recursive");
		assertEquals(classify.toString(), 0, classify.exitCode);
		List<String> lines = Files.readAllLines(csv, StandardCharsets.UTF_8);
		assertEquals("file,class,probability,dividing,elongated,round", lines.get(0));
		assertEquals(31, lines.size());
		int right = 0;
		for (String line : lines.subList(1, lines.size())) {
			String[] f = line.split(",");
			if (f[0].startsWith(f[1] + "/")) right++;
		}
		// chance is 10 of 30; the cells differ plainly in shape
		assertTrue("held-out accuracy " + right + "/30\n" + String.join("\n", lines), right >= 27);
	}
}
