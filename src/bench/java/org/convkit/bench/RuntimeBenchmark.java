package org.convkit.bench;

import org.convkit.core.cnn.runtime.CpuFeatures;
import org.convkit.core.cnn.runtime.CpuFeatures.Level;
import org.convkit.core.cnn.runtime.NativeBuild;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * ND4J's native builds and thread counts against each other, each contender a {@link RuntimeBenchWorker} JVM with
 * exactly one nd4j-native natives jar on its class path; rounds interleave (train, classify batched, classify one
 * image at a time per contender per round) after one untimed warm-up round; medians, ranges, and the ratio to the
 * first contender. "cores" is the process's CPU time over wall time (how many cores the contender kept busy).
 * <ul>
 * <li>{@code natives}: LeNet 28×28 (2,048 images per round), 1 thread, every build this processor runs: the shipped ones from
 * the class path, the others from the local Maven repository when there (fetch them with
 * {@code mvn dependency:get -Dartifact=org.nd4j:nd4j-native:1.0.0-M2.1:jar:linux-x86_64-avx2}, etc.);</li>
 * <li>{@code natives-avx2}: the same with every contender narrowed to AVX2 (oneDNN's and OpenBLAS's dispatch, the
 * JVM's {@code -XX:UseAVX=2}, ConvKit's {@code CONVKIT_CPU_ISA=avx2}); the AVX-512 builds are left out;</li>
 * <li>{@code threads}: the build ConvKit chooses, LeNet 28×28 and Small VGG 64×64 (512 images per round), 1 and 2 threads
 * ({@code -Dconvkit.threads}).</li>
 * </ul>
 * The contenders' environment has no OMP_NUM_THREADS: ConvKit sets the count itself.
 */
public final class RuntimeBenchmark {
	/** The case names {@code ./convkit --bench ROUNDS CASE} accepts for this class. */
	static final List<String> CASES = List.of("natives", "natives-avx2", "threads");
	private static final String[] MEASURES = { "training", "classification, batches of 64",
			"classification, one image at a time" };
	private static final String[] COMMANDS = { "train", "classify", "single" };
	/** Images per round: training and batched classification, and one at a time. */
	private static final int LENET_IMAGES = 2048, LENET_SINGLE = 200, VGG_IMAGES = 512, VGG_SINGLE = 50;

	private final List<Contender> contenders = new ArrayList<>();

	private RuntimeBenchmark() {
	}

	static void run(int rounds, String which) throws IOException {
		RuntimeBenchmark b = new RuntimeBenchmark();
		try {
			String title = b.add(which);
			b.measure(rounds, title);
		} finally {
			for (Contender c : b.contenders) c.close();
		}
	}

	private String add(String which) throws IOException {
		List<String> classPath = classPath();
		Path shipped = nd4jNativeJar(classPath);
		if (shipped == null) throw new IOException("no nd4j-native natives jar on the class path");
		Matcher m = JAR.matcher(shipped.getFileName().toString());
		if (!m.matches()) throw new IOException("unexpected natives jar name " + shipped);
		String version = m.group(1), platform = platformOf(m.group(2));
		boolean narrow = which.equals("natives-avx2");
		Level cpu = CpuFeatures.level();
		if (narrow && cpu.compareTo(Level.AVX2) > 0) cpu = Level.AVX2;
		if (which.startsWith("natives")) {
			for (NativeBuild b : NativeBuild.values()) {
				if (!b.runsOn(cpu)) continue;
				Path jar = findJar(shipped.getParent(), version, b.classifier(platform));
				if (jar == null) {
					System.out.println("(no " + b.classifier(platform) + " jar here or in ~/.m2: left out)");
					continue;
				}
				contenders.add(new Contender(b.classifier(platform) + (narrow ? ", narrowed to AVX2" : ""),
						swap(classPath, jar), narrow, 1, "LeNet", 28, LENET_IMAGES, LENET_SINGLE));
			}
			return "ND4J native builds, LeNet 28x28, 1 thread" + (narrow ? ", every contender narrowed to AVX2" : "");
		}
		if (which.equals("threads")) {
			for (int threads = 1; threads <= 2; threads++)
				contenders.add(new Contender("LeNet 28x28, " + threads + " thread(s)", classPath, false, threads, "LeNet",
						28, LENET_IMAGES, LENET_SINGLE));
			for (int threads = 1; threads <= 2; threads++)
				contenders.add(new Contender("Small VGG 64x64, " + threads + " thread(s)", classPath, false, threads,
						"Small VGG", 64, VGG_IMAGES, VGG_SINGLE));
			return "ND4J threads (the build ConvKit chooses)";
		}
		throw new IllegalArgumentException("unknown case " + which);
	}

	private void measure(int rounds, String title) {
		for (Contender c : contenders) System.out.println(c.name + ": " + c.info);
		for (int round = 0; round <= rounds; round++) {
			System.out.printf(Locale.ROOT, "round %d of %d%s, load average %s%n", round, rounds,
					round == 0 ? " (warm-up)" : "", load());
			for (Contender c : contenders)
				for (int k = 0; k < COMMANDS.length; k++) c.run(k, round > 0);
		}
		System.out.printf(Locale.ROOT, "%n%s: medians (ranges) of %d interleaved rounds after 1 warm-up, %d cores, "
				+ "load average now %s%n", title, rounds, Runtime.getRuntime().availableProcessors(), load());
		System.out.println("| contender | " + String.join(", images/s | ", MEASURES) + ", images/s | cores used "
				+ "(train / batched / single) | ratio to the first (train / batched / single) |");
		System.out.println("|---|---:|---:|---:|---|---|");
		Contender ref = contenders.get(0);
		for (Contender c : contenders) {
			StringBuilder row = new StringBuilder("| " + c.name + " | ");
			for (int k = 0; k < COMMANDS.length; k++) row.append(c.cell(k)).append(" | ");
			List<String> cores = new ArrayList<>(), ratios = new ArrayList<>();
			for (int k = 0; k < COMMANDS.length; k++) {
				cores.add(String.format(Locale.ROOT, "%.2f", Stats.median(c.cores.get(k))));
				ratios.add(String.format(Locale.ROOT, "%.2f", Stats.median(c.speeds.get(k))
						/ Stats.median(ref.speeds.get(k))));
			}
			System.out.println(row + String.join(" / ", cores) + " | " + String.join(" / ", ratios) + " |");
		}
	}

