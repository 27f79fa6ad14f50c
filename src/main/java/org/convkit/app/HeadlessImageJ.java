package org.convkit.app;

import net.imagej.patcher.ExtraPatches;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * Writes ImageJ's classes as {@link HeadlessAgent} patches them (ij1-patcher's headless patches and ConvKit's ROI
 * Manager) to a jar, once, at build time ({@code mvn} runs it; the jar is {@code target/app/launcher/ij-headless.jar}).
 * Why: patching at every start cost a headless run about 3.6 s (Javassist's passes over ImageJ's classes), against
 * 0.35 s to start it patched this way ({@code src/bench/headless-start.sh}); {@code ./convkit --headless} and the
 * tests' headless JVMs put this jar before ImageJ's own on the class path instead of starting the agent. The jar is
 * made from the ImageJ on the class path and is valid only with it.
 * <p>
 * Usage: {@code java -cp ij.jar:ij1-patcher.jar:javassist.jar:ConvKit classes org.convkit.app.HeadlessImageJ OUT.jar}
 */
public final class HeadlessImageJ {
	private HeadlessImageJ() {}

	public static void main(String[] args) throws ClassNotFoundException, IOException {
		if (args.length != 1) {
			System.err.println("usage: HeadlessImageJ OUT.jar");
			System.exit(2);
		}
		Path out = Paths.get(args[0]).toAbsolutePath();
		Files.createDirectories(out.getParent());
		// written beside the target and moved over it: a JVM starting meanwhile never sees half a jar
		Path part = Files.createTempFile(out.getParent(), out.getFileName().toString(), ".part");
		try {
			ExtraPatches.writeJar(HeadlessImageJ.class.getClassLoader(), HeadlessAgent.EDITS, part.toFile());
			// readable by every user of a shared installation, as the other jars (a temporary file is the owner's)
			if (Files.getFileStore(part).supportsFileAttributeView("posix"))
				Files.setPosixFilePermissions(part, PosixFilePermissions.fromString("rw-r--r--"));
			Files.move(part, out, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
		} finally {
			Files.deleteIfExists(part);
		}
	}
}
