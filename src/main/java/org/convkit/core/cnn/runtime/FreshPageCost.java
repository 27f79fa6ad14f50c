package org.convkit.core.cnn.runtime;

import org.bytedeco.javacpp.Pointer;

/**
 * What writing to freshly mapped native memory costs here, per 4 KB page: the kernel's page fault and zeroing, and on
 * some virtual machines an exit to the hypervisor for each page. It decides whether ConvKit's own buffers beat
 * oneDNN's, which allocate and free their large blocks at every call ({@code ColumnRule}). Measured once per JVM, at
 * first use: {@value #PROBE_BYTES} bytes from glibc's {@code malloc} (above its largest dynamic mmap threshold, 32 MB,
 * so mapped afresh as oneDNN's blocks are), written twice; the first pass's extra time over the second, per page. On
 * the AMD EPYC virtual machines measured here (guests with shadow paging: {@code pvm_*} on the kernel's command line)
 * a page took 11–12 µs (the CNN benchmarks print this figure in their headers; docs/benchmarks.md, "What a fresh page
 * costs"); a minor fault on bare metal typically costs about 1 µs (not measured here). The probe takes about 0.12 s
 * on those machines.
 * <p>
 * {@value #PROPERTY} sets the figure instead (microseconds, a finite number ≥ 0; anything else is ignored), for tests
 * and benchmarks. Where the probe cannot run, the cost counts as unknown (NaN).
 */
public final class FreshPageCost {
	public static final String PROPERTY = "convkit.freshPageMicros";
	/** 36 MB: glibc maps anything above 32 MB afresh unless told otherwise ({@code MALLOC_MMAP_THRESHOLD_}). */
	static final long PROBE_BYTES = 36L << 20;
	private static final long PAGE = 4096;

	private FreshPageCost() {
	}

	/** Microseconds per fresh 4 KB page: {@value #PROPERTY} if set to a valid figure, else the probe's (NaN if none). */
	public static double micros() {
		double set = parse(System.getProperty(PROPERTY));
		return !Double.isNaN(set) ? set : Probed.MICROS;
	}

	/** A figure from the property's text: finite and ≥ 0, else NaN. */
	static double parse(String text) {
		if (text == null) return Double.NaN;
		try {
			double v = Double.parseDouble(text.trim());
			return Double.isFinite(v) && v >= 0 ? v : Double.NaN;
		} catch (NumberFormatException e) {
			return Double.NaN;
		}
	}

	/** The probe: {@code bytes} of fresh native memory written twice; NaN if the memory or JavaCPP is missing. */
	static double probe(long bytes) {
		if (bytes < PAGE) return Double.NaN;
		JavaCppMemoryCheck.relax(); // JavaCPP reads it once, when Pointer initialises: this may be its first use
		Pointer p;
		try {
			p = Pointer.malloc(bytes);
		} catch (LinkageError e) { // JavaCPP's native library did not load
			return Double.NaN;
		}
		if (p == null || p.isNull()) return Double.NaN;
		try {
			long t0 = System.nanoTime();
			Pointer.memset(p, 1, bytes); // faults every page in
			long t1 = System.nanoTime();
			Pointer.memset(p, 2, bytes); // the same writes to resident pages
			long t2 = System.nanoTime();
			return Math.max(0, (t1 - t0) - (t2 - t1)) / 1e3 / (bytes / PAGE);
		} finally {
			Pointer.free(p);
		}
	}

	/** Measured at first use (class initialisation runs once, thread-safely). */
	private static final class Probed {
		static final double MICROS = probe(PROBE_BYTES);
	}
}
