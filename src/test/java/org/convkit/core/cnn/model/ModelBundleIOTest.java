package org.convkit.core.cnn.model;

import org.convkit.core.cnn.net.Optimizer;
import org.convkit.core.cnn.net.TrainingSettings;
import org.convkit.testing.Prerequisites;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.Map;
import java.util.stream.Stream;

import static org.convkit.core.cnn.model.BundleFixtures.*;
import static org.junit.Assert.*;

/** Round trips (exact predictions, all metadata, continued training) and the rules for writing. */
public class ModelBundleIOTest {
	@Rule
	public TemporaryFolder tmp = new TemporaryFolder();

	@Test
	public void roundTripPredictsExactlyTheSameAndKeepsEverything() throws Exception {
		TrainingSettings s = TrainingSettings.DEFAULTS.withOptimizer(Optimizer.NADAM).withLearningRate(0.0123)
				.withSeed(-5).withBatchSize(9).withEpochs(2).withL2(3e-5);
		ModelBundle b = trained(SPEC, s, 3);
		INDArray x = batch(99, 7);
		float[] before = predict(b, x);
		Path file = tmp.getRoot().toPath().resolve("model.zip");
		ModelBundleIO.write(b, file, false);
		assertEquals(Arrays.asList(ModelBundleIO.METADATA_ENTRY, ModelBundleIO.CONFIGURATION_ENTRY,
				ModelBundleIO.WEIGHTS_ENTRY, ModelBundleIO.UPDATER_ENTRY), Arrays.asList(entries(file).keySet()
						.toArray()));
		// the arrays stored, not deflated (deflating costs training time every epoch for ~5 % of the size)
		try (java.util.zip.ZipFile z = new java.util.zip.ZipFile(file.toFile())) {
			for (String name : new String[] { ModelBundleIO.WEIGHTS_ENTRY, ModelBundleIO.UPDATER_ENTRY }) {
				assertEquals(name, java.util.zip.ZipEntry.STORED, z.getEntry(name).getMethod());
				assertEquals(name, 4 * (name.equals(ModelBundleIO.WEIGHTS_ENTRY) ? b.network().params().length()
						: b.network().getUpdater().getStateViewArray().length()), z.getEntry(name).getSize());
			}
			assertEquals(java.util.zip.ZipEntry.DEFLATED, z.getEntry(ModelBundleIO.CONFIGURATION_ENTRY).getMethod());
		}

		ModelBundle r = ModelBundleIO.read(file);
		assertArrayEquals(before, predict(r, x), 0f);
		assertArrayEquals(b.network().params().toFloatVector(), r.network().params().toFloatVector(), 0f);
		assertArrayEquals(b.network().getUpdater().getStateViewArray().toFloatVector(),
				r.network().getUpdater().getStateViewArray().toFloatVector(), 0f);
		assertEquals(b.network().getLayerWiseConfigurations().toJson(),
				r.network().getLayerWiseConfigurations().toJson());
		assertEquals(LABELS, r.labels());
		assertEquals(H, r.inputHeight());
		assertEquals(W, r.inputWidth());
		assertEquals(C, r.inputChannels());
		assertEquals(b.normalisation(), r.normalisation());
		assertEquals(0.1234567890123, r.normalisation().mean(0), 0);
		assertEquals(s, r.settings());
		assertEquals(b.history(), r.history());
		assertTrue(Double.isNaN(r.history().validationLoss().get(0)));
		assertEquals(0.1 + 0.2, r.history().validationAccuracy().get(1), 0);
		assertEquals(b.spec(), r.spec());
		// and once more: what was read writes the same metadata and weights
		Path again = tmp.getRoot().toPath().resolve("again.zip");
		ModelBundleIO.write(r, again, false);
		Map<String, byte[]> e1 = entries(file), e2 = entries(again);
		for (String name : e1.keySet()) assertArrayEquals(name, e1.get(name), e2.get(name));
	}

	@Test
	public void continuedTrainingMatchesUninterruptedTraining() throws Exception {
		ModelBundle b = trained(DETERMINISTIC_SPEC, TrainingSettings.DEFAULTS, 2);
		Path file = tmp.getRoot().toPath().resolve("m.zip");
		ModelBundleIO.write(b, file, false);
		ModelBundle withState = ModelBundleIO.read(file);
		Path noState = tmp.getRoot().toPath().resolve("no-state.zip");
		ModelBundleIO.write(b, noState, false, false);
		assertFalse(entries(noState).containsKey(ModelBundleIO.UPDATER_ENTRY));
		ModelBundle fresh = ModelBundleIO.read(noState);

		DataSet d = labelled(11, 9);
		b.network().fit(d);
		withState.network().fit(d);
		fresh.network().fit(d);
		float[] expected = b.network().params().toFloatVector();
		assertArrayEquals(expected, withState.network().params().toFloatVector(), 0f);
		// without the Adam moments the step differs: the state really matters (and really was restored above)
		assertFalse(Arrays.equals(expected, fresh.network().params().toFloatVector()));
	}

