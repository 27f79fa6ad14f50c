package org.convkit.app;

import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

/**
 * The build's patched ImageJ ({@link HeadlessImageJ}): written whole over an older file, readable by all, holding
 * the classes the patches change (ConvKit's ROI Manager among them); the headless macro tests run with the jar the
 * build wrote ({@link HeadlessProcess}), and {@link HeadlessRoiManagerTest} compares it with the agent's result.
 */
public class HeadlessImageJTest {
	@Rule
	public TemporaryFolder tmp = new TemporaryFolder();

	@Test
	public void writesTheSameClassesAsTheBuildOverAnOlderFile() throws Exception {
		Path out = tmp.getRoot().toPath().resolve("ij-headless.jar");
		Files.write(out, "an older jar".getBytes(StandardCharsets.UTF_8));
		assertEquals(0, run(out.toString()));
		Set<String> written = entries(out);
		assertTrue(written.toString(), written.contains("ij/plugin/frame/RoiManager.class"));
		assertTrue(written.toString(), written.contains("ij/IJ.class") && written.contains("ij/gui/GenericDialog.class"));
		assertEquals(entries(Paths.get(System.getProperty("convkit.headless.imagej"))), written);
		assertEquals("rw-r--r--", PosixFilePermissions.toString(Files.getPosixFilePermissions(out)));
		try (java.util.stream.Stream<Path> files = Files.list(tmp.getRoot().toPath())) {
			assertEquals("no partial file left", 1, files.count());
		}
	}

	@Test
	public void withoutAnOutputFileItSaysHowToCallIt() throws Exception {
		assertEquals(2, run());
	}

	private static Set<String> entries(Path jar) throws IOException {
		Set<String> names = new TreeSet<>();
		try (ZipFile z = new ZipFile(jar.toFile())) {
			for (ZipEntry e : Collections.list(z.entries()))
				if (e.getName().endsWith(".class")) names.add(e.getName());
		}
		return names;
	}

	/** A JVM of its own, as the build runs it: ij1-patcher needs ImageJ's classes not loaded yet. */
	private static int run(String... args) throws IOException, InterruptedException {
		List<String> cmd = new ArrayList<>(List.of(Paths.get(System.getProperty("java.home"), "bin", "java").toString(),
				"-Djava.awt.headless=true", "--add-opens=java.base/java.lang=ALL-UNNAMED", "-cp",
				System.getProperty("surefire.test.class.path", System.getProperty("java.class.path")),
				HeadlessImageJ.class.getName()));
		Collections.addAll(cmd, args);
		Process p = new ProcessBuilder(cmd).inheritIO().start();
		assertTrue("HeadlessImageJ did not end within 2 minutes", p.waitFor(2, TimeUnit.MINUTES));
		return p.exitValue();
	}
}
