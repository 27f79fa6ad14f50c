package org.convkit.app;

import org.convkit.core.cnn.data.Synthetic;
import org.convkit.core.cnn.model.ModelBundle;
import org.convkit.core.cnn.model.ModelBundleIO;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

/** macros/train-folder.ijm run headless (a new JVM, as ./convkit --headless) on a synthetic 3-class folder. */
public class TrainFolderMacroTest {
	@Rule
	public TemporaryFolder tmp = new TemporaryFolder();

	private final Path macro = HeadlessProcess.basedir().resolve("macros/train-folder.ijm");

	@Test
	public void trainsSavesAndThenRefusesToOverwrite() throws Exception {
		Path data = Synthetic.folder(tmp.newFolder("class folders").toPath(), 20, 16, 9);
		Path model = tmp.getRoot().toPath().resolve("models with space/cells.zip");
		Files.createDirectories(model.getParent());
		String arg = "folder=[" + data + "] model=[" + model + "] architecture=Custom layers=[conv 3x3x8 pad=same; "
				+ "maxpool 2; conv 3x3x16 pad=same; maxpool 2; dense 32] epochs=3 batch=16 learning=0.003 "
				+ "validation=0.2 seed=1";
		HeadlessProcess.Result r = HeadlessProcess.run(macro, arg);
		assertEquals(r.toString(), 0, r.exitCode);
		assertTrue(r.toString(), r.stdout.contains("train-folder: best model " + model + " (epoch "));
		assertTrue(r.toString(), r.stdout.contains("last model " + model.resolveSibling("cells-last.zip")
				+ ", 3 epochs, stopped: COMPLETED"));
		ModelBundle best = ModelBundleIO.read(model), last = ModelBundleIO.read(model.resolveSibling("cells-last.zip"));
		assertEquals(Arrays.asList(Synthetic.CLASSES), best.labels());
		assertEquals(Arrays.asList(Synthetic.CLASSES), last.labels());
		assertEquals(3, last.history().epochs());

		// again without overwrite: a failure, and the saved model is untouched
		byte[] before = Files.readAllBytes(model);
		r = HeadlessProcess.run(macro, arg);
		assertEquals(r.toString(), HeadlessRunner.EXIT_FAILED, r.exitCode);
		assertTrue(r.toString(), (r.stdout + r.stderr).contains("already exists (choose overwrite to replace it)"));
		assertArrayEquals(before, Files.readAllBytes(model));
	}

	@Test
	public void missingKeysExitNonZero() throws Exception {
		HeadlessProcess.Result r = HeadlessProcess.run(macro, "folder=" + tmp.getRoot());
		assertEquals(r.toString(), HeadlessRunner.EXIT_FAILED, r.exitCode);
		assertTrue(r.toString(), r.stdout.contains("train-folder: model= is missing"));
	}
}
