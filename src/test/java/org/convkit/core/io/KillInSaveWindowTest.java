package org.convkit.core.io;

import org.convkit.core.cnn.model.ModelBundle;
import org.convkit.core.cnn.model.ModelBundleIO;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

/**
 * Kills a process again and again while it saves a model (SIGKILL at seeded random moments of its write loop, so
 * most kills land inside a write): after every kill the model file is either absent (the first write never
 * finished) or whole; the hidden temporaries the killed writes leave are removed by the next run's first write, so
 * they never pile up; and a last, undisturbed run leaves the model and nothing else.
 */
public class KillInSaveWindowTest {
	private static final int KILLS = 4;

	@Rule
	public TemporaryFolder tmp = new TemporaryFolder();

	/** Writes a model of about 13 MB to args[0] over and over, printing "written N" after each write. */
	public static void main(String[] args) throws Exception {
		ModelBundle b = AtomicFilesTest.bundle("dense 1200", 30, 30); // 900*1200 weights, Adam state: 3 x 4 MB
		Path model = Path.of(args[0]);
		int rounds = args.length > 1 ? Integer.parseInt(args[1]) : Integer.MAX_VALUE;
		for (int i = 1; i <= rounds; i++) {
			ModelBundleIO.write(b, model, true);
			System.out.println("written " + i);
			System.out.flush();
		}
	}

	private static List<String> temporaries(Path dir) throws Exception {
		try (Stream<Path> s = Files.list(dir)) {
			return s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".tmp")).sorted()
					.collect(Collectors.toList());
		}
	}

	@Test
	public void killsInsideTheSaveWindowLeaveWholeFilesAndNoPileOfTemporaries() throws Exception {
		Path dir = tmp.newFolder("models").toPath(), model = dir.resolve("model.zip");
		Random random = new Random(13);
		int hits = 0;
		for (int k = 0; k < KILLS; k++) {
			List<String> before = temporaries(dir);
			try (ChildProcess writer = new ChildProcess(KillInSaveWindowTest.class, ChildProcess.log(tmp.getRoot()
					.toPath(), "writer" + k), model.toString())) {
				writer.await("written 1");
				long t1 = System.nanoTime();
				writer.await("written 2");
				long write = Math.max(1, System.nanoTime() - t1);
				assertTrue("the first write of the next run removed the killed runs' temporaries: " + before + " now "
						+ temporaries(dir), temporaries(dir).stream().noneMatch(before::contains));
				TimeUnit.NANOSECONDS.sleep((long) (random.nextDouble() * write));
				writer.kill();
			}
			ModelBundleIO.read(model); // whole, or this throws
			List<String> left = temporaries(dir);
			assertTrue("at most the one write in progress leaves a temporary: " + left, left.size() <= 1);
			hits += left.size();
		}
		System.out.println("kills inside the save window: " + hits + " of " + KILLS);
		assertTrue("no kill landed inside a write: the test did not test anything", hits >= KILLS / 3);
		try (ChildProcess last = new ChildProcess(KillInSaveWindowTest.class, ChildProcess.log(tmp.getRoot().toPath(),
				"last"), model.toString(), "1")) {
			assertEquals(0, last.waitFor());
		}
		try (Stream<Path> s = Files.list(dir)) {
			assertEquals(List.of("model.zip"), s.map(p -> p.getFileName().toString()).collect(Collectors.toList()));
		}
		ModelBundleIO.read(model);
	}
}
