package org.convkit.app;

import org.convkit.plugins.support.ImageJVersion;

/**
 * Asked by {@code ./convkit --install} before it changes anything: is the ImageJ 1.x on the class path (the
 * installation's own ij.jar) new enough for ConvKit? Prints its version; exits 0 when it is, 1 with the reason
 * on stderr when it is not. With {@code --minimum}: prints the oldest version ConvKit supports.
 */
public final class ImageJCheck {
	private ImageJCheck() {}

	public static void main(String[] args) throws ReflectiveOperationException {
		if (args.length == 1 && args[0].equals("--minimum")) {
			System.out.println(ImageJVersion.MINIMUM);
			return;
		}
		System.setProperty("java.awt.headless", "true");
		String version = (String) Class.forName("ij.ImageJ").getField("VERSION").get(null);
		System.out.println(version);
		if (ImageJVersion.atLeast(version, ImageJVersion.MINIMUM)) System.exit(0);
		System.err.println(ImageJVersion.tooOld(version));
		System.exit(1);
	}
}
