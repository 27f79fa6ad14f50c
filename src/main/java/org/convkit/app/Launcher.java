package org.convkit.app;

import ij.IJ;
import ij.ImageJ;
import ij.ImagePlus;
import ij.Menus;
import org.convkit.core.cnn.runtime.Nd4jNatives;
import org.convkit.plugins.support.ClassColours;

import java.awt.GraphicsEnvironment;
import java.io.File;
import java.net.URISyntaxException;

/**
 * Starts ImageJ 1.x with ConvKit's menus (Plugins › ConvKit) and opens images: the ones named on the command
 * line, or a sample image. ImageJ's Menus reads plugins.config only from jars in its plugins folder, so the
 * ConvKit_ jar must be in {@code <plugins.dir>/plugins}: {@code ./convkit} sets {@code -Dplugins.dir=target/app}.
 * Usage: {@code Launcher [IMAGE...]}.
 */
public final class Launcher {
	/** The ConvKit checkout (set by ./convkit); sample images are read from its sample-images folder. */
	public static final String HOME_PROPERTY = "convkit.home";
	public static final String DEFAULT_SAMPLE = "sample-images/" + SampleImages.CELLS_8BIT;

	private Launcher() {}

	public static void main(String[] args) {
		if (GraphicsEnvironment.isHeadless()) {
			System.err.println("convkit: no display (DISPLAY is not set). Run it under a virtual display with "
					+ "'xvfb-run ./convkit', or run a macro with './convkit --headless MACRO.ijm [ARG]'.");
			System.exit(2);
		}
		if (System.getProperty("plugins.dir") == null) guessPluginsDir();
		Nd4jNatives.select(); // ND4J's native build for this processor, before any command can load native code
		new ImageJ(); // standalone: closing its window quits
		ClassColours.quietGroupColours(); // ROI groups in colour without ImageJ's luts folder
		if (Menus.getCommands().get("Apply Kernel...") == null)
			IJ.log("ConvKit: the ConvKit menus were not found. Put ConvKit_.jar in the plugins folder "
					+ "(plugins.dir=" + System.getProperty("plugins.dir") + ").");
		if (args.length == 0) args = new String[] {defaultSample().getPath()};
		for (String path : args) {
			File file = new File(path);
			ImagePlus imp = file.isFile() ? IJ.openImage(file.getAbsolutePath()) : null;
			if (imp == null) IJ.error("ConvKit", "Could not open image:\n" + file.getAbsolutePath());
			else imp.show();
		}
	}

	static File defaultSample() {
		String home = System.getProperty(HOME_PROPERTY, System.getProperty("user.dir"));
		return new File(home, DEFAULT_SAMPLE);
	}

	/** Run from a jar in {@code <app>/plugins/}: that {@code <app>} is ImageJ's folder. */
	private static void guessPluginsDir() {
		try {
			File jar = new File(Launcher.class.getProtectionDomain().getCodeSource().getLocation().toURI());
			File parent = jar.getParentFile();
			if (jar.isFile() && parent != null && parent.getName().equals("plugins"))
				System.setProperty("plugins.dir", parent.getParent());
		} catch (URISyntaxException | SecurityException | NullPointerException e) {
			// no code source: leave ImageJ's default (user.dir/plugins)
		}
	}
}
