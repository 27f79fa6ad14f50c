package org.convkit.core.cnn.runtime;

import org.convkit.core.cnn.runtime.CpuFeatures.Level;
import org.convkit.testing.Prerequisites;
import org.junit.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.convkit.core.cnn.runtime.NativeBuild.AVX2;
import static org.convkit.core.cnn.runtime.NativeBuild.AVX512;
import static org.convkit.core.cnn.runtime.NativeBuild.ONEDNN;
import static org.convkit.core.cnn.runtime.NativeBuild.ONEDNN_AVX2;
import static org.convkit.core.cnn.runtime.NativeBuild.ONEDNN_AVX512;
import static org.convkit.core.cnn.runtime.NativeBuild.PLAIN;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;

/**
 * The choice of ND4J's native build: as a table, in this JVM, and in child JVMs that have ConvKit's AVX2 and AVX-512
 * builds on their class path too (target/test-natives, Linux x86-64) and pretend the processor lacks AVX-512 or AVX2
 * ({@code CONVKIT_CPU_ISA}): there the build for that level must be the one loaded, whatever was set or loaded
 * before, and without pretending the fastest one this processor runs.
 */
public class Nd4jNativesTest {
	private static final Set<NativeBuild> ONEDNN_BUILDS = EnumSet.of(ONEDNN_AVX512, ONEDNN_AVX2, ONEDNN);

	@Test
	public void choosesTheFastestBuildTheProcessorRuns() {
		assertEquals(ONEDNN_AVX512, Nd4jNatives.choose(Level.AVX512, ONEDNN_BUILDS, null));
		assertEquals(ONEDNN_AVX2, Nd4jNatives.choose(Level.AVX2, ONEDNN_BUILDS, null));
		assertEquals(ONEDNN, Nd4jNatives.choose(Level.GENERIC, ONEDNN_BUILDS, null));
		assertEquals("oneDNN before a higher instruction set", ONEDNN,
				Nd4jNatives.choose(Level.AVX512, EnumSet.of(ONEDNN, AVX512, AVX2, PLAIN), null));
		assertEquals(AVX2, Nd4jNatives.choose(Level.AVX2, EnumSet.of(AVX512, AVX2, PLAIN), null));
		assertEquals("one ND4J jar: ConvKit's install before this change", ONEDNN,
				Nd4jNatives.choose(Level.AVX512, EnumSet.of(ONEDNN), null));
	}

	@Test
	public void aRequestedBuildIsUsedOnlyWhenPresentAndRunnable() {
		assertEquals("the user's choice", ONEDNN, Nd4jNatives.choose(Level.AVX512, ONEDNN_BUILDS, "-onednn"));
		assertEquals("the processor lacks it", ONEDNN_AVX2, Nd4jNatives.choose(Level.AVX2, ONEDNN_BUILDS, "-onednn-avx512"));
		assertEquals("the processor lacks it", ONEDNN, Nd4jNatives.choose(Level.GENERIC, ONEDNN_BUILDS, "-onednn-avx2"));
		assertEquals("not on the class path", ONEDNN_AVX512, Nd4jNatives.choose(Level.AVX512, ONEDNN_BUILDS, "-avx2"));
		assertEquals("unknown", ONEDNN_AVX2, Nd4jNatives.choose(Level.AVX2, ONEDNN_BUILDS, "-cuda-11.6"));
		assertEquals("empty", ONEDNN_AVX2, Nd4jNatives.choose(Level.AVX2, ONEDNN_BUILDS, ""));
	}

	@Test
	public void thePlainBuildOnlyWhenItIsTheOnlyOne() {
		assertEquals(PLAIN, Nd4jNatives.choose(Level.GENERIC, EnumSet.of(PLAIN), null));
		assertEquals(PLAIN, Nd4jNatives.choose(Level.AVX512, EnumSet.of(PLAIN), ""));
		assertNull("nothing runs here", Nd4jNatives.choose(Level.GENERIC, EnumSet.of(ONEDNN_AVX2, AVX512), null));
		assertNull(Nd4jNatives.choose(Level.AVX512, EnumSet.noneOf(NativeBuild.class), null));
	}

