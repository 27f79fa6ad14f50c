package org.convkit.plugins.cnn;

import ij.IJ;
import ij.ImagePlus;
import ij.gui.Plot;
import org.convkit.core.cnn.model.TrainingHistory;
import org.convkit.core.cnn.train.EpochResult;
import org.convkit.core.cnn.train.Trainer;
import org.convkit.core.cnn.train.TrainingListener;
import org.convkit.core.cnn.train.TrainingResult;

import java.awt.GraphicsEnvironment;
import java.util.Locale;

/**
 * What the user sees while "Train CNN Classifier..." runs: the progress bar and status line after every batch, one
 * Log line per epoch, and a live {@link HistoryPlot} of the whole history (a continued model's earlier epochs
 * included), redrawn after every epoch. Esc (checked after every batch) cancels the trainer: the unfinished epoch
 * is dropped and the best model so far is kept. Headless or in batch mode the plot is still made and ends up as an
 * image (the last one the command creates before its tables).
 */
final class TrainingMonitor implements TrainingListener {
	private final String command;
	private final Trainer trainer;
	private final Plot plot;
	private final Runnable beforeFirstEpoch;
	private TrainingHistory history;
	private boolean started;
	private volatile boolean escaped;

	/**
	 * @param beforeFirstEpoch run once when the first epoch starts, i.e. after the trainer's own checks of the input
	 *                         passed (then the plot is shown too): bad input leaves no window behind
	 */
	TrainingMonitor(String command, Trainer trainer, TrainingHistory start, String plotTitle,
			Runnable beforeFirstEpoch) {
		this.command = command;
		this.trainer = trainer;
		this.history = start;
		this.plot = HistoryPlot.create(plotTitle, start);
		this.beforeFirstEpoch = beforeFirstEpoch;
		IJ.resetEscape();
	}

	/** Shows the plot (in a window, or as an image when headless). */
	void showPlot() {
		if (GraphicsEnvironment.isHeadless()) plot.getImagePlus().show();
		else plot.show();
	}

	/** Closes the plot's window or image, if shown. */
	void closePlot() {
		if (started) plot.getImagePlus().close();
	}

	Plot plot() {
		return plot;
	}

	ImagePlus plotImage() {
		return plot.getImagePlus();
	}

	TrainingHistory history() {
		return history;
	}

	/** True when the user pressed Esc during training. */
	boolean escaped() {
		return escaped;
	}

	@Override
	public void epochStarted(int epoch, int lastEpoch) {
		if (!started) {
			started = true;
			if (beforeFirstEpoch != null) beforeFirstEpoch.run();
			showPlot();
		}
		IJ.showStatus(command + " epoch " + epoch + "/" + lastEpoch + " (Esc stops and keeps the best model)");
	}

	@Override
	public void batchDone(int epoch, int batch, int batches, double progress) {
		IJ.showProgress(progress);
		if (batch == 1 || batch == batches || batch % 10 == 0)
			IJ.showStatus(command + " epoch " + epoch + ", batch " + batch + "/" + batches + " (Esc stops)");
		if (!escaped && IJ.escapePressed()) {
			escaped = true;
			trainer.cancel();
			IJ.showStatus(command + ": stopping after this batch (Esc)...");
		}
	}

	@Override
	public void epochDone(EpochResult r) {
		history = history.plus(r.trainLoss, r.trainAccuracy, r.validationLoss, r.validationAccuracy);
		IJ.log(TrainCnnClassifier.LOG + line(r));
		HistoryPlot.draw(plot, history);
		plot.updateImage();
	}

	@Override
	public void finished(TrainingResult result) {
		IJ.showProgress(1.0);
		IJ.showStatus(command + ": " + result.message);
	}

	/** "epoch 3: loss 0.4120, accuracy 0.850; validation loss 0.3901, accuracy 0.867 (1.2 s, 410 images/s) best". */
	static String line(EpochResult r) {
		StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "epoch %d: loss %.4f, accuracy %.3f", r.epoch,
				r.trainLoss, r.trainAccuracy));
		if (!Double.isNaN(r.validationLoss))
			sb.append(String.format(Locale.ROOT, "; validation loss %.4f, accuracy %.3f", r.validationLoss,
					r.validationAccuracy));
		sb.append(String.format(Locale.ROOT, " (%.1f s, %.0f images/s)", r.seconds, r.imagesPerSecond));
		if (r.best) sb.append(" - best so far, saved");
		return sb.toString();
	}
}
