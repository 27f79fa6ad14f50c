package org.convkit.plugins.cnn;

import ij.ImagePlus;
import ij.measure.ResultsTable;
import ij.process.ColorProcessor;
import org.convkit.core.cnn.train.EpochResult;
import org.convkit.core.cnn.train.Evaluation;
import org.convkit.core.cnn.train.TrainingResult;

import java.awt.Color;
import java.awt.Font;
import java.util.List;
import java.util.Locale;

/**
 * The results of one "Train CNN Classifier..." run as ImageJ tables and an image, built from a
 * {@link TrainingResult}:
 * <ul>
 * <li>{@value #HISTORY}: one row per epoch of this run (epoch numbers continue a continued model's), columns
 * {@code epoch, train_loss, train_accuracy, validation_loss, validation_accuracy, seconds, images_per_s, best};
 * {@code best} is 1 on the one epoch whose model is in the best file.</li>
 * <li>{@value #CONFUSION}: the best model on the validation set, one row per true class ({@code true_class}), one
 * column of counts per predicted class.</li>
 * <li>{@value #METRICS}: per class {@code precision} (of the images predicted as the class, the fraction that are),
 * {@code recall} (of the images of the class, the fraction predicted as it; NaN when undefined) and
 * {@code support} (validation images of the class).</li>
 * <li>An RGB image titled {@value #CONFUSION}: one block per cell, shaded by the row's fraction (recall on the
 * diagonal), with the counts and the class names on the axes (rows true, columns predicted).</li>
 * </ul>
 * Without validation there is no confusion matrix and no metrics (null).
 */
public final class TrainingReport {
	public static final String HISTORY = "CNN Training History", CONFUSION = "CNN Confusion Matrix",
			METRICS = "CNN Class Metrics";
	public static final String[] HISTORY_COLUMNS = { "epoch", "train_loss", "train_accuracy", "validation_loss",
			"validation_accuracy", "seconds", "images_per_s", "best" };
	public static final String TRUE_CLASS = "true_class";

	private final TrainingResult result;
	private final List<String> classes;
	private final ResultsTable history, confusion, metrics;
	private final ImagePlus confusionImage;
	private final EpochResult bestEpoch;
	private final List<String> heldOutSources;

	/** @param heldOutSources the source images held out for validation with split=By image (else empty) */
	TrainingReport(TrainingResult result, List<String> classes, List<String> heldOutSources) {
		this.result = result;
		this.classes = classes;
		this.heldOutSources = heldOutSources;
		bestEpoch = bestEpoch(result.epochs);
		history = historyTable(result.epochs, bestEpoch);
		if (result.confusion != null) {
			confusion = confusionTable(result.confusion, classes);
			metrics = metricsTable(result.confusion, classes);
			confusionImage = confusionImage(result.confusion, classes);
		} else {
			confusion = null;
			metrics = null;
			confusionImage = null;
		}
	}

	/** The epoch whose model is the best one (the last that improved), or null when no epoch finished. */
	static EpochResult bestEpoch(List<EpochResult> epochs) {
		EpochResult best = null;
		for (EpochResult e : epochs)
			if (e.best) best = e;
		return best;
	}

	public TrainingResult result() {
		return result;
	}

	public List<String> classes() {
		return classes;
	}

	public EpochResult bestEpoch() {
		return bestEpoch;
	}

	public ResultsTable history() {
		return history;
	}

	/** Null without validation. */
	public ResultsTable confusion() {
		return confusion;
	}

	/** Null without validation. */
	public ResultsTable metrics() {
		return metrics;
	}

	/** Null without validation. */
	public ImagePlus confusionImage() {
		return confusionImage;
	}

	/** Shows the tables (not possible headless: ImageJ drops them there) and the confusion-matrix image. */
	void show() {
		history.show(HISTORY);
		if (confusion != null) {
			confusion.show(CONFUSION);
			metrics.show(METRICS);
			confusionImage.show();
		}
	}

