package org.convkit.plugins.cnn;

import org.convkit.core.cnn.train.TrainingDefaults;
import org.convkit.plugins.support.CommandEnvironment;
import ij.IJ;
import ij.ImagePlus;
import ij.WindowManager;
import ij.gui.GenericDialog;
import ij.plugin.PlugIn;
import org.convkit.core.cnn.data.SplitRule;
import org.convkit.core.cnn.input.Resize;
import org.convkit.core.cnn.input.NormalisationRule;
import org.convkit.core.cnn.net.ClassBalance;
import org.convkit.core.filter.Border;
import org.convkit.plugins.support.RoiOutlines;
import org.convkit.core.cnn.model.ModelFileException;
import org.convkit.core.cnn.model.TrainingHistory;
import org.convkit.core.cnn.net.Initialization;
import org.convkit.core.cnn.net.Optimizer;
import org.convkit.core.cnn.spec.NetworkSpec;
import org.convkit.core.cnn.train.Trainer;
import org.convkit.core.cnn.train.TrainingResult;
import org.convkit.core.cnn.net.TrainingSettings;
import org.convkit.plugins.support.CommandKeys;
import org.convkit.plugins.support.CommandReporter;
import org.convkit.plugins.support.FieldValues;
import org.convkit.plugins.support.PathFields;

import java.awt.Choice;
import java.awt.Font;
import java.awt.GraphicsEnvironment;
import java.awt.TextField;
import java.math.BigDecimal;

/**
 * Plugins › ConvKit › CNN › Train CNN Classifier...: trains a CNN on a folder (one subfolder per class), a stack
 * (slice labels = class names) or the ROIs of the ROI Manager (patches around them, labelled by group or name
 * prefix: {@link RoiSource}) with the core {@link Trainer}, showing a progress bar, one Log line per epoch and a
 * live loss/accuracy plot (Esc stops and keeps the best model). Afterwards: the tables and image of
 * {@link TrainingReport}, and a Log summary (images used and skipped, where the best and last models were saved,
 * why training stopped). The keys are public macro API; their defaults are {@link TrainingDefaults}.
 * <p>
 * Bad input (missing or malformed values, a bad folder or stack, a spec that does not parse or does not fit the
 * input, a batch larger than the training set, a class without validation images, an existing model file without
 * {@code overwrite}, an unwritable folder) is reported by {@link CommandReporter} before anything is written.
 * Training that diverges (NaN loss) stops, keeps the best model so far (if an epoch finished) and is reported as a
 * failure advising a lower learning rate.
 * <p>
 * For macros, {@link #lastResult(String)} gives the numbers of the last run (the tables cannot be shown headless):
 * {@code call("org.convkit.plugins.cnn.TrainCnnClassifier.lastResult", "best_validation_accuracy")}.
 */
public class TrainCnnClassifier implements PlugIn {
	public static final String COMMAND = "Train CNN Classifier...";
	public static final String SOURCE_FOLDER = TrainingDefaults.SOURCE, SOURCE_STACK = "Stack", SOURCE_ROIS = "ROIs";
	public static final String KEY_SOURCE = "source", KEY_FOLDER = "folder", KEY_STACK = "stack",
			KEY_LABEL = "label", KEY_PATCH = "patch", KEY_BORDER = "border", KEY_VALUE = "value", KEY_MASK = "mask",
			KEY_CHANNELS = "channels", KEY_NORMALIZE = "normalize", KEY_PER = "per", KEY_LOW = "low",
			KEY_HIGH = "high", KEY_BALANCE = "balance", KEY_RESIZE = "resize", KEY_WIDTH = "width", KEY_HEIGHT = "height", KEY_ARCHITECTURE = "architecture",
			KEY_LAYERS = "layers", KEY_EPOCHS = "epochs", KEY_BATCH = "batch", KEY_OPTIMIZER = "optimizer",
			KEY_LEARNING = "learning", KEY_INIT = "init", KEY_L2 = "l2", KEY_VALIDATION = "validation",
			KEY_PATIENCE = "patience", KEY_SPLIT = "split", KEY_AUGMENT = "augment", KEY_SEED = "seed",
			KEY_MODEL = "model", KEY_OVERWRITE = "overwrite", KEY_CONTINUE = "continue";
	/** Title of the live plot (an image when headless). */
	public static final String PLOT_TITLE = "CNN Training";
	static final String NO_IMAGE = "(no image open)";
	/** Start of every Log line of the command. */
	static final String LOG = "Train CNN Classifier: ";

