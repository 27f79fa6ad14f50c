package org.convkit.spark;

import ij.IJ;
import ij.ImagePlus;
import ij.io.FileSaver;
import ij.process.ByteProcessor;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.convkit.core.cnn.input.Normalisation;
import org.convkit.core.cnn.model.ModelBundle;
import org.convkit.core.cnn.model.ModelBundleIO;
import org.convkit.core.cnn.model.TrainingHistory;
import org.convkit.core.cnn.net.NetworkBuilder;
import org.convkit.core.cnn.net.TrainingSettings;
import org.convkit.core.cnn.spec.NetworkSpec;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.stream.IntStream;

/**
 * Folder classification throughput (issue 11): Classify Folder with CNN... in this JVM, the Spark classify job
 * embedded (local[*]) and on a standalone cluster on this machine (a Master and two Workers with one core each,
 * see LocalCluster) with one and with two workers; LeNet on 28×28 8-bit TIFFs, on three folder sizes, in interleaved
 * rounds. From the folder sizes (least squares): the cost per image and the fixed cost of a job (time = fixed + images × per image);
 * Spark's start (context, executors) is timed apart. Peak memory: the resident set of each executor JVM after the
 * job (its VmHWM), for each size, to show it does not grow with the folder. Run with
 * {@code OMP_NUM_THREADS=1 ./convkit --bench ROUNDS spark}.
 */
public final class SparkBenchmark {
	static final int SIZE = 28, CLASSES = 10;
	/** Three sizes: executors warm up (JIT, ND4J) within the first thousands of images, so two points mislead. */
	static final int[] FOLDERS = { 5000, 20000, 50000 };
	static final String[] CONTENDERS = { "Classify Folder with CNN... (1 JVM)", "Spark embedded local[*]",
			"standalone, 1 worker", "standalone, 2 workers" };

	private final Path dir;
	private final Path model;
	private final Map<String, List<double[]>> runs = new HashMap<>(); // key contender|size → {start s, job s, peak MB}

	private SparkBenchmark(Path dir) throws IOException {
		this.dir = dir;
		this.model = model(dir.resolve("lenet.zip"));
	}

	public static void run(int rounds) throws Exception {
		Path dir = Files.createTempDirectory("convkit-spark-bench");
		try {
			new SparkBenchmark(dir).measure(rounds);
		} finally {
			Staging.delete(dir);
		}
	}

	private void measure(int rounds) throws Exception {
		Path[] folders = new Path[FOLDERS.length];
		for (int i = 0; i < FOLDERS.length; i++) folders[i] = folder(dir.resolve("images-" + FOLDERS[i]), FOLDERS[i]);
		System.out.println("spark benchmark: LeNet 28x28, folders of " + java.util.Arrays.toString(FOLDERS)
				+ " TIFFs, " + Runtime.getRuntime().availableProcessors() + " cores, OMP_NUM_THREADS="
				+ System.getenv("OMP_NUM_THREADS"));
		try (LocalCluster cluster = LocalCluster.start(Files.createDirectories(dir.resolve("cluster")), 2)) {
			for (int r = 0; r <= rounds; r++) { // round 0: warm-up, not counted
				for (int size = 0; size < FOLDERS.length; size++)
					for (int c = 0; c < CONTENDERS.length; c++) {
						double[] m = once(c, folders[size], cluster);
						System.out.println(String.format(Locale.ROOT, "  round %d, %s, %d images: start %.1f s, job "
								+ "%.1f s (%.0f images/s), peak RSS per executor %.0f MB", r, CONTENDERS[c],
								FOLDERS[size], m[0], m[1], FOLDERS[size] / m[1], m[2]));
						if (r > 0) runs.computeIfAbsent(c + "|" + size, k -> new ArrayList<>()).add(m);
					}
			}
		}
		report();
	}

	/** {start seconds, job seconds, peak resident MB per executor (max)} of one run. */
	private double[] once(int contender, Path folder, LocalCluster cluster) throws Exception {
		Path csv = dir.resolve("out.csv");
		Files.deleteIfExists(csv);
		if (contender == 0) {
			resetPeak();
			long t0 = System.nanoTime();
			IJ.run("Classify Folder with CNN...", "model=[" + model + "] folder=[" + folder + "] output=[" + csv
					+ "] recursive");
			double job = (System.nanoTime() - t0) / 1e9;
			check(csv, folder);
			return new double[] { 0, job, peakRssMb() };
		}
		SparkConf conf = contender == 1 ? SparkSetup.conf("bench", "local[*]", null) : cluster.conf("bench");
		if (contender == 2) conf.set("spark.cores.max", "1");
		long t0 = System.nanoTime();
		resetPeak();
		try (JavaSparkContext sc = SparkSetup.context(conf)) {
			awaitExecutors(sc, contender == 3 ? 2 : contender == 2 ? 1 : 0);
			double start = (System.nanoTime() - t0) / 1e9;
			ClassifyJob.Options o = new ClassifyJob.Options();
			o.model = model;
			o.input = folder;
			o.output = csv;
			o.recursive = true;
			long t1 = System.nanoTime();
			ClassifyJob.run(sc, o, new PrintStream(new ByteArrayOutputStream(), true));
			double job = (System.nanoTime() - t1) / 1e9;
			check(csv, folder);
			double peak = contender == 1 ? peakRssMb() : executorPeakRssMb(sc);
			return new double[] { start, job, peak };
		}
	}

	/** Executors of a cluster context come after the context: the job is timed once they are there. */
	private static void awaitExecutors(JavaSparkContext sc, int n) throws InterruptedException {
		for (int i = 0; i < 600 && sc.sc().getExecutorIds().size() < n; i++) Thread.sleep(100);
	}

