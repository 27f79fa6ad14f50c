package org.convkit.hostile;

import org.convkit.plugins.support.CommandKey;
import org.convkit.plugins.support.CommandKeys;
import org.convkit.plugins.support.CommandKeys.Kind;
import org.convkit.plugins.support.CommandKeys.PathRole;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The hostile-input cases of every command, generated from its {@link CommandKeys} table: the base call (required
 * keys from the fixtures, quick examples), then one bad value at a time. Nothing here knows a command by name.
 */
final class HostileCases {
	/** What the command must do with a case. */
	enum Expect { SUCCESS, REFUSAL, EITHER }

	/** The values every numeric key is tried with. */
	static final String[] NUMBERS = { "0", "-1", "NaN", "Infinity", "-Infinity", "1e9", "1e39", "1e308", "abc", "" };
	static final String UNKNOWN_CHOICE = "No such choice";
	static final String GARBAGE_TEXT = "#%& garbage";

	/** One run of one command. */
	static final class Case {
		final String name;
		final CommandKeys keys;
		/** An image kind of {@link HostileFixtures#IMAGE_KINDS}, or null for no image open. */
		final String image;
		/** The ROI Manager holds the fixture's ROI set ({@link HostileRois}) when the command runs. */
		final boolean rois;
		final Expect expect;
		/** A refusal's message must name the key or the value (case-insensitive). */
		final String focusKey, focusValue;
		private final Function<Path, Map<String, String>> options;
		private final HostileFixtures.Variant output;

		Case(String name, CommandKeys keys, String image, Expect expect, String focusKey, String focusValue,
				Function<Path, Map<String, String>> options, HostileFixtures.Variant output) {
			this.name = keys.command() + " " + name;
			this.keys = keys;
			this.image = image;
			this.rois = keys.isUsingRois();
			this.expect = expect;
			this.focusKey = focusKey;
			this.focusValue = focusValue;
			this.options = options;
			this.output = output;
		}

		/** The macro options for a run whose outputs go to {@code dir} (made before the run when needed). */
		String options(Path dir) {
			Map<String, String> o = options.apply(dir);
			try {
				if (output != null) HostileFixtures.prepareOutput(variantIn(dir));
			} catch (IOException e) {
				throw new UncheckedIOException(e);
			}
			return o == null ? "" : format(o);
		}

		private HostileFixtures.Variant variantIn(Path dir) {
			return new HostileFixtures.Variant(output.name, dir.resolve(output.path), output.mustRefuse);
		}

		@Override
		public String toString() {
			return name;
		}
	}

	private final HostileFixtures fx;

	HostileCases(HostileFixtures fx) {
		this.fx = fx;
	}

	static String format(Map<String, String> options) {
		return options.entrySet().stream().map(e -> e.getValue() == null ? e.getKey()
				: e.getKey() + "=[" + e.getValue() + "]").collect(Collectors.joining(" "));
	}

	List<Case> all(List<CommandKeys> commands) {
		List<Case> out = new ArrayList<>();
		for (CommandKeys k : commands) out.addAll(of(k));
		return out;
	}

