package org.convkit.app;

import org.junit.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

/**
 * {@code ./convkit --headless} runs the serial collector (its peak resident set stays near what is live; see
 * docs/benchmarks.md, "What the memory is") with its young generation capped at 24 MB, unless the user's
 * JAVA_TOOL_OPTIONS or JDK_JAVA_OPTIONS choose a collector (the JVM refuses two) or size the young generation. The
 * launcher's {@code headless_gc} and {@code headless_young} functions are run as the launcher runs them, and their
 * answers are handed to a real JVM together with the user's options.
 */
public class HeadlessCollectorTest {
	private static final Path BASE = HeadlessProcess.basedir();

	@Test
	public void headlessRunsTheSerialCollectorUnlessTheUserChoseOne() throws Exception {
		assertEquals("-XX:+UseSerialGC", headlessGc("", ""));
		assertEquals("-XX:+UseSerialGC", headlessGc("-XX:UseAVX=2 -Xlog:gc", "")); // .ci/run's AVX2 pass
		assertEquals("-XX:+UseSerialGC", headlessGc("-XX:+PrintGC *", "")); // no GC chosen; no glob expansion
		assertEquals("", headlessGc("-XX:+UseG1GC", ""));
		assertEquals("", headlessGc("-Xmx1g  -XX:+UseParallelGC", ""));
		assertEquals("", headlessGc("", "-XX:+UseZGC"));
	}

	@Test
	public void theYoungGenerationIsCappedUnlessTheUserChoseTheCollectorOrItsSize() throws Exception {
		assertEquals("-XX:MaxNewSize=24m", headlessYoung("", ""));
		assertEquals("-XX:MaxNewSize=24m", headlessYoung("-XX:UseAVX=2 -Xmx8g", ""));
		assertEquals("", headlessYoung("-XX:+UseG1GC", ""));
		assertEquals("", headlessYoung("-Xmn64m", ""));
		assertEquals("", headlessYoung("", "-XX:MaxNewSize=100m"));
		assertEquals("", headlessYoung("-XX:NewRatio=3", ""));
		assertEquals("", headlessYoung("-XX:NewSize=8m", ""));
		// and the JVM takes it: a young generation of at most 24 MB
		assertEquals("25165824", flag("MaxNewSize", "", headlessGc("", ""), headlessYoung("", "")));
	}

	@Test
	public void theJvmStartsWithTheLaunchersAnswerAndTheUsersOptions() throws Exception {
		assertEquals("SerialGC", collector("", headlessGc("", "")));
		assertEquals("G1GC", collector("-XX:+UseG1GC", headlessGc("-XX:+UseG1GC", "")));
	}

	/**
	 * keep_native_memory: glibc's defaults (none of the three variables set) unless CONVKIT_MALLOC is exactly "keep";
	 * then malloc keeps its memory in one arena, except where the user set a variable (kept as given).
	 */
	@Test
	public void nativeMemoryIsKeptOnlyOnRequest() throws Exception {
		assertEquals("- - -", nativeMemory(Map.of()));
		assertEquals("- - -", nativeMemory(Map.of("CONVKIT_MALLOC", "default")));
		assertEquals("- - -", nativeMemory(Map.of("CONVKIT_MALLOC", "Keep")));
		assertEquals("- - -", nativeMemory(Map.of("CONVKIT_MALLOC", "")));
		assertEquals("- 0 -", nativeMemory(Map.of("MALLOC_TRIM_THRESHOLD_", "0"))); // the user's own, untouched
		assertEquals("2000000000 2000000000 1", nativeMemory(Map.of("CONVKIT_MALLOC", "keep")));
		assertEquals("131072 2000000000 1",
				nativeMemory(Map.of("CONVKIT_MALLOC", "keep", "MALLOC_MMAP_THRESHOLD_", "131072")));
		assertEquals("2000000000 0 1", nativeMemory(Map.of("CONVKIT_MALLOC", "keep", "MALLOC_TRIM_THRESHOLD_", "0")));
		assertEquals("2000000000 2000000000 8", nativeMemory(Map.of("CONVKIT_MALLOC", "keep", "MALLOC_ARENA_MAX", "8")));
	}

	/** The three variables as a child of the launcher's shell sees them after keep_native_memory ("-": unset). */
	private static String nativeMemory(Map<String, String> env) throws Exception {
		Map<String, String> all = new HashMap<>();
		for (String v : new String[] { "MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_", "MALLOC_ARENA_MAX",
				"CONVKIT_MALLOC" })
			all.put(v, null); // not inherited from this JVM's environment
		all.putAll(env);
		return inLauncherShell("keep_native_memory\nbash -c 'echo \"${MALLOC_MMAP_THRESHOLD_:--} "
				+ "${MALLOC_TRIM_THRESHOLD_:--} ${MALLOC_ARENA_MAX:--}\"'", all, "keep_native_memory");
	}

