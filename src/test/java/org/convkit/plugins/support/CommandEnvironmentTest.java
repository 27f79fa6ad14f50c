package org.convkit.plugins.support;

import org.convkit.testing.ChildJvm;
import org.junit.Test;

import java.util.List;
import java.util.Map;

import static org.junit.Assert.assertEquals;

public class CommandEnvironmentTest {
	/**
	 * A filter command run first in a fresh JVM (no launcher, as in Fiji) loads OpenCV, which starts JavaCPP: ConvKit's
	 * settings for JavaCPP must come before that ({@code JavaCppMemoryCheck}), or they would not apply for the rest
	 * of the session. A child JVM, since this one started JavaCPP long ago.
	 */
	@Test
	public void aFilterCommandFirstStillSwitchesJavaCppsMemoryCheckOff() throws Exception {
		assertEquals("ready=true maxPhysicalBytes=0", ChildJvm.line("ready=", List.of(), Map.of(),
				List.of("-Djava.awt.headless=true"), FilterCommandProbe.class));
	}
}
