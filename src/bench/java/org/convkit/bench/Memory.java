package org.convkit.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;

/** Peak memory of this JVM between a reset and a read: heap in use, and resident set (Linux VmHWM; else 0). */
final class Memory {
	private static final Path STATUS = Paths.get("/proc/self/status"), CLEAR_REFS = Paths.get("/proc/self/clear_refs");

	private Memory() {
	}

	static void resetPeaks() {
		for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans())
			if (p.getType() == MemoryType.HEAP) p.resetPeakUsage();
		try {
			Files.write(CLEAR_REFS, "5".getBytes(StandardCharsets.US_ASCII)); // 5: reset the peak RSS (Linux)
		} catch (IOException | SecurityException | UnsupportedOperationException ignored) { // not Linux
		}
	}

	/** Bytes: the sum of the heap pools' peaks (an upper bound of the peak heap in use). */
	static long peakHeap() {
		long sum = 0;
		for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans())
			if (p.getType() == MemoryType.HEAP) sum += p.getPeakUsage().getUsed();
		return sum;
	}

	/** Bytes: peak resident set since the last reset (VmHWM), 0 where /proc is missing. */
	static long peakRss() {
		return peakRss(STATUS);
	}

	/** Bytes: the VmHWM line of a /proc/PID/status file; 0 when it cannot be read (e.g. the process ended). */
	static long peakRss(Path status) {
		try {
			for (String line : Files.readAllLines(status, StandardCharsets.US_ASCII))
				if (line.startsWith("VmHWM:")) return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
		} catch (IOException | NumberFormatException e) {
			return 0;
		}
		return 0;
	}
}
