package org.convkit.core.cnn.runtime;

import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacpp.PointerPointer;
import org.convkit.core.cnn.runtime.CpuFeatures.Level;

import java.util.Arrays;
import java.util.List;

/**
 * Which of OpenBLAS's kernels ND4J's products run on. The OpenBLAS that ND4J 1.0.0-M2.1 brings (0.3.19, built for
 * every x86-64 processor) picks its kernels by the processor's family and model when it loads, and takes processors it
 * does not know for old ones: on an AMD EPYC of family 26 (Zen 5, with AVX-512) it chose its BARCELONA kernels (SSE
 * from 2007), where Debian's OpenBLAS 0.3.21, which PyTorch uses, chose COOPERLAKE (AVX-512). So ConvKit chooses by
 * the instructions the processor has, as it does for ND4J's own build ({@link Nd4jNatives}): SKYLAKEX where it has
 * AVX-512 (what OpenBLAS picks itself on the Intel processors it knows; COOPERLAKE differs only in bfloat16 routines
 * ND4J does not call), HASWELL where
 * ConvKit's level is lowered to AVX2 on a processor with AVX-512 ({@link CpuFeatures}' override: pretending), and
 * OpenBLAS's own choice otherwise (on processors with AVX2 only it knows the ones sold until 2021; a newer AMD family
 * without AVX-512 would get the old kernels — none is known). The choice goes into {@value #VARIABLE}, OpenBLAS's own
 * variable, before OpenBLAS loads ({@link NativeEnvironment}); a value already in the environment is the user's and
 * is kept. LeNet trained at 3,928 images/s on SKYLAKEX against 3,533 on the BARCELONA kernels on that processor
 * (docs/benchmarks.md, "OpenBLAS's kernels").
 */
public final class OpenBlasKernels {
	/** OpenBLAS's environment variable for its kernels (read once, when the library loads). */
	public static final String VARIABLE = "OPENBLAS_CORETYPE";
	/** The kernel sets of OpenBLAS 0.3.19's x86-64 build, by the names of their tables ({@code gotoblas_NAME}). */
	private static final List<String> NAMES = Arrays.asList("SKYLAKEX", "COOPERLAKE", "HASWELL", "ZEN", "SANDYBRIDGE",
			"NEHALEM", "CORE2", "PRESCOTT", "NORTHWOOD", "COPPERMINE", "KATMAI", "BANIAS", "ATHLON", "BARCELONA",
			"BULLDOZER", "PILEDRIVER", "STEAMROLLER", "EXCAVATOR");

	private static String chosen;
	private static boolean decided;

	private OpenBlasKernels() {
	}

	/**
	 * The value for {@value #VARIABLE} at ConvKit's processor level ({@code level}, the override's) on a processor
	 * that has {@code detected}: null leaves the choice to OpenBLAS.
	 */
	static String forLevel(Level level, Level detected) {
		if (level == Level.AVX512) return "SkylakeX";
		if (level == Level.AVX2 && detected == Level.AVX512) return "Haswell";
		return null;
	}

	/**
	 * Puts ConvKit's choice into the environment, once per JVM, unless the variable is set or OpenBLAS is loaded
	 * already; returns the value ConvKit set, or null. Called by {@link Nd4jNatives#select()}, before ND4J loads.
	 */
	static synchronized String choose(Level level, Level detected) {
		if (decided) return chosen;
		decided = true;
		String value = forLevel(level, detected);
		if (value == null || loaded()) return null;
		return chosen = NativeEnvironment.putIfAbsent(VARIABLE, value) ? value : null; // not over the user's
	}

	/** What ConvKit set {@value #VARIABLE} to in this JVM, or null (the user's value, or OpenBLAS's own choice). */
	public static synchronized String chosen() {
		return chosen;
	}

	/**
	 * The value of {@value #VARIABLE} a ConvKit JVM started in this environment runs OpenBLAS with: the user's (the
	 * environment Java started with), else ConvKit's choice for this processor; null leaves it to OpenBLAS. For child
	 * processes that should run on the same kernels (the benchmarks' PyTorch, whose Debian OpenBLAS reads it too).
	 */
	public static String requested() {
		String user = System.getenv(VARIABLE); // Java's copy: ConvKit's own addition is not in it
		return user != null ? user : forLevel(CpuFeatures.level(), CpuFeatures.detected());
	}

	/** The kernels OpenBLAS runs on, e.g. "SKYLAKEX"; "not loaded" before OpenBLAS is, "unknown" if none match. */
	public static String inUse() {
		Pointer table = NativeEnvironment.symbol("gotoblas");
		if (table == null) return "not loaded";
		Pointer current = new PointerPointer<>(table).get(0);
		if (current == null || current.isNull()) return "unknown";
		for (String name : NAMES) {
			Pointer t = NativeEnvironment.symbol("gotoblas_" + name);
			if (t != null && t.address() == current.address()) return name;
		}
		return "unknown";
	}

	/** OpenBLAS's pointer to its kernel table in use ({@code gotoblas}) is an exported symbol, as are the tables. */
	private static boolean loaded() {
		return NativeEnvironment.symbol("gotoblas") != null;
	}
}
