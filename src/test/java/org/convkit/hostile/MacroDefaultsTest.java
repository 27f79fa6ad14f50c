package org.convkit.hostile;

import ij.ImagePlus;
import ij.WindowManager;
import ij.measure.ResultsTable;
import org.convkit.plugins.support.CommandKey;
import org.convkit.plugins.support.CommandKeys;
import org.convkit.plugins.support.CommandKeys.Kind;
import org.convkit.plugins.support.NamedTables;
import org.convkit.testing.MacroHarness;
import org.junit.After;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.junit.runners.Parameterized;
import org.junit.runners.Parameterized.Parameters;

import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.Field;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotEquals;
import static org.junit.Assert.assertTrue;

/**
 * The README's rule for macro defaults, for every command of {@code plugins.config} (generated from its
 * {@link CommandKeys} table): a macro that leaves a key out gets the documented default, whatever the dialog last
 * used; the dialog remembers its values. Per command: the macro with every key given as its documented default and
 * the macro with the keys left out have the same effect; a dialog run with other values (simulated: ImageJ's
 * dialogs cannot open headless) is remembered by the next dialog but changes nothing for the next macro; and a
 * required key left out of a macro is an error even when the dialog remembers a value for it. A value that brings in
 * keys of its own ({@code source=ROIs}: label, patch, border, ...) gets the same test for those keys. What a run did
 * includes the ROI Manager's ROIs for commands that read it (a ROI set opened there first, {@link HostileRois}).
 */
@RunWith(Parameterized.class)
public class MacroDefaultsTest {
	private static final HostileFixtures FX = HostileFixtures.get();
	/** A stack, so that keys about planes (stack, target=Slices) change results. */
	private static final String IMAGE = "8-bit stack";
	private final CommandKeys k;
	/** The values every call gives (e.g. source=ROIs), so that the keys that count only then are tested too. */
	private final Map<String, String> cond;

	public MacroDefaultsTest(String name, CommandKeys k, Map<String, String> cond) {
		this.k = k;
		this.cond = cond;
	}

	/** Every command, and again under each value of a key that brings in keys of its own (source=ROIs). */
	@Parameters(name = "{0}")
	public static List<Object[]> commands() {
		List<Object[]> out = new ArrayList<>();
		for (CommandKeys k : DeclaredCommands.all()) {
			if (!k.command().contains(System.getProperty(HostileInputTest.ONLY, ""))) continue;
			out.add(new Object[] { k.command(), k, Map.of() });
			for (Map<String, String> cond : HostileCases.conditions(k))
				out.add(new Object[] { k.command() + " " + HostileCases.format(cond), k, cond });
		}
		return out;
	}

	@After
	public void forget() {
		CommandKeys.simulateDialogForTests(false);
		k.forgetDialogValues();
	}

	@Test
	public void macrosUseTheDocumentedDefaultsAndDialogsRememberTheirValues() throws Exception {
		HostileCases cases = new HostileCases(FX);
		List<CommandKey> free = new ArrayList<>();
		Map<String, String> probe = cases.base(k, FX.newCaseDir(), cond);
		for (CommandKey key : k.keys())
			if (!probe.containsKey(key.name) && key.kind != Kind.PATH && !key.required() && key.insteadOf() == null
					&& (cond.isEmpty() || key.whenKey() != null && key.whenValue().equals(cond.get(key.whenKey()))))
				free.add(key);

		String explicit = run(false, dir -> {
			Map<String, String> o = cases.base(k, dir, cond);
			for (CommandKey key : free)
				if (key.kind != Kind.FLAG) o.put(key.name, key.defaultValue); // a flag's default is its absence
			return o;
		});
		String omitted = run(false, dir -> cases.base(k, dir, cond));
		assertEquals("a macro leaving keys out differs from one giving their documented defaults", explicit, omitted);

		String dialog = run(true, dir -> {
			Map<String, String> o = cases.base(k, dir, cond);
			for (CommandKey key : free) {
				String alt = alternative(key);
				if (key.kind == Kind.FLAG) {
					if (Boolean.parseBoolean(alt)) o.put(key.name, null);
				} else {
					o.put(key.name, alt);
				}
			}
			return o;
		});
		if (!free.isEmpty())
			assertNotEquals("the other values of the dialog run should change the result: " + free, explicit, dialog);
		// ImageJ's headless dialog ticks a checkbox only when the options name it, never from the dialog's default: the
		// ticked ones are given again (so flags are left to the GUI tests); every other key comes from memory.
		String remembered = run(true, dir -> {
			Map<String, String> o = cases.base(k, dir, cond);
			for (CommandKey key : free)
				if (key.kind == Kind.FLAG && Boolean.parseBoolean(alternative(key))) o.put(key.name, null);
			return o;
		});
		assertEquals("the next dialog does not start from the values last used", dialog, remembered);
		String macroAfterDialog = run(false, dir -> cases.base(k, dir, cond));
		assertEquals("a macro used a value last chosen in the dialog", explicit, macroAfterDialog);

		for (CommandKey key : k.keys()) {
			if (!key.required() || !probe.containsKey(key.name)) continue;
			String without = run(false, dir -> {
				Map<String, String> o = cases.base(k, dir, cond);
				o.remove(key.name);
				return o;
			});
			assertTrue("a macro without the required " + key.name + "= did not fail (did it use the dialog's value?): "
					+ without, without.startsWith("failed"));
		}
	}