	static ResultsTable historyTable(List<EpochResult> epochs, EpochResult best) {
		ResultsTable rt = new ResultsTable();
		rt.showRowNumbers(false);
		for (EpochResult e : epochs) {
			rt.incrementCounter();
			rt.addValue(HISTORY_COLUMNS[0], e.epoch);
			rt.addValue(HISTORY_COLUMNS[1], e.trainLoss);
			rt.addValue(HISTORY_COLUMNS[2], e.trainAccuracy);
			rt.addValue(HISTORY_COLUMNS[3], e.validationLoss);
			rt.addValue(HISTORY_COLUMNS[4], e.validationAccuracy);
			rt.addValue(HISTORY_COLUMNS[5], e.seconds);
			rt.addValue(HISTORY_COLUMNS[6], e.imagesPerSecond);
			rt.addValue(HISTORY_COLUMNS[7], e == best ? 1 : 0);
		}
		int[] places = { 0, 4, 4, 4, 4, 2, 0, 0 };
		for (int c = 0; c < places.length; c++) decimals(rt, HISTORY_COLUMNS[c], places[c]);
		return rt;
	}

	static ResultsTable confusionTable(long[][] m, List<String> classes) {
		ResultsTable rt = new ResultsTable();
		rt.showRowNumbers(false);
		for (int t = 0; t < m.length; t++) {
			rt.incrementCounter();
			rt.addValue(TRUE_CLASS, classes.get(t));
			for (int p = 0; p < m.length; p++) rt.addValue(classes.get(p), m[t][p]);
		}
		for (int p = 0; p < m.length; p++) decimals(rt, classes.get(p), 0);
		return rt;
	}

	static ResultsTable metricsTable(long[][] m, List<String> classes) {
		double[] precision = Evaluation.precision(m), recall = Evaluation.recall(m);
		ResultsTable rt = new ResultsTable();
		rt.showRowNumbers(false);
		for (int c = 0; c < m.length; c++) {
			long support = 0;
			for (long v : m[c]) support += v;
			rt.incrementCounter();
			rt.addValue("class", classes.get(c));
			rt.addValue("precision", precision[c]);
			rt.addValue("recall", recall[c]);
			rt.addValue("support", support);
		}
		decimals(rt, "precision", 4);
		decimals(rt, "recall", 4);
		decimals(rt, "support", 0);
		return rt;
	}

	/** Decimal places of a column (an empty table has no columns yet). */
	private static void decimals(ResultsTable rt, String column, int places) {
		int i = rt.getColumnIndex(column);
		if (i >= 0) rt.setDecimalPlaces(i, places);
	}

	/** Validation images in the matrix. */
	static long total(long[][] m) {
		long n = 0;
		for (long[] row : m)
			for (long v : row) n += v;
		return n;
	}

