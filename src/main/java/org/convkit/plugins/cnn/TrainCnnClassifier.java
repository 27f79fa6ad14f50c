package org.convkit.plugins.cnn;

import org.convkit.core.cnn.train.TrainingDefaults;
import org.convkit.plugins.support.CommandEnvironment;
import ij.IJ;
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

/**
 * Plugins › ConvKit › CNN › Train CNN Classifier...: after its two dialogs ({@link TrainingDialogs}), trains a CNN
 * on a folder (one subfolder per class), a stack (slice labels = class names) or the ROIs of the ROI Manager
 * (patches around them, labelled by group or name prefix: {@link RoiSource}) with the core {@link Trainer},
 * showing a progress bar, one Log line per epoch and a live loss/accuracy plot (Esc stops and keeps the best model). Afterwards: the tables and image of
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

	@Override
	public void run(String arg) {
		if (!CommandEnvironment.readyForCnn(COMMAND)) return;
		CommandKeys.Run run = KEYS.beginDialog();
		if (run == null) return;
		TrainingOptions o = TrainingOptions.from(run);
		try {
			if (!TrainingDialogs.show(run, o)) return;
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