	/**
	 * The macro keys with the defaults of {@link TrainingDefaults}; a macro that leaves one out gets its default, the
	 * dialog remembers the last values. The examples make a quick run for tests.
	 */
	public static final CommandKeys KEYS = CommandKeys.of(COMMAND).usesRois()
			.choice(KEY_SOURCE, TrainingDefaults.SOURCE, SOURCE_FOLDER, SOURCE_STACK, SOURCE_ROIS)
			.alternative(SOURCE_FOLDER)
			.path(KEY_FOLDER, CommandKeys.PathRole.CLASS_FOLDER).required().when(KEY_SOURCE, SOURCE_FOLDER)
			.text(KEY_STACK, "").required().when(KEY_SOURCE, SOURCE_STACK)
			.choice(KEY_LABEL, TrainingDefaults.LABEL, RoiOutlines.Label.displayNames()).when(KEY_SOURCE, SOURCE_ROIS)
			.number(KEY_PATCH, TrainingDefaults.PATCH, CommandKeys.whole(1, NetworkSpec.MAX_INPUT_SIZE))
			.when(KEY_SOURCE, SOURCE_ROIS).alternative("16")
			.choice(KEY_BORDER, TrainingDefaults.BORDER.label, Border.labels()).when(KEY_SOURCE, SOURCE_ROIS)
			.example(Border.CONSTANT.label) // so that the tests try value= where it counts
			// the Constant border's value goes into 32-bit float patches, like Apply Kernel's value=
			.number(KEY_VALUE, TrainingDefaults.VALUE, CommandKeys.between(-Float.MAX_VALUE, Float.MAX_VALUE))
			.when(KEY_SOURCE, SOURCE_ROIS)
			.flag(KEY_MASK).when(KEY_SOURCE, SOURCE_ROIS)
			.text(KEY_CHANNELS, TrainingDefaults.CHANNELS).when(KEY_SOURCE, SOURCE_ROIS).alternative("1")
			.choice(KEY_RESIZE, TrainingDefaults.RESIZE.displayName(), Resize.displayNames())
			.number(KEY_WIDTH, TrainingDefaults.WIDTH, CommandKeys.whole(0, NetworkSpec.MAX_INPUT_SIZE))
			.alternative("16")
			.number(KEY_HEIGHT, TrainingDefaults.HEIGHT, CommandKeys.whole(0, NetworkSpec.MAX_INPUT_SIZE))
			.alternative("16")
			.choice(KEY_NORMALIZE, TrainingDefaults.NORMALIZE.displayName(), NormalisationRule.Method.displayNames())
			.choice(KEY_PER, TrainingDefaults.PER.displayName(), NormalisationRule.Per.displayNames())
			.number(KEY_LOW, TrainingDefaults.LOW, CommandKeys.between(0, 100)).alternative("2")
			// high must also lie above low=: with low's default, (1, 100]
			.number(KEY_HIGH, TrainingDefaults.HIGH, CommandKeys.above(TrainingDefaults.LOW, 100)).alternative("99")
			.choice(KEY_BALANCE, TrainingDefaults.BALANCE.displayName(), ClassBalance.displayNames())
			.choice(KEY_ARCHITECTURE, TrainingDefaults.ARCHITECTURE, NetworkSpec.LENET, NetworkSpec.SMALL_VGG,
					NetworkSpec.CUSTOM).example(NetworkSpec.CUSTOM).alternative(NetworkSpec.CUSTOM)
			.text(KEY_LAYERS, "").when(KEY_ARCHITECTURE, NetworkSpec.CUSTOM).dialogDefault(
					TrainingDefaults.LAYERS_EXAMPLE).example("conv 3x3x2 pad=same; maxpool 2; dense 8")
			.numbersIn("conv 3x3x2 pad=same; dense #").alternative("conv 3x3x3 pad=same; maxpool 2; dense 6")
			.number(KEY_EPOCHS, TrainingDefaults.EPOCHS, CommandKeys.whole(1, TrainingSettings.MAX_EPOCHS))
			.example("1").alternative("2")
			.number(KEY_BATCH, TrainingDefaults.BATCH, CommandKeys.whole(1, TrainingSettings.MAX_BATCH))
			.example("8").alternative("4")
			.choice(KEY_OPTIMIZER, TrainingDefaults.OPTIMIZER.displayName(), Optimizer.displayNames())
			.number(KEY_LEARNING, TrainingDefaults.LEARNING_RATE, CommandKeys.above(0, 10))
			.choice(KEY_INIT, TrainingDefaults.INIT.displayName(), Initialization.displayNames())
			.number(KEY_L2, TrainingDefaults.L2, CommandKeys.between(0, 1))
			.number(KEY_VALIDATION, TrainingDefaults.VALIDATION, CommandKeys.below(0, 1))
			.number(KEY_PATIENCE, TrainingDefaults.PATIENCE, CommandKeys.whole(0, TrainingSettings.MAX_EPOCHS))
			.choice(KEY_SPLIT, TrainingDefaults.SPLIT.displayName(), SplitRule.displayNames())
			.text(KEY_AUGMENT, TrainingDefaults.AUGMENT).alternative("flip")
			.number(KEY_SEED, TrainingDefaults.SEED, CommandKeys.whole(-(double) (1L << 53), (double) (1L << 53)))
			.path(KEY_MODEL, CommandKeys.PathRole.MODEL_OUTPUT).required()
			.flag(KEY_OVERWRITE)
			.path(KEY_CONTINUE, CommandKeys.PathRole.MODEL);

