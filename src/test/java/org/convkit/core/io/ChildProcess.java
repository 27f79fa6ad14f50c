package org.convkit.core.io;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

/** A JVM running a test class's {@code main}, whose stdout lines are read as they come; killed with SIGKILL. */
final class ChildProcess implements AutoCloseable {
	private final Process process;
	private final BufferedReader out;
	private final Path errors;

	ChildProcess(Class<?> main, Path errors, String... args) throws IOException {
		List<String> cmd = new ArrayList<>();
		cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
		cmd.add("-Xmx1g");
		cmd.add("-cp");
		cmd.add(System.getProperty("java.class.path"));
		cmd.add(main.getName());
		for (String a : args) cmd.add(a);
		ProcessBuilder pb = new ProcessBuilder(cmd);
		pb.environment().put("OMP_NUM_THREADS", "1");
		pb.redirectError(errors.toFile());
		this.errors = errors;
		process = pb.start();
		out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
	}

	long pid() {
		return process.pid();
	}

	/** Reads lines until one starts with {@code prefix}; returns it. Fails when the process ends first. */
	String await(String prefix) throws IOException {
		for (String line; (line = out.readLine()) != null;)
			if (line.startsWith(prefix)) return line;
		fail("the child ended before printing '" + prefix + "'; see " + errors + ":\n" + read(errors));
		return null;
	}

	/** SIGKILL: no shutdown hooks, no finally blocks, no lock released by the process itself. */
	void kill() throws InterruptedException {
		process.toHandle().destroyForcibly();
		assertTrue("the child did not die", process.waitFor(60, TimeUnit.SECONDS));
	}

	int waitFor() throws InterruptedException {
		assertTrue("the child did not end", process.waitFor(5, TimeUnit.MINUTES));
		return process.exitValue();
	}

	@Override
	public void close() throws Exception {
		process.destroyForcibly();
		process.waitFor(60, TimeUnit.SECONDS);
		out.close();
	}

	static String read(Path p) {
		try {
			return new String(java.nio.file.Files.readAllBytes(p), StandardCharsets.UTF_8);
		} catch (IOException e) {
			return "(" + e + ")";
		}
	}

	static Path log(Path dir, String name) {
		return new File(dir.toFile(), name + ".stderr.log").toPath();
	}
}
