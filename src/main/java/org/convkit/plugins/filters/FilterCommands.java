package org.convkit.plugins.filters;

import ij.ImagePlus;

import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Locale;

/**
 * The filter commands without their dialogs, driven by a macro options string, for batch jobs (the Spark filter
 * job): {@code apply("Apply Kernel...", imp, "preset=[Sobel X] border=Reflect output=32-bit")} gives the pixels
 * {@code run("Apply Kernel...", "preset=[Sobel X] border=Reflect output=32-bit")} gives on that image. The
 * commands read their options through the same code as their dialogs ({@code FieldValues}).
 */
public final class FilterCommands {
	/** The commands, as named in the menu and in macros. */
	public static final List<String> NAMES = Collections.unmodifiableList(Arrays.asList(ApplyKernel.COMMAND,
			HighPassFilter.COMMAND, EdgeDetection.COMMAND));

	private FilterCommands() {
	}

	/**
	 * The menu name of a command given with or without the trailing "...", in any case.
	 *
	 * @throws IllegalArgumentException naming the commands there are
	 */
	public static String canonical(String command) {
		String c = command == null ? "" : command.trim().toLowerCase(Locale.ROOT);
		for (String n : NAMES) {
			String lower = n.toLowerCase(Locale.ROOT);
			if (c.equals(lower) || c.equals(lower.substring(0, lower.length() - 3))) return n;
		}
		throw new IllegalArgumentException("Unknown filter command '" + command + "': use one of " + String.join(", ",
				NAMES));
	}

	/**
	 * Checks the options without an image (keys, numbers, names, the kernel): what can be checked before any image
	 * is read. Checks that need the image (a kernel larger than it) happen in {@link #apply}.
	 *
	 * @throws IllegalArgumentException with the command's own message
	 */
	public static void check(String command, String options) {
		String c = canonical(command);
		if (c.equals(EdgeDetection.COMMAND)) EdgeDetection.checkOptions(options);
		else filter(c).checkOptions(options);
	}

	/**
	 * The command's result on {@code imp}: {@code imp} changed in place, or a new image (32-bit output, Edge
	 * Detection), as the macro line would leave it.
	 *
	 * @throws IllegalArgumentException for options that are bad or do not fit the image; the image is unchanged
	 */
	public static ImagePlus apply(String command, ImagePlus imp, String options) {
		String c = canonical(command);
		if (c.equals(EdgeDetection.COMMAND)) return EdgeDetection.apply(imp, options);
		return filter(c).apply(imp, options);
	}

	private static org.convkit.plugins.support.FloatFilterCommand filter(String canonical) {
		return canonical.equals(ApplyKernel.COMMAND) ? new ApplyKernel() : new HighPassFilter();
	}
}
