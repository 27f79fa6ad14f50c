package org.convkit.core.cnn.runtime;

import org.bytedeco.javacpp.Loader;
import org.convkit.core.cnn.runtime.CpuFeatures.Level;

import java.util.EnumSet;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;

/**
 * Makes JavaCPP load the fastest of the ND4J native builds on the class path that this processor can run, before
 * ND4J loads any. With several nd4j-native jars on the class path and nothing set, JavaCPP 1.5.7's {@code Loader}
 * takes the first one it finds in the reverse of the preset's extension list ({@code -avx512}, {@code -avx2}, ...,
 * {@code -onednn-avx2}, {@code -onednn-avx512}, {@code -onednn}): the {@code -onednn-avx2} build when the three oneDNN
 * builds are there (the pom's profile isa-builds ships them), whatever the processor. ND4J then calls {@code System.exit} on a processor without AVX2, which in Fiji
 * would end the user's session with their unsaved work. So {@link #select()} must run first; ConvKit calls it at
 * every entry to ND4J ({@code Dl4jRuntime.configure()}) and before OpenCV's first load ({@code CommandEnvironment}), the
 * launcher and the test JVMs at start. It also sets JavaCPP's memory check ({@link JavaCppMemoryCheck}).
 * <p>
 * The choice goes into JavaCPP's documented property {@value #EXTENSION_PROPERTY}: the Loader then looks only in that
 * build's folder (and the platform's plain folder, which OpenCV's and OpenBLAS's jars use). The Loader reads its
 * properties once per JVM, when its class initialises (it loads JavaCPP's own library then), so the property is set
 * before ConvKit touches the Loader; when another JavaCPP library (OpenCV, in a filter command) initialised it
 * earlier, the value is also put into the Loader's cached properties, which every later load reads. A value the user
 * set is kept when the processor runs that build, and replaced otherwise. Once ND4J's library is loaded nothing can
 * change; {@link #loaded()} tells which build it is. OpenBLAS's kernels are chosen here too ({@link OpenBlasKernels}),
 * and how long OpenMP's idle threads spin ({@link OpenMpSpinning}).
 */
public final class Nd4jNatives {
	/** JavaCPP's system property for the platform extension (the build's folder suffix). */
	public static final String EXTENSION_PROPERTY = "org.bytedeco.javacpp.platform.extension";
	/** ND4J's JNI library and the package its folders live in. */
	private static final String JNI_LIBRARY = "jnind4jcpu", FOLDER = "org/nd4j/linalg/cpu/nativecpu/bindings/";

	private static Selection selection;

	private Nd4jNatives() {
	}

	/** What {@link #select()} decided and why. */
	public static final class Selection {
		/** The build JavaCPP will load (or has loaded); null when no known build is on the class path. */
		public final NativeBuild build;
		public final Level cpu;
		public final Set<NativeBuild> present;
		/** A sentence for logs and benchmark headers. */
		public final String reason;

		Selection(NativeBuild build, Level cpu, Set<NativeBuild> present, String reason) {
			this.build = build;
			this.cpu = cpu;
			this.present = present;
			this.reason = reason;
		}

		@Override
		public String toString() {
			return reason;
		}
	}

