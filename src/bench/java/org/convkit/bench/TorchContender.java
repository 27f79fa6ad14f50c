package org.convkit.bench;

import org.convkit.core.cnn.runtime.OpenBlasKernels;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The PyTorch column of {@link CnnBenchmark}: a long-running {@code src/bench/python/cnn_bench.py} that trains and
 * classifies on command (stdin/stdout), so its rounds interleave with the Java ones. Interpreter: property
 * {@code convkit.python}, else {@code /usr/bin/python3} (Debian's python3-torch), else {@code python3}. When it
 * cannot start or has no torch, {@link #unavailable()} says why and the benchmark prints that instead.
 */
final class TorchContender implements AutoCloseable {
	private LineProcess process;
	private String unavailable, version = "";

	TorchContender(Path features, Path labels, String arch, int n, int size, int channels, int classes, int batch,
			double lr, double l2, int threads, int single, long seed) {
		this(features, labels, arch, n, size, channels, classes, batch, lr, l2, threads, single, seed, Map.of());
	}

	/** As above, with {@code env} added to the script's environment. */
	TorchContender(Path features, Path labels, String arch, int n, int size, int channels, int classes, int batch,
			double lr, double l2, int threads, int single, long seed, Map<String, String> env) {
		Path script = script();
		if (script == null) {
			unavailable = "cnn_bench.py not found (run from the checkout: ./convkit --bench)";
			return;
		}
		List<String> cmd = new ArrayList<>(List.of(python(), script.toString(), "--features", features.toString(),
				"--labels", labels.toString(), "--arch", arch, "--n", "" + n, "--size", "" + size, "--channels",
				"" + channels, "--classes", "" + classes,
				"--batch", "" + batch, "--lr", "" + lr, "--l2", "" + l2, "--threads", "" + threads,
				"--single", "" + single, "--seed", "" + seed));
		try {
			ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
			pb.environment().put("OMP_NUM_THREADS", "" + threads);
			sameBlasKernels(pb.environment());
			pb.environment().putAll(env);
			process = new LineProcess(pb);
			version = process.reply("ready").substring("ready ".length());
		} catch (IOException e) {
			unavailable = "PyTorch not available (" + e.getMessage() + "; on Debian: apt-get install python3-torch)";
			close();
		}
	}

	/**
	 * PyTorch's matrix products run on Debian's OpenBLAS, which reads the same variable as ND4J's: it gets the kernels
	 * ConvKit runs on ({@link OpenBlasKernels#requested()}), so that the comparison is not one of BLAS kernels.
	 */
	static void sameBlasKernels(Map<String, String> environment) {
		String kernels = OpenBlasKernels.requested();
		if (kernels != null) environment.put(OpenBlasKernels.VARIABLE, kernels);
	}

	/** Null when PyTorch runs, else the reason it does not. */
	String unavailable() {
		return unavailable;
	}

	/** e.g. "torch=1.13.0a0 threads=1". */
	String version() {
		return version;
	}

	/**
	 * Runs one command; returns {seconds, peak RSS KB, minor page faults} (the loss of "train" is skipped; the faults
	 * are NaN for the other commands).
	 */
	double[] run(String command) {
		try {
			String[] f = process.send(command).split(" ");
			return new double[] { Double.parseDouble(f[1]), Double.parseDouble(f[f.length - 1]),
					f.length >= 5 ? Double.parseDouble(f[f.length - 2]) : Double.NaN };
		} catch (IOException e) {
			throw new IllegalStateException("PyTorch process: " + e.getMessage(), e);
		}
	}

	/** The lines the script printed besides its reply during the last {@link #run(String)}. */
	List<String> printed() {
		return process.printed();
	}

	/** The interpreter: property {@code convkit.python}, else /usr/bin/python3, else python3. */
	static String python() {
		String p = System.getProperty("convkit.python");
		if (p != null && !p.isEmpty()) return p;
		return Files.isExecutable(Paths.get("/usr/bin/python3")) ? "/usr/bin/python3" : "python3";
	}

	private static Path script() {
		for (String base : new String[] { System.getProperty("convkit.home"), System.getProperty("convkit.basedir"),
				"." }) {
			if (base == null) continue;
			Path p = Paths.get(base, "src", "bench", "python", "cnn_bench.py");
			if (Files.isRegularFile(p)) return p;
		}
		return null;
	}

	@Override
	public void close() {
		if (process == null) return;
		process.close();
		process = null;
	}

	@Override
	public String toString() {
		return String.format(Locale.ROOT, "PyTorch %s", version);
	}
}
