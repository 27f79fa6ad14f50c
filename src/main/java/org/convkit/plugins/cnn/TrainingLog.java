package org.convkit.plugins.cnn;

import ij.IJ;
import org.convkit.core.cnn.data.Augmenter;
import org.convkit.core.cnn.data.Dataset;
import org.convkit.core.cnn.data.FolderDataset;
import org.convkit.core.cnn.data.SplitRule;
import org.convkit.core.cnn.input.InputFormat;
import org.convkit.core.cnn.model.ModelBundle;
import org.convkit.core.cnn.patch.PatchDataset;
import org.convkit.core.cnn.spec.NetworkSpec;
import org.convkit.core.cnn.train.EpochResult;
import org.convkit.core.cnn.train.TrainingResult;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

import static org.convkit.plugins.cnn.TrainCnnClassifier.LOG;

/**
 * The Log lines of {@link TrainCnnClassifier}: what a run trains on and with what (before the first epoch), and its
 * summary (images used and skipped, kept in memory, where the best and last models went, why it stopped).
 */
final class TrainingLog {
	private TrainingLog() {}

	static String architectureText(TrainingOptions o) {
		return NetworkSpec.CUSTOM.equalsIgnoreCase(o.architecture) ? "layers=[" + o.layers + "]"
				: o.architecture;
	}

	static void start(TrainingOptions o, TrainingSetup s) {
		Dataset data = s.data;
		String from = s.from;
		InputFormat f = s.format;
		ModelBundle continued = s.continued;
		int[] counts = new int[data.classes().size()];
		for (int i = 0; i < data.size(); i++) counts[data.label(i)]++;
		List<String> perClass = new ArrayList<>();
		for (int c = 0; c < counts.length; c++) perClass.add(data.classes().get(c) + " " + counts[c]);
		String what = data.patchInput() != null ? " ROIs" : " images";
		IJ.log(LOG + data.size() + what + " in " + counts.length + " classes (" + String.join(", ",
				perClass) + ") from " + from);
		if (data instanceof PatchDataset && !((PatchDataset) data).fewExamples().isEmpty())
			IJ.log(LOG + "classes with few ROIs (under " + PatchDataset.FEW + "): " + String.join(", ",
					((PatchDataset) data).fewExamples()) + "; the model learns little about them (add ROIs, or "
					+ "balance=Weights or Sampling)");
		String input = data.patchInput() != null ? "patches " + f.width() + "x" + f.height() + ", "
				+ data.patchInput() : f.width() + "x" + f.height() + " " + (f.channels() == 3 ? "RGB" : "grayscale")
						+ ", resize " + f.resize();
		if (continued != null) {
			IJ.log(LOG + "continuing " + o.continuePath() + " (" + continued.history().epochs()
					+ " epochs so far): its network, input (" + input + "), optimizer, learning rate, init, l2 and "
					+ "seed are kept; " + (int) o.epochs + " more epochs, batch " + (int) o.batch);
			IJ.log(LOG + "network: " + continued.spec());
		} else {
			String scaled = s.scaledUp == 1 ? "" : " (the images' most common size " + f.width() / s.scaledUp + "x"
					+ f.height() / s.scaledUp + " scaled up " + s.scaledUp + "x: the network needs at least that)";
			IJ.log(LOG + "input " + input + scaled + "; network " + architectureText(o) + ": " + o.spec());
			IJ.log(LOG + o.settings() + ", normalisation " + o.rule() + ", validation "
					+ TrainingOptions.number(o.validation) + " (" + s.split.displayName() + ")"
					+ ", patience " + (int) o.patience + ", augment " + augmentText(o.augmentOps()));
		}
		sourcesText(s);
	}

	/**
	 * With split=By image and validation: how many source images the examples come from, and a warning when each
	 * example is its own (file names without '_', a labelled stack): then the split is one of single examples (for a
	 * folder, with how to name files so that they group).
	 */
	private static void sourcesText(TrainingSetup s) {
		if (s.split != SplitRule.BY_IMAGE || s.validation == 0) return;
		Set<String> sources = new TreeSet<>();
		for (int i = 0; i < s.data.size(); i++) sources.add(s.data.source(i));
		String hint = !(s.data instanceof FolderDataset) ? "" : " (files count as one image when named IMAGE_NUMBER, "
				+ "e.g. field3_017.tif and field3_018.tif)";
		IJ.log(LOG + "split By image: the " + s.data.size() + " examples come from " + sources.size()
				+ " source image(s)" + (sources.size() < s.data.size() ? ""
						: ": each example is its own, so the split holds out single examples" + hint));
	}

	private static String augmentText(Set<Augmenter.Op> ops) {
		return ops.isEmpty() ? "none" : ops.stream().map(Augmenter.Op::word).collect(Collectors.joining(" "));
	}

	/**
	 * "images kept in memory: 1000 of 1000 (0.8 MB; budget 1024 MB)": the decoded images kept for the later epochs
	 * and the budget for them (a quarter of the Java heap limit, at most 1 GB); images beyond it are read again.
	 */
	static String inputMemoryText(TrainingResult r, long used) {
		return String.format(Locale.ROOT, "images kept in memory: %d of %d (%.1f MB; budget %.0f MB, a quarter of the "
				+ "Java memory limit, at most 1 GB)%s", r.inputsKept, used, r.inputBytesKept / 1048576.0,
				r.inputBudget / 1048576.0, r.inputsKept < used ? "; the others are read again every epoch" : "");
	}

	static void summary(TrainingReport report, Dataset data) {
		TrainingResult r = report.result();
		int skipped = r.skipped.size();
		IJ.log(LOG + "images used: " + (data.size() - skipped) + " of " + data.size() + ", skipped: " + skipped
				+ (skipped == 0 ? "" : " (unreadable)"));
		for (Dataset.Skipped s : r.skipped) IJ.log(LOG + "  skipped " + s);
		if (r.inputBudget > 0) IJ.log(LOG + inputMemoryText(r, data.size() - skipped));
		if (r.confusion != null)
			IJ.log(LOG + "validation images: " + TrainingReport.total(r.confusion) + TrainingSetup.heldOutText(
					report.heldOutSources()));
		EpochResult best = report.bestEpoch();
		if (best != null && r.bestFile != null)
			IJ.log(LOG + "best model (epoch " + best.epoch + (Double.isNaN(best.validationLoss) ? ", training loss "
					+ TrainingReport.format(best.trainLoss) : ", validation loss " + TrainingReport.format(
							best.validationLoss) + ", accuracy " + TrainingReport.format(best.validationAccuracy))
					+ ") saved to " + r.bestFile);
		if (r.lastFile != null && !r.epochs.isEmpty())
			IJ.log(LOG + "last model (epoch " + r.epochs.get(r.epochs.size() - 1).epoch + ") saved to "
					+ r.lastFile);
		if (r.epochs.isEmpty()) IJ.log(LOG + "no epoch finished: no model was saved");
		IJ.log(LOG + r.message);
	}
}
