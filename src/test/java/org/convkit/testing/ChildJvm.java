package org.convkit.testing;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

/**
 * A test's main class run in a fresh JVM with the test class path: for what only a new JVM shows, such as what must
 * happen before a native library first initialises.
 */
public final class ChildJvm {
	private ChildJvm() {
	}

	/**
	 * Runs {@code java -Xmx512m OPTIONS -cp TESTS[:extraClassPath] main ARGS} with the environment changed by
	 * {@code env} (a null value removes the variable) and returns the first line of its output (stdout and stderr)
	 * that starts with {@code prefix}, trimmed; fails when it does not end within 3 minutes, exits with another code
	 * than 0, or prints no such line.
	 */
	public static String line(String prefix, List<String> extraClassPath, Map<String, String> env,
			List<String> options, Class<?> main, String... args) throws IOException, InterruptedException {
		String text = output(extraClassPath, env, options, main, args);
		for (String line : text.split("\n"))
			if (line.startsWith(prefix)) return line.trim();
		throw new AssertionError("no line starting with " + prefix + ":\n" + text);
	}

	/**
	 * Runs the child as {@link #line} does and returns its whole output (stdout and stderr); fails when it does not
	 * end within 3 minutes or exits with another code than 0.
	 */
	public static String output(List<String> extraClassPath, Map<String, String> env, List<String> options,
			Class<?> main, String... args) throws IOException, InterruptedException {
		String classPath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
		List<String> cmd = new ArrayList<>(List.of(Paths.get(System.getProperty("java.home"), "bin", "java").toString(),
				"-Xmx512m"));
		cmd.addAll(options);
		List<String> path = new ArrayList<>(List.of(classPath));
		path.addAll(extraClassPath);
		cmd.addAll(List.of("-cp", String.join(File.pathSeparator, path), main.getName()));
		cmd.addAll(List.of(args));
		ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
		for (Map.Entry<String, String> e : env.entrySet())
			if (e.getValue() == null) pb.environment().remove(e.getKey());
			else pb.environment().put(e.getKey(), e.getValue());
		Process p = pb.start();
		byte[] out = p.getInputStream().readAllBytes();
		assertTrue("the child JVM must end", p.waitFor(3, TimeUnit.MINUTES));
		String text = new String(out, StandardCharsets.UTF_8);
		assertEquals(text, 0, p.exitValue());
		return text;
	}
}
