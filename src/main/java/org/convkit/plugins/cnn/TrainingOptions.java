package org.convkit.plugins.cnn;

import org.convkit.core.cnn.train.TrainingDefaults;
import org.convkit.core.cnn.data.Augmenter;
import org.convkit.core.cnn.data.SplitRule;
import org.convkit.core.cnn.input.NormalisationRule;
import org.convkit.core.cnn.input.PatchInput;
import org.convkit.core.cnn.input.Resize;
import org.convkit.core.cnn.net.ClassBalance;
import org.convkit.core.cnn.net.Initialization;
import org.convkit.core.cnn.net.Optimizer;
import org.convkit.core.cnn.net.TrainingSettings;
import org.convkit.core.cnn.spec.NetworkSpec;
import org.convkit.core.filter.Border;
import org.convkit.plugins.support.CommandKeys;
import org.convkit.plugins.support.RoiOutlines;

import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Locale;
import java.util.Set;

/**
 * The values of one "Train CNN Classifier..." run as the dialog or macro gave them, checked here with messages that
 * name the macro key. No ImageJ GUI code: the command fills the fields, {@link #check()} validates them, and the
 * accessors turn them into core values.
 */
final class TrainingOptions {
	String source = TrainingDefaults.SOURCE;
	String folder = "";
	String stack = "";
	String label = TrainingDefaults.LABEL;
	double patch = TrainingDefaults.PATCH;
	String border = TrainingDefaults.BORDER.label;
	double value = TrainingDefaults.VALUE;
	boolean mask;
	String channels = TrainingDefaults.CHANNELS;
	String resize = TrainingDefaults.RESIZE.displayName();
	String normalize = TrainingDefaults.NORMALIZE.displayName();
	String per = TrainingDefaults.PER.displayName();
	double low = TrainingDefaults.LOW, high = TrainingDefaults.HIGH;
	String balance = TrainingDefaults.BALANCE.displayName();
	double width = TrainingDefaults.WIDTH, height = TrainingDefaults.HEIGHT;
	String architecture = TrainingDefaults.ARCHITECTURE;
	String layers = "";
	double epochs = TrainingDefaults.EPOCHS, batch = TrainingDefaults.BATCH;
	String optimizer = TrainingDefaults.OPTIMIZER.displayName();
	double learning = TrainingDefaults.LEARNING_RATE;
	String init = TrainingDefaults.INIT.displayName();
	double l2 = TrainingDefaults.L2, validation = TrainingDefaults.VALIDATION, patience = TrainingDefaults.PATIENCE;
	String split = TrainingDefaults.SPLIT.displayName();
	String augment = TrainingDefaults.AUGMENT;
	double seed = TrainingDefaults.SEED;
	String model = "";
	boolean overwrite;
	String continueFrom = "";

