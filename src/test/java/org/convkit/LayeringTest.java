package org.convkit;

import javassist.bytecode.ClassFile;
import javassist.bytecode.ConstPool;
import org.junit.BeforeClass;
import org.junit.Test;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

/**
 * The layering the codebase promises, checked on the compiled classes (target/classes, which is exactly what goes
 * into the plugin jar):
 * <ul>
 * <li>the core ({@code org.convkit.core}) uses no GUI: no {@code ij.gui}, {@code ij.IJ}, {@code java.awt},
 * {@code javax.swing} (ImageJ's data classes such as ImageProcessor and ImagePlus are fine), and nothing of the
 * layers above it ({@code plugins}, {@code app}, {@code scripting});
 * <li>the plugin jar holds no benchmark, test or Python code: those live in src/bench and src/test;
 * <li>every command in plugins.config checks its environment first ({@code CommandEnvironment}: ImageJ's version,
 * the native libraries), so that an ImageJ too old or natives out of reach get a plain message, not a
 * NoSuchMethodError or UnsatisfiedLinkError in the Log while a batch macro carries on.
 * </ul>
 * Why a bytecode scan and not ArchUnit or a scan of the sources' imports: the constant pool of a class file names
 * every class the class refers to, also those written fully qualified in the code (which an import scan misses)
 * and those only in field and method signatures; javassist, which reads it, is already on the test class path
 * (ImageJ's patcher uses it), where ArchUnit would be a new dependency for two rules.
 */
public class LayeringTest {
	/** Class-name prefixes (internal form) the core must not refer to. */
	static final String[] GUI = { "ij/gui/", "ij/IJ", "java/awt/", "javax/swing/" };
	static final String[] UPPER_LAYERS = { "org/convkit/plugins/", "org/convkit/app/", "org/convkit/scripting/" };

	private static Path classes;

	@BeforeClass
	public static void findClasses() {
		classes = Paths.get(System.getProperty("convkit.basedir", ".")).resolve("target/classes");
		assertTrue("no compiled classes in " + classes, Files.isDirectory(classes.resolve("org/convkit/core")));
	}

	@Test
	public void theCoreUsesNoGuiClasses() throws IOException {
		assertEquals("core classes that use GUI classes", "", violations("org/convkit/core/", GUI));
	}

	@Test
	public void theCoreUsesNoneOfTheLayersAboveIt() throws IOException {
		assertEquals("core classes that use the command, app or scripting layer", "",
				violations("org/convkit/core/", UPPER_LAYERS));
	}

	/** The scan finds what it must find: the commands do use ImageJ's GUI, so the rule applied to them fails. */
	@Test
	public void theScanSeesGuiUseWhereThereIsSome() throws IOException {
		String found = violations("org/convkit/plugins/", GUI);
		assertTrue(found, found.contains("org.convkit.plugins.cnn.TrainingDialogs -> ij.gui.GenericDialog"));
		assertTrue(found, found.contains("-> java.awt."));
	}

	@Test
	public void thePluginJarHoldsNoBenchmarkTestOrPythonCode() throws IOException {
		try (Stream<Path> s = Files.walk(classes)) {
			List<String> stray = s.filter(Files::isRegularFile).map(p -> classes.relativize(p).toString())
					.filter(n -> n.startsWith("org/convkit/bench/") || n.startsWith("org/convkit/testing/")
							|| n.endsWith(".py") || n.endsWith("Test.class"))
					.sorted().collect(Collectors.toList());
			assertEquals("files in target/classes (the plugin jar) that belong to src/bench or src/test",
					new ArrayList<String>(), stray);
		}
	}

