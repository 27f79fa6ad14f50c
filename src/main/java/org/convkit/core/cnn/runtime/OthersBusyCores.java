package org.convkit.core.cnn.runtime;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.BitSet;
import java.util.List;

/**
 * How many cores other processes keep busy <em>now</em>: the CPU time Linux counts on the CPUs this process may run
 * on ({@code /proc/stat}'s per-CPU lines for {@code Cpus_allowed_list} in {@code /proc/self/status}) less this JVM's
 * own, per wall time, over the last fraction of a second.
 * <p>
 * Why not the load average: it is a one-minute average, so for a minute or more after another process stopped it
 * still counts that process's cores as busy — and the Trainer chooses its thread count once per run (oneDNN's
 * primitives keep the count they were made with). Measured: Small VGG 64×64 started right after a 2-thread PyTorch
 * run (load average 1.6–1.9, both cores idle by then) trained its whole run on one thread (docs/benchmarks.md,
 * "Idle cores now, not a minute ago"). A window this short can also catch a brief burst of another process; a
 * long-running one is what the rule guards against, and that shows in any window.
 * <p>
 * Where {@code /proc/stat} cannot be read (not Linux) the answer is NaN and the caller falls back to the load
 * average. When the process may run on more CPUs than the rule uses (a CPU quota in a container, which
 * {@code /proc/stat} does not reflect), others' time is scaled to the rule's cores.
 */
final class OthersBusyCores {
	/** The shortest window worth measuring: 10 clock ticks per core at Linux's 100 per second, ±1 tick of error. */
	static final long WINDOW_NANOS = 100_000_000L;
	/** After a pause: at most this many fresh windows, until one shows no core busy (see {@link #now(boolean)}). */
	static final int FRESH_WINDOWS = 3;
	/** A window longer than this is no longer "now": the next estimate measures fresh ones. */
	static final long STALE_NANOS = 1_000_000_000L;
	/**
	 * The answer of a look that does not wait ({@link #now(boolean)}) while no window has passed since a pause: as if
	 * every core were busy, so the caller takes one thread.
	 */
	static final double NOT_YET = Double.POSITIVE_INFINITY;
	/** {@code /proc/stat}'s unit, USER_HZ: 100 on every Linux on x86-64 and arm64 (the kernel's ABI). */
	static final double TICKS_PER_SECOND = 100;

	/** One reading: when, the busy ticks of the CPUs counted and this process's CPU nanoseconds; null: no reading. */
	static final class Sample {
		final long wallNanos, busyTicks, ownNanos;
		final int cpus;

		Sample(long wallNanos, long busyTicks, int cpus, long ownNanos) {
			this.wallNanos = wallNanos;
			this.busyTicks = busyTicks;
			this.cpus = cpus;
			this.ownNanos = ownNanos;
		}
	}

	/** Where readings come from (the machine, or a test's). */
	interface Source {
		Sample read();

		void sleep(long nanos) throws InterruptedException;
	}

	private final Source source;
	private final int cores;
	private Sample last;
	private double estimate = Double.NaN;

	OthersBusyCores(Source source, int cores) {
		this.source = source;
		this.cores = Math.max(1, cores);
	}

	/** The machine's: {@code /proc/stat}, {@code /proc/self/status}, this JVM's process CPU time. */
	static OthersBusyCores machine(int cores) {
		return new OthersBusyCores(new ProcSource(), cores);
	}

	/**
	 * Other processes' busy cores (scaled to the rule's cores), or NaN when the machine cannot tell. Measures over the
	 * time since the previous estimate when that is between {@value #WINDOW_NANOS} ns and {@value #STALE_NANOS} ns
	 * ago; within a shorter time the previous estimate stands. After a longer pause it waits for fresh windows of
	 * {@value #WINDOW_NANOS} ns, one after the other, and takes the least busy: it stops at the first in which other
	 * processes kept less than half a core busy, or after {@value #FRESH_WINDOWS} (a process that keeps a core busy
	 * shows in all of them). That is with {@code wait}; without, a look that never sleeps: after a pause it starts a
	 * window and answers {@link #NOT_YET} until {@value #WINDOW_NANOS} ns have passed, then measures that window. For
	 * calls that choose their count each time (classification): the first call after a pause runs on one thread
	 * instead of waiting 0.1–0.3 s, and the calls that follow within a second get the count of the cores idle since. A
	 * waiting look right after a non-waiting one waits for fresh windows.
	 */
	synchronized double now(boolean wait) {
		Sample s = source.read();
		if (s == null) return Double.NaN;
		boolean stale = last == null || s.wallNanos - last.wallNanos > STALE_NANOS || s.cpus != last.cpus;
		if (stale && !wait) {
			last = s;
			return estimate = NOT_YET;
		}
		if (stale || wait && estimate == NOT_YET && s.wallNanos - last.wallNanos < WINDOW_NANOS) {
			// Fresh windows, the least busy of up to FRESH_WINDOWS: a process that just finished its work may keep a
			// core busy for a moment more (threads that wait busily before they sleep, the end of its call), and one
			// window would count that as a busy core for a whole training run — seen right after PyTorch's turn in
			// the CNN benchmark, with one window: 2 of 4 rounds on one thread.
			double least = Double.NaN;
			for (int w = 0; w < FRESH_WINDOWS && !(least < 0.5); w++) {
				try {
					source.sleep(WINDOW_NANOS);
				} catch (InterruptedException e) {
					Thread.currentThread().interrupt(); // the caller's to handle; this estimate stays unknown
					return Double.NaN;
				}
				Sample next = source.read();
				if (next == null) return Double.NaN;
				double o = others(s, next, cores);
				least = Double.isNaN(least) || o < least ? o : least;
				s = next;
			}
			last = s;
			return estimate = least;
		}
		if (s.wallNanos - last.wallNanos < WINDOW_NANOS) return estimate;
		estimate = others(last, s, cores);
		last = s;
		return estimate;
	}

