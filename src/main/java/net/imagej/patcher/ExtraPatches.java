package net.imagej.patcher;

import javassist.CtClass;

import java.awt.GraphicsEnvironment;
import java.util.Map;
import java.util.function.Consumer;

/**
 * A bridge, not ij1-patcher code: ij1-patcher 1.2.6 patches ImageJ 1.x's classes once, before ImageJ loads them
 * ({@code -javaagent:ij1-patcher.jar=init} runs {@link LegacyInjector#preinit()}), and offers no public way to add
 * an edit to that pass: its callbacks ({@code LegacyInjector.after}) and the class pool ({@code CodeHacker}) are
 * package-private. This class does what {@code preinit} does and hands the classes named in {@code edits}, as
 * Javassist sees them inside the pass, to the given edits before the patched classes are defined. Nothing else uses
 * it; {@code org.convkit.app.HeadlessAgent} calls it.
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
		// as LegacyInjector.preinit(ClassLoader): the loader in the chain that holds ImageJ
		for (ClassLoader parent = loader.getParent(); parent != null && parent.getResource("ij/IJ.class") != null;
				parent = loader.getParent())
			loader = parent;
		LegacyInjector injector = new LegacyInjector();
		LegacyEnvironment ij1 = new LegacyEnvironment(loader, GraphicsEnvironment.isHeadless(), injector);
		ij1.disableInitializer();
		ij1.noPluginClassLoader();
		ij1.suppressIJ1ScriptDiscovery();
		injector.after.add(hacker -> {
			for (Map.Entry<String, Consumer<CtClass>> e : edits.entrySet()) {
				try {
					e.getValue().accept(hacker.getClass(e.getKey()));
				} catch (RuntimeException x) {
					System.err.println("convkit: could not patch " + e.getKey() + " for headless use: " + x);
				}
			}
		});
		ij1.applyPatches();
	}
}