	private static volatile TrainingReport lastReport;

	private boolean macro;

	@Override
	public void run(String arg) {
		if (!CommandEnvironment.readyForCnn(COMMAND)) return;
		CommandKeys.Run run = KEYS.beginDialog();
		if (run == null) return;
		macro = run.isMacro();
		TrainingOptions o = TrainingOptions.from(run);
		GenericDialog gd = run.dialog();
		addFields(gd, o);
		gd.showDialog();
		if (gd.wasCanceled()) return;
		try {
			readFields(gd, o);
		} catch (IllegalArgumentException e) {
			CommandReporter.badInput(COMMAND, e.getMessage());
			return;
		}
		o.remember(run); // in the GUI, also invalid values, so the user can correct them
		try {
			o.check();
		} catch (IllegalArgumentException e) {
			CommandReporter.badInput(COMMAND, e.getMessage());
			return;
		}
		train(o);
	}

	/** The report of the last run in this ImageJ (tables, confusion-matrix image, result), or null. */
	public static TrainingReport lastReport() {
		return lastReport;
	}

	/**
	 * A number or text of the last run, for macros ({@code call(...)} returns strings): {@code stop} (COMPLETED,
	 * CANCELLED, EARLY_STOPPED, DIVERGED), {@code message}, {@code epochs} (epochs this run), {@code last_epoch},
	 * {@code best_epoch}, {@code best_validation_loss}, {@code best_validation_accuracy}, {@code best_file},
	 * {@code last_file}, {@code validation_images}, {@code validation_sources} (split=By image: the held-out source
	 * images, one per line), {@code skipped}. "" when there was no run or the value does not
	 * exist (e.g. no validation).
	 */
	public static String lastResult(String key) {
		TrainingReport r = lastReport;
		return r == null ? "" : r.macroValue(key);
	}

