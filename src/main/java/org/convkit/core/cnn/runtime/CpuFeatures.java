package org.convkit.core.cnn.runtime;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Which of ND4J's instruction-set levels this processor can run, found without loading any native code (ND4J's own
 * check runs only after its library is loaded, and then calls {@code System.exit} on a mismatch).
 * <p>
 * On Linux x86-64 the kernel's CPU flags ({@code /proc/cpuinfo}, which lists only what the kernel has enabled) decide;
 * a flag must be on every listed core. The levels ask for a little more than libnd4j's own check (which wants avx and
 * avx2, plus avx512 f/vl/bw/dq/cd for AVX-512) — also fma, f16c, bmi1 and bmi2, which a compiler targeting those
 * processors may emit — so a processor that passes here passes there. Every other system, and a Linux without a
 * readable {@code /proc/cpuinfo}, counts as {@link Level#GENERIC}: ConvKit ships its optimised ND4J builds for Linux
 * only, and guessing wrong would end the JVM.
 * <p>
 * The level can be lowered, never raised, with the system property {@value #OVERRIDE_PROPERTY} or the environment
 * variable {@value #OVERRIDE_VARIABLE} ({@code generic}, {@code avx2} or {@code avx512}): tests use it to pretend the
 * processor lacks AVX-512 or AVX2, and CI's AVX2-narrowed pass uses it (the variable reaches child JVMs too).
 */
public final class CpuFeatures {
	/** ND4J's native builds by the instructions they need, lowest first. */
	public enum Level {
		GENERIC, AVX2, AVX512;

		/** "generic", "avx2" or "avx512" (the override's spelling). */
		public String word() {
			return name().toLowerCase(Locale.ROOT);
		}
	}

	public static final String OVERRIDE_PROPERTY = "convkit.cpu.isa";
	public static final String OVERRIDE_VARIABLE = "CONVKIT_CPU_ISA";

	static final Set<String> AVX2_FLAGS = Set.of("avx", "avx2", "fma", "f16c", "bmi1", "bmi2");
	static final Set<String> AVX512_FLAGS = Set.of("avx512f", "avx512vl", "avx512bw", "avx512dq", "avx512cd");
	private static final Path CPUINFO = Paths.get("/proc/cpuinfo");

	private CpuFeatures() {
	}

	/** This processor's level (as the kernel reports it), lowered by the override when one is set. */
	public static Level level() {
		String override = System.getProperty(OVERRIDE_PROPERTY);
		if (override == null) override = System.getenv(OVERRIDE_VARIABLE);
		return cap(detected(), override);
	}

	/**
	 * What the processor offers, without the override: read once per JVM (it is asked each time a network or an
	 * inference pass is made, and /proc/cpuinfo of a many-core machine is long).
	 */
	public static Level detected() {
		return Detected.LEVEL;
	}

	/** Lazy holder: the first call of {@link #detected()} or {@link #intel()} reads /proc/cpuinfo, once for both. */
	private static final class Detected {
		static final Level LEVEL;
		static final boolean INTEL;

		static {
			List<String> lines = cpuinfo();
			LEVEL = fromCpuinfo(lines);
			INTEL = intel(lines);
		}
	}

	/**
	 * Whether the processor is Intel's ({@code vendor_id GenuineIntel} on every listed core; false where
	 * /proc/cpuinfo is not readable): oneDNN's AVX2 kernels for max pooling in training ran 3–11× as long as its
	 * AVX-512 ones on an Intel Xeon and fast on an AMD EPYC ({@code org.convkit.core.cnn.net.BlockMaxPooling}). Read
	 * once per JVM.
	 */
	public static boolean intel() {
		return Detected.INTEL;
	}

	/** Whether every "vendor_id" line of a {@code /proc/cpuinfo} text names Intel (and there is one). */
	static boolean intel(List<String> lines) {
		List<String> vendors = values(lines, "vendor_id");
		return !vendors.isEmpty() && vendors.stream().allMatch("GenuineIntel"::equals);
	}

	/** /proc/cpuinfo's lines on Linux x86-64; none elsewhere, or where it cannot be read. */
	private static List<String> cpuinfo() {
		String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
		String arch = System.getProperty("os.arch", "");
		if (!os.startsWith("linux") || !(arch.equals("amd64") || arch.equals("x86_64"))) return List.of();
		try {
			return Files.readAllLines(CPUINFO, StandardCharsets.ISO_8859_1);
		} catch (IOException | SecurityException e) {
			return List.of();
		}
	}

	/** The value of every {@code key} line ("key : value") of a {@code /proc/cpuinfo} text, trimmed, in order. */
	private static List<String> values(List<String> lines, String key) {
		List<String> out = new ArrayList<>();
		for (String line : lines) {
			int colon = line.indexOf(':');
			if (colon >= 0 && line.substring(0, colon).trim().equals(key)) out.add(line.substring(colon + 1).trim());
		}
		return out;
	}

	/** The level of a {@code /proc/cpuinfo} text: the flags every "flags" line has in common. */
	static Level fromCpuinfo(List<String> lines) {
		Set<String> common = null;
		for (String value : values(lines, "flags")) {
			Set<String> flags = new HashSet<>(Arrays.asList(value.split("\\s+")));
			if (common == null) common = flags;
			else common.retainAll(flags);
		}
		if (common == null || !common.containsAll(AVX2_FLAGS)) return Level.GENERIC;
		return common.containsAll(AVX512_FLAGS) ? Level.AVX512 : Level.AVX2;
	}

	/**
	 * {@code detected}, lowered to {@code override} when that names a lower level. An override that names no level
	 * counts as {@link Level#GENERIC}: a typo must not be able to select a build the processor cannot run.
	 */
	static Level cap(Level detected, String override) {
		if (override == null || override.trim().isEmpty()) return detected;
		Level wanted;
		try {
			wanted = Level.valueOf(override.trim().toUpperCase(Locale.ROOT).replace("-", ""));
		} catch (IllegalArgumentException e) {
			wanted = Level.GENERIC;
		}
		return wanted.compareTo(detected) < 0 ? wanted : detected;
	}
}
