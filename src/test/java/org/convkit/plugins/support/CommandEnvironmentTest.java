package org.convkit.plugins.support;

import org.junit.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Paths;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

public class CommandEnvironmentTest {
	/**
	 * A filter command run first in a fresh JVM (no launcher, as in Fiji) loads OpenCV, which starts JavaCPP: ConvKit's
	 * settings for JavaCPP must come before that ({@code JavaCppMemoryCheck}), or they would not apply for the rest
	 * of the session. A child JVM, since this one started JavaCPP long ago.
	 */
	@Test
	public void aFilterCommandFirstStillSwitchesJavaCppsMemoryCheckOff() throws Exception {
		String classPath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
		ProcessBuilder pb = new ProcessBuilder(List.of(Paths.get(System.getProperty("java.home"), "bin", "java")
				.toString(), "-Xmx512m", "-Djava.awt.headless=true", "-cp", classPath,
				FilterCommandProbe.class.getName())).redirectErrorStream(true);
		Process p = pb.start();
		byte[] out = p.getInputStream().readAllBytes();
		assertTrue("the probe JVM must end", p.waitFor(2, TimeUnit.MINUTES));
		String text = new String(out, StandardCharsets.UTF_8);
		assertEquals(text, 0, p.exitValue());
		String last = null;
		for (String line : text.split("\n"))
			if (line.startsWith("ready=")) last = line.trim();
		assertEquals(text, "ready=true maxPhysicalBytes=0", last);
	}
}
