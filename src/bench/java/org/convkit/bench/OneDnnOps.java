package org.convkit.bench;

import org.nd4j.linalg.dataset.DataSet;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Where a training step's time goes, ConvKit against PyTorch ({@code ./convkit --bench ROUNDS onednn}, LeNet;
 * {@code onednn-vgg64} and {@code onednn-vgg96} for Small VGG at 64×64 gray and 96×96 RGB): both run their
 * convolutions on oneDNN (ND4J's 2.3, PyTorch's own 2.6), ConvKit its pooling and some matrix products too, and
 * oneDNN's verbose log gives each call's time; the rest of each step is "outside oneDNN". ConvKit's training step
 * ({@link RuntimeBenchWorker}: {@code FastTraining} on, {@code MultiLayerNetwork.fit} on pre-built batches of 64) runs
 * in its own JVM with {@code DNNL_VERBOSE=1}, PyTorch ({@link TorchContender}) with {@code ONEDNN_VERBOSE=1}, on the
 * same images and the same thread count (ConvKit's rule, so {@code OMP_NUM_THREADS=1} gives one thread to both) and as
 * many as the case's benchmark ({@link CnnCase}: for LeNet 8,000, so PyTorch allocates as it does there; glibc raises
 * its mmap threshold to the largest block freed, here the loaded images); one untimed epoch, then ROUNDS epochs each,
 * alternating. The table: milliseconds per training step for each oneDNN operation, then the totals and the whole
 * step. Logging every call costs time of its own, so the whole steps here are slower than in
 * {@code ./convkit --bench 2 lenet}; the split, not the speed, is the point. For Small VGG run it with
 * {@code CONVKIT_MALLOC=keep}, as its speed comparisons are (docs/benchmarks.md): both sides get the variables.
 */
final class OneDnnOps {
	private static final int BATCH = RuntimeBenchWorker.BATCH;
	private static final Pattern THREADS = Pattern.compile("threads (\\d+) per batch");

	private OneDnnOps() {
	}

	/** The case named by the bench argument: {@code onednn} (LeNet) or {@code onednn-CASE}; null if none. */
	static CnnCase caseOf(String argument) {
		return CnnCase.named(argument, "onednn");
	}

	static void run(int rounds, CnnCase test) throws IOException {
		int images = test.images, size = test.size, channels = test.channels;
		List<DataSet> batches = RuntimeBenchWorker.batches(size, images, BATCH, channels);
		Path dir = Files.createTempDirectory("convkit-onednn-ops");
		Path xf = dir.resolve("features.f32"), yf = dir.resolve("labels.i32");
		write(batches, xf, yf, images);
		int steps = batches.size();
		OneDnnLog convkit = new OneDnnLog(), torch = new OneDnnLog();
		double convkitSeconds = 0, torchSeconds = Double.NaN;
		// ConvKit's and PyTorch's minor page faults in the timed epochs (negative: not known, off Linux)
		long[] faults = { 0, 0 };
		try (Worker w = new Worker(test)) {
			int threads = w.threads();
			try (TorchContender t = new TorchContender(xf, yf, test.torchArch, images, size, channels,
					RuntimeBenchWorker.CLASSES, BATCH, 1e-3, 1e-4, threads, 1, 42,
					Map.of("ONEDNN_VERBOSE", "1", "DNNL_VERBOSE", "1"))) {
				System.out.printf(Locale.ROOT, "%nWhere a training step goes: %s, %d images, batch %d, "
						+ "%d thread(s), %d round(s) after 1 warm-up; oneDNN's verbose log; ConvKit: %s; %s; %s%n",
						test.title(), images, BATCH, threads, rounds, w.info,
						t.unavailable() == null ? t.toString() : t.unavailable(), CnnBenchmark.machine());
				for (int round = 0; round <= rounds; round++) {
					boolean timed = round > 0;
					double[] c = w.train(timed ? convkit : null);
					if (timed) {
						convkitSeconds += c[0];
						faults[0] = c[1] < 0 || faults[0] < 0 ? -1 : faults[0] + (long) c[1];
					}
					if (t.unavailable() != null) continue;
					double[] r = t.run("train");
					if (!timed) continue;
					torchSeconds = (Double.isNaN(torchSeconds) ? 0 : torchSeconds) + r[0];
					faults[1] = !(r[2] >= 0) || faults[1] < 0 ? -1 : faults[1] + (long) r[2];
					t.printed().forEach(torch::add);
				}
			}
		} finally {
			Files.deleteIfExists(xf);
			Files.deleteIfExists(yf);
			Files.deleteIfExists(dir);
		}
		print(convkit, torch, convkitSeconds * 1000 / (rounds * steps), torchSeconds * 1000 / (rounds * steps),
				rounds * steps);
		// a page fault costs what the header's "fresh 4 KB page" says: on some virtual machines far more than on metal
		System.out.printf(Locale.ROOT, "| **minor page faults per step** | %s | %s |%n",
				perStep(faults[0], rounds * steps), Double.isNaN(torchSeconds) ? "–" : perStep(faults[1], rounds * steps));
	}

