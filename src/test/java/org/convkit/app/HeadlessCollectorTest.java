package org.convkit.app;

import org.junit.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

/**
 * {@code ./convkit --headless} runs the serial collector (its peak resident set stays near what is live; see
 * docs/benchmarks.md, "What the memory is"), unless the user's JAVA_TOOL_OPTIONS or JDK_JAVA_OPTIONS choose a
 * collector: the JVM refuses two. The launcher's {@code headless_gc} function is run as the launcher runs it, and its
 * answer is handed to a real JVM together with the user's options.
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
	public void theJvmStartsWithTheLaunchersAnswerAndTheUsersOptions() throws Exception {
		assertEquals("SerialGC", collector("", headlessGc("", "")));
		assertEquals("G1GC", collector("-XX:+UseG1GC", headlessGc("-XX:+UseG1GC", "")));
	}

	/** What the launcher's headless_gc prints under these environment values. */
	static String headlessGc(String javaToolOptions, String jdkJavaOptions) throws Exception {
		String launcher = new String(Files.readAllBytes(BASE.resolve("convkit")), StandardCharsets.UTF_8);
		Matcher m = Pattern.compile("(?ms)^headless_gc\\(\\) \\{.*?^\\}").matcher(launcher);
		assertTrue("headless_gc() in ./convkit", m.find());
		ProcessBuilder pb = new ProcessBuilder("bash", "-c", "set -euo pipefail\n" + m.group() + "\nheadless_gc");
		pb.directory(BASE.toFile());
		Map<String, String> env = pb.environment();
		env.put("JAVA_TOOL_OPTIONS", javaToolOptions);
		env.put("JDK_JAVA_OPTIONS", jdkJavaOptions);
		return run(pb).trim();
	}

	/** The launcher's answer for this JVM's own environment (asked once): what HeadlessProcess's JVMs start with. */
	static String headlessGcHere() throws Exception {
		synchronized (HeadlessCollectorTest.class) {
			if (here == null) here = headlessGc(env("JAVA_TOOL_OPTIONS"), env("JDK_JAVA_OPTIONS"));
			return here;
		}
	}

	private static String here;

	private static String env(String name) {
		String v = System.getenv(name);
		return v == null ? "" : v;
	}

	/** The collector a JVM started with these options uses (the JVM's own flag), or the failure. */
	private static String collector(String javaToolOptions, String launcherOption) throws Exception {
		List<String> cmd = new ArrayList<>(Arrays.asList(Paths.get(System.getProperty("java.home"), "bin", "java")
				.toString()));
		if (!launcherOption.isEmpty()) cmd.add(launcherOption);
		cmd.addAll(Arrays.asList("-XX:+PrintFlagsFinal", "-version"));
		ProcessBuilder pb = new ProcessBuilder(cmd);
		pb.environment().put("JAVA_TOOL_OPTIONS", javaToolOptions);
		pb.environment().remove("JDK_JAVA_OPTIONS");
		String out = run(pb);
		for (String gc : new String[] { "SerialGC", "G1GC", "ParallelGC", "ZGC" })
			if (Pattern.compile("bool Use" + gc + "\\s+= true").matcher(out).find()) return gc;
		return "none in:\n" + out;
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