	private static String load() {
		try {
			return Files.readString(Paths.get("/proc/loadavg")).split(" ")[0];
		} catch (IOException | RuntimeException e) {
			return "n/a";
		}
	}

	private static final Pattern JAR = Pattern.compile("nd4j-native-(.+?)-((?:linux|windows|macosx)-[^-]+(?:-.*)?)\\.jar");

	private static String platformOf(String classifier) {
		String[] p = classifier.split("-");
		return p[0] + "-" + p[1];
	}

	private static List<String> classPath() {
		List<String> out = new ArrayList<>();
		for (String e : System.getProperty("java.class.path").split(File.pathSeparator))
			if (!e.isEmpty()) out.add(e);
		return out;
	}

	private static Path nd4jNativeJar(List<String> classPath) {
		for (String e : classPath) {
			Path p = Paths.get(e);
			if (JAR.matcher(p.getFileName().toString()).matches()) return p;
		}
		return null;
	}

	/** The class path with every nd4j-native natives jar replaced by {@code jar}. */
	private static List<String> swap(List<String> classPath, Path jar) {
		List<String> out = new ArrayList<>();
		for (String e : classPath)
			if (!JAR.matcher(Paths.get(e).getFileName().toString()).matches()) out.add(e);
		out.add(jar.toString());
		return out;
	}

	private static Path findJar(Path dir, String version, String classifier) {
		String name = "nd4j-native-" + version + "-" + classifier + ".jar";
		Path here = dir.resolve(name);
		if (Files.isRegularFile(here)) return here;
		Path m2 = Paths.get(System.getProperty("user.home"), ".m2", "repository", "org", "nd4j", "nd4j-native", version,
				name);
		return Files.isRegularFile(m2) ? m2 : null;
	}

	/** One worker JVM. */
	private static final class Contender implements AutoCloseable {
		final String name;
		final String info;
		final List<List<Double>> speeds = new ArrayList<>(), cores = new ArrayList<>();
		private final int[] images;
		private final LineProcess process;

		Contender(String name, List<String> classPath, boolean narrow, int threads, String preset, int size, int n,
				int single) throws IOException {
			this.name = name;
			this.images = new int[] { n, n, single };
			for (int k = 0; k < COMMANDS.length; k++) {
				speeds.add(new ArrayList<>());
				cores.add(new ArrayList<>());
			}
			List<String> options = new ArrayList<>(List.of("-Dconvkit.threads=" + threads));
			if (narrow) options.add("-XX:UseAVX=2");
			ProcessBuilder pb = RuntimeBenchWorker.command(classPath, options, preset, size, n, single);
			Map<String, String> env = pb.environment();
			env.remove("OMP_NUM_THREADS");
			if (narrow) {
				env.put("ONEDNN_MAX_CPU_ISA", "AVX2");
				env.put("DNNL_MAX_CPU_ISA", "AVX2");
				env.put("OPENBLAS_CORETYPE", "Haswell");
				env.put(CpuFeatures.OVERRIDE_VARIABLE, "avx2");
			}
			process = new LineProcess(pb);
			info = process.reply("ready").substring("ready ".length());
		}

		void run(int k, boolean timed) {
			try {
				String[] f = process.send(COMMANDS[k]).split(" ");
				double wall = Double.parseDouble(f[1]), cpu = Double.parseDouble(f[2]);
				if (!timed) return;
				speeds.get(k).add(images[k] / wall);
				cores.get(k).add(cpu / wall);
			} catch (IOException e) {
				throw new IllegalStateException(name + ": " + e.getMessage(), e);
			}
		}

		String cell(int k) {
			List<Double> v = speeds.get(k);
			return String.format(Locale.ROOT, "%.0f (%.0f–%.0f)", Stats.median(v), Stats.min(v), Stats.max(v));
		}

		@Override
		public void close() {
			process.close();
		}
	}

	/** Median, min and max of a list of doubles (NaN when empty); the benchmarks' one place for them. */
	public static final class Stats {
		private Stats() {
		}

		/** The median of the rounds (the mean of the middle two for an even count; NaN when empty). */
		public static double median(double[] v) {
			if (v.length == 0) return Double.NaN;
			double[] s = v.clone();
			Arrays.sort(s);
			return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
		}

		/** The same for a list (an even count's median was its upper middle value before 2026-12-05). */
		static double median(List<Double> v) {
			return median(v.stream().mapToDouble(Double::doubleValue).toArray());
		}

		static double min(List<Double> v) {
			return v.stream().mapToDouble(Double::doubleValue).min().orElse(Double.NaN);
		}

		static double max(List<Double> v) {
			return v.stream().mapToDouble(Double::doubleValue).max().orElse(Double.NaN);
		}
	}
}
