package org.convkit.plugins.support;

import ij.IJ;
import org.bytedeco.javacpp.Loader;
import org.bytedeco.opencv.global.opencv_imgproc;
import org.convkit.core.cnn.net.Nd4jStartup;
import org.convkit.core.cnn.runtime.Nd4jNatives;

/**
 * What every command checks before it reads its dialog: an ImageJ new enough for ConvKit, and the native
 * libraries its work needs (OpenCV for the filters, ND4J's CPU backend for the CNN commands). When something is
 * missing the command says what and how to fix it, through {@link CommandReporter} (a dialog, or a macro error
 * that ends the macro), instead of an UnsatisfiedLinkError or a NoSuchMethodError in the Log while a batch macro
 * carries on with the unfiltered image. Every command in plugins.config calls one of these first (LayeringTest).
 */
public final class CommandEnvironment {
	/** The advice for natives that do not load: ConvKit's jars are not where this ImageJ loads them. */
	static final String REINSTALL = "ConvKit's files are not where this ImageJ loads them: install ConvKit with "
			+ "'./convkit --install FOLDER' (FOLDER: Fiji.app, or the ImageJ folder with plugins/ in it).";

	private static volatile String nativesFailure;
	private static volatile boolean nativesLoaded;

	private CommandEnvironment() {}

	/** For a command that needs no native library: ImageJ's version. False (and reported) when it is too old. */
	public static boolean ready(String command) {
		return imageJ(command);
	}

	/** For the filter commands: ImageJ's version and OpenCV's natives. False (and reported) when one is missing. */
	public static boolean readyForFilters(String command) {
		return imageJ(command) && openCv(command);
	}

	/** For the CNN commands: ImageJ's version and ND4J's CPU backend (with its natives). */
	public static boolean readyForCnn(String command) {
		if (!imageJ(command)) return false;
		try {
			Nd4jStartup.start();
			return true;
		} catch (IllegalStateException e) {
			CommandReporter.badInput(command, "Deeplearning4j's CPU backend (ND4J) could not start: "
					+ e.getMessage().replaceAll("\\.+$", "") + ". " + REINSTALL);
			return false;
		}
	}

	private static boolean imageJ(String command) {
		String version = IJ.getVersion();
		if (ImageJVersion.atLeast(version, ImageJVersion.MINIMUM)) return true;
		CommandReporter.badInput(command, ImageJVersion.tooOld(version));
		return false;
	}

	private static boolean openCv(String command) {
		if (!nativesLoaded && nativesFailure == null) {
			synchronized (CommandEnvironment.class) {
				if (!nativesLoaded && nativesFailure == null) {
					try {
						Nd4jNatives.select(); // JavaCPP's settings for ND4J, before OpenCV initialises JavaCPP
						Loader.load(opencv_imgproc.class); // and opencv_core, javacpp and openblas it depends on
						nativesLoaded = true;
					} catch (RuntimeException | LinkageError e) {
						nativesFailure = e.getClass().getSimpleName() + ": " + e.getMessage();
					}
				}
			}
		}
		if (nativesLoaded) return true;
		CommandReporter.badInput(command, "OpenCV's native libraries could not be loaded (" + nativesFailure + "). "
				+ REINSTALL);
		return false;
	}
}
