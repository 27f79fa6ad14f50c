package org.convkit.core.cnn.train;

import org.convkit.core.cnn.data.FolderDataset;
import org.convkit.core.cnn.data.Synthetic;
import org.convkit.core.cnn.model.ModelBundle;
import org.convkit.core.cnn.model.ModelBundleIO;
import org.convkit.core.cnn.spec.NetworkSpec;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

import java.io.BufferedReader;
import java.io.File;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

/**
 * "A crash or kill mid-training loses at most one epoch": a training process is killed with SIGKILL (no shutdown
 * hooks, no finally blocks) at two points of an epoch, one of them just before the epoch's models are written. Both
 * model files must then read back whole, the last one holding every epoch the process had reported as saved (at
 * most the epoch in progress is lost), and training must continue from it.
 */
public class KillDuringTrainingTest {
	private static final String SAVED = "saved ";

	@Rule
	public TemporaryFolder tmp = new TemporaryFolder();

	/** The killed process: trains "for ever", printing "saved N" once epoch N's models are on disk. */
	public static void main(String[] args) throws Exception {
		FolderDataset data = new FolderDataset(Path.of(args[0]));
		new Trainer(data, NetworkSpec.parse(TrainerTest.SPEC), TrainerTest.SETTINGS.withEpochs(100_000))
				.validation(0.25).saveTo(Path.of(args[1]), false).train(new TrainingListener() {
					@Override
					public void epochDone(EpochResult r) {
						System.out.println(SAVED + r.epoch);
						System.out.flush();
					}
				});
	}

	@Test
	public void aKilledTrainingKeepsEveryReportedEpochAndContinues() throws Exception {
		Path data = Synthetic.folder(tmp.newFolder("data").toPath(), 40, 16, 5);
		for (double fraction : new double[] { 0.5, 0.97 }) {
			Path dir = tmp.newFolder("run" + fraction).toPath(), model = dir.resolve("model.zip");
			int reported = trainAndKill(data, model, fraction);
			ModelBundle last = ModelBundleIO.read(Trainer.lastModelPath(model)); // throws if half-written
			ModelBundle best = ModelBundleIO.read(model);
			int kept = last.history().epochs();
			System.out.println("killed at " + fraction + " of an epoch: reported " + reported + ", kept " + kept);
			assertTrue("reported " + reported + ", kept " + kept, kept >= reported && kept <= reported + 1);
			assertTrue(best.history().epochs() <= kept);
			// nothing but the two models, at most a hidden temporary file of an interrupted write, and the killed
			// run's lock files (stale: the next run takes them over)
			try (Stream<Path> files = Files.list(dir)) {
				List<String> others = files.map(p -> p.getFileName().toString())
						.filter(n -> !n.equals("model.zip") && !n.equals("model-last.zip")).collect(Collectors.toList());
				assertTrue(others.toString(), others.stream().allMatch(n -> n.startsWith(".model") && n.endsWith(".tmp")
						|| n.equals(".model.zip.lock") || n.equals(".model-last.zip.lock")));
			}
			TrainingResult more = new Trainer(new FolderDataset(data), null, TrainerTest.SETTINGS.withEpochs(1))
					.validation(0.25).continueFrom(last).saveTo(dir.resolve("continued.zip"), false).train(null);
			assertEquals(kept + 1, more.epochs.get(0).epoch);
			assertEquals(kept + 1, more.last.history().epochs());
		}
	}

	/**
	 * Starts the training process, waits for "saved 3", then kills it {@code fraction} of an epoch's duration later
	 * (measured between "saved 2" and "saved 3"); returns the last epoch the process reported as saved.
	 */
	private int trainAndKill(Path data, Path model, double fraction) throws Exception {
		String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
		ProcessBuilder pb = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
				KillDuringTrainingTest.class.getName(), data.toString(), model.toString());
		pb.environment().put("OMP_NUM_THREADS", "1");
		pb.redirectError(new File(model + ".stderr.log").getAbsoluteFile());
		Files.createDirectories(model.getParent());
		Process p = pb.start();
		int reported = 0;
		try (BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(),
				StandardCharsets.UTF_8))) {
			long at2 = 0, at3;
			String line;
			while ((line = out.readLine()) != null) {
				if (!line.startsWith(SAVED)) continue;
				reported = Integer.parseInt(line.substring(SAVED.length()).trim());
				if (reported == 2) at2 = System.nanoTime();
				if (reported == 3) {
					at3 = System.nanoTime();
					TimeUnit.NANOSECONDS.sleep((long) (fraction * (at3 - at2)));
					p.toHandle().destroyForcibly(); // SIGKILL; Process.destroy would also close our end of stdout
					break;
				}
			}
			assertTrue("the process ended before epoch 3: see " + model + ".stderr.log", reported >= 3);
			while ((line = out.readLine()) != null) // lines written before the kill landed
				if (line.startsWith(SAVED)) reported = Integer.parseInt(line.substring(SAVED.length()).trim());
		} finally {
			p.destroyForcibly();
			assertTrue(p.waitFor(60, TimeUnit.SECONDS));
		}
		Files.deleteIfExists(Path.of(model + ".stderr.log"));
		return reported;
	}
}