	/** A valid value other than the default: the declared one, or the next item, a nearby number, true. */
	static String alternative(CommandKey key) {
		if (key.alternative() != null) return key.alternative();
		switch (key.kind) {
			case FLAG:
				return "true";
			case CHOICE:
				for (String c : key.choices)
					if (!c.equals(key.defaultValue)) return c;
				return key.defaultValue;
			case NUMBER: {
				double d = key.defaultNumber();
				for (double v : new double[] { d * 1.5, d + 1, d - 1 })
					if (v != d && key.range.accepts(v)) return key.range.whole ? String.valueOf((long) v) : String.valueOf(v);
				return key.defaultValue;
			}
			default:
				return key.defaultValue;
		}
	}

	private interface Options {
		Map<String, String> at(Path dir);
	}

	/** Runs the command once on a fresh base image and folder; returns everything it did, as text. */
	private String run(boolean dialog, Options options) throws IOException {
		Path dir = FX.newCaseDir();
		String opts = HostileCases.format(options.at(dir));
		String kind = HostileFixtures.imageFor(k, IMAGE);
		ImagePlus imp = kind == null ? null : HostileFixtures.image(kind);
		String prelude = k.isUsingRois() ? HostileRois.prelude(FX.roiSet) : "";
		List<Integer> before = Snapshot.imageIds();
		Map<String, Object[]> tablesBefore = tables();
		CommandKeys.simulateDialogForTests(dialog);
		MacroHarness.Outcome o;
		try {
			o = MacroHarness.runInMacro(imp, prelude, k.command(), opts);
		} finally {
			CommandKeys.simulateDialogForTests(false);
		}
		StringBuilder sb = new StringBuilder(o.failures.isEmpty() ? "succeeded" : "failed " + o.failures);
		sb.append("\nimage: ").append(Snapshot.image(imp));
		if (k.isUsingRois()) sb.append("\nROIs: ").append(HostileRois.now(true));
		for (int id : Snapshot.imageIds())
			if (!before.contains(id)) {
				ImagePlus r = WindowManager.getImage(id);
				sb.append("\nnew image: ").append(Snapshot.image(r).replaceFirst("^\\S+", ""));
				r.changes = false;
				r.close();
			}
		for (Map.Entry<String, Object[]> t : tables().entrySet()) {
			Object[] old = tablesBefore.get(t.getKey());
			String now = (String) t.getValue()[1];
			// a table that grew (rows appended to the same table) shows the new rows; a new table all of them (by row
			// count: a column a later row adds also appears in the earlier rows)
			String added = old != null && old[0] == t.getValue()[0] ? rowsFrom(now, (Integer) old[2]) : now;
			// a table an earlier run left unchanged is no effect of this run
			if (!added.isEmpty()) sb.append("\ntable ").append(t.getKey()).append(": ").append(added);
		}
		sb.append("\nfiles: ").append(files(dir));
		return sb.toString();
	}

	/** Every table kept by NamedTables: the table and its rows as text, without the timing columns. */
	@SuppressWarnings("unchecked")
	private static Map<String, Object[]> tables() {
		try {
			Field f = NamedTables.class.getDeclaredField("headless");
			f.setAccessible(true);
			Map<String, Object[]> out = new TreeMap<>();
			for (Map.Entry<String, ResultsTable> e : ((Map<String, ResultsTable>) f.get(null)).entrySet()) {
				ResultsTable rt = e.getValue();
				StringBuilder sb = new StringBuilder();
				String[] headings = rt.getHeadings();
				for (int row = 0; row < rt.size(); row++) {
					for (String h : headings) {
						if (h.equals("seconds") || h.equals("images_per_s") || h.equals("image")) continue;
						sb.append(h).append('=').append(cell(rt, h, row)).append(' ');
					}
					sb.append('\n');
				}
				out.put(e.getKey(), new Object[] { rt, sb.toString(), rt.size() });
			}
			return out;
		} catch (ReflectiveOperationException e) {
			throw new IllegalStateException(e);
		}
	}

	/** A cell as text; a number by its value (a table's shown decimals change with the rows it holds). */
	private static String cell(ResultsTable rt, String column, int row) {
		double v = rt.getValue(column, row);
		return Double.isNaN(v) ? rt.getStringValue(column, row) : Double.toString(v);
	}

	/** The rows of a table's text (one line per row) from row {@code first} on. */
	private static String rowsFrom(String text, int first) {
		int at = 0;
		for (int i = 0; i < first; i++) {
			int nl = text.indexOf('\n', at);
			if (nl < 0) return "";
			at = nl + 1;
		}
		return text.substring(at);
	}

	/** The files a run wrote: names and contents (a zip by its entries' contents: its timestamps differ). */
	private static String files(Path dir) throws IOException {
		Map<String, String> out = new TreeMap<>();
		try (Stream<Path> s = Files.walk(dir)) {
			for (Path p : (Iterable<Path>) s::iterator) {
				if (!Files.isRegularFile(p)) continue;
				String name = dir.relativize(p).toString();
				if (name.endsWith(".zip")) {
					StringBuilder sb = new StringBuilder();
					try (ZipFile z = new ZipFile(p.toFile())) {
						for (Enumeration<? extends ZipEntry> e = z.entries(); e.hasMoreElements();) {
							ZipEntry entry = e.nextElement();
							try (InputStream in = z.getInputStream(entry)) {
								sb.append(entry.getName()).append(':').append(hash(in.readAllBytes())).append(' ');
							}
						}
					}
					out.put(name, sb.toString());
				} else {
					out.put(name, new String(Files.readAllBytes(p), StandardCharsets.UTF_8));
				}
			}
		}
		return out.toString();
	}

	private static String hash(byte[] b) {
		try {
			return Arrays.toString(Arrays.copyOf(MessageDigest.getInstance("SHA-256").digest(b), 6));
		} catch (java.security.NoSuchAlgorithmException e) {
			throw new IllegalStateException(e);
		}
	}

	static Map<String, String> copy(Map<String, String> m) {
		return new LinkedHashMap<>(m);
	}
}