	/** Others' busy cores between two readings, scaled from the CPUs counted to {@code cores}; NaN if not a window. */
	static double others(Sample a, Sample b, int cores) {
		long wall = b.wallNanos - a.wallNanos;
		if (wall <= 0 || b.cpus <= 0) return Double.NaN;
		double busy = (b.busyTicks - a.busyTicks) / TICKS_PER_SECOND - Math.max(0, b.ownNanos - a.ownNanos) / 1e9;
		double perCore = Math.max(0, busy) / (wall / 1e9);
		return b.cpus > cores ? perCore * cores / b.cpus : perCore;
	}

	/**
	 * The busy ticks (user, nice, system, irq, softirq; not idle, iowait, steal or guest, which user already holds)
	 * summed over the per-CPU lines of {@code procStat} whose CPU is in {@code allowed} (all when {@code allowed} is
	 * empty), and how many lines that was: {busy, cpus}. Lines it cannot read are left out.
	 */
	static long[] busyTicks(List<String> procStat, BitSet allowed) {
		long busy = 0, cpus = 0;
		for (String line : procStat) {
			if (!line.startsWith("cpu") || line.length() < 4 || !Character.isDigit(line.charAt(3))) continue;
			String[] f = line.trim().split("\\s+");
			if (f.length < 8) continue;
			try {
				int cpu = Integer.parseInt(f[0].substring(3));
				if (!allowed.isEmpty() && !allowed.get(cpu)) continue;
				long ticks = 0;
				for (int i : new int[] { 1, 2, 3, 6, 7 }) ticks += Long.parseLong(f[i]);
				busy += ticks;
				cpus++;
			} catch (NumberFormatException e) {
				// not a CPU line after all
			}
		}
		return new long[] { busy, cpus };
	}

	/** A CPU list such as "0-3,8,10-11" ({@code Cpus_allowed_list}); empty for anything else. */
	static BitSet cpuList(String list) {
		BitSet cpus = new BitSet();
		if (list == null) return cpus;
		try {
			for (String part : list.trim().split(",", -1)) {
				String[] range = part.trim().split("-", -1);
				int from = Integer.parseInt(range[0].trim()), to = range.length > 1 ? Integer.parseInt(range[1].trim())
						: from;
				if (range.length > 2 || from < 0 || to < from || to > 65_535) return new BitSet();
				cpus.set(from, to + 1);
			}
		} catch (NumberFormatException e) {
			return new BitSet();
		}
		return cpus;
	}

	/** Linux's files and this JVM's process CPU time. */
	private static final class ProcSource implements Source {
		private BitSet allowed;

		@Override
		public Sample read() {
			java.lang.management.OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
			if (!(os instanceof com.sun.management.OperatingSystemMXBean)) return null;
			try {
				if (allowed == null) allowed = allowedCpus();
				long own = ((com.sun.management.OperatingSystemMXBean) os).getProcessCpuTime();
				long now = System.nanoTime();
				long[] b = busyTicks(Files.readAllLines(Paths.get("/proc/stat"), StandardCharsets.ISO_8859_1),
						allowed);
				return own < 0 || b[1] == 0 ? null : new Sample(now, b[0], (int) b[1], own);
			} catch (IOException | RuntimeException e) { // not Linux
				return null;
			}
		}

		private static BitSet allowedCpus() throws IOException {
			for (String line : Files.readAllLines(Paths.get("/proc/self/status"), StandardCharsets.ISO_8859_1))
				if (line.startsWith("Cpus_allowed_list:")) return cpuList(line.substring(line.indexOf(':') + 1));
			return new BitSet();
		}

		@Override
		public void sleep(long nanos) throws InterruptedException {
			Thread.sleep(nanos / 1_000_000L, (int) (nanos % 1_000_000L));
		}
	}
}
