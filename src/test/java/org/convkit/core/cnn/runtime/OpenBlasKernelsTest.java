package org.convkit.core.cnn.runtime;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNull;

import org.convkit.core.cnn.runtime.CpuFeatures.Level;
import org.convkit.testing.Prerequisites;
import org.junit.Test;

import java.io.IOException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Which OpenBLAS kernels ConvKit asks for ({@link OpenBlasKernels}), and, in fresh JVMs (OpenBLAS reads its variable
 * once, when it loads), that OpenBLAS runs on them: the variable goes into the process's C environment before ND4J
 * loads OpenBLAS, and a user's value is kept.
 */
public class OpenBlasKernelsTest {
	@Test
	public void skylakeXWithAvx512HaswellWhenPretendingAvx2OtherwiseOpenBlasChooses() {
		assertEquals("SkylakeX", OpenBlasKernels.forLevel(Level.AVX512, Level.AVX512));
		assertEquals("Haswell", OpenBlasKernels.forLevel(Level.AVX2, Level.AVX512));
		assertNull("an AVX2 processor: OpenBLAS's own choice", OpenBlasKernels.forLevel(Level.AVX2, Level.AVX2));
		assertNull(OpenBlasKernels.forLevel(Level.GENERIC, Level.AVX512));
		assertNull(OpenBlasKernels.forLevel(Level.GENERIC, Level.GENERIC));
	}

	/**
	 * Child JVMs without the variable train a step and report the kernels OpenBLAS runs on: SKYLAKEX on a processor
	 * with AVX-512, HASWELL when pretending it has AVX2 only; with the user's value (NEHALEM, which every x86-64
	 * processor runs) OpenBLAS runs on that and ConvKit sets nothing. On a processor without AVX-512 only the user's
	 * value is checked (OpenBLAS chooses itself there).
	 */
	@Test
	public void openBlasRunsOnTheKernelsChosenBeforeItLoads() throws Exception {
		String os = System.getProperty("os.name"), arch = System.getProperty("os.arch");
		Prerequisites.require("linux x86_64 (ConvKit detects the processor there only)", os.equals("Linux")
				&& arch.equals("amd64"));
		assertEquals("openblas=NEHALEM chosen=null", probe(null, "Nehalem"));
		if (CpuFeatures.detected() != Level.AVX512) return;
		assertEquals("openblas=SKYLAKEX chosen=SkylakeX", probe(null, null));
		assertEquals("openblas=HASWELL chosen=Haswell", probe("avx2", null));
	}

	/** The child's OpenBLAS line, with ConvKit's level override {@code isa} and {@code OPENBLAS_CORETYPE} (null: unset). */
	private static String probe(String isa, String coreType) throws IOException, InterruptedException {
		Map<String, String> env = new HashMap<>();
		env.put(OpenBlasKernels.VARIABLE, coreType); // null: removed
		return NativeBuildProbe.run("openblas=", isa, env, List.of(), List.of());
	}
}
