package org.convkit.plugins.cnn;

import ij.ImagePlus;
import ij.WindowManager;
import ij.gui.GenericDialog;
import org.convkit.core.cnn.data.SplitRule;
import org.convkit.core.cnn.input.NormalisationRule;
import org.convkit.core.cnn.input.Resize;
import org.convkit.core.cnn.net.ClassBalance;
import org.convkit.core.cnn.net.Initialization;
import org.convkit.core.cnn.net.Optimizer;
import org.convkit.core.cnn.spec.NetworkSpec;
import org.convkit.core.cnn.train.TrainingDefaults;
import org.convkit.core.filter.Border;
import org.convkit.plugins.support.CommandKeys;
import org.convkit.plugins.support.Dialogs;
import org.convkit.plugins.support.FieldValues;
import org.convkit.plugins.support.PathFields;
import org.convkit.plugins.support.RoiOutlines;

import java.awt.Choice;
import java.awt.Component;
import java.awt.Font;
import java.awt.GraphicsEnvironment;
import java.awt.TextField;
import java.math.BigDecimal;
import java.util.Vector;

import static org.convkit.plugins.cnn.TrainCnnClassifier.*;

/**
 * The two dialogs of {@link TrainCnnClassifier}: the data (source, ROI patches, input size, normalisation), then the
 * network, training and model file. Two, because one held every key and stood 1,044 pixels tall, leaving its buttons
 * below the edge of a laptop's screen (ImageJ's dialogs do not scroll); each is now under 700. A macro gives the keys
 * of both in one {@code run(...)} line, and the Recorder writes one line for both dialogs, in the order of
 * {@link #readFields}.
 */
final class TrainingDialogs {
	/** The second dialog's title. */
	static final String TRAINING_TITLE = "Train CNN Classifier: network and training";

	private TrainingDialogs() {}

	/**
	 * Shows (or, in a macro, reads) both dialogs into o.
	 *
	 * @return false when the user cancelled either
	 * @throws IllegalArgumentException when a number field holds no number
	 */
	static boolean show(CommandKeys.Run run, TrainingOptions o) {
		boolean gui = !GraphicsEnvironment.isHeadless() && !run.isMacro();
		GenericDialog data = run.dialog();
		addDataFields(data, o);
		if (gui) enableDataFields(data);
		data.showDialog();
		if (data.wasCanceled()) return false;
		read(data, f -> readData(f, o));
		GenericDialog training = Dialogs.create(TRAINING_TITLE);
		if (training == null) return false;
		addTrainingFields(training, o, run.isMacro());
		if (gui) enableTrainingFields(training);
		training.showDialog();
		if (training.wasCanceled()) return false;
		read(training, f -> readTraining(f, o));
		return true;
	}

	private interface Reader {
		void read(FieldValues f);
	}

	private static void read(GenericDialog gd, Reader r) {
		r.read(FieldValues.of(gd));
		if (gd.invalidNumber())
			throw new IllegalArgumentException("A number field holds no valid number: " + gd.getErrorMessage());
	}

	private static void addDataFields(GenericDialog gd, TrainingOptions o) {
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
		gd.addNumericField(KEY_HEIGHT + ":", o.height, 0, 6,
				"pixels (0 = the most common size, scaled up if too small)");
		gd.addChoice(KEY_NORMALIZE + ":", NormalisationRule.Method.displayNames(), choice(o.normalize,
				NormalisationRule.Method.displayNames()));
		gd.addToSameRow();
		gd.addChoice(KEY_PER + ":", NormalisationRule.Per.displayNames(), choice(o.per,
				NormalisationRule.Per.displayNames()));
		gd.addNumericField(KEY_LOW + ":", o.low, Math.max(1, digits(o.low)), 6, "");
		gd.addToSameRow();
		gd.addNumericField(KEY_HIGH + ":", o.high, Math.max(1, digits(o.high)), 6, "percentiles (Percentile)");
	}

	private static void addTrainingFields(GenericDialog gd, TrainingOptions o, boolean macro) {
		Font header = new Font("SansSerif", Font.BOLD, 13);
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
		// one message for these rows: each message adds a gap, and this dialog should fit a 768-pixel screen
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
	}

	/**
	 * GUI only: the folder field only for source Folder, the stack choice only for Stack, the ROI fields (label,
	 * patch, border, value, mask, channels) only for ROIs and the size fields (resize, width, height) not for ROIs.
	 * The listener reads every field in order, because ImageJ's Recorder records what the dialog's first listener
	 * reads after OK.
	 */
	private static void enableDataFields(GenericDialog gd) {
		@SuppressWarnings("unchecked")
		Vector<Choice> choices = gd.getChoices();
		@SuppressWarnings("unchecked")
		Vector<TextField> strings = gd.getStringFields(), numbers = gd.getNumericFields();
		Choice source = choices.get(0), stack = choices.get(1);
		TextField folder = strings.get(0);
		Component[] roiFields = { choices.get(2), numbers.get(0), choices.get(3), numbers.get(1),
				(Component) gd.getCheckboxes().get(0), strings.get(1) };
		Component[] sizeFields = { choices.get(4), numbers.get(2), numbers.get(3) };
		Runnable update = () -> {
			boolean fromStack = SOURCE_STACK.equals(source.getSelectedItem());
			boolean fromRois = SOURCE_ROIS.equals(source.getSelectedItem());
			folder.setEnabled(!fromStack && !fromRois);
			stack.setEnabled(fromStack);
			for (Component c : roiFields) c.setEnabled(fromRois);
			for (Component c : sizeFields) c.setEnabled(!fromRois);
		};
		listen(gd, update, f -> readData(f, new TrainingOptions()));
	}

	/** GUI only: the layers field only for Custom (the listener reads every field, as above). */
	private static void enableTrainingFields(GenericDialog gd) {
		Choice architecture = (Choice) gd.getChoices().get(0);
		TextField layers = (TextField) gd.getStringFields().get(0);
		listen(gd, () -> layers.setEnabled(NetworkSpec.CUSTOM.equals(architecture.getSelectedItem())),
				f -> readTraining(f, new TrainingOptions()));
	}

	private static void listen(GenericDialog gd, Runnable update, Reader reader) {
		update.run();
		gd.addDialogListener((d, e) -> {
			try {
				reader.read(FieldValues.of(d));
			} catch (IllegalArgumentException ignored) {
				// checked after OK, with a message
			}
			update.run();
			return true;
		});
	}

	/**
	 * Reads the fields of both dialogs in the order they are added, from macro options (a key left out keeps o's
	 * value, i.e. {@link TrainingDefaults} for a new TrainingOptions).
	 */
	static void readFields(FieldValues f, TrainingOptions o) {
		readData(f, o);
		readTraining(f, o);
	}

	private static void readData(FieldValues f, TrainingOptions o) {
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
	}

	private static void readTraining(FieldValues f, TrainingOptions o) {
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
}