	/** The dialog's starting values: the documented defaults in a macro, the remembered ones in the GUI. */
	static TrainingOptions from(CommandKeys.Run r) {
		TrainingOptions o = new TrainingOptions();
		o.source = r.choice(TrainCnnClassifier.KEY_SOURCE);
		o.folder = r.text(TrainCnnClassifier.KEY_FOLDER);
		o.stack = r.text(TrainCnnClassifier.KEY_STACK);
		o.label = r.choice(TrainCnnClassifier.KEY_LABEL);
		o.patch = r.number(TrainCnnClassifier.KEY_PATCH);
		o.border = r.choice(TrainCnnClassifier.KEY_BORDER);
		o.value = r.number(TrainCnnClassifier.KEY_VALUE);
		o.mask = r.flag(TrainCnnClassifier.KEY_MASK);
		o.channels = r.text(TrainCnnClassifier.KEY_CHANNELS);
		o.resize = r.choice(TrainCnnClassifier.KEY_RESIZE);
		o.normalize = r.choice(TrainCnnClassifier.KEY_NORMALIZE);
		o.per = r.choice(TrainCnnClassifier.KEY_PER);
		o.low = r.number(TrainCnnClassifier.KEY_LOW);
		o.high = r.number(TrainCnnClassifier.KEY_HIGH);
		o.balance = r.choice(TrainCnnClassifier.KEY_BALANCE);
		o.width = r.number(TrainCnnClassifier.KEY_WIDTH);
		o.height = r.number(TrainCnnClassifier.KEY_HEIGHT);
		o.architecture = r.choice(TrainCnnClassifier.KEY_ARCHITECTURE);
		o.layers = r.text(TrainCnnClassifier.KEY_LAYERS);
		o.epochs = r.number(TrainCnnClassifier.KEY_EPOCHS);
		o.batch = r.number(TrainCnnClassifier.KEY_BATCH);
		o.optimizer = r.choice(TrainCnnClassifier.KEY_OPTIMIZER);
		o.learning = r.number(TrainCnnClassifier.KEY_LEARNING);
		o.init = r.choice(TrainCnnClassifier.KEY_INIT);
		o.l2 = r.number(TrainCnnClassifier.KEY_L2);
		o.validation = r.number(TrainCnnClassifier.KEY_VALIDATION);
		o.patience = r.number(TrainCnnClassifier.KEY_PATIENCE);
		o.split = r.choice(TrainCnnClassifier.KEY_SPLIT);
		o.augment = r.text(TrainCnnClassifier.KEY_AUGMENT);
		o.seed = r.number(TrainCnnClassifier.KEY_SEED);
		o.model = r.text(TrainCnnClassifier.KEY_MODEL);
		o.overwrite = r.flag(TrainCnnClassifier.KEY_OVERWRITE);
		o.continueFrom = r.text(TrainCnnClassifier.KEY_CONTINUE);
		return o;
	}

	/** Remembers the values for the next dialog (not in a macro), also invalid ones the user may correct. */
	void remember(CommandKeys.Run r) {
		r.remember(TrainCnnClassifier.KEY_SOURCE, source).remember(TrainCnnClassifier.KEY_FOLDER, folder)
				.remember(TrainCnnClassifier.KEY_STACK, stack).remember(TrainCnnClassifier.KEY_LABEL, label)
				.remember(TrainCnnClassifier.KEY_PATCH, patch).remember(TrainCnnClassifier.KEY_BORDER, border)
				.remember(TrainCnnClassifier.KEY_VALUE, value).remember(TrainCnnClassifier.KEY_MASK, mask)
				.remember(TrainCnnClassifier.KEY_CHANNELS, channels).remember(TrainCnnClassifier.KEY_RESIZE, resize)
				.remember(TrainCnnClassifier.KEY_NORMALIZE, normalize).remember(TrainCnnClassifier.KEY_PER, per)
				.remember(TrainCnnClassifier.KEY_LOW, low).remember(TrainCnnClassifier.KEY_HIGH, high)
				.remember(TrainCnnClassifier.KEY_BALANCE, balance)
				.remember(TrainCnnClassifier.KEY_WIDTH, width).remember(TrainCnnClassifier.KEY_HEIGHT, height)
				.remember(TrainCnnClassifier.KEY_ARCHITECTURE, architecture)
				.remember(TrainCnnClassifier.KEY_LAYERS, layers).remember(TrainCnnClassifier.KEY_EPOCHS, epochs)
				.remember(TrainCnnClassifier.KEY_BATCH, batch).remember(TrainCnnClassifier.KEY_OPTIMIZER, optimizer)
				.remember(TrainCnnClassifier.KEY_LEARNING, learning).remember(TrainCnnClassifier.KEY_INIT, init)
				.remember(TrainCnnClassifier.KEY_L2, l2).remember(TrainCnnClassifier.KEY_VALIDATION, validation)
				.remember(TrainCnnClassifier.KEY_PATIENCE, patience).remember(TrainCnnClassifier.KEY_SPLIT, split)
				.remember(TrainCnnClassifier.KEY_AUGMENT, augment)
				.remember(TrainCnnClassifier.KEY_SEED, seed).remember(TrainCnnClassifier.KEY_MODEL, model)
				.remember(TrainCnnClassifier.KEY_OVERWRITE, overwrite)
				.remember(TrainCnnClassifier.KEY_CONTINUE, continueFrom);
	}

