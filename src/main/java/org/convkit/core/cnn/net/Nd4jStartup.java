package org.convkit.core.cnn.net;

import org.nd4j.common.config.ND4JClassLoading;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Starts ND4J (the array library under DL4J) with its CPU backend, also when ConvKit's jars are loaded by a plugin
 * class loader. ND4J finds its backend through a class loader it takes, once, from the thread that first touches
 * it ({@link ND4JClassLoading}: the thread's context class loader). ImageJ 1.x loads the jars in its plugins folder
 * with a class loader of its own and leaves the context class loader at the system one, which does not see
 * ND4J's jars: ND4J then fails with "NoAvailableBackendException" (seen with Debian's imagej package). Where the
 * context class loader does see ND4J's backend (Fiji, {@code ./convkit}, the tests) nothing is changed. The native
 * build is chosen first ({@link Dl4jRuntime#configure()}): the commands call this before anything else touches ND4J.
 */
public final class Nd4jStartup {
	/** The CPU backend that nd4j-native registers as ND4J's service. */
	static final String CPU_BACKEND = "org.nd4j.linalg.cpu.nativecpu.CpuBackend";

	private static volatile boolean started;
	private static String failure;

	private Nd4jStartup() {}

	/**
	 * Idempotent. Throws an IllegalStateException with the reason when ND4J cannot start (its backend or native
	 * libraries are not found); the same reason on every later call.
	 */
	public static void start() {
		if (started) return;
		synchronized (Nd4jStartup.class) {
			if (started) return;
			if (failure != null) throw new IllegalStateException(failure);
			try {
				Dl4jRuntime.configure(); // ND4J's native build for this processor, before Nd4j loads one
				ClassLoader own = Nd4jStartup.class.getClassLoader();
				if (!sameClass(ND4JClassLoading.getNd4jClassloader(), own, CPU_BACKEND))
					ND4JClassLoading.setNd4jClassloader(own);
				Nd4j.getBackend();
				started = true;
			} catch (RuntimeException | LinkageError e) {
				// ExceptionInInitializerError (no backend), UnsatisfiedLinkError (natives), NoClassDefFoundError
				failure = reason(e);
				throw new IllegalStateException(failure, e);
			}
		}
	}

	/** Whether {@code loader} loads the very class that {@code own} loads (not a missing or another copy). */
	private static boolean sameClass(ClassLoader loader, ClassLoader own, String name) {
		if (loader == null) loader = ClassLoader.getSystemClassLoader();
		try {
			return Class.forName(name, false, loader) == Class.forName(name, false, own);
		} catch (ClassNotFoundException | LinkageError e) {
			return false;
		}
	}

	/** The innermost message: ND4J wraps the real reason in one or two exceptions. */
	private static String reason(Throwable t) {
		Throwable root = t;
		while (root.getCause() != null && root.getCause() != root) root = root.getCause();
		String name = root.getClass().getSimpleName();
		return root.getMessage() == null ? name : name + ": " + root.getMessage();
	}
}
