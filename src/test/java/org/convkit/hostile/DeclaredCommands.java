package org.convkit.hostile;

import org.convkit.plugins.support.CommandKeys;

import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Every menu command of {@code plugins.config} with its key table ({@code public static final CommandKeys KEYS} in
 * the command class). A command without a table, or with a table for another name, is an error: the tests
 * generated from the tables must cover every command.
 */
final class DeclaredCommands {
	private static final Pattern LINE = Pattern.compile("^[^#].*?,\\s*\"([^\"]+)\"\\s*,\\s*([\\w.$]+)\\s*$");

	private DeclaredCommands() {}

	static List<CommandKeys> all() {
		Path config = Paths.get(System.getProperty("convkit.basedir", ".")).resolve("plugins.config");
		List<String> lines;
		try {
			lines = Files.readAllLines(config, StandardCharsets.UTF_8);
		} catch (IOException e) {
			throw new IllegalStateException("cannot read " + config, e);
		}
		List<CommandKeys> out = new ArrayList<>();
		for (String line : lines) {
			Matcher m = LINE.matcher(line.trim());
			if (!m.matches()) continue;
			out.add(keysOf(m.group(1), m.group(2)));
		}
		if (out.isEmpty()) throw new IllegalStateException("no commands found in " + config);
		return out;
	}

	private static CommandKeys keysOf(String command, String className) {
		try {
			Field f = Class.forName(className).getField("KEYS");
			if (!Modifier.isStatic(f.getModifiers()) || f.getType() != CommandKeys.class)
				throw new IllegalStateException(className + ".KEYS is not a static CommandKeys");
			CommandKeys k = (CommandKeys) f.get(null);
			if (!k.command().equals(command))
				throw new IllegalStateException(className + ".KEYS declares '" + k.command() + "' but plugins.config "
						+ "names the command '" + command + "'");
			return k;
		} catch (NoSuchFieldException e) {
			throw new IllegalStateException(command + " (" + className + ") declares no key table: add "
					+ "'public static final CommandKeys KEYS = CommandKeys.of(COMMAND)...' (see CommandKeys)", e);
		} catch (ReflectiveOperationException e) {
			throw new IllegalStateException("cannot read the key table of " + className + ": " + e, e);
		}
	}
}