	private void addFields(GenericDialog gd, TrainingOptions o) {
		Font header = new Font("SansSerif", Font.BOLD, 13);
		gd.addMessage("Data", header);
		gd.addChoice(KEY_SOURCE + ":", new String[] { SOURCE_FOLDER, SOURCE_STACK, SOURCE_ROIS },
				o.fromStack() ? SOURCE_STACK : o.fromRois() ? SOURCE_ROIS : SOURCE_FOLDER);
		PathFields.addDirectory(gd, KEY_FOLDER + ":", o.folder);
		String[] titles = WindowManager.getImageTitles();
		String[] items = titles.length == 0 ? new String[] { NO_IMAGE } : titles;
		ImagePlus current = WindowManager.getCurrentImage();
		String stackDefault = current != null && current.getStackSize() > 1 ? current.getTitle() : items[0];
		if (!o.stack.isEmpty() && java.util.Arrays.asList(items).contains(o.stack)) stackDefault = o.stack;
		gd.addChoice(KEY_STACK + ":", items, stackDefault);
		gd.addMessage("Folder: one subfolder of images per class. Stack: slice labels are the class names.\n"
				+ "ROIs: a patch around each ROI of the ROI Manager, its class the ROI's group or name prefix;\n"
				+ "channels: those of a hyperstack that form the input, e.g. 1,3 (empty = all).");
		gd.addChoice(KEY_LABEL + ":", RoiOutlines.Label.displayNames(), choice(o.label,
				RoiOutlines.Label.displayNames()));
		gd.addToSameRow();
		gd.addNumericField(KEY_PATCH + ":", o.patch, 0, 6, "pixels");
		gd.addChoice(KEY_BORDER + ":", Border.labels(), choice(o.border, Border.labels()));
		gd.addToSameRow();
		gd.addNumericField(KEY_VALUE + ":", o.value, digits(o.value), 6, "");
		gd.addStringField(KEY_CHANNELS + ":", o.channels, 12);
		// its own row: beside a field GridBag puts it past the widest units column, off the dialog's edge
		gd.addCheckbox(KEY_MASK + " outside the ROI", o.mask);
		gd.addChoice(KEY_RESIZE + ":", Resize.displayNames(), Resize.fromName(o.resize).displayName());
		gd.addNumericField(KEY_WIDTH + ":", o.width, 0, 6, "");
		gd.addToSameRow();
		gd.addNumericField(KEY_HEIGHT + ":", o.height, 0, 6, "pixels (0 = the most common size, scaled up if too small)");
		gd.addChoice(KEY_NORMALIZE + ":", NormalisationRule.Method.displayNames(), choice(o.normalize,
				NormalisationRule.Method.displayNames()));
		gd.addToSameRow();
		gd.addChoice(KEY_PER + ":", NormalisationRule.Per.displayNames(), choice(o.per,
				NormalisationRule.Per.displayNames()));
		gd.addNumericField(KEY_LOW + ":", o.low, Math.max(1, digits(o.low)), 6, "");
		gd.addToSameRow();
		gd.addNumericField(KEY_HIGH + ":", o.high, Math.max(1, digits(o.high)), 6, "percentiles (Percentile)");
		gd.addMessage("Network", header);
		gd.addChoice(KEY_ARCHITECTURE + ":", new String[] { NetworkSpec.LENET, NetworkSpec.SMALL_VGG,
				NetworkSpec.CUSTOM }, canonicalArchitecture(o.architecture));
		gd.addStringField(KEY_LAYERS + ":", o.layers.isEmpty() && !macro ? TrainingDefaults.LAYERS_EXAMPLE : o.layers,
				64);
		gd.addMessage("Layers (Custom only): conv KxKxN [stride=S] [pad=same]; maxpool K; avgpool K; dense N; "
				+ "dropout P; batchnorm");
		gd.addMessage("Training", header);
		gd.addNumericField(KEY_EPOCHS + ":", o.epochs, 0, 6, "");
		gd.addToSameRow();
		gd.addNumericField(KEY_BATCH + " size:", o.batch, 0, 6, "images per step");
		gd.addChoice(KEY_OPTIMIZER + ":", Optimizer.displayNames(), choice(o.optimizer, Optimizer.displayNames()));
		gd.addToSameRow();
		gd.addNumericField(KEY_LEARNING + " rate:", o.learning, digits(o.learning), 8, "");
		gd.addChoice(KEY_INIT + ":", Initialization.displayNames(), choice(o.init, Initialization.displayNames()));
		gd.addToSameRow();
		gd.addNumericField(KEY_L2 + ":", o.l2, digits(o.l2), 8, "weight decay");
		gd.addNumericField(KEY_VALIDATION + ":", o.validation, Math.max(2, digits(o.validation)), 6, "fraction");
		gd.addToSameRow();
		gd.addChoice(KEY_SPLIT + ":", SplitRule.displayNames(), choice(o.split, SplitRule.displayNames()));
		gd.addNumericField(KEY_PATIENCE + ":", o.patience, 0, 6, "epochs (0 = off)");
		gd.addToSameRow();
		gd.addNumericField(KEY_SEED + ":", o.seed, 0, 12, "");
		gd.addStringField(KEY_AUGMENT + ":", o.augment, 40);
		// one message for these rows (each message adds a gap): the dialog already nearly fills a 1024-pixel screen
		gd.addMessage("Validation: held out per class (0 = train on all, no early stopping). Split By image: whole "
				+ "source images held out\n(ROIs: each ROI's image; files: the name up to its last _, field3_017.tif: "
				+ "field3). Patience: early stopping after\nthat many epochs without a lower validation loss. Augment: "
				+ "any of flip rot90 rotate shift brightness contrast noise, or none.");
		// beside the augment field GridBag puts it past the field's wide column, off the dialog's edge
		gd.addChoice(KEY_BALANCE + ":", ClassBalance.displayNames(), choice(o.balance, ClassBalance.displayNames()));
		gd.addMessage("Model", header);
		PathFields.addFile(gd, KEY_MODEL + ":", o.model);
		gd.addCheckbox(KEY_OVERWRITE + " existing model files", o.overwrite);
		PathFields.addFile(gd, KEY_CONTINUE + " from:", o.continueFrom);
		gd.addMessage("The best model is saved to the model file, the last one beside it as NAME-last.zip.\n"
				+ "Continue from: a saved model to train further (empty = a new model).");
		if (!GraphicsEnvironment.isHeadless() && !macro) addEnabling(gd);
	}