	/** What the launcher's headless_gc prints under these environment values. */
	static String headlessGc(String javaToolOptions, String jdkJavaOptions) throws Exception {
		return launcherFunction("headless_gc", javaToolOptions, jdkJavaOptions);
	}

	/** What the launcher's headless_young prints under these environment values. */
	static String headlessYoung(String javaToolOptions, String jdkJavaOptions) throws Exception {
		return launcherFunction("headless_young", javaToolOptions, jdkJavaOptions);
	}

	private static String launcherFunction(String name, String javaToolOptions, String jdkJavaOptions)
			throws Exception {
		Map<String, String> env = new HashMap<>();
		env.put("JAVA_TOOL_OPTIONS", javaToolOptions);
		env.put("JDK_JAVA_OPTIONS", jdkJavaOptions);
		return inLauncherShell(name, env, name, "user_jvm_option");
	}

	/**
	 * The trimmed output of {@code script} run by bash after the launcher's {@code functions}, as the launcher defines
	 * them, in the checkout, with {@code env} over this JVM's environment (a null value removes the variable).
	 */
	private static String inLauncherShell(String script, Map<String, String> env, String... functions)
			throws Exception {
		String launcher = new String(Files.readAllBytes(BASE.resolve("convkit")), StandardCharsets.UTF_8);
		StringBuilder text = new StringBuilder("set -euo pipefail\n");
		for (String f : functions) text.append(function(launcher, f)).append('\n');
		ProcessBuilder pb = new ProcessBuilder("bash", "-c", text.append(script).toString());
		pb.directory(BASE.toFile());
		for (Map.Entry<String, String> e : env.entrySet())
			if (e.getValue() == null) pb.environment().remove(e.getKey());
			else pb.environment().put(e.getKey(), e.getValue());
		return run(pb).trim();
	}

	/** A shell function's text in the launcher, as the launcher defines it. */
	private static String function(String launcher, String name) {
		Matcher m = Pattern.compile("(?ms)^" + name + "\\(\\) \\{.*?^\\}").matcher(launcher);
		assertTrue(name + "() in ./convkit", m.find());
		return m.group();
	}

	/**
	 * The launcher's options for this JVM's own environment (asked once): what HeadlessProcess's JVMs start with,
	 * the collector and the young generation's cap (either may be absent).
	 */
	static List<String> headlessOptionsHere() throws Exception {
		synchronized (HeadlessCollectorTest.class) {
			if (here == null) {
				List<String> options = new ArrayList<>();
				for (String o : new String[] { headlessGc(env("JAVA_TOOL_OPTIONS"), env("JDK_JAVA_OPTIONS")),
						headlessYoung(env("JAVA_TOOL_OPTIONS"), env("JDK_JAVA_OPTIONS")) })
					if (!o.isEmpty()) options.add(o);
				here = options;
			}
			return here;
		}
	}

	private static List<String> here;

	private static String env(String name) {
		String v = System.getenv(name);
		return v == null ? "" : v;
	}

	/** The collector a JVM started with these options uses (the JVM's own flag), or the failure. */
	private static String collector(String javaToolOptions, String launcherOption) throws Exception {
		String out = finalFlags(javaToolOptions, launcherOption);
		for (String gc : new String[] { "SerialGC", "G1GC", "ParallelGC", "ZGC" })
			if (Pattern.compile("bool Use" + gc + "\\s+= true").matcher(out).find()) return gc;
		return "none in:\n" + out;
	}

	/** The value of a JVM flag in a JVM started with these options, or the failure. */
	private static String flag(String name, String javaToolOptions, String... launcherOptions) throws Exception {
		String out = finalFlags(javaToolOptions, launcherOptions);
		Matcher m = Pattern.compile("\\s" + name + "\\s+= (\\S+)").matcher(out);
		return m.find() ? m.group(1) : "not in:\n" + out;
	}

	private static String finalFlags(String javaToolOptions, String... launcherOptions) throws Exception {
		List<String> cmd = new ArrayList<>(Arrays.asList(Paths.get(System.getProperty("java.home"), "bin", "java")
				.toString()));
		for (String o : launcherOptions)
			if (!o.isEmpty()) cmd.add(o);
		cmd.addAll(Arrays.asList("-XX:+PrintFlagsFinal", "-version"));
		ProcessBuilder pb = new ProcessBuilder(cmd);
		pb.environment().put("JAVA_TOOL_OPTIONS", javaToolOptions);
		pb.environment().remove("JDK_JAVA_OPTIONS");
		return run(pb);
	}

	private static String run(ProcessBuilder pb) throws IOException, InterruptedException {
		pb.redirectErrorStream(true);
		Process p = pb.start();
		byte[] out = p.getInputStream().readAllBytes();
		assertTrue("ended", p.waitFor(60, TimeUnit.SECONDS));
		String text = new String(out, StandardCharsets.UTF_8);
		assertEquals(pb.command() + ":\n" + text, 0, p.exitValue());
		return text;
	}
}