	List<Case> of(CommandKeys k) {
		List<Case> out = new ArrayList<>();
		String image = HostileFixtures.imageFor(k, HostileFixtures.BASE_IMAGE);
		out.add(new Case("base call", k, image, Expect.SUCCESS, null, null, dir -> base(k, dir, Map.of()), null));
		for (CommandKey key : k.keys())
			if (key.whenKey() != null && !key.whenValue().equals(effective(k, k.key(key.whenKey()), Map.of()))) {
				Map<String, String> cond = Map.of(key.whenKey(), key.whenValue());
				String name = "base call with " + key.whenKey() + "=" + key.whenValue();
				if (out.stream().noneMatch(c -> c.name.endsWith(name)))
					out.add(new Case(name, k, image, satisfiable(k, cond) ? Expect.SUCCESS : Expect.EITHER, null, null,
							dir -> base(k, dir, cond), null));
			}
		boolean needsSomething = k.keys().stream().anyMatch(key -> key.required() && active(k, key, Map.of()));
		out.add(new Case("with no options", k, image, needsSomething ? Expect.REFUSAL : Expect.SUCCESS, null, null,
				dir -> null, null));
		if (k.isUsingImage()) {
			out.add(new Case("with no image open", k, null, Expect.REFUSAL, "image", null, dir -> base(k, dir, Map.of()),
					null));
			for (String kind : HostileFixtures.IMAGE_KINDS)
				if (!kind.equals(HostileFixtures.BASE_IMAGE))
					out.add(new Case("on a " + kind + " image", k, kind, Expect.EITHER, null, null,
							dir -> base(k, dir, Map.of()), null));
		}
		for (CommandKey key : k.keys()) out.addAll(keyCases(k, key, image));
		return out;
	}

	private List<Case> keyCases(CommandKeys k, CommandKey key, String image) {
		List<Case> out = new ArrayList<>();
		Map<String, String> cond = key.whenKey() == null ? Map.of() : Map.of(key.whenKey(), key.whenValue());
		switch (key.kind) {
			case NUMBER:
				for (String v : NUMBERS) {
					Expect e = accepts(key, v) ? Expect.SUCCESS : Expect.REFUSAL;
					out.add(with(k, key, v, image, e, cond));
				}
				break;
			case CHOICE:
				out.add(with(k, key, UNKNOWN_CHOICE, image, Expect.REFUSAL, cond));
				out.add(with(k, key, "", image, Expect.REFUSAL, cond));
				break;
			case TEXT:
				out.add(with(k, key, "", image, key.required() ? Expect.REFUSAL : Expect.EITHER, cond));
				out.add(with(k, key, GARBAGE_TEXT, image, Expect.REFUSAL, cond));
				if (key.numbersIn() != null)
					for (String v : NUMBERS)
						if (!v.isEmpty()) out.add(with(k, key, key.numbersIn().replace("#", v), image, Expect.EITHER, cond));
				break;
			case PATH:
				out.add(with(k, key, "", image, key.required() ? Expect.REFUSAL : Expect.EITHER, cond));
				if (key.role.isOutput()) {
					for (HostileFixtures.Variant v : fx.brokenOutputs(key.role, Path.of("")))
						out.add(pathCase(k, key, v, image, cond));
					out.addAll(outputOverInput(k, key, image, cond));
				} else {
					for (HostileFixtures.Variant v : fx.broken(key.role)) out.add(pathCase(k, key, v, image, cond));
				}
				break;
			case FLAG:
				break;
		}
		return out;
	}

	private Case with(CommandKeys k, CommandKey key, String value, String image, Expect e, Map<String, String> cond) {
		// an empty key that replaces another one is no call of it: then the other key is what is missing
		String focusValue = !value.isEmpty() ? value : key.insteadOf();
		return new Case(key.name + "=[" + value + "]", k, image, e, key.name, focusValue, dir -> {
			Map<String, String> o = base(k, dir, cond);
			if (key.insteadOf() != null) o.remove(key.insteadOf());
			o.put(key.name, value);
			return o;
		}, null);
	}

	private Case pathCase(CommandKeys k, CommandKey key, HostileFixtures.Variant v, String image, Map<String, String> cond) {
		Expect e = v.mustRefuse ? Expect.REFUSAL : Expect.SUCCESS;
		boolean output = key.role.isOutput();
		return new Case(key.name + "= " + v.name, k, image, e, key.name, v.path.getFileName().toString(), dir -> {
			Map<String, String> o = base(k, dir, cond);
			if (key.insteadOf() != null) o.remove(key.insteadOf());
			o.put(key.name, (output ? dir.resolve(v.path) : v.path).toString());
			return o;
		}, output ? v : null);
	}