	/**
	 * GUI only: the folder field only for source Folder, the stack choice only for Stack, the ROI fields (label,
	 * patch, border, value, mask, channels) only for ROIs and the size fields (resize, width, height) not for ROIs,
	 * the layers field only for Custom. The listener reads every field in order, because ImageJ's Recorder records
	 * what the dialog's first listener reads after OK.
	 */
	private void addEnabling(GenericDialog gd) {
		@SuppressWarnings("unchecked")
		java.util.Vector<Choice> choices = gd.getChoices();
		@SuppressWarnings("unchecked")
		java.util.Vector<TextField> strings = gd.getStringFields(), numbers = gd.getNumericFields();
		Choice source = choices.get(0), stack = choices.get(1), architecture = choices.get(7);
		TextField folder = strings.get(0), layers = strings.get(2);
		java.awt.Component[] roiFields = { choices.get(2), numbers.get(0), choices.get(3), numbers.get(1),
				(java.awt.Component) gd.getCheckboxes().get(0), strings.get(1) };
		java.awt.Component[] sizeFields = { choices.get(4), numbers.get(2), numbers.get(3) };
		Runnable update = () -> {
			boolean fromStack = SOURCE_STACK.equals(source.getSelectedItem());
			boolean fromRois = SOURCE_ROIS.equals(source.getSelectedItem());
			folder.setEnabled(!fromStack && !fromRois);
			stack.setEnabled(fromStack);
			for (java.awt.Component c : roiFields) c.setEnabled(fromRois);
			for (java.awt.Component c : sizeFields) c.setEnabled(!fromRois);
			layers.setEnabled(NetworkSpec.CUSTOM.equals(architecture.getSelectedItem()));
		};
		update.run();
		gd.addDialogListener((d, e) -> {
			try {
				readFields(d, new TrainingOptions());
			} catch (IllegalArgumentException ignored) {
				// checked after OK, with a message
			}
			update.run();
			return true;
		});
	}

	private void readFields(GenericDialog gd, TrainingOptions o) {
		readFields(FieldValues.of(gd), o);
		if (gd.invalidNumber())
			throw new IllegalArgumentException("A number field holds no valid number: " + gd.getErrorMessage());
	}