	/** The largest VmHWM among the executors (a few tiny tasks ask each executor JVM). */
	private static double executorPeakRssMb(JavaSparkContext sc) {
		List<Integer> probes = new ArrayList<>();
		for (int i = 0; i < 8; i++) probes.add(i);
		return Collections.max(sc.parallelize(probes, probes.size()).map(i -> {
			Thread.sleep(50);
			return peakRssMb();
		}).collect());
	}

	static double peakRssMb() throws IOException {
		for (String line : Files.readAllLines(Paths.get("/proc/self/status"), StandardCharsets.US_ASCII))
			if (line.startsWith("VmHWM:")) return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024.0;
		return 0;
	}

	private static void resetPeak() {
		for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans())
			if (p.getType() == MemoryType.HEAP) p.resetPeakUsage();
		try {
			Files.write(Paths.get("/proc/self/clear_refs"), "5".getBytes(StandardCharsets.US_ASCII));
		} catch (IOException | UnsupportedOperationException ignored) {
			// not Linux
		}
	}

	private static void check(Path csv, Path folder) throws IOException {
		long rows;
		try (java.util.stream.Stream<String> s = Files.lines(csv)) {
			rows = s.count() - 1;
		}
		long images;
		try (java.util.stream.Stream<Path> s = Files.walk(folder)) {
			images = s.filter(Files::isRegularFile).count();
		}
		if (rows != images) throw new IllegalStateException(rows + " rows for " + images + " images");
	}

	private void report() {
		int last = FOLDERS.length - 1;
		StringBuilder head = new StringBuilder("| contender | Spark start s |");
		StringBuilder rule = new StringBuilder("| --- | ---: |");
		for (int f : FOLDERS) {
			head.append(" job s, ").append(f).append(" images |");
			rule.append(" ---: |");
		}
		head.append(" images/s (").append(FOLDERS[last]).append(") | per image ms | fixed per job s | peak RSS MB (");
		for (int i = 0; i <= last; i++) head.append(i > 0 ? " / " : "").append(FOLDERS[i]);
		head.append(") |");
		rule.append(" ---: | ---: | ---: | ---: |");
		System.out.println();
		System.out.println(head);
		System.out.println(rule);
		for (int c = 0; c < CONTENDERS.length; c++) {
			double[][] m = new double[FOLDERS.length][];
			for (int i = 0; i <= last; i++) m[i] = median(runs.get(c + "|" + i));
			// least squares over the sizes: job time = fixed + images x per image
			double sx = 0, sy = 0, sxx = 0, sxy = 0, n = FOLDERS.length;
			for (int i = 0; i <= last; i++) {
				sx += FOLDERS[i];
				sy += m[i][1];
				sxx += (double) FOLDERS[i] * FOLDERS[i];
				sxy += FOLDERS[i] * m[i][1];
			}
			double perImage = (n * sxy - sx * sy) / (n * sxx - sx * sx);
			double fixed = (sy - perImage * sx) / n;
			StringBuilder row = new StringBuilder(String.format(Locale.ROOT, "| %s | %.1f |", CONTENDERS[c], m[last][0]));
			for (int i = 0; i <= last; i++) row.append(String.format(Locale.ROOT, " %.1f |", m[i][1]));
			row.append(String.format(Locale.ROOT, " %.0f | %.3f | %.1f | ", FOLDERS[last] / m[last][1], perImage * 1000,
					fixed));
			for (int i = 0; i <= last; i++) row.append(i > 0 ? " / " : "").append(String.format(Locale.ROOT, "%.0f", m[i][2]));
			System.out.println(row.append(" |"));
		}
		System.out.println("(medians of the rounds; per image and fixed cost: least squares over the folder sizes; peak "
				+ "RSS: of this JVM for the first two rows, the largest executor's for the cluster rows)");
	}

	private static double[] median(List<double[]> l) {
		double[] out = new double[3];
		for (int k = 0; k < 3; k++) {
			final int j = k;
			double[] v = l.stream().mapToDouble(a -> a[j]).sorted().toArray();
			out[k] = v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
		}
		return out;
	}

	/** A LeNet for 28×28 gray, 10 classes, untrained (speed does not depend on the weights). */
	private static Path model(Path file) throws IOException {
		NetworkSpec spec = NetworkSpec.preset("LeNet");
		List<String> labels = new ArrayList<>();
		for (int i = 0; i < CLASSES; i++) labels.add("c" + i);
		ModelBundle b = new ModelBundle(NetworkBuilder.network(spec, SIZE, SIZE, 1, CLASSES, TrainingSettings.DEFAULTS),
				spec, labels, SIZE, SIZE, 1, new Normalisation(new double[] { 100 }, new double[] { 50 }),
				TrainingSettings.DEFAULTS, TrainingHistory.empty());
		ModelBundleIO.write(b, file, false);
		return file;
	}

	/** n seeded 8-bit noise TIFFs in 10 subfolders. */
	private static Path folder(Path root, int n) throws IOException {
		for (int d = 0; d < 10; d++) Files.createDirectories(root.resolve("d" + d));
		IntStream.range(0, n).parallel().forEach(i -> {
			byte[] p = new byte[SIZE * SIZE];
			new Random(i).nextBytes(p);
			String f = root.resolve("d" + i % 10).resolve(String.format("img%06d.tif", i)).toString();
			if (!new FileSaver(new ImagePlus("i", new ByteProcessor(SIZE, SIZE, p))).saveAsTiff(f))
				throw new IllegalStateException("could not write " + f);
		});
		return root;
	}
}
