package org.convkit.bench;

import ij.ImagePlus;
import ij.ImageStack;
import ij.io.FileSaver;
import org.convkit.core.cnn.spec.NetworkSpec;
import org.convkit.core.cnn.train.TrainingDefaults;
import org.nd4j.linalg.factory.Nd4j;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The macro path a user runs, END TO END, against a PyTorch script doing the same on the same files: a folder of
 * seeded synthetic 28×28 8-bit PNGs in 10 class subfolders ({@link CnnCase#LENET}'s images), trained with the
 * defaults (LeNet, validation 0.1, shift augmentation, best and last model saved) by
 * {@code ./convkit --headless macros/train-folder.ijm "folder=... model=... epochs=E"} — a new JVM per run, start-up
 * included — and by {@code src/bench/python/train_folder.py} (a new Python per run, imports included). Both get the
 * same thread count (the ND4J thread count of this JVM, as {@code OMP_NUM_THREADS} and {@code --threads}). Rounds
 * alternate ConvKit and PyTorch; wall times and peak resident sets (the child's VmHWM, polled) are reported as
 * medians with ranges. Before the rounds, one untimed {@code ./convkit --headless} run of a one-line macro makes sure
 * that a build, or the recording of the class archive that follows a build ({@code class_sharing} in ./convkit), is
 * not timed: the timed runs are what every later run of the user's is; the header says whether they map the archive.
 * <ul>
 * <li>{@code macro}: 8,000 images, 3 epochs (the case); ConvKit's epoch times from its log (epoch 1 against
 * the later ones) and PyTorch's reading and training times are printed too;</li>
 * <li>{@code macro-vgg}: the same with Small VGG ({@code architecture=[Small VGG]}, {@code --arch smallvgg}) on 2,000
 * 64×64 8-bit PNGs ({@link CnnCase#VGG64}'s images), 3 epochs: the preset microscopy users pick, at a patch size
 * they use;</li>
 * <li>{@code memory}: 1 epoch on 1,000, 10,000 and 100,000 images (one round each): peak resident memory as the
 * dataset grows.</li>
 * </ul>
 * {@code CONVKIT_MACRO_EPOCHS=E} (1 to 100) trains {@code macro} and {@code macro-vgg} for E epochs instead of 3, as a
 * user's run of the default 15 does: what a run pays once (JVM start, Java's compiler, reading the files) then weighs
 * less. Early stopping is turned off ({@code patience=0}) when E exceeds its default patience, as PyTorch's script has
 * none.
 */
public final class MacroBenchmark {
	private static final Pattern EPOCH = Pattern.compile("epoch (\\d+): .*\\(([0-9.]+) s, [0-9.]+ images/s\\)");
	private static final Pattern TORCH_DONE = Pattern.compile("done ([0-9.]+) ([0-9.]+) ([0-9.]+) ([0-9.na]+) (\\d+)");

	private final Path home;
	private final int threads;

	private MacroBenchmark() {
		String h = System.getProperty("convkit.home");
		home = Paths.get(h == null ? "." : h).toAbsolutePath();
		threads = Nd4j.getEnvironment().maxThreads();
	}

	/** {@code macro}: 8,000 images, 3 epochs (or {@code CONVKIT_MACRO_EPOCHS}). */
	static void speed(int rounds) throws IOException, InterruptedException {
		new MacroBenchmark().compare(rounds, CnnCase.LENET, 8000, epochs(), true);
	}

	/** {@code macro-vgg}: Small VGG, 2,000 images 64×64, 3 epochs (or {@code CONVKIT_MACRO_EPOCHS}). */
	static void speedVgg(int rounds) throws IOException, InterruptedException {
		new MacroBenchmark().compare(rounds, CnnCase.VGG64, 2000, epochs(), true);
	}

	/** {@code CONVKIT_MACRO_EPOCHS}, 3 when unset; anything else than 1 to 100 ends the benchmark with a message. */
	private static int epochs() {
		return CnnBenchmark.epochsOrExit("CONVKIT_MACRO_EPOCHS", 3);
	}

	/** {@code memory}: 1 epoch on 1,000 / 10,000 / 100,000 images, one round each (peaks hardly vary). */
	static void memory(int rounds) throws IOException, InterruptedException {
		MacroBenchmark b = new MacroBenchmark();
		for (int n : new int[] { 1000, 10_000, 100_000 }) b.compare(1, CnnCase.LENET, n, 1, false);
	}

	private void compare(int rounds, CnnCase net, int images, int epochs, boolean details) throws IOException,
			InterruptedException {
		Path dir = Files.createTempDirectory("convkit-macro-bench");
		try {
			long t0 = System.nanoTime();
			Path folder = writePngs(dir.resolve("images"), net, images);
			double written = (System.nanoTime() - t0) / 1e9;
			String sharing = warmUp(dir);
			System.out.printf(Locale.ROOT, "%nMacro path: Train CNN Classifier (defaults: %s, validation 0.1, "
					+ "augment shift) on %d PNGs %dx%d %s in 10 folders (written in %.0f s), %d epoch(s)%s, end to end "
					+ "(JVM / Python start included; %s); %d interleaved rounds; %d threads each (OMP_NUM_THREADS and "
					+ "torch.set_num_threads); %s%n", net.preset, images, net.size, net.size,
					net.channels == 3 ? "RGB" : "8-bit", written, epochs,
					epochs > TrainingDefaults.PATIENCE ? " (early stopping off)" : "", sharing, rounds, threads,
					CnnBenchmark.machine());
			List<Run> convkit = new ArrayList<>(), torch = new ArrayList<>();
			for (int round = 0; round < rounds; round++) {
				convkit.add(run(convkitCommand(net, folder, dir.resolve("model.zip"), epochs)));
				torch.add(run(torchCommand(net, folder, dir.resolve("model"), epochs)));
				System.out.printf(Locale.ROOT, "  round %d: ConvKit %.1f s (%d MB), PyTorch %.1f s (%d MB)%n", round + 1,
						convkit.get(round).seconds, convkit.get(round).peakRss >> 20, torch.get(round).seconds,
						torch.get(round).peakRss >> 20);
			}
			double ck = median(convkit, r -> r.seconds), pt = median(torch, r -> r.seconds);
			System.out.printf(Locale.ROOT, "%n| %d PNGs, %d epoch(s) | ConvKit | PyTorch | PyTorch time / ConvKit time |%n",
					images, epochs);
			System.out.println("|---|---:|---:|---:|");
			System.out.printf(Locale.ROOT, "| wall time, s | %s | %s | **%.2f** |%n", range(convkit, r -> r.seconds),
					range(torch, r -> r.seconds), pt / ck);
			System.out.printf(Locale.ROOT, "| peak resident memory, MB | %s | %s | |%n",
					range(convkit, r -> r.peakRss / 1048576.0), range(torch, r -> r.peakRss / 1048576.0));
			if (details) {
				System.out.printf(Locale.ROOT, "| ConvKit epoch times from its log, s (epoch 1 / later) | %s | | |%n",
						epochTimes(convkit));
				System.out.printf(Locale.ROOT, "| PyTorch reading / training, s | | %s / %s | |%n",
						range(torch, r -> r.torchRead), range(torch, r -> r.torchTrain));
			}
		} finally {
			deleteAll(dir);
		}
	}

	/**
	 * One untimed headless run (a build or the class recording after one happens here, not in a timed run); says
	 * whether the timed runs map a class archive.
	 */
	private String warmUp(Path dir) throws IOException, InterruptedException {
		Path macro = dir.resolve("warm-up.ijm");
		// the JVM's command line: the shell's parent is the JVM (/proc's files read as empty from Java)
		String check = "c = exec(\"sh\", \"-c\", \"tr '\\\\0' ' ' < /proc/$PPID/cmdline\"); "
				+ "if (indexOf(c, \"-XX:SharedArchiveFile=\") >= 0) print(\"class archive: mapped\");\n"
				+ "// names CNN, as the training macro does: the launcher records and maps the archive for it\n";
		Files.write(macro, check.getBytes(StandardCharsets.UTF_8));
		List<String> c = new ArrayList<>();
		c.add(home.resolve("convkit").toString());
		c.add("--headless");
		c.add(macro.toString());
		Run r = run(c);
		return r.output.contains("class archive: mapped") ? "ConvKit maps its class archive"
				: "ConvKit without a class archive";
	}

	private List<String> convkitCommand(CnnCase net, Path folder, Path model, int epochs) {
		List<String> c = new ArrayList<>();
		c.add(home.resolve("convkit").toString());
		c.add("--headless");
		c.add(home.resolve("macros/train-folder.ijm").toString());
		// LeNet is the command's default: its runs stay the case, word for word
		String architecture = net.preset.equals(NetworkSpec.LENET) ? "" : " architecture=[" + net.preset + "]";
		String patience = epochs > TrainingDefaults.PATIENCE ? " patience=0" : "";
		c.add("folder=[" + folder + "] model=[" + model + "] epochs=" + epochs + architecture + patience
				+ " overwrite");
		return c;
	}

	private List<String> torchCommand(CnnCase net, Path folder, Path model, int epochs) {
		List<String> c = new ArrayList<>();
		c.add(TorchContender.python());
		c.add(home.resolve("src/bench/python/train_folder.py").toString());
		c.add("--folder");
		c.add(folder.toString());
		c.add("--model");
		c.add(model.toString());
		c.add("--epochs");
		c.add("" + epochs);
		c.add("--arch");
		c.add(net.torchArch);
		c.add("--threads");
		c.add("" + threads);
		return c;
	}

	/** One child run: wall time, peak RSS and what it printed. */
	private static final class Run {
		double seconds, torchRead = Double.NaN, torchTrain = Double.NaN;
		long peakRss;
		String output = "";
		final List<Double> epochSeconds = new ArrayList<>();
	}

	private Run run(List<String> command) throws IOException, InterruptedException {
		ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
		pb.environment().put("OMP_NUM_THREADS", "" + threads);
		TorchContender.sameBlasKernels(pb.environment()); // ConvKit's own JVM chooses the same
		long t0 = System.nanoTime();
		Process p = pb.start();
		Run r = new Run();
		Path status = Paths.get("/proc/" + p.pid() + "/status");
		Thread poll = new Thread(() -> { // VmHWM only grows; the last value read before the exit is the peak
			while (p.isAlive()) {
				r.peakRss = Math.max(r.peakRss, Memory.peakRss(status));
				try {
					Thread.sleep(20);
				} catch (InterruptedException e) {
					return;
				}
			}
		});
		poll.setDaemon(true);
		poll.start();
		StringBuilder out = new StringBuilder();
		try (BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
			for (String line; (line = in.readLine()) != null;) {
				out.append(line).append('\n');
				Matcher m = EPOCH.matcher(line);
				if (m.find()) r.epochSeconds.add(Double.parseDouble(m.group(2)));
				m = TORCH_DONE.matcher(line);
				if (m.find()) {
					r.torchRead = Double.parseDouble(m.group(2));
					r.torchTrain = Double.parseDouble(m.group(3));
				}
			}
		}
		int code = p.waitFor();
		r.seconds = (System.nanoTime() - t0) / 1e9;
		poll.join();
		if (code != 0) throw new IllegalStateException(command.get(0) + " failed (exit " + code + "):\n" + out);
		r.output = out.toString();
		return r;
	}

	private static String epochTimes(List<Run> runs) {
		List<Run> first = new ArrayList<>(), later = new ArrayList<>();
		for (Run r : runs) {
			if (r.epochSeconds.isEmpty()) continue;
			Run a = new Run(), b = new Run();
			a.seconds = r.epochSeconds.get(0);
			b.seconds = r.epochSeconds.size() > 1
					? r.epochSeconds.subList(1, r.epochSeconds.size()).stream().mapToDouble(d -> d).average().orElse(0)
					: Double.NaN;
			first.add(a);
			later.add(b);
		}
		return range(first, r -> r.seconds) + " / " + range(later, r -> r.seconds);
	}

	private static double median(List<Run> runs, java.util.function.ToDoubleFunction<Run> f) {
		return RuntimeBenchmark.Stats.median(runs.stream().mapToDouble(f).toArray());
	}

	private static String range(List<Run> runs, java.util.function.ToDoubleFunction<Run> f) {
		double[] v = runs.stream().mapToDouble(f).sorted().toArray();
		if (v.length == 0) return "-";
		return String.format(Locale.ROOT, "%.1f (%.1f–%.1f)", RuntimeBenchmark.Stats.median(v), v[0],
				v[v.length - 1]);
	}

	/** root/class0 … root/class9 with the seeded images of {@code net}'s case, as PNG. */
	static Path writePngs(Path root, CnnCase net, int images) throws IOException {
		ImageStack stack = net.images(CnnBenchmark.SEED, images);
		for (int c = 0; c < CnnCase.CLASSES; c++) Files.createDirectories(root.resolve("class" + c));
		for (int i = 0; i < images; i++) {
			ImagePlus imp = new ImagePlus("img", stack.getProcessor(i + 1));
			String path = root.resolve("class" + (i % CnnCase.CLASSES)).resolve(String.format(Locale.ROOT,
					"img%06d.png", i)).toString();
			if (!new FileSaver(imp).saveAsPng(path)) throw new IOException("could not write " + path);
		}
		return root;
	}

	/** Deletes {@code dir} and everything in it (nothing when it does not exist). */
	public static void deleteAll(Path dir) throws IOException {
		if (!Files.exists(dir)) return;
		try (Stream<Path> s = Files.walk(dir)) {
			for (Path p : (Iterable<Path>) s.sorted(Comparator.reverseOrder())::iterator) Files.deleteIfExists(p);
		}
	}
}
