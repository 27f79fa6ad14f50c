package org.convkit.plugins.support;

import ij.Macro;
import ij.gui.GenericDialog;

import java.awt.GraphicsEnvironment;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The macro keys of one menu command, declared ONCE: for each key its kind, its documented default and the values
 * it accepts. Three things are built on the declaration:
 * <ul>
 * <li>the macro-defaults rule: a macro that leaves a key out gets the declared default, never the value last chosen
 * in a dialog ({@link #begin()}; the dialog may remember values, through {@link Run#remember});</li>
 * <li>the check that every numeric macro value is a number ({@link Run#checkNumbers()});</li>
 * <li>the tests: the hostile-input suite and the macro-defaults test generate their cases from it for every command
 * listed in {@code plugins.config}, so a new command or key is covered without new test code.</li>
 * </ul>
 * <b>Adding a command</b>: in the command class, declare
 * <pre>
 * public static final CommandKeys KEYS = CommandKeys.of(COMMAND).usesImage()
 *         .choice(KEY_METHOD, "Gaussian", "Gaussian", "FFT")
 *         .number(KEY_SIGMA, 10, CommandKeys.above(0, 1000)).when(KEY_METHOD, "Gaussian")
 *         .flag(KEY_OFFSET).dialogDefault("true")
 *         .path(KEY_MODEL, CommandKeys.PathRole.MODEL).required();
 * </pre>
 * ({@link #usesImage()} when the command works on the current image, {@link #usesRois()} when it reads the ROI
 * Manager), start {@code run} with {@code CommandKeys.Run r = KEYS.beginDialog(); if (r == null) return;} (the
 * dialog is {@code r.dialog()}; {@link #begin()} for a run without a dialog), take every dialog default from
 * {@code r} ({@link Run#number}, {@link Run#choice}, {@link Run#flag}, {@link Run#text}) and, after a successful run,
 * hand the values to {@link Run#remember}. Register the command in {@code plugins.config}; the tests find the table
 * there. A path key needs a {@link PathRole} the tests can make files for; a new kind of file needs a new role and a
 * fixture for it in the hostile-input suite.
 */
public final class CommandKeys {
	/** What kind of value a key takes. */
	public enum Kind { NUMBER, CHOICE, FLAG, TEXT, PATH }

	/** What a path key names; the tests make a valid file of each role and broken ones. */
	public enum PathRole {
		/** A kernel text file to read. */
		KERNEL_FILE,
		/** A model file saved by Train CNN Classifier..., to read. */
		MODEL,
		/** A folder with one subfolder of images per class, to read. */
		CLASS_FOLDER,
		/** A folder of images, to read. */
		IMAGE_FOLDER,
		/** A model file to write (and its "-last" sibling). */
		MODEL_OUTPUT,
		/** A CSV file to write. */
		CSV_OUTPUT,
		/** An IDX image file (MNIST format), to read. */
		IDX_IMAGES,
		/** An IDX label file (MNIST format), to read. */
		IDX_LABELS;

		/** Whether the command writes to the path (rather than reading it). */
		public boolean isOutput() {
			return this == MODEL_OUTPUT || this == CSV_OUTPUT;
		}
	}

	/** The accepted numbers of a numeric key: an interval, optionally whole numbers only. */
	public static final class Range {
		public final double min, max;
		public final boolean minOpen, maxOpen, whole;

		private Range(double min, boolean minOpen, double max, boolean maxOpen, boolean whole) {
			this.min = min;
			this.minOpen = minOpen;
			this.max = max;
			this.maxOpen = maxOpen;
			this.whole = whole;
		}

		/** Whether {@code v} is accepted (NaN and the infinities never are). */
		public boolean accepts(double v) {
			if (!Double.isFinite(v)) return false;
			if (whole && v != Math.rint(v)) return false;
			return (minOpen ? v > min : v >= min) && (maxOpen ? v < max : v <= max);
		}

		@Override
		public String toString() {
			return (whole ? "whole " : "") + (minOpen ? "(" : "[") + number(min) + ", " + number(max)
					+ (maxOpen ? ")" : "]");
		}
	}

	/** min ≤ v ≤ max. */
	public static Range between(double min, double max) {
		return new Range(min, false, max, false, false);
	}

	/** min &lt; v ≤ max. */
	public static Range above(double min, double max) {
		return new Range(min, true, max, false, false);
	}

	/** min ≤ v &lt; max. */
	public static Range below(double min, double max) {
		return new Range(min, false, max, true, false);
	}

	/** A whole number from min to max. */
	public static Range whole(double min, double max) {
		return new Range(min, false, max, false, true);
	}

	private final String command;
	private final Map<String, CommandKey> keys = new LinkedHashMap<>();
	private final Map<String, String> remembered = new ConcurrentHashMap<>();
	private boolean usesImage, usesRois;
	private CommandKey last;

	private CommandKeys(String command) {
		this.command = command;
	}

	/** Starts the table of the command with this menu name. */
	public static CommandKeys of(String command) {
		return new CommandKeys(command);
	}

	/** The command works on the current image (the tests then try every image type, none and 1×1). */
	public CommandKeys usesImage() {
		usesImage = true;
		return this;
	}

	/**
	 * The command reads the ROI Manager's ROIs, for some or all of its values (the tests then load a ROI set there,
	 * on the current image, and check that the ROIs are left as they were, except what the command is for).
	 */
	public CommandKeys usesRois() {
		usesRois = true;
		return this;
	}

	public CommandKeys number(String key, double defaultValue, Range range) {
		if (!range.accepts(defaultValue))
			throw new IllegalArgumentException(key + ": the default " + defaultValue + " is outside " + range);
		return add(new CommandKey(key, Kind.NUMBER, number(defaultValue), range, null, null));
	}

	public CommandKeys choice(String key, String defaultValue, String... items) {
		if (!Arrays.asList(items).contains(defaultValue))
			throw new IllegalArgumentException(key + ": the default " + defaultValue + " is not an item");
		return add(new CommandKey(key, Kind.CHOICE, defaultValue, null, Collections.unmodifiableList(Arrays.asList(
				items.clone())), null));
	}

	/** A checkbox: a macro ticks it by naming the key, so leaving it out means false. */
	public CommandKeys flag(String key) {
		return add(new CommandKey(key, Kind.FLAG, "false", null, null, null));
	}

	public CommandKeys text(String key, String defaultValue) {
		return add(new CommandKey(key, Kind.TEXT, defaultValue, null, null, null));
	}

	public CommandKeys path(String key, PathRole role) {
		return path(key, role, "");
	}

	public CommandKeys path(String key, PathRole role, String defaultValue) {
		return add(new CommandKey(key, Kind.PATH, defaultValue, null, null, role));
	}

	/** The key declared last has no usable default: a macro must give it. */
	public CommandKeys required() {
		last.required = true;
		return this;
	}

	/** The key declared last counts only when {@code key} has {@code value}. */
	public CommandKeys when(String key, String value) {
		if (!keys.containsKey(key)) throw new IllegalArgumentException("declare " + key + " before " + last.name);
		last.whenKey = key;
		last.whenValue = value;
		return this;
	}

	/** A valid value of the key declared last, for tests (TEXT keys without a usable default). */
	public CommandKeys example(String value) {
		last.example = value;
		return this;
	}

	/** TEXT: the key declared last holds numbers; '#' in the template marks where a test may put one. */
	public CommandKeys numbersIn(String template) {
		last.numbersIn = template;
		return this;
	}

	/** A valid non-default value of the key declared last for tests of the dialog memory. */
	public CommandKeys alternative(String value) {
		last.alternative = value;
		return this;
	}

	/**
	 * The value the dialog shows for the key declared last before the user has chosen one (GUI only; a macro that
	 * leaves the key out always gets the documented default).
	 */
	public CommandKeys dialogDefault(String value) {
		last.dialogDefault = value;
		return this;
	}

	/** The key declared last replaces {@code key}: a call gives one of them, not both (file= or kernel=). */
	public CommandKeys insteadOf(String key) {
		key(key);
		last.insteadOf = key;
		return this;
	}

	private CommandKeys add(CommandKey k) {
		if (keys.containsKey(k.name)) throw new IllegalArgumentException("key " + k.name + " declared twice");
		keys.put(k.name, k);
		last = k;
		return this;
	}

	public String command() {
		return command;
	}

	public boolean isUsingImage() {
		return usesImage;
	}

	public boolean isUsingRois() {
		return usesRois;
	}

	public List<CommandKey> keys() {
		return new ArrayList<>(keys.values());
	}

	public CommandKey key(String name) {
		CommandKey k = keys.get(name);
		if (k == null) throw new IllegalArgumentException(command + " declares no key " + name);
		return k;
	}

	/**
	 * Starts one run of the command. Without a display and without macro options (a macro's
	 * {@code run("Command...")}), the run counts as a macro call that leaves every key out: the headless dialog can
	 * only read macro options, and the documented defaults are what such a call means.
	 */
	public Run begin() {
		if (Macro.getOptions() == null && GraphicsEnvironment.isHeadless()) Macro.setOptions(" ");
		return new Run(Macro.getOptions() != null && !simulateDialog);
	}

	/**
	 * The start every command's dialog shares, after its environment check (and its image check, if any): one run
	 * ({@link #begin()}: the documented defaults in a macro, the remembered values in the GUI), a macro value that is
	 * not a number refused for each numeric key with a message naming it, and the dialog ({@link Dialogs#create}).
	 *
	 * @return the run, its dialog in {@link Run#dialog()}; null when the command must stop (already reported)
	 */
	public Run beginDialog() {
		Run run = begin();
		try {
			run.checkNumbers();
		} catch (IllegalArgumentException e) {
			CommandReporter.badInput(command, e.getMessage());
			return null;
		}
		run.dialog = Dialogs.create(command);
		return run.dialog == null ? null : run;
	}

	/**
	 * For tests only: the next runs on this thread behave as if the values came from a dialog (remembered, and the
	 * remembered values are the defaults of keys the options leave out). ImageJ's dialogs cannot open headless.
	 */
	public static void simulateDialogForTests(boolean on) {
		simulateDialog = on;
	}

	private static volatile boolean simulateDialog;

	/** Forgets every remembered dialog value (tests). */
	public void forgetDialogValues() {
		remembered.clear();
	}

	/** The values of one run's dialog: the documented defaults in a macro, the remembered ones in the GUI. */
	public final class Run {
		private final boolean macro;
		private GenericDialog dialog;

		private Run(boolean macro) {
			this.macro = macro;
		}

		/** The command's dialog ({@link #beginDialog()}; null after {@link #begin()}). */
		public GenericDialog dialog() {
			return dialog;
		}

		/** True when the values come from macro options (also a headless call with none). */
		public boolean isMacro() {
			return macro;
		}

		private String initial(String name) {
			CommandKey k = key(name);
			if (macro) return k.defaultValue;
			String r = remembered.get(name);
			return r != null ? r : k.dialogDefault != null ? k.dialogDefault : k.defaultValue;
		}

		public double number(String key) {
			return Double.parseDouble(initial(key));
		}

		public String choice(String key) {
			return initial(key);
		}

		public boolean flag(String key) {
			return Boolean.parseBoolean(initial(key));
		}

		public String text(String key) {
			return initial(key);
		}

		/** Remembers a value for the next dialog (not in macros). */
		public Run remember(String key, Object value) {
			key(key);
			if (!macro) remembered.put(key, value instanceof Double ? CommandKeys.number((Double) value)
					: String.valueOf(value));
			return this;
		}

		/**
		 * In a macro, checks that each numeric key's value is a number; call before adding the fields (the headless
		 * dialog throws a bare NumberFormatException while adding a field with a bad value).
		 *
		 * @throws IllegalArgumentException naming the key and the value
		 */
		public void checkNumbers() {
			String options = Macro.getOptions();
			if (options == null) return;
			for (CommandKey k : keys.values()) {
				if (k.kind != Kind.NUMBER) continue;
				String raw = Macro.getValue(options, k.name, null);
				if (raw == null || raw.startsWith("&")) continue;
				try {
					Double.parseDouble(raw.trim());
				} catch (NumberFormatException e) {
					throw new IllegalArgumentException(k.name + "=" + raw + " is not a number.");
				}
			}
		}
	}

	/** 3 rather than 3.0; the shortest text that reads back to the same double otherwise. */
	static String number(double v) {
		return v == Math.rint(v) && Math.abs(v) < 1e15 ? String.valueOf((long) v) : String.valueOf(v);
	}
}
