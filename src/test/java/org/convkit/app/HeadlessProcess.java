package org.convkit.app;

import java.io.File;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.Assert.fail;

/**
 * Starts {@link HeadlessRunner} in a new JVM the way {@code ./convkit --headless} does (ImageJ as ij1-patcher and
 * ConvKit's ROI Manager patch change it, from the build's jar; headless AWT), but with the test classpath and {@code target/classes/plugins.config}, so it works in the test
 * phase before {@code target/app} exists.
 */
final class HeadlessProcess {
	/** A generous safety limit: a hung ImageJ (e.g. a modal dialog) must not hang the build. */
	private static final long LIMIT_MINUTES = 5;

	static final class Result {
		final int exitCode;
		final String stdout, stderr;

		Result(int exitCode, String stdout, String stderr) {
			this.exitCode = exitCode;
			this.stdout = stdout;
			this.stderr = stderr;
		}

		@Override
		public String toString() {
			return "exit " + exitCode + "\n--- stdout\n" + stdout + "\n--- stderr\n" + stderr;
		}
	}

	private HeadlessProcess() {}

	static Path basedir() {
		return Paths.get(System.getProperty("convkit.basedir", ".")).toAbsolutePath().normalize();
	}

	/** Runs the macro file with the argument (null: none); extra plugin folders hold test plugins.config files. */
	static Result run(Path macro, String argument, Path... extraPluginDirs) throws IOException, InterruptedException {
		return run(true, macro, argument, extraPluginDirs);
	}

	/**
	 * As above; {@code patched=false} leaves ImageJ unpatched. Patched is as {@code ./convkit --headless}: the
	 * build's patched ImageJ ({@code target/app/launcher/ij-headless.jar}, made before the tests) before ImageJ's own
	 * jar, no agent.
	 */
	static Result run(boolean patched, Path macro, String argument, Path... extraPluginDirs)
			throws IOException, InterruptedException {
		return start(null, patched ? System.getProperty("convkit.headless.imagej") : null, macro, argument,
				extraPluginDirs);
	}

	/** As above, unpatched ImageJ with the given {@code -javaagent:} value, e.g. ij1-patcher's own "JAR=init". */
	static Result runWithAgent(String agent, Path macro, String argument, Path... extraPluginDirs)
			throws IOException, InterruptedException {
		return start(agent, null, macro, argument, extraPluginDirs);
	}

	private static Result start(String agent, String patchedJar, Path macro, String argument,
			Path... extraPluginDirs) throws IOException, InterruptedException {
		StringBuilder pluginDirs = new StringBuilder(basedir().resolve("target/classes").toString());
		for (Path p : extraPluginDirs)
			pluginDirs.append(File.pathSeparator).append(p);
		List<String> cmd = new ArrayList<>();
		cmd.add(Paths.get(System.getProperty("java.home"), "bin", "java").toString());
		cmd.add("-Xms32m"); // as ./convkit: a small initial heap keeps the resident set small
		// the collector and young generation ./convkit --headless chooses in this environment (its own functions
		// answer)
		try {
			cmd.addAll(HeadlessCollectorTest.headlessOptionsHere());
		} catch (Exception e) {
			throw new IOException("the launcher's headless_gc or headless_young failed", e);
		}
		cmd.add("-Xmx2g");
		// the instruction-set narrowing of .ci/run's AVX2 pass (-XX:UseAVX=2) reaches these JVMs too
		for (String a : ManagementFactory.getRuntimeMXBean().getInputArguments())
			if (a.startsWith("-XX:UseAVX")) cmd.add(a);
		cmd.add("-Djava.awt.headless=true");
		cmd.add("--add-opens=java.base/java.lang=ALL-UNNAMED");
		if (agent != null) cmd.add("-javaagent:" + agent);
		cmd.add("-Dij1.plugin.dirs=" + pluginDirs);
		cmd.add("-Dconvkit.home=" + basedir()); // as ./convkit sets it: macros find sample-images/ through it
		cmd.add("-cp");
		String classPath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
		if (patchedJar != null) {
			if (!Files.isRegularFile(Paths.get(patchedJar)))
				fail("the build's patched ImageJ is missing (mvn process-classes makes it): " + patchedJar);
			classPath = patchedJar + File.pathSeparator + classPath;
		}
		cmd.add(classPath);
		cmd.add(HeadlessRunner.class.getName());
		cmd.add(macro.toString());
		if (argument != null) cmd.add(argument);

		Path out = Files.createTempFile("convkit-headless", ".out");
		Path err = Files.createTempFile("convkit-headless", ".err");
		try {
			Process p = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
			if (!p.waitFor(LIMIT_MINUTES, TimeUnit.MINUTES)) {
				p.destroyForcibly();
				fail("the headless run did not end within " + LIMIT_MINUTES + " minutes:\n" + read(out) + read(err));
			}
			return new Result(p.exitValue(), read(out), read(err));
		} finally {
			Files.deleteIfExists(out);
			Files.deleteIfExists(err);
		}
	}

	static Path writeMacro(Path dir, String name, String text) throws IOException {
		Path file = dir.resolve(name);
		Files.write(file, text.getBytes(StandardCharsets.UTF_8));
		return file;
	}

	private static String read(Path p) throws IOException {
		return new String(Files.readAllBytes(p), StandardCharsets.UTF_8);
	}
}
