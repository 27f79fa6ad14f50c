package org.convkit.plugins.support;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The ImageJ 1.x versions ConvKit runs in. {@link #MINIMUM} is the oldest release with every ImageJ API the
 * commands call (GenericDialog's file and folder fields with a width came in 1.53d); ImageJApiTest links the
 * plugin's classes against that release, and {@code ./convkit --install} and every command refuse older ones
 * with a message instead of failing on a missing method.
 */
public final class ImageJVersion {
	/** Keep equal to {@code imagej1.minimum.version} in pom.xml (ImageJApiTest checks both). */
	public static final String MINIMUM = "1.53d";

	/** "1.53t", "1.54p", also a daily build's "1.54p12". */
	private static final Pattern VERSION = Pattern.compile("(\\d+)\\.(\\d+)([a-z]?)(\\d*).*");

	private ImageJVersion() {}

	/**
	 * Whether {@code version} is {@code minimum} or later; a daily build (1.53d12) counts as its release. A version
	 * not in ImageJ 1.x's format is not refused.
	 */
	public static boolean atLeast(String version, String minimum) {
		Matcher v = VERSION.matcher(version.trim()), m = VERSION.matcher(minimum);
		if (!v.matches() || !m.matches()) return true;
		for (int g = 1; g <= 2; g++) {
			int a = Integer.parseInt(v.group(g)), b = Integer.parseInt(m.group(g));
			if (a != b) return a > b;
		}
		return v.group(3).compareTo(m.group(3)) >= 0;
	}

	/** The message for an ImageJ older than {@link #MINIMUM}. */
	public static String tooOld(String version) {
		return "ConvKit needs ImageJ " + MINIMUM + " or later; this is ImageJ " + version
				+ ". Update ImageJ (Help > Update ImageJ...) or use Fiji.";
	}
}