	@Test
	public void everyCommandChecksItsEnvironment() throws IOException {
		List<String> unchecked = new ArrayList<>();
		List<String> lines = Files.readAllLines(classes.resolve("plugins.config"));
		int commands = 0;
		for (String line : lines) {
			if (line.isBlank() || line.startsWith("#")) continue;
			String className = line.substring(line.lastIndexOf(',') + 1).trim();
			commands++;
			if (!callsCommandEnvironment(className)) unchecked.add(className);
		}
		assertTrue("commands found in plugins.config: " + commands, commands >= 7);
		assertEquals("commands that do not call CommandEnvironment.ready/readyForFilters/readyForCnn(COMMAND) "
				+ "before their dialog (add 'if (!CommandEnvironment.readyFor...(COMMAND)) return;')",
				new ArrayList<String>(), unchecked);
	}

	/** The scan sees a command without the check: the commands' shared superclass has none of its own. */
	@Test
	public void theEnvironmentScanSeesAClassWithoutTheCheck() throws IOException {
		assertTrue(callsCommandEnvironment("org.convkit.plugins.filters.ApplyKernel")); // through FloatFilterCommand
		assertTrue(!callsCommandEnvironment("org.convkit.plugins.support.CommandReporter"));
	}

	/** Whether the class, or a ConvKit superclass of it, calls a method of CommandEnvironment. */
	private static boolean callsCommandEnvironment(String className) throws IOException {
		for (String c = className; c != null && c.startsWith("org.convkit."); ) {
			Path file = classes.resolve(c.replace('.', '/') + ".class");
			assertTrue("plugins.config names " + className + ", which is not compiled", Files.isRegularFile(file));
			ClassFile cf = read(file);
			ConstPool cp = cf.getConstPool();
			for (int i = 1; i < cp.getSize(); i++)
				if (cp.getTag(i) == ConstPool.CONST_Methodref
						&& cp.getMethodrefClassName(i).equals("org.convkit.plugins.support.CommandEnvironment"))
					return true;
			c = cf.getSuperclass();
		}
		return false;
	}

	/** "class -> referenced class" for every class under {@code packagePath} that refers to a forbidden prefix. */
	static String violations(String packagePath, String... forbidden) throws IOException {
		Set<String> found = new TreeSet<>();
		try (Stream<Path> s = Files.walk(classes.resolve(packagePath))) {
			for (Path p : (Iterable<Path>) s.filter(f -> f.toString().endsWith(".class"))::iterator) {
				ClassFile cf = read(p);
				for (String ref : references(cf))
					for (String f : forbidden)
						if (ref.startsWith(f) && !ref.equals(cf.getName().replace('.', '/')))
							found.add(cf.getName() + " -> " + ref.replace('/', '.'));
			}
		}
		return String.join("\n", found);
	}

	private static ClassFile read(Path p) throws IOException {
		try (InputStream in = Files.newInputStream(p)) {
			return new ClassFile(new DataInputStream(in));
		}
	}

	/** Every class named in the constant pool: class entries and the types in field and method descriptors. */
	private static Set<String> references(ClassFile cf) {
		Set<String> refs = new TreeSet<>();
		ConstPool cp = cf.getConstPool();
		for (int i = 1; i < cp.getSize(); i++) {
			int tag = cp.getTag(i);
			if (tag == ConstPool.CONST_Class) refs.add(elementType(cp.getClassInfoByDescriptor(i)));
			else if (tag == ConstPool.CONST_Utf8) addDescriptorTypes(cp.getUtf8Info(i), refs);
		}
		return refs;
	}

	private static String elementType(String descriptor) {
		String d = descriptor.replaceFirst("^\\[+", "");
		return d.startsWith("L") && d.endsWith(";") ? d.substring(1, d.length() - 1) : d;
	}

	/** A type in a descriptor or generic signature: "Lpkg/Name;" or "Lpkg/Name<...>;". */
	private static final Pattern TYPE = Pattern.compile("L([A-Za-z_$][\\w$]*(?:/[\\w$]+)+)[;<]");

	private static void addDescriptorTypes(String utf8, Set<String> refs) {
		Matcher m = TYPE.matcher(utf8);
		while (m.find()) refs.add(m.group(1));
	}
}