	/** An output naming one of the run's inputs (the file itself, or an image in an input folder), with overwrite. */
	private List<Case> outputOverInput(CommandKeys k, CommandKey out, String image, Map<String, String> cond) {
		List<Case> cases = new ArrayList<>();
		for (CommandKey in : k.keys()) {
			if (in.kind != Kind.PATH || in.role.isOutput() || in.insteadOf() != null) continue;
			Path input = fx.valid(in.role, null);
			Path victim = Files.isDirectory(input) ? firstFile(input) : input;
			cases.add(new Case(out.name + "= the " + in.name + "= input, with overwrite", k, image, Expect.REFUSAL, out.name,
					victim.getFileName().toString(), dir -> {
						Map<String, String> o = base(k, dir, cond);
						o.put(in.name, input.toString());
						o.put(out.name, victim.toString());
						if (hasKey(k, "overwrite")) o.put("overwrite", null);
						return o;
					}, null));
		}
		return cases;
	}

	private static Path firstFile(Path dir) {
		try (Stream<Path> s = Files.walk(dir)) {
			return s.filter(Files::isRegularFile).sorted().findFirst().orElseThrow();
		} catch (IOException e) {
			throw new UncheckedIOException(e);
		}
	}

	private static boolean hasKey(CommandKeys k, String name) {
		return k.keys().stream().anyMatch(key -> key.name.equals(name));
	}

	/**
	 * The base call: every active required key (paths from the fixtures, text from the example), every output path
	 * (a fresh file in the case's folder, so no case writes next to the inputs), and the quick examples.
	 */
	Map<String, String> base(CommandKeys k, Path dir, Map<String, String> cond) {
		Map<String, String> o = new LinkedHashMap<>(cond);
		for (CommandKey key : k.keys()) {
			if (cond.containsKey(key.name) || !active(k, key, cond)) continue;
			if (key.kind == Kind.PATH) {
				if (key.required() || key.role.isOutput()) o.put(key.name, fx.valid(key.role, dir).toString());
			} else if (key.required() || !key.example().equals(key.defaultValue)) {
				if (key.kind == Kind.FLAG) {
					if (Boolean.parseBoolean(key.example())) o.put(key.name, null);
				} else {
					o.put(key.name, key.example());
				}
			}
		}
		return o;
	}

	/**
	 * The values of a key that bring in keys of their own (source=ROIs brings in label= patch= ...), other than the
	 * value the base call has anyway, where every required key they bring in has a usable value: one map each.
	 */
	static List<Map<String, String>> conditions(CommandKeys k) {
		List<Map<String, String>> out = new ArrayList<>();
		for (CommandKey key : k.keys()) {
			if (key.whenKey() == null || key.whenValue().equals(effective(k, k.key(key.whenKey()), Map.of()))) continue;
			Map<String, String> cond = Map.of(key.whenKey(), key.whenValue());
			if (!out.contains(cond) && satisfiable(k, cond)) out.add(cond);
		}
		return out;
	}

	/** Whether the key counts under the condition (its when-key has the when-value there or by default). */
	private static boolean active(CommandKeys k, CommandKey key, Map<String, String> cond) {
		if (key.whenKey() == null) return true;
		return key.whenValue().equals(effective(k, k.key(key.whenKey()), cond));
	}

	private static String effective(CommandKeys k, CommandKey key, Map<String, String> cond) {
		return cond.getOrDefault(key.name, key.example());
	}

	/** Every required key active under the condition has a usable value. */
	private static boolean satisfiable(CommandKeys k, Map<String, String> cond) {
		return k.keys().stream().noneMatch(key -> key.required() && active(k, key, cond) && key.kind != Kind.PATH
				&& key.example().isEmpty());
	}

	private static boolean accepts(CommandKey key, String value) {
		try {
			return key.range.accepts(Double.parseDouble(value.trim()));
		} catch (NumberFormatException e) {
			return false;
		}
	}

	static boolean isOutput(PathRole r) {
		return r.isOutput();
	}
}
