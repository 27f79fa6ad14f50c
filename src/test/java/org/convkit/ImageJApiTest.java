package org.convkit;

import javassist.ClassPool;
import javassist.CtClass;
import javassist.LoaderClassPath;
import javassist.NotFoundException;
import javassist.bytecode.ClassFile;
import javassist.bytecode.ConstPool;
import org.convkit.plugins.support.ImageJVersion;
import org.junit.Test;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

/**
 * The oldest ImageJ the README promises is true: every ImageJ 1.x class, method and field that the plugin's
 * commands and core refer to exists in ImageJ {@link ImageJVersion#MINIMUM} (the pom copies that release from
 * Maven Central into target/imagej-minimum). The launcher's own classes (org.convkit.app) are left out: they run
 * with the ImageJ that ./convkit brings. The same scan against a release that is too old finds what it lacks.
 */
public class ImageJApiTest {
	private static final Path BASE = Paths.get(System.getProperty("convkit.basedir", "."));
	private static final Path MINIMUM = BASE.resolve("target/imagej-minimum/ij.jar"),
			TOO_OLD = BASE.resolve("target/imagej-too-old/ij.jar");

	@Test
	public void everyImageJApiTheCommandsUseExistsInTheMinimumVersion() throws Exception {
		assertEquals("target/imagej-minimum/ij.jar is ImageJVersion.MINIMUM (pom: imagej1.minimum.version)",
				ImageJVersion.MINIMUM, version(MINIMUM));
		assertEquals("ImageJ APIs missing in " + ImageJVersion.MINIMUM, "", missing(MINIMUM));
	}

	@Test
	public void theScanFindsWhatAnOlderImageJLacks() throws Exception {
		assertEquals("1.52i", version(TOO_OLD));
		String missing = missing(TOO_OLD);
		assertTrue(missing, missing.contains("ij.gui.GenericDialog.addFileField(Ljava/lang/String;Ljava/lang/String;I)V"));
		assertTrue(ImageJVersion.atLeast(ImageJVersion.MINIMUM, ImageJVersion.MINIMUM));
		assertTrue(!ImageJVersion.atLeast("1.52i", ImageJVersion.MINIMUM));
	}

	/** "class -> member" for every reference from org.convkit (but app) to ImageJ that {@code ijJar} lacks. */
	static String missing(Path ijJar) throws Exception {
		ClassPool pool = new ClassPool(false);
		pool.appendClassPath(ijJar.toString());
		pool.appendClassPath(new LoaderClassPath(ClassLoader.getPlatformClassLoader())); // java.*, javax.*
		Path classes = BASE.resolve("target/classes");
		Set<String> missing = new TreeSet<>();
		try (Stream<Path> s = Files.walk(classes.resolve("org/convkit"))) {
			for (Path p : (Iterable<Path>) s.filter(f -> f.toString().endsWith(".class"))::iterator) {
				if (classes.relativize(p).toString().startsWith("org/convkit/app/")) continue;
				ClassFile cf;
				try (InputStream in = Files.newInputStream(p)) {
					cf = new ClassFile(new DataInputStream(in));
				}
				ConstPool cp = cf.getConstPool();
				for (int i = 1; i < cp.getSize(); i++) {
					String ref = reference(cp, i);
					if (ref == null || !ref.startsWith("ij.")) continue;
					if (!resolves(pool, cp, i)) missing.add(cf.getName() + " -> " + ref);
				}
			}
		}
		return String.join("\n", missing);
	}

	/** The ImageJ member or class at constant {@code i} ("ij.Foo.bar(desc)", "ij.Foo.field", "ij.Foo"), or null. */
	private static String reference(ConstPool cp, int i) {
		switch (cp.getTag(i)) {
			case ConstPool.CONST_Methodref:
				return cp.getMethodrefClassName(i) + "." + cp.getMethodrefName(i) + cp.getMethodrefType(i);
			case ConstPool.CONST_InterfaceMethodref:
				return cp.getInterfaceMethodrefClassName(i) + "." + cp.getInterfaceMethodrefName(i)
						+ cp.getInterfaceMethodrefType(i);
			case ConstPool.CONST_Fieldref:
				return cp.getFieldrefClassName(i) + "." + cp.getFieldrefName(i);
			case ConstPool.CONST_Class:
				return cp.getClassInfo(i);
			default:
				return null;
		}
	}

	/** Whether the class exists and has the member (declared or inherited), as the JVM would link it. */
	private static boolean resolves(ClassPool pool, ConstPool cp, int i) {
		try {
			switch (cp.getTag(i)) {
				case ConstPool.CONST_Methodref: {
					CtClass c = pool.get(cp.getMethodrefClassName(i));
					String name = cp.getMethodrefName(i), desc = cp.getMethodrefType(i);
					if (name.equals("<init>")) c.getConstructor(desc);
					else c.getMethod(name, desc);
					return true;
				}
				case ConstPool.CONST_InterfaceMethodref:
					pool.get(cp.getInterfaceMethodrefClassName(i)).getMethod(cp.getInterfaceMethodrefName(i),
							cp.getInterfaceMethodrefType(i));
					return true;
				case ConstPool.CONST_Fieldref:
					pool.get(cp.getFieldrefClassName(i)).getField(cp.getFieldrefName(i), cp.getFieldrefType(i));
					return true;
				default:
					pool.get(cp.getClassInfo(i));
					return true;
			}
		} catch (NotFoundException e) {
			return false;
		}
	}

	/** ImageJ's version as the jar's ij.ImageJ declares it (the VERSION constant). */
	static String version(Path ijJar) throws IOException, NotFoundException {
		assertTrue(ijJar + " is missing (the pom copies it in generate-test-resources)", Files.isRegularFile(ijJar));
		ClassPool pool = new ClassPool(false);
		pool.appendClassPath(ijJar.toString());
		return (String) pool.get("ij.ImageJ").getField("VERSION").getConstantValue();
	}
}
