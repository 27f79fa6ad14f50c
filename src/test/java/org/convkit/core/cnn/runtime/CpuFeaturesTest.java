package org.convkit.core.cnn.runtime;

import org.convkit.core.cnn.runtime.CpuFeatures.Level;
import org.junit.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

/** The processor level from /proc/cpuinfo texts, and the override that can only lower it. */
public class CpuFeaturesTest {
	/** The flags of an Intel Xeon with AVX-512 (this project's machine), shortened. */
	private static final String XEON = "fpu vme de pse tsc msr pae mce cx8 apic sep mtrr pge mca cmov pat pse36 clflush mmx "
			+ "fxsr sse sse2 ss ht syscall nx pdpe1gb rdtscp lm constant_tsc rep_good nopl xtopology nonstop_tsc cpuid "
			+ "tsc_known_freq pni pclmulqdq ssse3 fma cx16 pcid sse4_1 sse4_2 x2apic movbe popcnt aes xsave avx f16c "
			+ "rdrand hypervisor lahf_lm abm 3dnowprefetch invpcid_single fsgsbase tsc_adjust bmi1 hle avx2 smep bmi2 "
			+ "erms invpcid rtm avx512f avx512dq rdseed adx smap clflushopt clwb avx512cd avx512bw avx512vl xsaveopt "
			+ "xsavec xgetbv1 xsaves arat pku ospke";
	/** An AMD EPYC (Zen 2) with AVX2 only, shortened. */
	private static final String EPYC = "fpu vme de pse tsc msr pae mce cx8 apic sep mtrr pge mca cmov pat pse36 clflush mmx "
			+ "fxsr sse sse2 ht syscall nx mmxext fxsr_opt pdpe1gb rdtscp lm constant_tsc rep_good nopl nonstop_tsc cpuid "
			+ "extd_apicid tsc_known_freq pni pclmulqdq ssse3 fma cx16 sse4_1 sse4_2 x2apic movbe popcnt aes xsave avx "
			+ "f16c rdrand hypervisor lahf_lm cmp_legacy cr8_legacy abm sse4a misalignsse 3dnowprefetch osvw topoext "
			+ "fsgsbase bmi1 avx2 smep bmi2 rdseed adx smap clflushopt clwb sha_ni xsaveopt xsavec xgetbv1 clzero";
	/** A Sandy Bridge: AVX without AVX2. */
	private static final String SANDY = "fpu vme sse sse2 ssse3 cx16 sse4_1 sse4_2 popcnt aes xsave avx lahf_lm";

	@Test
	public void readsTheLevelFromTheFlags() {
		assertEquals(Level.AVX512, CpuFeatures.fromCpuinfo(cpuinfo(XEON, XEON)));
		assertEquals(Level.AVX2, CpuFeatures.fromCpuinfo(cpuinfo(EPYC, EPYC)));
		assertEquals(Level.GENERIC, CpuFeatures.fromCpuinfo(cpuinfo(SANDY)));
	}

	@Test
	public void aFlagMustBeOnEveryCore() {
		assertEquals(Level.AVX2, CpuFeatures.fromCpuinfo(cpuinfo(XEON, EPYC)));
		assertEquals(Level.GENERIC, CpuFeatures.fromCpuinfo(cpuinfo(EPYC, SANDY, EPYC)));
	}

	@Test
	public void avx2WithoutFmaOrBmiIsNotEnough() {
		assertEquals(Level.GENERIC, CpuFeatures.fromCpuinfo(cpuinfo(EPYC.replace(" fma ", " "))));
		assertEquals(Level.GENERIC, CpuFeatures.fromCpuinfo(cpuinfo(EPYC.replace(" bmi2 ", " "))));
		assertEquals("AVX-512 without VL", Level.AVX2, CpuFeatures.fromCpuinfo(cpuinfo(XEON.replace(" avx512vl ", " "))));
	}