	/**
	 * Reads the fields in the order {@link #addFields} adds them, from the dialog or from macro options without one
	 * (a key left out keeps o's value, i.e. {@link TrainingDefaults} for a new TrainingOptions).
	 */
	static void readFields(FieldValues f, TrainingOptions o) {
		o.source = f.choice(KEY_SOURCE, o.source).trim();
		o.folder = f.string(KEY_FOLDER, o.folder).trim();
		String stack = f.choice(KEY_STACK, o.stack).trim();
		o.stack = stack.equals(NO_IMAGE) ? "" : stack;
		o.label = f.choice(KEY_LABEL, o.label).trim();
		o.patch = f.number(KEY_PATCH, o.patch);
		o.border = f.choice(KEY_BORDER, o.border).trim();
		o.value = f.number(KEY_VALUE, o.value);
		o.mask = f.flag(KEY_MASK);
		o.channels = f.string(KEY_CHANNELS, o.channels).trim();
		o.resize = f.choice(KEY_RESIZE, o.resize).trim();
		o.width = f.number(KEY_WIDTH, o.width);
		o.height = f.number(KEY_HEIGHT, o.height);
		o.normalize = f.choice(KEY_NORMALIZE, o.normalize).trim();
		o.per = f.choice(KEY_PER, o.per).trim();
		o.low = f.number(KEY_LOW, o.low);
		o.high = f.number(KEY_HIGH, o.high);
		o.architecture = canonicalArchitecture(f.choice(KEY_ARCHITECTURE, o.architecture).trim());
		o.layers = f.string(KEY_LAYERS, o.layers).trim();
		o.epochs = f.number(KEY_EPOCHS, o.epochs);
		o.batch = f.number(KEY_BATCH, o.batch);
		o.optimizer = f.choice(KEY_OPTIMIZER, o.optimizer).trim();
		o.learning = f.number(KEY_LEARNING, o.learning);
		o.init = f.choice(KEY_INIT, o.init).trim();
		o.l2 = f.number(KEY_L2, o.l2);
		o.validation = f.number(KEY_VALIDATION, o.validation);
		o.patience = f.number(KEY_PATIENCE, o.patience);
		o.split = f.choice(KEY_SPLIT, o.split).trim();
		o.augment = f.string(KEY_AUGMENT, o.augment).trim();
		o.balance = f.choice(KEY_BALANCE, o.balance).trim();
		o.seed = f.number(KEY_SEED, o.seed);
		o.model = f.string(KEY_MODEL, o.model).trim();
		o.overwrite = f.flag(KEY_OVERWRITE);
		o.continueFrom = f.string(KEY_CONTINUE, o.continueFrom).trim();
	}

	/** LeNet, Small VGG or Custom as spelled in the menu; anything else unchanged (then rejected by check()). */
	static String canonicalArchitecture(String a) {
		for (String n : new String[] { NetworkSpec.LENET, NetworkSpec.SMALL_VGG, NetworkSpec.CUSTOM })
			if (n.equalsIgnoreCase(a.trim())) return n;
		return a;
	}

	private static String choice(String value, String[] items) {
		for (String i : items)
			if (i.equalsIgnoreCase(value.trim())) return i;
		return items[0];
	}

	/** Decimal places that show the value exactly (0.001 → 3, 1e-4 → 4), at most 8. */
	static int digits(double v) {
		if (v == Math.rint(v)) return 1;
		if (!Double.isFinite(v)) return 3;
		return Math.max(1, Math.min(8, BigDecimal.valueOf(v).stripTrailingZeros().scale()));
	}

	private void train(TrainingOptions o) {
		TrainingSetup s;
		Trainer trainer;
		try {
			s = TrainingSetup.open(o);
			trainer = s.trainer();
		} catch (IllegalArgumentException e) {
			CommandReporter.badInput(COMMAND, e.getMessage());
			return;
		}
		TrainingHistory start = s.continued == null ? TrainingHistory.empty() : s.continued.history();
		TrainingMonitor monitor = new TrainingMonitor(COMMAND, trainer, start, PLOT_TITLE, () -> TrainingLog.start(o, s));
		TrainingResult result;
		try {
			result = trainer.train(monitor);
		} catch (IllegalArgumentException e) {
			IJ.showProgress(1.0);
			CommandReporter.badInput(COMMAND, e.getMessage());
			return;
		} catch (ModelFileException e) {
			IJ.showProgress(1.0);
			CommandReporter.badInput(COMMAND, "Saving the model failed: " + e.getMessage());
			return;
		} catch (RuntimeException e) {
			IJ.showProgress(1.0);
			CommandReporter.unexpected(COMMAND, e);
			return;
		}
		TrainingReport report = new TrainingReport(result, s.data.classes(), s.heldOutSources(result));
		lastReport = report;
		if (result.epochs.isEmpty()) monitor.closePlot(); // nothing to show
		else report.show();
		TrainingLog.summary(report, s.data);
		if (result.stop == TrainingResult.Stop.DIVERGED) CommandReporter.badInput(COMMAND, result.message);
	}

}
