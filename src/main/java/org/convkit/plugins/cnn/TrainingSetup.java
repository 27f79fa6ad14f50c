package org.convkit.plugins.cnn;

import ij.ImagePlus;
import ij.Macro;
import ij.WindowManager;
import org.convkit.core.cnn.data.Augmenter;
import org.convkit.core.cnn.data.Dataset;
import org.convkit.core.cnn.data.FolderDataset;
import org.convkit.core.cnn.data.Split;
import org.convkit.core.cnn.data.SplitRule;
import org.convkit.core.cnn.data.StackDataset;
import org.convkit.core.cnn.input.InputFormat;
import org.convkit.core.cnn.input.NormalisationRule;
import org.convkit.core.cnn.model.ModelBundle;
import org.convkit.core.cnn.model.ModelBundleIO;
import org.convkit.core.cnn.model.ModelFileException;
import org.convkit.core.cnn.net.TrainingSettings;
import org.convkit.core.cnn.spec.NetworkSpec;
import org.convkit.core.cnn.train.Trainer;
import org.convkit.core.cnn.train.TrainingResult;
import org.convkit.plugins.support.FieldValues;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * What one checked "Train CNN Classifier..." run trains on and how: the data opened, the input format, the network
 * spec (or the model to continue), the settings and the model file. Nothing is written. The command trains with
 * {@link #trainer()}; batch jobs (the Spark train job) start from {@link #fromOptions}, the command's macro keys.
 */
public final class TrainingSetup {
	public final Dataset data;
	/** Where the data came from, for messages. */
	public final String from;
	/** The model to continue, or null for a new one. */
	public final ModelBundle continued;
	public final InputFormat format;
	/** The images' most common size was scaled up by this to fit the network (1: not scaled). */
	public final int scaledUp;
	/** The network of a new model (null when continuing). */
	public final NetworkSpec spec;
	public final TrainingSettings settings;
	public final double validation;
	/** How the validation examples are chosen. */
	public final SplitRule split;
	public final int patience;
	public final Set<Augmenter.Op> augment;
	/** How pixel values are normalised (normalize=, per=, low=, high=). */
	public final NormalisationRule rule;
	/** The best model's file; the last model goes beside it (Trainer.lastModelPath). */
	public final Path model;
	public final boolean overwrite;

	private TrainingSetup(TrainingOptions o, Dataset data, String from, ModelBundle continued, InputFormat format,
			int scaledUp, NetworkSpec spec) {
		this.data = data;
		this.scaledUp = scaledUp;
		this.from = from;
		this.continued = continued;
		this.format = format;
		this.spec = spec;
		settings = o.settings();
		validation = o.validation;
		split = o.splitRule();
		patience = (int) o.patience;
		augment = o.augmentOps();
		rule = o.rule();
		model = o.modelPath();
		overwrite = o.overwrite;
	}

	/**
	 * A run described by the command's macro options (e.g. {@code "folder=[/data/cells] model=[/m.zip]
	 * architecture=LeNet epochs=5 batch=32"}), read and checked as the command reads and checks them; keys left out
	 * take the documented defaults.
	 *
	 * @throws IllegalArgumentException with the command's message for a bad value, folder or model file
	 */
	public static TrainingSetup fromOptions(String options) {
		TrainingOptions o = new TrainingOptions();
		TrainingDialogs.readFields(FieldValues.of(options), o);
		o.check();
		return open(o);
	}

	/**
	 * A run on a folder (one subfolder per class) saving to {@code model}, with the other keys from the command's
	 * macro options (e.g. {@code "architecture=LeNet epochs=5 batch=32"}); the options may not name the folder,
	 * the model or the source themselves.
	 *
	 * @throws IllegalArgumentException with the command's message for a bad value, folder or model file
	 */
	public static TrainingSetup forFolder(Path folder, Path model, String options) {
		String text = options == null ? "" : options;
		for (String key : new String[] { TrainCnnClassifier.KEY_FOLDER, TrainCnnClassifier.KEY_MODEL,
				TrainCnnClassifier.KEY_SOURCE, TrainCnnClassifier.KEY_STACK })
			if (Macro.getValue(text + " ", key, null) != null)
				throw new IllegalArgumentException(key + "= does not belong in the options here: the folder and the "
						+ "model file are given on their own");
		if (folder == null || model == null) throw new IllegalArgumentException("The folder and the model file are "
				+ "required");
		TrainingOptions o = new TrainingOptions();
		TrainingDialogs.readFields(FieldValues.of(text), o);
		o.source = TrainCnnClassifier.SOURCE_FOLDER;
		o.folder = folder.toString();
		o.model = model.toString();
		o.check();
		return open(o);
	}

	/** Opens the data and the model to continue; nothing is written. */
	static TrainingSetup open(TrainingOptions o) {
		Path model = o.modelPath();
		checkFolderWritable(model);
		ModelBundle continued = null;
		if (o.continuing()) {
			try {
				continued = ModelBundleIO.read(o.continuePath());
			} catch (ModelFileException e) {
				throw new IllegalArgumentException("continue=" + o.continuePath() + ": " + e.getMessage(), e);
			}
		}
		Dataset data;
		String from;
		if (o.fromRois()) {
			data = RoiSource.dataset(o);
			from = "the ROI Manager";
		} else if (o.fromStack()) {
			ImagePlus imp = WindowManager.getImage(o.stack);
			if (imp == null) throw new IllegalArgumentException("stack=[" + o.stack + "]: no open image has this title");
			data = new StackDataset(imp.getStack());
			from = "the stack '" + imp.getTitle() + "'";
		} else {
			Path folder = o.folderPath();
			data = new FolderDataset(folder);
			from = folder.toString();
		}
		checkNotAnInput(o, model, data);
		NetworkSpec spec = null;
		InputFormat format;
		int scaledUp = 1;
		if (continued == null) {
			int[] common = data.commonSize();
			spec = o.spec();
			// both sizes automatic: images too small for the network are scaled up by the smallest factor that fits
			// (not patches: they are the input's size, width and height do not apply)
			if (o.width <= 0 && o.height <= 0 && !o.fromRois())
				scaledUp = Math.max(1, spec.fittingScale(common[1], common[0], data.channels()));
			int w = o.width > 0 && !o.fromRois() ? (int) o.width : common[0] * scaledUp;
			int h = o.height > 0 && !o.fromRois() ? (int) o.height : common[1] * scaledUp;
			format = new InputFormat(h, w, data.channels(), o.resize());
			try {
				spec.shapes(h, w, data.channels());
			} catch (IllegalArgumentException e) {
				throw new IllegalArgumentException("The network (" + TrainingLog.architectureText(o)
						+ ") does not fit the " + w + "x" + h + " input: " + e.getMessage(), e);
			}
			checkFitsInMemory(o, spec, h, w, data.channels(), data.classes().size(),
					(int) o.batch);
		} else {
			format = new InputFormat(continued.inputHeight(), continued.inputWidth(), continued.inputChannels(),
					continued.resize());
		}
		return new TrainingSetup(o, data, from, continued, format, scaledUp, spec);
	}

	/** The source images held out for validation with split=By image, sorted; empty otherwise. */
	public List<String> heldOutSources(TrainingResult r) {
		if (split != SplitRule.BY_IMAGE || r.validationIndices == null) return new ArrayList<>();
		Set<String> out = new TreeSet<>();
		for (int i : r.validationIndices) out.add(data.source(i));
		return new ArrayList<>(out);
	}

	/**
	 * ", all from the 2 source image(s) held out whole: field3, field7" (at most 10 names, then how many more) for the
	 * line that counts the validation images; "" without held-out sources.
	 */
	public static String heldOutText(List<String> sources) {
		if (sources.isEmpty()) return "";
		return ", all from the " + sources.size() + " source image(s) held out whole: " + Split.abbreviate(sources,
				10);
	}

	/** The single-machine trainer of this run. */
	public Trainer trainer() {
		Trainer t = new Trainer(data, spec, settings).validation(validation).split(split).patience(patience)
				.augment(augment).normalisation(rule).saveTo(model, overwrite);
		if (continued != null) t.continueFrom(continued);
		else t.input(format);
		return t;
	}

	/**
	 * Fails with a clear message when training the network cannot fit in the memory ND4J may use (JavaCPP's limit,
	 * by default the JVM's maximum heap): 4 bytes per value for the weights, their gradients and two optimizer
	 * moments, and for a batch of every layer's output, kept for the backward pass and its gradient.
	 */
	static void checkFitsInMemory(TrainingOptions o, NetworkSpec spec, int h, int w, int c, int classes, int batch) {
		long params = 0, values = (long) h * w * c;
		for (org.convkit.core.cnn.spec.LayerShape l : spec.shapes(h, w, c, classes)) {
			params += l.params;
			values += l.size();
		}
		double bytes = 4.0 * (4.0 * params + 2.0 * batch * values);
		long limit = org.bytedeco.javacpp.Pointer.maxBytes();
		if (params > Integer.MAX_VALUE || bytes > limit)
			throw new IllegalArgumentException(String.format(java.util.Locale.ROOT, "The network (%s) on a %dx%d "
					+ "input needs about %.1f GB to train (%d parameters, %d values per image in its layers, batch %d),"
					+ " more than the %.1f GB ConvKit may use: choose a smaller width= and height=, a smaller batch= "
					+ "or smaller layers", TrainingLog.architectureText(o), w, h, bytes / (1L << 30), params, values, batch,
					limit / (double) (1L << 30)));
	}

	/**
	 * The model files this run writes (model= and its "-last" sibling) may not replace what it reads, even with
	 * overwrite: the model it continues from, or a file in a class folder of the training data.
	 */
	static void checkNotAnInput(TrainingOptions o, Path model, Dataset data) {
		for (Path out : new Path[] { model, Trainer.lastModelPath(model) }) {
			String which = out.equals(model) ? "model=" + model : "model=" + model + " (its last-epoch file " + out + ")";
			if (o.continuing() && same(out, o.continuePath()))
				throw new IllegalArgumentException(which + " would replace the model this run continues from "
						+ "(continue=" + o.continuePath() + "): choose another model= file");
			if (data instanceof FolderDataset && ((FolderDataset) data).holds(out))
				throw new IllegalArgumentException(which + " lies in a class folder of the training data, where it "
						+ "would replace or join the images: choose a file outside " + o.folderPath());
		}
	}

	private static boolean same(Path a, Path b) {
		try {
			return a.equals(b) || Files.exists(a) && Files.exists(b) && Files.isSameFile(a, b);
		} catch (IOException e) {
			return false;
		}
	}

	/**
	 * Fails with a clear message when no file can be created in the model's folder (a real test: as root, or on a
	 * read-only file system, the permission bits do not tell). A missing folder is left to the trainer's message.
	 */
	static void checkFolderWritable(Path model) {
		Path dir = model.getParent();
		if (dir == null || !Files.isDirectory(dir)) return;
		try {
			Path probe = Files.createTempFile(dir, ".convkit-write-check", ".tmp");
			Files.delete(probe);
		} catch (IOException | SecurityException e) {
			throw new IllegalArgumentException("Cannot save the model to " + model + ": the folder " + dir
					+ " is not writable (no file can be created there: " + e.getClass().getSimpleName() + ")");
		}
	}
}