	/** Chooses the build and tells JavaCPP (once per JVM; later calls return the first answer). */
	public static synchronized Selection select() {
		if (selection != null) return selection;
		JavaCppMemoryCheck.relax(); // also read once, when JavaCPP first initialises
		Level cpu = CpuFeatures.level();
		String platform = platform();
		Set<NativeBuild> present = present(platform);
		String requested = System.getProperty(EXTENSION_PROPERTY);
		NativeBuild build = choose(cpu, present, requested);
		if (build != null && !build.extension.isEmpty()) System.setProperty(EXTENSION_PROPERTY, build.extension);
		// only now the Loader (its class initialisation reads the property)
		NativeBuild loaded = loaded();
		OpenBlasKernels.choose(cpu, CpuFeatures.detected()); // before ND4J loads OpenBLAS
		OpenMpSpinning.choose(); // before ND4J loads libgomp
		if (loaded != null) {
			if (requested == null) System.clearProperty(EXTENSION_PROPERTY);
			else System.setProperty(EXTENSION_PROPERTY, requested);
			return selection = new Selection(loaded, cpu, present, "ND4J was already loaded (" + name(loaded, platform)
					+ ") before ConvKit could choose");
		}
		String why;
		if (build == null) {
			why = "no known ND4J native build on the class path for " + platform;
		} else {
			why = "ND4J native build " + name(build, platform) + " for this " + cpu.word() + " processor";
			NativeBuild asked = requested == null ? null : NativeBuild.ofExtension(requested);
			if (requested != null && asked != build)
				why += " (" + EXTENSION_PROPERTY + "=" + requested + " not used: " + (asked == null
						|| !present.contains(asked) ? "no such build on the class path" : "the processor lacks its "
								+ "instructions") + ")";
			if (!build.extension.isEmpty()) {
				Properties cached = Loader.loadProperties();
				if (!build.extension.equals(cached.getProperty("platform.extension")))
					cached.setProperty("platform.extension", build.extension);
			}
		}
		return selection = new Selection(build, cpu, present, why);
	}

	/**
	 * JavaCPP's platform name ("linux-x86_64") worked out as its Loader does, without touching the Loader (whose
	 * initialisation would read the properties before the extension is set).
	 */
	static String platform() {
		String set = System.getProperty("org.bytedeco.javacpp.platform");
		if (set != null) return set;
		String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
		String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
		String o = os.startsWith("linux") ? "linux" : os.startsWith("windows") ? "windows"
				: os.startsWith("mac os x") || os.startsWith("darwin") ? "macosx" : null;
		String a = arch.equals("amd64") || arch.equals("x86_64") || arch.equals("x86-64") ? "x86_64"
				: arch.equals("aarch64") || arch.equals("arm64") ? "arm64" : null;
		return o != null && a != null ? o + "-" + a : Loader.getPlatform();
	}

	/**
	 * The build to load: the one requested when it is present and runs here, else the first present one (in
	 * {@link NativeBuild}'s order of preference) that runs here. The plain build has no folder suffix, so it cannot
	 * be asked for by name: it counts only when it is the one ND4J build present. Null when nothing fits.
	 */
	static NativeBuild choose(Level cpu, Set<NativeBuild> present, String requested) {
		NativeBuild wanted = requested == null ? null : NativeBuild.ofExtension(requested);
		if (wanted != null && wanted != NativeBuild.PLAIN && present.contains(wanted) && wanted.runsOn(cpu))
			return wanted;
		for (NativeBuild b : NativeBuild.values())
			if (b != NativeBuild.PLAIN && present.contains(b) && b.runsOn(cpu)) return b;
		return present.equals(EnumSet.of(NativeBuild.PLAIN)) ? NativeBuild.PLAIN : null;
	}

	/** The builds whose JNI library is on the class path (looked up as resources: nothing is loaded). */
	static Set<NativeBuild> present(String platform) {
		Set<NativeBuild> out = EnumSet.noneOf(NativeBuild.class);
		ClassLoader cl = Nd4jNatives.class.getClassLoader();
		for (NativeBuild b : NativeBuild.values())
			if (cl.getResource(FOLDER + platform + b.extension + "/" + System.mapLibraryName(JNI_LIBRARY)) != null)
				out.add(b);
		return out;
	}

	/** The build whose library JavaCPP has loaded in this JVM, or null before ND4J's natives are loaded. */
	public static NativeBuild loaded() {
		Map<String, String> libraries = Loader.getLoadedLibraries();
		String path = libraries.get(JNI_LIBRARY);
		if (path == null) return null;
		String folder = path.replace('\\', '/');
		int end = folder.lastIndexOf('/'), start = folder.lastIndexOf('/', end - 1);
		if (end < 0 || start < 0) return null;
		String dir = folder.substring(start + 1, end), platform = platform();
		return dir.startsWith(platform) ? NativeBuild.ofExtension(dir.substring(platform.length())) : null;
	}

	private static String name(NativeBuild b, String platform) {
		return "nd4j-native " + b.classifier(platform);
	}
}