	/**
	 * The matrix as a picture: cells of {@code cell} pixels, white (0 of the row) to dark blue (the whole row),
	 * the count in each cell, class names left (true) and on top (predicted). The matrix is also in the image's
	 * "Info" property as tab-separated text.
	 */
	static ImagePlus confusionImage(long[][] m, List<String> classes) {
		int k = m.length;
		Font font = new Font("SansSerif", Font.PLAIN, 12), bold = new Font("SansSerif", Font.BOLD, 12);
		ColorProcessor probe = new ColorProcessor(1, 1);
		probe.setFont(font);
		int longest = 0;
		for (String c : classes) longest = Math.max(longest, probe.getStringWidth(c));
		long max = 0;
		for (long[] row : m)
			for (long v : row) max = Math.max(max, v);
		int cell = Math.max(44, probe.getStringWidth(String.valueOf(max)) + 16);
		int left = longest + 24, top = 40, right = 12, bottom = 12;
		int w = left + k * cell + right, h = top + k * cell + bottom;
		ColorProcessor ip = new ColorProcessor(w, h);
		ip.setColor(Color.WHITE);
		ip.fill();
		ip.setAntialiasedText(true);
		ip.setJustification(ColorProcessor.CENTER_JUSTIFY);
		ip.setFont(bold);
		ip.setColor(Color.BLACK);
		ip.drawString("predicted", left + k * cell / 2, 16);
		ip.setFont(font);
		for (int t = 0; t < k; t++) {
			long rowSum = 0;
			for (long v : m[t]) rowSum += v;
			for (int p = 0; p < k; p++) {
				double f = rowSum == 0 ? 0 : (double) m[t][p] / rowSum;
				Color c = shade(f);
				ip.setColor(c);
				ip.setRoi(left + p * cell, top + t * cell, cell, cell);
				ip.fill();
				ip.resetRoi();
				ip.setColor(f > 0.5 ? Color.WHITE : Color.BLACK);
				ip.drawString(String.valueOf(m[t][p]), left + p * cell + cell / 2, top + t * cell + cell / 2 + 7);
			}
		}
		ip.setColor(Color.GRAY);
		for (int i = 0; i <= k; i++) {
			ip.drawLine(left + i * cell, top, left + i * cell, top + k * cell);
			ip.drawLine(left, top + i * cell, left + k * cell, top + i * cell);
		}
		ip.setColor(Color.BLACK);
		for (int p = 0; p < k; p++) ip.drawString(fit(ip, classes.get(p), cell - 4), left + p * cell + cell / 2, top - 4);
		ip.setJustification(ColorProcessor.RIGHT_JUSTIFY);
		for (int t = 0; t < k; t++) ip.drawString(classes.get(t), left - 6, top + t * cell + cell / 2 + 7);
		ip.setFont(bold);
		ip.setJustification(ColorProcessor.LEFT_JUSTIFY);
		ip.drawString("true", 4, top - 4);
		ImagePlus imp = new ImagePlus(CONFUSION, ip);
		StringBuilder info = new StringBuilder("Confusion matrix of the best model on the validation set (rows: true "
				+ "class, columns: predicted class)\n" + TRUE_CLASS);
		for (String c : classes) info.append('\t').append(c);
		for (int t = 0; t < k; t++) {
			info.append('\n').append(classes.get(t));
			for (int p = 0; p < k; p++) info.append('\t').append(m[t][p]);
		}
		imp.setProperty("Info", info.append('\n').toString());
		return imp;
	}

	/** A class name shortened with "..." to fit a column. */
	private static String fit(ColorProcessor ip, String s, int width) {
		if (ip.getStringWidth(s) <= width) return s;
		String t = s;
		while (t.length() > 1 && ip.getStringWidth(t + "...") > width) t = t.substring(0, t.length() - 1);
		return t + "...";
	}

	/** White at 0 to a dark blue at 1. */
	private static Color shade(double f) {
		int r = (int) Math.round(255 + f * (8 - 255)), g = (int) Math.round(255 + f * (48 - 255)),
				b = (int) Math.round(255 + f * (107 - 255));
		return new Color(r, g, b);
	}

	/** "0.9333" etc. for log lines. */
	static String format(double v) {
		return Double.isNaN(v) ? "NaN" : String.format(Locale.ROOT, "%.4f", v);
	}

	/** The source images held out for validation with split=By image, sorted (empty otherwise). */
	List<String> heldOutSources() {
		return heldOutSources;
	}

	/** One value of this run for macros, as documented at {@link TrainCnnClassifier#lastResult}; "" if none. */
	String macroValue(String key) {
		if (key == null) return "";
		TrainingResult t = result();
		EpochResult best = bestEpoch();
		switch (key.trim().toLowerCase(Locale.ROOT)) {
			case "stop":
				return t.stop.name();
			case "message":
				return t.message;
			case "epochs":
				return String.valueOf(t.epochs.size());
			case "last_epoch":
				return t.epochs.isEmpty() ? "" : String.valueOf(t.epochs.get(t.epochs.size() - 1).epoch);
			case "best_epoch":
				return best == null ? "" : String.valueOf(best.epoch);
			case "best_validation_loss":
				return best == null || Double.isNaN(best.validationLoss) ? "" : String.valueOf(best.validationLoss);
			case "best_validation_accuracy":
				return best == null || Double.isNaN(best.validationAccuracy) ? ""
						: String.valueOf(best.validationAccuracy);
			case "best_file":
				return t.bestFile == null ? "" : t.bestFile.toString();
			case "last_file":
				return t.lastFile == null ? "" : t.lastFile.toString();
			case "validation_images":
				return t.confusion == null ? "0" : String.valueOf(total(t.confusion));
			case "validation_sources":
				return String.join("\n", heldOutSources);
			case "skipped":
				return String.valueOf(t.skipped.size());
			default:
				return "";
		}
	}
}