	@Test
	public void missingOrOddTextsCountAsGeneric() {
		assertEquals(Level.GENERIC, CpuFeatures.fromCpuinfo(Collections.emptyList()));
		assertEquals(Level.GENERIC, CpuFeatures.fromCpuinfo(Arrays.asList("processor : 0", "garbage", ":", "flags")));
		assertEquals("ARM's 'Features' line is not x86 flags", Level.GENERIC,
				CpuFeatures.fromCpuinfo(Arrays.asList("Features\t: fp asimd evtstrm aes pmull sha1 sha2 crc32")));
	}

	@Test
	public void theOverrideOnlyLowers() {
		assertEquals(Level.AVX2, CpuFeatures.cap(Level.AVX512, "avx2"));
		assertEquals(Level.AVX2, CpuFeatures.cap(Level.AVX512, " AVX2 "));
		assertEquals(Level.GENERIC, CpuFeatures.cap(Level.AVX512, "generic"));
		assertEquals(Level.AVX2, CpuFeatures.cap(Level.AVX512, "avx-2"));
		assertEquals("cannot raise", Level.AVX2, CpuFeatures.cap(Level.AVX2, "avx512"));
		assertEquals("cannot raise", Level.GENERIC, CpuFeatures.cap(Level.GENERIC, "AVX-512"));
		assertEquals(Level.AVX512, CpuFeatures.cap(Level.AVX512, null));
		assertEquals(Level.AVX512, CpuFeatures.cap(Level.AVX512, "  "));
		for (String typo : new String[] { "avx 2", "sse4", "x86-64", "NaN", "-1", "avx2048" })
			assertEquals(typo, Level.GENERIC, CpuFeatures.cap(Level.AVX512, typo));
	}

	/** On this machine: what /proc/cpuinfo says (the test JVM may run narrowed by CONVKIT_CPU_ISA: level() ≤ it). */
	@Test
	public void thisMachine() throws IOException {
		Level detected = CpuFeatures.detected();
		if (Files.isReadable(Paths.get("/proc/cpuinfo")) && System.getProperty("os.arch").equals("amd64")) {
			String flags = new String(Files.readAllBytes(Paths.get("/proc/cpuinfo")));
			assertEquals(flags.contains(" avx512vl") && flags.contains(" avx512bw") ? Level.AVX512
					: flags.contains(" avx2") ? Level.AVX2 : Level.GENERIC, detected);
		}
		assertTrue("the override only lowers", CpuFeatures.level().compareTo(detected) <= 0);
	}

	private static List<String> cpuinfo(String... flagLines) {
		List<String> out = new java.util.ArrayList<>();
		for (int i = 0; i < flagLines.length; i++) {
			out.add("processor\t: " + i);
			out.add("model name\t: some processor");
			out.add("flags\t\t: " + flagLines[i]);
			out.add("");
		}
		return out;
	}

	/** Intel only where every core's vendor_id says GenuineIntel; AMD, a mixture, or no vendor line: not Intel. */
	@Test
	public void readsTheVendor() {
		List<String> intel = Arrays.asList("processor\t: 0", "vendor_id\t: GenuineIntel", "processor\t: 1",
				"vendor_id\t: GenuineIntel");
		assertTrue(CpuFeatures.intel(intel));
		assertFalse(CpuFeatures.intel(Arrays.asList("vendor_id\t: AuthenticAMD", "vendor_id\t: AuthenticAMD")));
		assertFalse(CpuFeatures.intel(Arrays.asList("vendor_id\t: GenuineIntel", "vendor_id\t: AuthenticAMD")));
		assertFalse(CpuFeatures.intel(Arrays.asList("processor\t: 0", "flags\t: avx2")));
		assertFalse(CpuFeatures.intel(Collections.emptyList()));
		assertFalse(CpuFeatures.intel(Arrays.asList("vendor_id\t: GenuineIntelX")));
	}
}
