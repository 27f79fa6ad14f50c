package org.convkit.app;

import net.imagej.patcher.ExtraPatches;

import javassist.CtClass;

import java.lang.instrument.Instrumentation;
import java.util.Collections;
import java.util.Map;
import java.util.function.Consumer;

/**
 * ConvKit's Java agent for headless JVMs ({@code -javaagent:ConvKit_.jar}, in place of
 * {@code -javaagent:ij1-patcher.jar=init}): ij1-patcher's patches, which let ImageJ 1.x run without a display
 * (dialogs read macro options, batch mode on), plus {@link HeadlessRoiManager}, which lets macros use the ROI Manager
 * there, made at start-up (about 3.6 s). {@code ./convkit --headless} and the tests' macro JVMs use the same patches
 * written once by the build instead ({@link HeadlessImageJ}); the test JVM itself, and any JVM started otherwise,
 * use this agent. Needs ij1-patcher and Javassist on the class path.
 */
public final class HeadlessAgent {
	/** ConvKit's edits on top of ij1-patcher's: class name → edit (also written into the build's patched jar). */
	static final Map<String, Consumer<CtClass>> EDITS =
			Collections.singletonMap(HeadlessRoiManager.CLASS_NAME, HeadlessRoiManager::patch);

	private HeadlessAgent() {
	}

	public static void premain(String args, Instrumentation instrumentation) throws ClassNotFoundException {
		ClassLoader loader = Thread.currentThread().getContextClassLoader();
		ExtraPatches.preinit(loader != null ? loader : ClassLoader.getSystemClassLoader(), EDITS);
	}
}
