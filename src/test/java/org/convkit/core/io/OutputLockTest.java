package org.convkit.core.io;

import org.convkit.core.cnn.classify.FolderClassifier;
import org.convkit.core.cnn.data.FolderDataset;
import org.convkit.core.cnn.data.Synthetic;
import org.convkit.core.cnn.net.TrainingSettings;
import org.convkit.core.cnn.spec.NetworkSpec;
import org.convkit.core.cnn.train.Predictor;
import org.convkit.core.cnn.train.Trainer;
import org.convkit.core.cnn.train.TrainingResult;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

/**
 * Exclusive writers, with real processes: an output held by another process is refused with a message naming that
 * process and its lock file, and what the other run wrote stays; once that process is killed (SIGKILL, so it never
 * releases anything) its stale lock is taken over and the output written; a finished run leaves no lock file.
 */
public class OutputLockTest {
	@Rule
	public TemporaryFolder tmp = new TemporaryFolder();

	/** The other run: locks the paths, prints "locked PID", then waits to be killed. */
	public static void main(String[] args) throws Exception {
		Path[] targets = new Path[args.length];
		for (int i = 0; i < args.length; i++) targets[i] = Path.of(args[i]);
		OutputLock lock = OutputLock.acquire("a test holding the lock", targets);
		System.out.println("locked " + ProcessHandle.current().pid());
		System.out.flush();
		Thread.sleep(600_000);
		lock.close();
	}

	/** Trains "for ever" into args[1] from the folder args[0], printing "saved N" after each epoch's models. */
	public static final class TrainForever {
		public static void main(String[] args) throws Exception {
			new Trainer(new FolderDataset(Path.of(args[0])), NetworkSpec.parse("conv 3x3x2 pad=same; dense 8"),
					TrainingSettings.DEFAULTS.withBatchSize(8).withEpochs(100_000).withSeed(1)).validation(0.25)
					.saveTo(Path.of(args[1]), false).train(new org.convkit.core.cnn.train.TrainingListener() {
						@Override
						public void epochDone(org.convkit.core.cnn.train.EpochResult r) {
							System.out.println("saved " + r.epoch);
							System.out.flush();
						}
					});
		}
	}

	@Test
	public void twoTrainingsOfOneModelPath() throws Exception {
		Path data = Synthetic.folder(tmp.newFolder("data").toPath(), 8, 12, 2);
		Path dir = tmp.newFolder("models").toPath(), model = dir.resolve("same.zip");
		try (ChildProcess first = new ChildProcess(TrainForever.class, ChildProcess.log(dir, "first"), data.toString(),
				model.toString())) {
			first.await("saved 1");
			Trainer second = new Trainer(new FolderDataset(data), NetworkSpec.parse("conv 3x3x2 pad=same; dense 8"),
					TrainingSettings.DEFAULTS.withBatchSize(8).withEpochs(1).withSeed(2)).validation(0.25)
					.saveTo(model, true);
			try {
				second.train(null);
				fail("a second training of the same model path ran");
			} catch (IllegalArgumentException e) {
				assertTrue(e.getMessage(), e.getMessage().contains("Another run is writing " + model));
				assertTrue(e.getMessage(), e.getMessage().contains("process " + first.pid()));
				assertTrue(e.getMessage(), e.getMessage().contains(OutputLock.lockFile(model).toString()));
			}
			first.kill();
		}
		int epochs = org.convkit.core.cnn.model.ModelBundleIO.read(model).history().epochs();
		assertTrue("the first run's model is still there", epochs >= 1);
		assertTrue("the killed run's lock file stays behind", Files.exists(OutputLock.lockFile(model)));
		TrainingResult r = new Trainer(new FolderDataset(data), NetworkSpec.parse("conv 3x3x2 pad=same; dense 8"),
				TrainingSettings.DEFAULTS.withBatchSize(8).withEpochs(1).withSeed(2)).validation(0.25)
				.saveTo(model, true).train(null);
		assertNotNull("the stale lock was taken over", r.best);
		assertEquals(1, org.convkit.core.cnn.model.ModelBundleIO.read(model).history().epochs());
		assertFalse("a finished run leaves no lock", Files.exists(OutputLock.lockFile(model)));
		assertFalse(Files.exists(OutputLock.lockFile(Trainer.lastModelPath(model))));
	}

	@Test
	public void aFolderClassificationWaitsForNoOneAndTakesOverAStaleLock() throws Exception {
		Path data = Synthetic.folder(tmp.newFolder("data").toPath(), 8, 12, 3);
		Path dir = tmp.newFolder("out").toPath(), csv = dir.resolve("results.csv");
		TrainingResult trained = new Trainer(new FolderDataset(data), NetworkSpec.parse("conv 3x3x2; dense 4"),
				TrainingSettings.DEFAULTS.withBatchSize(8).withEpochs(1)).train(null);
		FolderClassifier fc = new FolderClassifier(new Predictor(trained.last)).recursive(true);
		try (ChildProcess holder = new ChildProcess(OutputLockTest.class, ChildProcess.log(dir.getParent(), "holder"),
				csv.toString())) {
			assertEquals("locked " + holder.pid(), holder.await("locked"));
			try {
				fc.classify(data, csv);
				fail("classified into a file another process holds");
			} catch (IllegalArgumentException e) {
				assertTrue(e.getMessage(), e.getMessage().contains("process " + holder.pid()));
				assertTrue(e.getMessage(), e.getMessage().contains("a test holding the lock"));
			}
			assertFalse(Files.exists(csv));
			holder.kill();
		}
		String stale = new String(Files.readAllBytes(OutputLock.lockFile(csv)), StandardCharsets.UTF_8);
		assertTrue(stale, stale.contains("a test holding the lock"));
		try (OutputLock lock = OutputLock.acquire("this test", csv)) {
			assertNotNull("the dead holder's lock is reported as stale", lock.staleOwner());
			assertTrue(lock.staleOwner(), lock.staleOwner().contains("a test holding the lock"));
		}
		assertEquals(24, fc.classify(data, csv).classified);
		assertFalse(Files.exists(OutputLock.lockFile(csv)));
	}

	@Test
	public void twoCommandsOfOneImageJ() {
		Path f = tmp.getRoot().toPath().resolve("x.csv");
		try (OutputLock first = OutputLock.acquire("the first", f)) {
			try (OutputLock second = OutputLock.acquire("the second", f)) {
				fail("locked twice");
			} catch (IllegalArgumentException e) {
				assertTrue(e.getMessage(), e.getMessage().contains("in this ImageJ"));
				assertTrue(e.getMessage(), e.getMessage().contains("the first"));
			}
		}
		try (OutputLock again = OutputLock.acquire("again", f)) {
			assertEquals("released: no stale owner", null, again.staleOwner());
		}
		assertFalse(Files.exists(OutputLock.lockFile(f)));
	}
}
