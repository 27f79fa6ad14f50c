package org.convkit.core.cnn.runtime;

/**
 * How long OpenMP's idle threads poll before they sleep. ND4J's library (with the oneDNN inside it) and the fused
 * block's oneDNN (bytedeco's) run their parallel loops on libgomp, GCC's OpenMP: one copy in the JVM, the one ND4J
 * brings (JavaCPP loads a library of the same name once; bytedeco's libtbb is loaded but not used); after a loop the
 * worker threads keep polling for the next one, by default 300,000 times (a {@code pause} instruction each: 3.4 ms on
 * the Intel Xeon measured here, src/bench/pause-cost.sh). ConvKit's own parallel work between those loops (its
 * Winograd kernels, the block's max pooling, Adam's step) runs on Java's threads, and on a 2-core machine one of them
 * then shares a core with a polling worker until the worker gives up: each Winograd pass on Small VGG's 32×32 layers
 * took about 1 ms longer for it, and Small VGG 64×64 trained 10–19 % faster on two threads with 3,000 polls than with
 * libgomp's default, with AVX-512 and narrowed to AVX2 alike (96×96 RGB: 4 %; docs/benchmarks.md, "OpenMP's idle
 * threads"). No polling at all (0) trained Small VGG 64×64 5–10 % slower than 1,000 to 10,000 polls with AVX-512 and
 * slowed raw DL4J's batched classification (many small loops back to back) by about a tenth; from 1,000 to 10,000 the
 * figures did not move beyond the host's noise, so ConvKit takes {@value #VALUE} (34 µs here).
 * <p>
 * ConvKit puts {@value #VARIABLE}={@value #VALUE} (libgomp's own variable, read once when the library loads) into the
 * process's C environment before ND4J loads ({@link NativeEnvironment}, called by {@link Nd4jNatives#select()}):
 * unless the user set it or {@value #POLICY_VARIABLE} (theirs wins), unless libgomp is loaded already (too late:
 * another plugin in Fiji brought it), and unless {@value #PROPERTY}{@code =false}. The setting is the process's: in
 * Fiji, another plugin's OpenMP code loaded later polls as briefly. With one thread (LeNet's training on 2 cores, a
 * single image, {@code OMP_NUM_THREADS=1}) libgomp starts no workers and nothing changes.
 */
public final class OpenMpSpinning {
	/** libgomp's variable for how many times an idle thread polls before it sleeps. */
	public static final String VARIABLE = "GOMP_SPINCOUNT";
	/** OpenMP's standard variable (ACTIVE or PASSIVE), which sets libgomp's spin count where the above is not set. */
	public static final String POLICY_VARIABLE = "OMP_WAIT_POLICY";
	/** {@code -Dconvkit.openmpSpinning=false} leaves libgomp's own default (300,000 polls). */
	public static final String PROPERTY = "convkit.openmpSpinning";
	/** ConvKit's count (see the class comment). */
	static final String VALUE = "3000";

	private static String chosen;
	private static boolean decided;

	private OpenMpSpinning() {
	}

	/**
	 * The value ConvKit should set given the switch's value {@code property} (null: unset), the environment's
	 * {@value #VARIABLE} and {@value #POLICY_VARIABLE} (null: unset) and whether libgomp is {@code loaded}: null when
	 * it should set nothing.
	 */
	static String forSettings(String property, String spinCount, String waitPolicy, boolean loaded) {
		if (property != null && property.trim().equalsIgnoreCase("false")) return null;
		if (spinCount != null || waitPolicy != null || loaded) return null;
		return VALUE;
	}

	/**
	 * Puts ConvKit's value into the C environment once per JVM (see the class comment); returns it, or null when it
	 * set nothing. Called by {@link Nd4jNatives#select()}, before ND4J loads.
	 */
	static synchronized String choose() {
		if (decided) return chosen;
		decided = true;
		String value = forSettings(System.getProperty(PROPERTY), System.getenv(VARIABLE),
				System.getenv(POLICY_VARIABLE), loaded());
		if (value == null) return null;
		return chosen = NativeEnvironment.putIfAbsent(VARIABLE, value) ? value : null;
	}

	/** What ConvKit set {@value #VARIABLE} to in this JVM, or null (libgomp's default, or the user's setting). */
	public static synchronized String chosen() {
		return chosen;
	}

	/** Whether the environment Java started with sets libgomp's spinning ({@value #VARIABLE} or the policy). */
	public static boolean usersOwn() {
		return System.getenv(VARIABLE) != null || System.getenv(POLICY_VARIABLE) != null;
	}

	/** A few words for benchmark headers: the spinning in effect in this JVM and whose choice it is. */
	public static String describe() {
		String user = System.getenv(VARIABLE), policy = System.getenv(POLICY_VARIABLE), mine = chosen();
		if (mine != null) return VARIABLE + "=" + mine + " (ConvKit's)";
		if (user != null) return VARIABLE + "=" + user + " (the user's)";
		if (policy != null) return POLICY_VARIABLE + "=" + policy + " (the user's)";
		return "libgomp's default";
	}

	/** libgomp exports OpenMP's API; found, it is loaded (and has read its variables). */
	static boolean loaded() {
		return NativeEnvironment.symbol("omp_get_max_threads") != null;
	}
}
