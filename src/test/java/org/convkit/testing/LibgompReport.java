package org.convkit.testing;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What libgomp (GCC's OpenMP) reports about itself as it loads in a child JVM: with {@code OMP_DISPLAY_ENV=VERBOSE}
 * each copy prints its settings, an independent witness of what ConvKit set before it loaded.
 */
public final class LibgompReport {
	private static final Pattern SPIN_COUNT = Pattern.compile("GOMP_SPINCOUNT = '(\\d+)'");

	private LibgompReport() {
	}

	/** {@code env} (changes to a child's environment, null removes) with libgomp asked to report its settings. */
	public static Map<String, String> asked(Map<String, String> env) {
		Map<String, String> all = new HashMap<>(env);
		all.put("OMP_DISPLAY_ENV", "VERBOSE");
		return all;
	}

	/** The spin count each libgomp in the child's {@code output} reported, in order (empty: none reported). */
	public static List<String> spinCounts(String output) {
		List<String> counts = new ArrayList<>();
		Matcher m = SPIN_COUNT.matcher(output);
		while (m.find()) counts.add(m.group(1));
		return counts;
	}
}