	boolean fromStack() {
		return TrainCnnClassifier.SOURCE_STACK.equalsIgnoreCase(source.trim());
	}

	boolean fromRois() {
		return TrainCnnClassifier.SOURCE_ROIS.equalsIgnoreCase(source.trim());
	}

	boolean continuing() {
		return !continueFrom.trim().isEmpty();
	}

	/**
	 * Checks every value (ranges, names, the layer spec, paths) without touching any file or image.
	 *
	 * @throws IllegalArgumentException naming the key and the bad value
	 */
	void check() {
		if (!source.trim().equalsIgnoreCase(TrainCnnClassifier.SOURCE_FOLDER) && !fromStack() && !fromRois())
			throw new IllegalArgumentException("source=" + source + " is unknown: use Folder, Stack or ROIs");
		if (!fromRois() && (fromStack() ? stack.trim().isEmpty() : folder.trim().isEmpty()))
			throw new IllegalArgumentException(fromStack()
					? "No stack given: stack=[title] names an open stack whose slice labels are the class names"
					: "No folder given: folder=[path] is a folder with one subfolder of images per class");
		if (fromRois()) {
			labelRule();
			whole("patch", patch, 1, NetworkSpec.MAX_INPUT_SIZE, "(pixels)");
			border();
			if (!(Math.abs(value) <= Float.MAX_VALUE)) // NaN, the infinities and what a 32-bit patch cannot hold
				throw new IllegalArgumentException("value=" + number(value) + " must be a finite number of at most "
						+ "3.4e38 in size, which a 32-bit float patch holds (the Constant border's value)");
			PatchInput.parseChannels(channels, 1); // the numbers; whether the images have them: with the images
		}
		rule();
		balance();
		resize();
		whole("width", width, 0, NetworkSpec.MAX_INPUT_SIZE, "(0 = the most common width)");
		whole("height", height, 0, NetworkSpec.MAX_INPUT_SIZE, "(0 = the most common height)");
		if (!continuing()) spec();
		whole("epochs", epochs, 1, TrainingSettings.MAX_EPOCHS, "");
		whole("batch", batch, 1, TrainingSettings.MAX_BATCH, "");
		if (!(validation >= 0 && validation < 1))
			throw new IllegalArgumentException("validation=" + number(validation) + " must be a fraction >= 0 and < 1"
					+ " (0 = train on everything, no early stopping)");
		whole("patience", patience, 0, TrainingSettings.MAX_EPOCHS, "(0 = no early stopping)");
		splitRule();
		seed(seed);
		augmentOps();
		settings(); // optimizer, learning, init, l2
		modelPath();
		continuePath();
	}

	/** The seed= value checked: a whole number (at most 2^53 in size, which a macro number holds exactly). */
	static long seed(double seed) {
		if (!(seed == Math.rint(seed) && Math.abs(seed) <= (1L << 53)))
			throw new IllegalArgumentException("seed=" + number(seed) + " must be a whole number");
		return (long) seed;
	}

	Resize resize() {
		return Resize.fromName(resize);
	}

	RoiOutlines.Label labelRule() {
		try {
			return RoiOutlines.Label.fromName(label);
		} catch (IllegalArgumentException e) {
			throw new IllegalArgumentException("label=" + label + ": " + e.getMessage(), e);
		}
	}

	Border border() {
		try {
			return Border.fromLabel(border);
		} catch (IllegalArgumentException e) {
			throw new IllegalArgumentException("border=" + border + ": " + e.getMessage(), e);
		}
	}

	/** The normalize=, per=, low= and high= keys as a rule. */
	NormalisationRule rule() {
		try {
			return new NormalisationRule(NormalisationRule.Method.fromName(normalize),
					NormalisationRule.Per.fromName(per), low, high);
		} catch (IllegalArgumentException e) {
			throw new IllegalArgumentException("normalize=" + normalize + " per=" + per + " low=" + number(low)
					+ " high=" + number(high) + ": " + e.getMessage(), e);
		}
	}

