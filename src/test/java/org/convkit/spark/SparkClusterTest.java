package org.convkit.spark;

import ij.IJ;
import ij.ImagePlus;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerExecutorRemoved;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.convkit.core.cnn.classify.FolderClassifier;
import org.convkit.core.cnn.data.FolderDataset;
import org.convkit.core.cnn.model.ModelBundleIO;
import org.convkit.core.cnn.train.Predictor;
import org.convkit.core.cnn.train.TrainingResult;
import org.convkit.plugins.cnn.TrainingSetup;
import org.convkit.plugins.filters.FilterCommandsTest;
import org.convkit.testing.FloatTolerance;
import org.convkit.testing.Waits;
import org.junit.AfterClass;
import org.junit.BeforeClass;
import org.junit.ClassRule;
import org.junit.FixMethodOrder;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;
import org.junit.rules.Timeout;
import org.junit.runners.MethodSorters;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

/**
 * The jobs on a real Spark standalone cluster started by the test (a Master and two Workers on 127.0.0.1, see
 * {@link LocalCluster}): classify and filter give what the embedded run gives; two workers train the sample cells
 * about as well as one machine; a worker killed in the middle of a job (its executor with it) loses nothing and
 * doubles nothing. One cluster for all tests; the kill comes last.
 */
@FixMethodOrder(MethodSorters.NAME_ASCENDING)
public class SparkClusterTest {
	@ClassRule
	public static TemporaryFolder shared = new TemporaryFolder();
	@ClassRule
	public static Timeout limit = Timeout.seconds(900);
	@Rule
	public TemporaryFolder tmp = new TemporaryFolder();

	static LocalCluster cluster;
	static JavaSparkContext sc;
	static Path model, images, filterInput, embeddedFilter;
	static List<String> embeddedRows;
	static final String FILTER = "Apply Kernel...", FILTER_OPTIONS = "kernel=[1 2 1; 0 0 0; -1 -2 -1] border=Wrap stack";

	@BeforeClass
	public static void start() throws Exception {
		Path root = shared.getRoot().toPath();
		model = SparkFixtures.model(root);
		images = SparkFixtures.classifyFolder(root.resolve("images"), 200);
		filterInput = SparkFixtures.filterFolder(root.resolve("filter-in"));
		// the embedded run first (one Spark context per JVM at a time)
		try (JavaSparkContext local = SparkSetup.context(SparkSetup.conf("ConvKit embedded", "local[2]", null))) {
			ClassifyJob.run(local, classify(root.resolve("embedded.csv")), quiet());
			embeddedRows = Files.readAllLines(root.resolve("embedded.csv"), StandardCharsets.UTF_8);
			embeddedFilter = root.resolve("embedded-filtered");
			FilterJob.run(local, filter(embeddedFilter), quiet());
		}
		cluster = LocalCluster.start(Files.createDirectories(root.resolve("cluster")), 2);
		sc = SparkSetup.context(cluster.conf("ConvKit cluster test"));
	}

	@AfterClass
	public static void stop() {
		if (sc != null) sc.close();
		if (cluster != null) cluster.close();
	}

	static ClassifyJob.Options classify(Path output) {
		return SparkFixtures.classifyOptions(model, images, output);
	}

	static FilterJob.Options filter(Path output) {
		FilterJob.Options o = new FilterJob.Options();
		o.command = FILTER;
		o.options = FILTER_OPTIONS;
		o.input = filterInput;
		o.output = output;
		o.recursive = true;
		o.imagesPerTask = 3;
		return o;
	}

	static PrintStream quiet() {
		return new PrintStream(new ByteArrayOutputStream(), true);
	}

	@Test
	public void a_classifyOnTheClusterGivesTheEmbeddedRows() throws Exception {
		Path csv = tmp.getRoot().toPath().resolve("cluster.csv");
		ClassifyJob.Result r = ClassifyJob.run(sc, classify(csv), quiet());
		assertEquals("both workers' executors", 2, sc.sc().getExecutorIds().size());
		FloatTolerance.assertCsvClose(embeddedRows, Files.readAllLines(csv, StandardCharsets.UTF_8),
				SparkEmbeddedTest.TOLERANCE);
		assertEquals(200, r.classified);
		assertEquals(3, r.skipped.size());
	}

	@Test
	public void b_filterOnTheClusterGivesTheEmbeddedPixels() throws Exception {
		Path out = tmp.getRoot().toPath().resolve("filtered");
		FilterJob.Result r = FilterJob.run(sc, filter(out), quiet());
		assertEquals(9, r.written);
		List<Path> files;
		try (Stream<Path> s = Files.walk(embeddedFilter)) {
			files = s.filter(Files::isRegularFile).collect(java.util.stream.Collectors.toList());
		}
		assertEquals(9, files.size());
		for (Path f : files) {
			String rel = embeddedFilter.relativize(f).toString();
			ImagePlus expected = IJ.openImage(f.toString()), actual = IJ.openImage(out.resolve(rel).toString());
			FilterCommandsTest.assertSamePixels(rel, expected, actual);
		}
	}

