package org.convkit.core.cnn.runtime;

import org.convkit.core.cnn.spec.LayerShape;
import org.convkit.core.cnn.spec.LayerSpec;
import org.convkit.core.cnn.spec.NetworkSpec;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.nativeblas.NativeOps;
import org.nd4j.nativeblas.NativeOpsHolder;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * How many threads ND4J's kernels (oneDNN's convolutions and pooling, libnd4j's own loops: both OpenMP) use for one
 * ConvKit call, and setting that count for the calling thread only.
 * <p>
 * The rule: one thread per {@value #WORK_PER_THREAD} multiply-adds of the call (the network's forward pass times the
 * images in the call), at least 1 — at least 2 for a training step whose forward pass is {@value #WORK_FOR_TWO} or
 * more —, at most the physical cores ({@link #cores}) that are idle: the cores minus the
 * cores other processes keep busy now, rounded ({@link OthersBusyCores}: the CPU time of the last fraction of a second
 * less this JVM's own, so that a long training run does not count its own threads as busy cores; where that cannot be
 * read, the load average less this JVM's use since the previous estimate), and at most {@code OMP_NUM_THREADS} when
 * that is set (a cluster job's share; a benchmark's 1 thread for every contender). Calls that get one thread on idle
 * cores do not measure the load. Measured on 2 cores ({@code ./convkit --bench 3 threads}, docs/benchmarks.md):
 * <ul>
 * <li>LeNet on 28×28 (2.3 million multiply-adds per image, 147 million per batch of 64) on 2 idle cores: since its
 * convolutions train in the fused block and OpenMP's idle threads poll briefly ({@link OpenMpSpinning}), 2 threads
 * trained it 1.22–1.42× as fast as 1 and classified its batches of 64 1.17–1.77× as fast, with AVX-512 and narrowed to
 * AVX2 (2026-12-06, {@code -Dconvkit.threads=1|2 ./convkit --bench 3 lenet}, alternating runs); one image at a time
 * 0.87–1.26×. Training takes two: it chooses once per run, so the look at the cores (0.1–0.3 s) is paid once. Through
 * the macro path (Train CNN Classifier's defaults on 8,000 PNGs) two threads pay only with OpenBLAS on one (below):
 * OpenBLAS's second thread polled between the dense layers' products on the core OpenMP's second thread needed (3 s of
 * CPU in a 6 s run), and two threads took 6.0–6.1 s against 5.0–5.1 s for 3 epochs. With OpenBLAS on one, 15 epochs
 * (the default) took 17.2–17.7 s against 19.7–19.8 on one thread (23.1–23.5 against 28.2–28.4 narrowed to AVX2), 3
 * epochs 5.1–5.2 s against 5.0–5.1 (later epochs 1.0 s against 1.2; the first shares the cores with Java's compiler and
 * the file readers, and the run pays the look at the cores). A classification call gets at least two for
 * {@value #CLASSIFYING_WORK_FOR_TWO} multiply-adds or more on at least {@value #CLASSIFYING_IMAGES_FOR_TWO} images
 * (LeNet from 44 images, Small VGG 64×64 from 4): two threads classified LeNet's batches of 64 in 1.7–2.0 ms against
 * 2.7–3.0 on one, 4 Small VGG images in 3.8–4.2 against 6.3–6.6 (AMD's Zen 5, 2026-12-06,
 * {@code ./convkit --bench 3 after-pause}, the count fixed in turn). There 2 images and 1 gained too (1.4–1.6×),
 * but on the Intel Xeon one Small VGG image ran at 0.78–0.95× the speed on two threads (below): the floor starts at
 * 4;</li>
 * <li>with the machine loaded by other processes, 2 threads were 0.05–0.7× of 1 for LeNet and for Small VGG on 64×64
 * (100 million per image): an OpenMP team waits at every barrier for its slowest member, and a thread that shares its
 * core with another process is slow; hence only idle cores count;</li>
 * <li>Small VGG on 64×64 with 2 idle cores (ConvKit's fused convolution block, 2026-12-05): 2 threads trained
 * 1.41× as fast as 1 (1.30× with glibc keeping its memory, 1.57× narrowed to AVX2) and classified batches of 64
 * through DL4J's output 1.38–1.66× as fast; one image at a time (1 thread by the rule) 2 threads were 0.78–0.95×.</li>
 * </ul>
 * On a quiet machine with more cores the count grows with the work: Small VGG on 64×64 gets min(6, idle cores)
 * threads per batch of 64 (6.4·10⁹ multiply-adds), on 128×128 up to 25; one image of either gets 1; LeNet's training
 * from batches of 22 gets 2 ({@value #WORK_FOR_TWO} lies below its batch of 64, the smallest step measured to gain;
 * smaller ones were not measured). More than 2 cores were not measured: oneDNN's kernels split a batch's work across
 * threads, so a larger machine should gain further for Small VGG batches, less than linearly (DL4J's dense layers and
 * the loss stay on fewer threads, and Adam's step, split across them since 2026-12-06, is bound by memory: 1.5–1.9×
 * on two), and little beyond two for LeNet.
 * {@value #OVERRIDE_PROPERTY}=N fixes the count.
 * <p>
 * Training looks at the cores once per run and waits for a fresh look after a pause (0.1–0.3 s,
 * {@link OthersBusyCores}); a classification call never waits: after a pause it takes one thread until a window of
 * 0.1 s has passed, then the idle cores' count. A batch of 64 Small VGG 64×64 images after a 1.5 s pause took 77 ms
 * (one thread) instead of 155 (the wait, then two), a call right after it 76 instead of 52 (on AMD's Zen 5, 2026-12-06,
 * {@code ./convkit --bench 6 after-pause}); a folder's batches get two threads after their first 0.1 s. The fused
 * block's plans are made per count ({@code FusedConvStack}): oneDNN's kernels keep the count they were made with.
 * <p>
 * The count is OpenMP's per-thread setting ({@code omp_set_num_threads} through libnd4j's {@code setOmpNumThreads}):
 * it applies to the parallel regions the calling Java thread starts and to nothing else in the JVM, and
 * {@link Scope#close()} gives the thread its previous count back. ND4J's other knobs ({@code setMaxThreads} is a no-op
 * in M2.1; {@code setMaxMasterThreads} is JVM-wide) are left alone: measured with per-thread CPU times, the OpenMP
 * count alone decides for oneDNN and libnd4j (at 1 only the calling thread computed).
 * <p>
 * OpenBLAS's count (the matrix products of ConvKit's Java layers and DL4J's dense layers) is 1 on machines with at
 * most 2 cores and the scope's count on larger ones ({@link #blasCount}), and stays so after a scope closes
 * ({@link BlasThreads}: setting it is slow). ND4J sets it to all cores when it starts (unless {@code OMP_NUM_THREADS}
 * is set): with OpenMP on 1 thread, OpenBLAS's 2 trained LeNet at 0.80× the speed of 1 on 2 idle cores
 * (docs/benchmarks.md, "OpenBLAS's threads and class data sharing"); with OpenMP on 2, OpenBLAS's second thread
 * competes with OpenMP's for the second core: LeNet's macro path above; Small VGG's (2,000 64×64 PNGs, 3 epochs)
 * took 11.1–11.2 s with one OpenBLAS thread against 11.8–12.2 with two. On the benchmark's in-memory batches one
 * trained as fast as two or faster: LeNet 7,984–8,256 against 7,864–8,224 images/s, Small VGG 64×64 590–633 against
 * 579–581, 96×96 RGB 252–255 against 252–269 (3.34–3.37× PyTorch in the same runs against 3.31–3.34×; 2026-12-06,
 * AVX-512; docs/benchmarks.md, "OpenBLAS on one thread"). Larger machines were not measured: there the dense layers'
 * products may gain from more threads.
 * {@value #OVERRIDE_PROPERTY} sets OpenMP's count only; {@value #BLAS_OVERRIDE_PROPERTY}=N sets OpenBLAS's.
 */
public final class ComputeThreads {
	/** {@code -Dconvkit.threads=N}: use N threads (at least 1) instead of the rule. */
	public static final String OVERRIDE_PROPERTY = "convkit.threads";
	/** {@code -Dconvkit.blasThreads=N}: OpenBLAS on N threads (at least 1) instead of {@link #blasCount}. */
	public static final String BLAS_OVERRIDE_PROPERTY = "convkit.blasThreads";
	/** Multiply-adds per call that one more thread needs to pay for itself (see the class comment). */
	static final long WORK_PER_THREAD = 1_000_000_000L;
	/** Multiply-adds per training step's forward pass from which a second thread pays (see the class comment). */
	static final long WORK_FOR_TWO = 50_000_000L;
	/** Multiply-adds per classification call from which a second thread pays, given images enough (class comment). */
	static final long CLASSIFYING_WORK_FOR_TWO = 100_000_000L;
	/** Images per classification call from which that floor applies (one Small VGG image: see the class comment). */
	static final int CLASSIFYING_IMAGES_FOR_TWO = 4;

	private ComputeThreads() {
	}

	/**
	 * The rule, without the override, for a call of {@code multiplyAddsPerCall} on {@code images} images
	 * ({@code training}: a training step's forward pass), given the cores other processes keep busy;
	 * {@code othersBusy} < 0 or NaN: unknown (all cores count as idle), infinite: all busy.
	 */
	static int rule(long multiplyAddsPerCall, int images, boolean training, int cores, double othersBusy) {
		int idle = othersBusy < 0 || Double.isNaN(othersBusy) ? cores
				: (int) Math.max(1, cores - Math.min(cores, Math.round(othersBusy)));
		boolean two = training ? multiplyAddsPerCall >= WORK_FOR_TWO
				: multiplyAddsPerCall >= CLASSIFYING_WORK_FOR_TWO && images >= CLASSIFYING_IMAGES_FOR_TWO;
		long t = Math.max(multiplyAddsPerCall / WORK_PER_THREAD, two ? 2 : 1);
		return (int) Math.max(1, Math.min(Math.min(Math.max(1, cores), idle), t));
	}

	/**
	 * The load that other processes make: the load average less this JVM's own CPU use (cores busy, on average since
	 * the previous estimate), never below 0; {@code loadAverage} < 0 (unknown) stays unknown. The two averages cover
	 * different spans (the load average about a minute), so this is an estimate.
	 */
	static double othersLoad(double loadAverage, double ownBusyCores) {
		if (loadAverage < 0 || Double.isNaN(loadAverage)) return loadAverage;
		return Math.max(0, loadAverage - (Double.isNaN(ownBusyCores) ? 0 : Math.max(0, ownBusyCores)));
	}

	/** The thread count for calls of {@code images} images through the network, the override included. */
	public static int forCall(NetworkSpec spec, int height, int width, int channels, int classes, int images) {
		return forCall(multiplyAdds(spec, height, width, channels, classes), images);
	}

	/** As above, for a network of {@code multiplyAddsPerImage} ({@link #multiplyAdds}). */
	public static int forCall(long multiplyAddsPerImage, int images) {
		return count(multiplyAddsPerImage * Math.max(1, images), images, false);
	}

	/** The thread count for a training run's steps of {@code batch} images, the override included. */
	public static int forTraining(NetworkSpec spec, int height, int width, int channels, int classes, int batch) {
		return count(multiplyAdds(spec, height, width, channels, classes) * Math.max(1, batch), batch, true);
	}

	private static int count(long work, int images, boolean training) {
		Integer fixed = override();
		if (fixed != null) return fixed;
		// one thread even on idle cores: no need to measure the load
		if (rule(work, images, training, CORES, 0) == 1) return 1;
		// training chooses once per run: it waits for a fresh look after a pause; a classification call does not
		return rule(work, images, training, CORES, othersBusy(OTHERS, training,
				() -> othersLoad(ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage(),
						OWN_USE.busyCores())));
	}

	/**
	 * Others' busy cores now ({@code others}, waiting for a fresh look after a pause or not:
	 * {@link OthersBusyCores#now(boolean)}); where the machine cannot tell, {@code fallback}'s (the load average).
	 */
	static double othersBusy(OthersBusyCores others, boolean wait, java.util.function.DoubleSupplier fallback) {
		double now = others.now(wait);
		return Double.isNaN(now) ? fallback.getAsDouble() : now;
	}

	/**
	 * The count for training whose inner convolutions run as column products ({@code ColumnRule}: those the fused
	 * block does not take, or all with the block switched off), given the rule's {@code count}: 1 on machines with at
	 * most 2 cores. Those layers' Java loops (unfolding, folding, layouts) run on the calling thread alone, and with
	 * two threads on 2 cores Small VGG 64×64 trained slower through the macro path than with one (docs/benchmarks.md,
	 * "Columns in cache-sized chunks"). More cores keep the rule's count: not measured. The override still wins.
	 */
	public static int forColumnTraining(int count) {
		return override() != null ? count : columnTraining(count, CORES);
	}

	static int columnTraining(int count, int cores) {
		return cores <= 2 ? 1 : count;
	}

	private static final OwnUse OWN_USE = new OwnUse();

	/** This JVM's CPU time per wall time since the previous estimate (estimates at least a second apart). */
	static final class OwnUse {
		private long wall = -1, cpu;
		private double busy = Double.NaN;

		synchronized double busyCores() {
			java.lang.management.OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
			if (!(os instanceof com.sun.management.OperatingSystemMXBean)) return Double.NaN;
			long nowCpu = ((com.sun.management.OperatingSystemMXBean) os).getProcessCpuTime(), now = System.nanoTime();
			if (nowCpu < 0) return Double.NaN;
			if (wall < 0) { // the first call: the average since the JVM started
				long up = ManagementFactory.getRuntimeMXBean().getUptime() * 1_000_000L;
				busy = up > 0 ? (double) nowCpu / up : Double.NaN;
				wall = now;
				cpu = nowCpu;
			} else if (now - wall >= 1_000_000_000L) { // shorter intervals are noise: keep the last estimate
				busy = (double) (nowCpu - cpu) / (now - wall);
				wall = now;
				cpu = nowCpu;
			}
			return busy;
		}
	}

	/** The cores the rule may use (see {@link #cores(int, List)} and {@link #capped}), worked out once. */
	static final int CORES = capped(cores(Runtime.getRuntime().availableProcessors(), cpuinfo()),
			System.getenv("OMP_NUM_THREADS"));
	private static final OthersBusyCores OTHERS = OthersBusyCores.machine(CORES);

	/**
	 * {@code cores}, but no more than {@code OMP_NUM_THREADS} when that is a count (the first of a nested list such
	 * as "4,2"); anything else there is ignored. Without the cap the rule's {@code omp_set_num_threads} would
	 * override what the user or a benchmark set for the process.
	 */
	static int capped(int cores, String ompNumThreads) {
		if (ompNumThreads == null) return cores;
		String first = ompNumThreads.split(",", -1)[0].trim();
		if (!first.matches("[0-9]{1,6}")) return cores;
		int n = Integer.parseInt(first);
		return n < 1 ? cores : Math.min(cores, n);
	}

	/**
	 * The processors the JVM may use (which respects a container's CPU limit), but no more than the physical cores
	 * {@code /proc/cpuinfo} lists (distinct "physical id" and "core id" pairs): two hyperthreads of one core share its
	 * vector units, which these kernels keep busy, so a second thread there mostly waits at OpenMP's barriers.
	 */
	static int cores(int available, List<String> cpuinfo) {
		Set<String> physical = new HashSet<>();
		String id = null;
		for (String line : cpuinfo) {
			int colon = line.indexOf(':');
			if (colon < 0) continue;
			String key = line.substring(0, colon).trim(), value = line.substring(colon + 1).trim();
			if (key.equals("physical id")) id = value;
			else if (key.equals("core id") && id != null) physical.add(id + "/" + value);
		}
		return Math.max(1, physical.isEmpty() ? available : Math.min(available, physical.size()));
	}

	private static List<String> cpuinfo() {
		try {
			return Files.readAllLines(Paths.get("/proc/cpuinfo"), StandardCharsets.ISO_8859_1);
		} catch (IOException | RuntimeException e) { // not Linux
			return Collections.emptyList();
		}
	}

	/** {@value #OVERRIDE_PROPERTY} as a count of at least 1, or null when unset or not a number. */
	static Integer override() {
		return positiveCount(System.getProperty(OVERRIDE_PROPERTY));
	}

	/** {@value #BLAS_OVERRIDE_PROPERTY} as a count of at least 1, or null when unset or not a number. */
	static Integer blasOverride() {
		return positiveCount(System.getProperty(BLAS_OVERRIDE_PROPERTY));
	}

	private static Integer positiveCount(String s) {
		if (s == null) return null;
		try {
			return Math.max(1, Integer.parseInt(s.trim()));
		} catch (NumberFormatException e) {
			return null;
		}
	}

	/** Multiply-adds of one image's forward pass: convolutions and dense layers (pooling and the rest are small). */
	public static long multiplyAdds(NetworkSpec spec, int height, int width, int channels, int classes) {
		List<LayerShape> shapes = spec.shapes(height, width, channels, classes);
		long sum = 0, inputs = (long) height * width * channels;
		int c = channels;
		for (LayerShape s : shapes) {
			LayerSpec l = s.layer;
			if (l == null || l.kind() == LayerSpec.Kind.DENSE) sum += inputs * s.channels; // output layer: l == null
			else if (l.kind() == LayerSpec.Kind.CONV)
				sum += (long) s.height * s.width * s.channels * l.kernelHeight() * l.kernelWidth() * c;
			c = s.channels;
			inputs = s.size();
		}
		return sum;
	}

	/**
	 * Sets the calling thread's count until {@link Scope#close()}, and OpenBLAS's count (JVM-wide, see
	 * {@link BlasThreads}: the newest open scope's, kept after the last closes) by {@link #blasCount}.
	 */
	public static Scope use(int threads) {
		Integer blas = blasOverride();
		return use(threads, blas != null ? blas : blasCount(threads, CORES));
	}

	/** As {@link #use(int)}, with OpenBLAS's count given. */
	static Scope use(int threads, int blasThreads) {
		NativeOps ops;
		int before, n = Math.max(1, threads);
		try {
			ops = nativeOps();
			before = ops.ompGetMaxThreads();
			if (before != n) ops.setOmpNumThreads(n);
		} catch (RuntimeException | LinkageError e) { // no CPU backend: nothing to set
			return new Scope(null, 0, 0, null);
		}
		return new Scope(ops, before, n, BlasThreads.open(Math.max(1, blasThreads)));
	}

	/**
	 * OpenBLAS's count for a scope of {@code threads} OpenMP threads where the rule may use {@code cores}
	 * ({@link #CORES}: the physical cores, capped by {@code OMP_NUM_THREADS}): 1 for at most 2, the scope's count
	 * above (see the class comment).
	 */
	static int blasCount(int threads, int cores) {
		return cores <= 2 ? 1 : Math.max(1, threads);
	}

	/** OpenBLAS's current count (one for the whole JVM, see {@link BlasThreads}); -1 without ND4J's CPU backend. */
	public static int blasThreads() {
		return BlasThreads.current();
	}

	/** The calling thread's current count (OpenMP's {@code omp_get_max_threads}). */
	public static int current() {
		return nativeOps().ompGetMaxThreads();
	}

	/** libnd4j's entry points; ND4J's backend first (its holder reads properties the backend's start sets). */
	private static NativeOps nativeOps() {
		Nd4jNatives.select();
		Nd4j.getEnvironment();
		return NativeOpsHolder.getInstance().getDeviceNativeOps();
	}

	/** Restores the thread's previous count; close it on the thread that opened it. */
	public static final class Scope implements AutoCloseable {
		private final NativeOps ops;
		private final int before, threads;
		private final Object blas;
		private boolean closed;

		private Scope(NativeOps ops, int before, int threads, Object blas) {
			this.ops = ops;
			this.before = before;
			this.threads = threads;
			this.blas = blas;
		}

		/** The count in force (0 when there was nothing to set). */
		public int threads() {
			return threads;
		}

		@Override
		public void close() {
			if (ops == null || closed) return;
			closed = true;
			if (before != threads) ops.setOmpNumThreads(before);
			BlasThreads.close(blas);
		}
	}
}
