package org.convkit.core.cnn.train;

import org.convkit.core.cnn.data.SplitRule;
import org.convkit.core.cnn.input.NormalisationRule;
import org.convkit.core.cnn.input.Resize;
import org.convkit.core.cnn.net.ClassBalance;
import org.convkit.core.cnn.net.Initialization;
import org.convkit.core.cnn.net.Optimizer;
import org.convkit.core.cnn.net.TrainingSettings;
import org.convkit.core.cnn.spec.NetworkSpec;
import org.convkit.core.filter.Border;

/**
 * The default values of training, in ONE place, for the "Train CNN Classifier..." command and the scripting service:
 * a macro call that leaves a key out gets the value here (the dialog starts from them too, until the user changes
 * them). The README's key table quotes them. Values
 * not chosen here are the core's {@link TrainingSettings#DEFAULTS}.
 */
public final class TrainingDefaults {
	private TrainingDefaults() {}

	/**
	 * Where the images come from: "Folder" (one subfolder per class), "Stack" (slice labels) or "ROIs" (patches around
	 * the ROIs of the ROI Manager).
	 */
	public static final String SOURCE = "Folder";
	/** ROIs: how an ROI's class is found, "Group" (its ROI group) or "Name prefix" (its name up to '_' or '-'). */
	public static final String LABEL = "Group";
	/** ROIs: the patch's width and height in pixels, centred on each ROI (the network's input size). */
	public static final int PATCH = 32;
	/** ROIs: pixels beyond the image edge, as Apply Kernel (value: the Constant border's value). */
	public static final Border BORDER = Border.REFLECT;
	public static final double VALUE = 0;
	/** ROIs: the channels of a hyperstack that form the input, e.g. "1,3"; "" = all. */
	public static final String CHANNELS = "";
	/** Normalisation (the rule models trained before it existed used). */
	public static final NormalisationRule.Method NORMALIZE = NormalisationRule.Method.MEAN_STD;
	public static final double LOW = NormalisationRule.DEFAULT_LOW, HIGH = NormalisationRule.DEFAULT_HIGH;
	public static final NormalisationRule.Per PER = NormalisationRule.Per.DATASET;
	public static final ClassBalance BALANCE = ClassBalance.NONE;
	public static final Resize RESIZE = Resize.SCALE;
	/** 0 = the most common image width (height) of the data. */
	public static final int WIDTH = 0, HEIGHT = 0;
	public static final String ARCHITECTURE = NetworkSpec.LENET;
	/** The dialog's example for Custom (the example spec); a macro with Custom must give layers=. */
	public static final String LAYERS_EXAMPLE = "conv 5x5x20 stride=1 pad=same relu; maxpool 2; conv 3x3x64 relu; "
			+ "maxpool 2; dense 256 relu; dropout 0.5";
	public static final int EPOCHS = TrainingSettings.DEFAULT_EPOCHS;
	public static final int BATCH = TrainingSettings.DEFAULT_BATCH;
	public static final Optimizer OPTIMIZER = TrainingSettings.DEFAULT_OPTIMIZER;
	public static final double LEARNING_RATE = TrainingSettings.DEFAULT_LEARNING_RATE;
	public static final Initialization INIT = TrainingSettings.DEFAULT_INIT;
	public static final double L2 = TrainingSettings.DEFAULT_L2;
	/** Fraction held out for validation (stratified, seeded); 0 trains on everything and turns early stopping off. */
	public static final double VALIDATION = 0.1;
	/** Validation examples drawn at random within each class, not whole source images held out. */
	public static final SplitRule SPLIT = SplitRule.RANDOM;
	/** Early stopping after this many epochs without a lower validation loss; 0 = off. */
	public static final int PATIENCE = 5;
	/**
	 * Augmentation words (flip rot90 rotate shift brightness contrast noise), "none" = none. Shifting by up to 10 %
	 * is right for digits and microscopy alike (flip/rot90 are not: 6 vs 9) and, measured on generated digits
	 * (docs/accuracy.md), gave the best LeNet model (99.45 % vs 99.15 % without) with a fivefold lower validation loss.
	 */
	public static final String AUGMENT = "shift";
	public static final long SEED = TrainingSettings.DEFAULT_SEED;
}