	@Test
	public void c_twoWorkersTrainTheSampleCellsAsWellAsOneMachine() throws Exception {
		Path cells = Paths.get(System.getProperty("convkit.basedir", ".")).resolve("sample-images/cell-classes")
				.toAbsolutePath().normalize();
		String options = "batch=16 epochs=6"; // LeNet; both reach 30/30 here (15 epochs in the README's example)
		Path one = tmp.getRoot().toPath().resolve("one.zip"), two = tmp.getRoot().toPath().resolve("two.zip");
		TrainingSetup.forFolder(cells.resolve("train"), one, options).trainer().train(null);
		TrainJob.Options o = new TrainJob.Options();
		o.folder = cells.resolve("train");
		o.model = two;
		o.options = options;
		o.workers = 2;
		ByteArrayOutputStream log = new ByteArrayOutputStream();
		TrainingResult r = TrainJob.run(sc, o, new PrintStream(log, true));
		assertEquals(log.toString(), TrainingResult.Stop.COMPLETED, r.stop);
		assertEquals(6, ModelBundleIO.read(Paths.get(two.toString().replace(".zip", "-last.zip"))).history()
				.epochs());
		double a1 = testAccuracy(one, cells.resolve("test")), a2 = testAccuracy(two, cells.resolve("test"));
		System.out.println("sample cells, test accuracy: one machine " + a1 + ", two workers " + a2);
		assertTrue("one machine " + a1 + ", two workers " + a2 + "\n" + log, a2 >= a1 - 0.1);
	}

	/** The share of the test images whose predicted class is their folder's name. */
	static double testAccuracy(Path model, Path test) throws IOException {
		Path csv = Files.createTempFile("cells", ".csv");
		new FolderClassifier(new Predictor(ModelBundleIO.read(model))).recursive(true).overwrite(true).classify(test,
				csv);
		List<String> rows = Files.readAllLines(csv, StandardCharsets.UTF_8);
		Files.delete(csv);
		int right = 0;
		for (String row : rows.subList(1, rows.size())) {
			String[] f = row.split(",");
			if (f[0].startsWith(f[1] + "/")) right++;
		}
		return (double) right / (rows.size() - 1);
	}

	/**
	 * On its first attempt at {@code trigger}, tells the test which executor process reads it (a marker file) and
	 * waits there to be killed; every other read is ImageJ's.
	 */
	static final class KillSwitch implements ClassifyJob.Reader {
		private static final long serialVersionUID = 1L;
		final String trigger, markers;

		KillSwitch(String trigger, Path markers) {
			this.trigger = trigger;
			this.markers = markers.toString();
		}

		@Override
		public ImagePlus read(Path f) throws Exception {
			if (f.endsWith(trigger) && TaskContext.get().attemptNumber() == 0) {
				long pid = ProcessHandle.current().pid();
				Path tmp = Paths.get(markers, "pid.tmp"); // written whole, then renamed: the test reads it at once
				Files.write(tmp, String.valueOf(pid).getBytes(StandardCharsets.UTF_8));
				Files.move(tmp, Paths.get(markers, "pid"), StandardCopyOption.ATOMIC_MOVE);
				Thread.sleep(TimeUnit.MINUTES.toMillis(2)); // until killed
			}
			return FolderDataset.IMAGEJ.read(f);
		}
	}

	@Test
	public void z_aWorkerKilledMidJobLosesAndDoublesNoRow() throws Exception {
		Path markers = tmp.newFolder("markers").toPath(), csv = tmp.getRoot().toPath().resolve("killed.csv");
		AtomicInteger failedTasks = new AtomicInteger();
		Set<String> removed = new HashSet<>();
		SparkListener watch = new SparkListener() {
			@Override
			public void onTaskEnd(SparkListenerTaskEnd e) {
				if (!e.taskInfo().successful()) failedTasks.incrementAndGet();
			}

			@Override
			public void onExecutorRemoved(SparkListenerExecutorRemoved e) {
				synchronized (removed) {
					removed.add(e.executorId());
				}
			}
		};
		sc.sc().addSparkListener(watch);
		int[] killed = { -1 };
		Thread killer = new Thread(() -> {
			Path pid = markers.resolve("pid");
			try {
				if (!Waits.until(TimeUnit.MINUTES.toMillis(2), () -> Files.exists(pid))) return;
				killed[0] = cluster.killWorkerOf(Long.parseLong(new String(Files.readAllBytes(pid),
						StandardCharsets.UTF_8).trim()));
			} catch (Exception e) {
				throw new IllegalStateException(e);
			}
		});
		killer.start();
		ClassifyJob.Options o = classify(csv);
		o.reader = new KillSwitch("img0100.png", markers);
		ClassifyJob.Result r;
		try {
			r = ClassifyJob.run(sc, o, quiet());
		} finally {
			killer.join(TimeUnit.SECONDS.toMillis(150));
			sc.sc().removeSparkListener(watch);
		}
		assertTrue("a worker was killed during the job", killed[0] >= 0);
		assertTrue("the task on the killed executor failed and ran again: " + failedTasks, failedTasks.get() >= 1);
		synchronized (removed) {
			assertEquals("the killed worker's executor is gone", 1, removed.size());
		}
		List<String> rows = Files.readAllLines(csv, StandardCharsets.UTF_8);
		FloatTolerance.assertCsvClose(embeddedRows, rows, SparkEmbeddedTest.TOLERANCE);
		Set<String> names = new HashSet<>();
		for (String row : rows) assertTrue("once: " + row, names.add(row.split(",")[0]));
		assertEquals(200, r.classified);
	}
}
