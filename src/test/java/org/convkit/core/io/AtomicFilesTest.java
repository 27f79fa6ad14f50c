package org.convkit.core.io;

import org.convkit.core.cnn.input.Normalisation;
import org.convkit.core.cnn.model.ModelBundle;
import org.convkit.core.cnn.model.ModelBundleIO;
import org.convkit.core.cnn.model.TrainingHistory;
import org.convkit.core.cnn.net.NetworkBuilder;
import org.convkit.core.cnn.net.TrainingSettings;
import org.convkit.core.cnn.spec.NetworkSpec;
import org.convkit.core.kernel.KernelFiles;
import org.convkit.core.kernel.KernelParser;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

/** Files ConvKit writes get the permissions {@code touch} gives (the user's umask), and stale temporaries go. */
public class AtomicFilesTest {
	@Rule
	public TemporaryFolder tmp = new TemporaryFolder();

	/** An untrained bundle of the spec, gray, two classes. */
	static ModelBundle bundle(String spec, int h, int w) {
		TrainingSettings s = TrainingSettings.DEFAULTS.withBatchSize(1).withEpochs(1);
		return new ModelBundle(NetworkBuilder.network(NetworkSpec.parse(spec), h, w, 1, 2, s), NetworkSpec.parse(spec),
				List.of("a", "b"), h, w, 1, new Normalisation(new double[] { 0 }, new double[] { 1 }), s,
				TrainingHistory.empty());
	}

	/** What {@code touch} makes in this folder, under this process's umask. */
	private Set<PosixFilePermission> touched() throws Exception {
		Path f = tmp.getRoot().toPath().resolve("touched");
		Process p = new ProcessBuilder("touch", f.toString()).inheritIO().start();
		assertTrue(p.waitFor(30, TimeUnit.SECONDS));
		assertEquals(0, p.exitValue());
		return Files.getPosixFilePermissions(f);
	}

	@Test
	public void writtenFilesHaveTheUmaskPermissionsOfTouch() throws Exception {
		Set<PosixFilePermission> expected = touched();
		assertTrue("the test needs a umask that lets the group read, as 022 does: " + expected,
				expected.contains(PosixFilePermission.GROUP_READ));
		Path dir = tmp.getRoot().toPath();
		Path kernel = dir.resolve("k.txt"), model = dir.resolve("m.zip");
		KernelFiles.write(kernel, KernelParser.parse("1 2 1"), false);
		ModelBundleIO.write(bundle("conv 3x3x2; dense 4", 8, 8), model, false);
		for (Path p : new Path[] { kernel, model, AtomicFiles.createTemp(dir.resolve("x.csv")) })
			assertEquals(p.getFileName().toString(), PosixFilePermissions.toString(expected),
					PosixFilePermissions.toString(Files.getPosixFilePermissions(p)));
	}

	@Test
	public void staleTemporariesOfDeadProcessesOnThisMachineAreRemoved() throws Exception {
		Path dir = tmp.getRoot().toPath(), target = dir.resolve("model.zip");
		Process gone = new ProcessBuilder("true").start();
		assertTrue(gone.waitFor(30, TimeUnit.SECONDS));
		String host = String.format(Locale.ROOT, "%08x", AtomicFiles.hostName().hashCode());
		Path dead = Files.createFile(dir.resolve(".model.zip.convkit-" + host + "-" + gone.pid() + "-abc.tmp"));
		Path mine = AtomicFiles.createTemp(target);
		Path otherHost = Files.createFile(dir.resolve(".model.zip.convkit-0badc0de-" + gone.pid() + "-abc.tmp"));
		Path otherTarget = Files.createFile(dir.resolve(".other.zip.convkit-" + host + "-" + gone.pid() + "-abc.tmp"));
		Path foreign = Files.createFile(dir.resolve(".model.zip.12345.tmp")); // not ConvKit's naming
		assertEquals(1, AtomicFiles.removeStaleTemps(target));
		assertFalse(Files.exists(dead));
		for (Path p : new Path[] { mine, otherHost, otherTarget, foreign }) assertTrue(p.toString(), Files.exists(p));
	}
}
