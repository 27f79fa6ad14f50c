package net.imagej.patcher;

import javassist.CtClass;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.Method;
import java.util.Map;
import java.util.function.Consumer;

/**
 * A bridge, not ij1-patcher code: ij1-patcher 1.2.6 patches ImageJ 1.x's classes once, before ImageJ loads them
 * ({@code -javaagent:ij1-patcher.jar=init} runs {@link LegacyInjector#preinit()}), and offers no public way to add
 * an edit to that pass: its callbacks ({@code LegacyInjector.after}) and the class pool ({@code CodeHacker}) are
 * package-private. This class does what {@code preinit} does and hands the classes named in {@code edits}, as
 * Javassist sees them inside the pass, to the given edits before the patched classes are defined; or, at build time,
 * writes the patched classes to a jar ({@link #writeJar}) so that a JVM can run them without patching at start-up.
 * Nothing else uses it; {@code org.convkit.app.HeadlessAgent} and {@code org.convkit.app.HeadlessImageJ} call it.
 */
public final class ExtraPatches {
	private ExtraPatches() {
	}

	/**
	 * ij1-patcher's pre-initialisation (headless patches when AWT is headless) plus the extra edits.
	 *
	 * @param edits class name → an edit of that class (it may throw; the failure is then reported and the class
	 *              keeps ij1-patcher's version)
	 */
	public static void preinit(ClassLoader loader, Map<String, Consumer<CtClass>> edits)
			throws ClassNotFoundException {
		if (LegacyInjector.alreadyPatched(loader)) return;
		patch(loader, java.awt.GraphicsEnvironment.isHeadless(), edits, null);
	}

	/**
	 * The same pass with the headless patches, but the patched classes go to {@code jar} (every class the pass
	 * changed or added, as ij1-patcher's own {@code LegacyInjector.writeJar} writes them): on a class path before
	 * ImageJ's own jar they replace its classes, and no agent is needed. {@code loader} must not have loaded ImageJ.
	 *
	 * @throws IllegalStateException when an edit failed (a jar without it would be silently incomplete)
	 */
	public static void writeJar(ClassLoader loader, Map<String, Consumer<CtClass>> edits, File jar)
			throws ClassNotFoundException {
		patch(loader, true, edits, jar);
	}

	private static void patch(ClassLoader loader, boolean headless, Map<String, Consumer<CtClass>> edits, File jar)
			throws ClassNotFoundException {
		// as LegacyInjector.preinit(ClassLoader): the loader in the chain that holds ImageJ
		for (ClassLoader parent = loader.getParent(); parent != null && parent.getResource("ij/IJ.class") != null;
				parent = loader.getParent())
			loader = parent;
		LegacyInjector injector = new LegacyInjector();
		LegacyEnvironment ij1 = new LegacyEnvironment(loader, headless, injector);
		ij1.disableInitializer();
		ij1.noPluginClassLoader();
		ij1.suppressIJ1ScriptDiscovery();
		injector.after.add(hacker -> {
			for (Map.Entry<String, Consumer<CtClass>> e : edits.entrySet()) {
				try {
					e.getValue().accept(hacker.getClass(e.getKey()));
				} catch (RuntimeException x) {
					if (jar != null) throw new IllegalStateException("could not patch " + e.getKey(), x);
					System.err.println("convkit: could not patch " + e.getKey() + " for headless use: " + x);
				}
			}
		});
		if (jar == null) {
			ij1.applyPatches();
			return;
		}
		// as ij1-patcher's LegacyInjector.writeJar, plus the callbacks that applyPatches would run before it
		// defines the classes (the environment's settings and the edits above)
		CodeHacker hacker;
		try {
			Method inject = LegacyInjector.class.getDeclaredMethod("inject", ClassLoader.class, boolean.class);
			inject.setAccessible(true);
			hacker = (CodeHacker) inject.invoke(injector, loader, true);
		} catch (ReflectiveOperationException x) {
			throw new IllegalStateException("ij1-patcher's LegacyInjector.inject is not as in 1.2.6", x);
		}
		for (LegacyInjector.Callback callback : injector.after)
			callback.call(hacker);
		try {
			hacker.writeJar(jar);
		} catch (IOException x) {
			throw new UncheckedIOException(x);
		}
	}
}