	@Test
	public void sgdBundleHasNoOptimizerStateAndStillRoundTrips() throws Exception {
		ModelBundle b = trained(DETERMINISTIC_SPEC, TrainingSettings.DEFAULTS.withOptimizer(Optimizer.SGD), 1);
		Path file = tmp.getRoot().toPath().resolve("sgd.zip");
		ModelBundleIO.write(b, file, false);
		assertFalse(entries(file).containsKey(ModelBundleIO.UPDATER_ENTRY));
		INDArray x = batch(5, 3);
		assertArrayEquals(predict(b, x), predict(ModelBundleIO.read(file), x), 0f);
	}

	@Test
	public void existingFileIsAnErrorWithoutOverwriteAndIsLeftAlone() throws Exception {
		ModelBundle b = trained(DETERMINISTIC_SPEC, TrainingSettings.DEFAULTS, 1);
		Path file = tmp.getRoot().toPath().resolve("model.zip");
		Files.write(file, new byte[] { 1, 2, 3 });
		ModelFileException e = assertThrows(ModelFileException.class, () -> ModelBundleIO.write(b, file, false));
		assertTrue(e.getMessage(), e.getMessage().contains("already exists") && e.getMessage().contains("overwrite")
				&& e.getMessage().contains("model.zip"));
		assertArrayEquals(new byte[] { 1, 2, 3 }, Files.readAllBytes(file));
		assertOnlyFiles(tmp.getRoot().toPath(), "model.zip");
	}

	@Test
	public void overwriteReplacesTheFile() throws Exception {
		Path file = tmp.getRoot().toPath().resolve("model.zip");
		ModelBundle first = trained(DETERMINISTIC_SPEC, TrainingSettings.DEFAULTS, 1);
		ModelBundle second = trained(DETERMINISTIC_SPEC, TrainingSettings.DEFAULTS.withSeed(7), 1);
		ModelBundleIO.write(first, file, false);
		ModelBundleIO.write(second, file, true);
		INDArray x = batch(1, 4);
		assertArrayEquals(predict(second, x), predict(ModelBundleIO.read(file), x), 0f);
		assertFalse(Arrays.equals(predict(first, x), predict(second, x)));
		assertOnlyFiles(tmp.getRoot().toPath(), "model.zip");
	}

	@Test
	public void missingFolderOrFolderTargetIsAClearError() throws Exception {
		ModelBundle b = trained(DETERMINISTIC_SPEC, TrainingSettings.DEFAULTS, 1);
		Path missing = tmp.getRoot().toPath().resolve("nope").resolve("model.zip");
		ModelFileException e = assertThrows(ModelFileException.class, () -> ModelBundleIO.write(b, missing, true));
		assertTrue(e.getMessage(), e.getMessage().contains("does not exist"));
		assertFalse(Files.exists(missing.getParent()));
		Path folder = tmp.newFolder("a-folder.zip").toPath();
		e = assertThrows(ModelFileException.class, () -> ModelBundleIO.write(b, folder, true));
		assertTrue(e.getMessage(), e.getMessage().contains("is a folder"));
	}

	@Test
	public void notWritableFolderIsAClearError() throws Exception {
		ModelBundle b = trained(DETERMINISTIC_SPEC, TrainingSettings.DEFAULTS, 1);
		// root ignores permission bits; /proc/self is a folder nobody can create files in
		Path proc = Paths.get("/proc/self");
		Prerequisites.require("Linux's /proc (a folder nobody can create files in)", Files.isDirectory(proc));
		ModelFileException e = assertThrows(ModelFileException.class,
				() -> ModelBundleIO.write(b, proc.resolve("model.zip"), false));
		assertTrue(e.getMessage(), e.getMessage().contains("is not writable"));
		if (!"root".equals(System.getProperty("user.name"))) {
			Path ro = tmp.newFolder("ro").toPath();
			Files.setPosixFilePermissions(ro, PosixFilePermissions.fromString("r-xr-xr-x"));
			e = assertThrows(ModelFileException.class, () -> ModelBundleIO.write(b, ro.resolve("m.zip"), false));
			assertTrue(e.getMessage(), e.getMessage().contains("is not writable"));
			assertOnlyFiles(ro);
		}
	}

	private static void assertOnlyFiles(Path dir, String... names) throws IOException {
		try (Stream<Path> s = Files.list(dir)) {
			assertEquals(Arrays.asList(names), s.map(p -> p.getFileName().toString()).sorted()
					.collect(java.util.stream.Collectors.toList()));
		}
	}
}