	/** A count per step, or "–" when not known (negative). */
	private static String perStep(long count, int steps) {
		return count < 0 ? "–" : String.format(Locale.ROOT, "%.0f", (double) count / steps);
	}

	private static void print(OneDnnLog convkit, OneDnnLog torch, double convkitStep, double torchStep, int steps) {
		System.out.println();
		System.out.println("| oneDNN operation (problem as oneDNN names it) | ConvKit ms per step (calls) "
				+ "| PyTorch ms per step (calls) |");
		System.out.println("|---|---:|---:|");
		Set<String> keys = new LinkedHashSet<>(convkit.operations.keySet());
		keys.addAll(torch.operations.keySet());
		List<String> order = new ArrayList<>(keys);
		order.sort((a, b) -> Double.compare(largest(b, convkit, torch), largest(a, convkit, torch)));
		for (String k : order) {
			if (largest(k, convkit, torch) / steps < 0.01) continue; // below 0.01 ms per step: left out
			System.out.printf(Locale.ROOT, "| %s | %s | %s |%n", k, cell(convkit, k, steps),
					cell(torch, k, steps));
		}
		String[][] totals = { { "all convolutions", "convolution" }, { "all pooling", "pooling" },
				{ "all reorders (layout changes)", "reorder" }, { "all matrix products", "matmul" },
				{ "all inner products", "inner_product" } };
		for (String[] t : totals) {
			double a = convkit.milliseconds(t[1]), b = torch.milliseconds(t[1]);
			if (a + b > 0) System.out.printf(Locale.ROOT, "| **%s** | %s | %s |%n", t[0], ms(a / steps),
					ms(Double.isNaN(torchStep) ? Double.NaN : b / steps));
		}
		double a = convkit.milliseconds(null) / steps, b = torch.milliseconds(null) / steps;
		if (Double.isNaN(torchStep)) b = Double.NaN; // no PyTorch: its column stays empty
		System.out.printf(Locale.ROOT, "| **all oneDNN** | %s | %s |%n", ms(a), ms(b));
		System.out.printf(Locale.ROOT, "| **whole step (with the log on)** | %s | %s |%n", ms(convkitStep), ms(torchStep));
		System.out.printf(Locale.ROOT, "| **outside oneDNN** | %s | %s |%n", ms(convkitStep - a), ms(torchStep - b));
	}

	/** Milliseconds with two decimals; "–" for NaN (no PyTorch). */
	private static String ms(double v) {
		return Double.isNaN(v) ? "–" : String.format(Locale.ROOT, "%.2f", v);
	}

	private static double largest(String key, OneDnnLog a, OneDnnLog b) {
		double[] x = a.operations.get(key), y = b.operations.get(key);
		return Math.max(x == null ? 0 : x[1], y == null ? 0 : y[1]);
	}

	private static String cell(OneDnnLog log, String key, int steps) {
		double[] t = log.operations.get(key);
		return t == null ? "–" : String.format(Locale.ROOT, "%.3f (%.1f)", t[1] / steps, t[0] / steps);
	}

	/** The batches' images and class indices as {@code cnn_bench.py} reads them ({@link CnnBenchmark}'s files). */
	private static void write(List<DataSet> batches, Path xf, Path yf, int images) throws IOException {
		int perImage = (int) (batches.get(0).getFeatures().length() / batches.get(0).getFeatures().size(0));
		float[] x = new float[images * perImage];
		int[] y = new int[images];
		int image = 0;
		for (DataSet b : batches) {
			float[] f = b.getFeatures().data().asFloat();
			System.arraycopy(f, 0, x, image * perImage, f.length);
			for (long c : b.getLabels().argMax(1).data().asLong()) y[image++] = (int) c;
		}
		Files.write(xf, CnnBenchmark.littleEndian(x));
		Files.write(yf, CnnBenchmark.littleEndian(y));
	}

	/** ConvKit's side: a {@link RuntimeBenchWorker} JVM with oneDNN's verbose log on. */
	private static final class Worker implements AutoCloseable {
		private final LineProcess process;
		final String info;

		Worker(CnnCase test) throws IOException {
			ProcessBuilder pb = RuntimeBenchWorker.command(List.of(System.getProperty("java.class.path")), List.of(),
					test.preset, test.size, test.channels, test.images, 1);
			pb.environment().put("DNNL_VERBOSE", "1");
			process = new LineProcess(pb);
			info = process.reply("ready").substring("ready ".length());
		}

		int threads() {
			Matcher m = THREADS.matcher(info);
			return m.find() ? Integer.parseInt(m.group(1)) : 1;
		}

		/**
		 * One epoch of training; its oneDNN calls go into {@code log} (none for null); returns {wall seconds, minor
		 * page faults}.
		 */
		double[] train(OneDnnLog log) throws IOException {
			String[] f = process.send("train").split(" ");
			if (log != null) process.printed().forEach(log::add);
			return new double[] { Double.parseDouble(f[1]), Double.parseDouble(f[3]) };
		}

		@Override
		public void close() {
			process.close();
		}
	}
}
