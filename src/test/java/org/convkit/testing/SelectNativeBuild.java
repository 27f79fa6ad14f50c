package org.convkit.testing;

import org.convkit.core.cnn.runtime.Nd4jNatives;
import org.junit.runner.Description;
import org.junit.runner.notification.RunListener;

/**
 * Surefire's run listener for every test JVM (pom.xml): chooses ND4J's native build for this processor before the
 * first test runs, as ConvKit's launcher does at start, so a test that touches ND4J before any ConvKit code still
 * gets the build the processor runs (JavaCPP's own default with several builds on the class path would be the AVX2
 * one, whatever the processor). {@code CONVKIT_CPU_ISA} / {@code -Dconvkit.cpu.isa} narrow the choice.
 */
public class SelectNativeBuild extends RunListener {
	@Override
	public void testRunStarted(Description description) {
		Nd4jNatives.select();
	}
}