	ClassBalance balance() {
		try {
			return ClassBalance.fromName(balance);
		} catch (IllegalArgumentException e) {
			throw new IllegalArgumentException("balance=" + balance + ": " + e.getMessage(), e);
		}
	}

	/** The preset's spec, or the parsed layers= for Custom. */
	NetworkSpec spec() {
		String a = architecture.trim();
		if (a.equalsIgnoreCase(NetworkSpec.CUSTOM)) {
			if (layers.trim().isEmpty())
				throw new IllegalArgumentException("architecture=Custom needs layers=[...], e.g. layers=["
						+ TrainingDefaults.LAYERS_EXAMPLE + "]");
			try {
				return NetworkSpec.parse(layers);
			} catch (IllegalArgumentException e) {
				throw new IllegalArgumentException("layers=[" + layers.trim() + "]: " + e.getMessage(), e);
			}
		}
		return NetworkSpec.preset(a);
	}

	TrainingSettings settings() {
		Optimizer o = Optimizer.fromName(optimizer);
		Initialization i = Initialization.fromName(init);
		if (!(learning > 0 && learning <= 10))
			throw new IllegalArgumentException("learning=" + number(learning) + " must be > 0 and <= 10 (e.g. 0.001)");
		if (!(l2 >= 0 && l2 <= 1))
			throw new IllegalArgumentException("l2=" + number(l2) + " must be between 0 and 1 (0 = no weight decay)");
		return new TrainingSettings(o, learning, i, l2, (long) seed, (int) batch, (int) epochs, balance());
	}

	SplitRule splitRule() {
		try {
			return SplitRule.fromName(split);
		} catch (IllegalArgumentException e) {
			throw new IllegalArgumentException("split=" + split + ": " + e.getMessage(), e);
		}
	}

	Set<Augmenter.Op> augmentOps() {
		try {
			return Augmenter.parse(augment);
		} catch (IllegalArgumentException e) {
			throw new IllegalArgumentException("augment=[" + augment.trim() + "]: " + e.getMessage(), e);
		}
	}

	/** The best-model file (required); the last model goes beside it (see Trainer.lastModelPath). */
	Path modelPath() {
		if (model.trim().isEmpty())
			throw new IllegalArgumentException("No model file given: model=[path.zip] is where the trained model is "
					+ "saved (the last epoch's model goes beside it as path-last.zip)");
		Path p = path("model", model);
		if (Files.isDirectory(p))
			throw new IllegalArgumentException("model=" + p + " is a folder: give a file name such as " + p.resolve(
					"model.zip"));
		return p;
	}

	/** The model to continue from, or null for a new model. */
	Path continuePath() {
		if (!continuing()) return null;
		Path p = path("continue", continueFrom);
		if (!Files.isRegularFile(p))
			throw new IllegalArgumentException("continue=" + p + ": no such model file (leave continue= empty to train "
					+ "a new model)");
		return p;
	}

	Path folderPath() {
		return path("folder", folder);
	}

	private static Path path(String key, String text) {
		try {
			return Paths.get(text.trim()).toAbsolutePath().normalize();
		} catch (InvalidPathException e) {
			throw new IllegalArgumentException(key + "=" + text + " is not a valid path: " + e.getMessage());
		}
	}

	private static void whole(String key, double v, long min, long max, String note) {
		if (!(v == Math.rint(v) && v >= min && v <= max))
			throw new IllegalArgumentException(key + "=" + number(v) + " must be a whole number from " + min + " to "
					+ max + (note.isEmpty() ? "" : " " + note));
	}

	/** 3 rather than 3.0 in messages. */
	static String number(double v) {
		return v == Math.rint(v) && Math.abs(v) < 1e15 ? String.valueOf((long) v) : String.format(Locale.ROOT, "%s", v);
	}
}