	/** This test JVM (surefire's listener chose first) loaded the build chosen for this processor. */
	@Test
	public void thisJvmLoadedTheBuildChosenForThisProcessor() {
		Nd4jNatives.Selection s = Nd4jNatives.select();
		assertNotNull(s.toString(), s.build);
		org.nd4j.linalg.factory.Nd4j.create(1); // make sure ND4J is loaded
		assertEquals(s.toString(), s.build, Nd4jNatives.loaded());
		assertEquals(Nd4jNatives.choose(CpuFeatures.level(), s.present, null), Nd4jNatives.loaded());
		assertTrue(Nd4jNatives.loaded().runsOn(CpuFeatures.detected()));
		assertTrue("the shipped build is on the test class path: " + s.present, s.present.contains(ONEDNN));
	}

	/**
	 * Child JVMs with all three oneDNN builds: pretending to be AVX2-only, and generic x86-64, they load the build
	 * for that level and train with it; the AVX2 one first loads OpenCV (so JavaCPP's Loader has read its properties
	 * before ConvKit chooses) and asks for the AVX-512 build through JavaCPP's own property, which must not be used;
	 * the generic one starts ND4J first as the CNN commands' environment check does ({@code Nd4jStartup}). Without
	 * pretending, the fastest build this processor runs. Each also reports JavaCPP's memory check
	 * ({@link JavaCppMemoryCheck}): off unless the user set a limit, or OpenCV initialised JavaCPP first.
	 */
	@Test
	public void pretendingTheProcessorLacksAvx512OrAvx2LoadsTheFallback() throws Exception {
		String os = System.getProperty("os.name"), arch = System.getProperty("os.arch");
		Prerequisites.require("linux x86_64 (ConvKit detects the processor there only; the pom's test-natives profile "
				+ "copies the Linux AVX2 and AVX-512 builds)", os.equals("Linux") && arch.equals("amd64"));
		List<String> extra = new ArrayList<>();
		Path dir = Paths.get(System.getProperty("convkit.basedir", ".")).resolve("target/test-natives");
		for (NativeBuild b : EnumSet.of(ONEDNN_AVX2, ONEDNN_AVX512)) {
			Path jar = dir.resolve("nd4j-native-1.0.0-M2.1-" + b.classifier("linux-x86_64") + ".jar");
			assertTrue(jar + " (the pom's test-natives profile copies it)", Files.isRegularFile(jar));
			extra.add(jar.toString());
		}
		// OpenCV first: JavaCPP initialised with its own memory check before ConvKit could switch it off
		String avx2 = probe(extra, "avx2", "opencv-first", "-onednn-avx512");
		assertTrue(avx2, avx2.startsWith("loaded=ONEDNN_AVX2 helpers=2 trained maxPhysicalBytes="));
		assertTrue(avx2, Long.parseLong(avx2.substring(avx2.lastIndexOf('=') + 1)) > 0);
		// the user's own limit is kept
		assertEquals("loaded=ONEDNN helpers=2 trained maxPhysicalBytes=3221225472",
				probe(extra, "generic", "startup-first", null, "-Dorg.bytedeco.javacpp.maxphysicalbytes=3g"));
		NativeBuild fastest = Nd4jNatives.choose(CpuFeatures.detected(), ONEDNN_BUILDS, null);
		assertEquals("loaded=" + fastest + " helpers=2 trained maxPhysicalBytes=0", probe(extra, null, null, null));
	}

	private static String probe(List<String> extraJars, String isa, String first, String requested,
			String... jvmOptions) throws IOException, InterruptedException {
		List<String> options = new ArrayList<>(List.of(jvmOptions));
		if (requested != null) options.add("-D" + Nd4jNatives.EXTENSION_PROPERTY + "=" + requested);
		return NativeBuildProbe.run("loaded=", isa, Map.of(), extraJars, options,
				first == null ? new String[0] : new String[] { first });
	}
}
