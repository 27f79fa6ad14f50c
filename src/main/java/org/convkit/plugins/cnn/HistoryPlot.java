package org.convkit.plugins.cnn;

import ij.gui.Plot;
import org.convkit.core.cnn.model.TrainingHistory;

import java.awt.Color;
import java.util.List;

/**
 * The per-epoch loss and accuracy curves of a training history as one ImageJ Plot: loss on the plot's y axis,
 * accuracy (0..1) on the same axis, losses as lines, accuracies as connected dots. Used live by
 * "Train CNN Classifier..." (one update per epoch) and by "CNN Model Info...". Epochs without validation are NaN
 * and simply not drawn.
 */
public final class HistoryPlot {
	public static final String X_LABEL = "epoch", Y_LABEL = "loss / accuracy";
	static final Color TRAIN_LOSS = new Color(0x1f77b4), VAL_LOSS = new Color(0xff7f0e),
			TRAIN_ACC = new Color(0x2ca02c), VAL_ACC = new Color(0xd62728);

	private HistoryPlot() {}

	/** A new plot of the history (an empty history gives an empty plot with its axes). */
	public static Plot create(String title, TrainingHistory h) {
		Plot p = new Plot(title, X_LABEL, Y_LABEL);
		p.savePlotObjects(); // none yet: draw() restores this empty state before adding the curves
		draw(p, h);
		return p;
	}

	/**
	 * Replaces the curves of a plot made by {@link #create} by those of the history (for live updates: call
	 * plot.updateImage() after). On another plot the curves are added to what it has.
	 */
	public static void draw(Plot p, TrainingHistory h) {
		p.restorePlotObjects();
		int n = h.epochs();
		double[] x = new double[n];
		for (int i = 0; i < n; i++) x[i] = i + 1;
		double yMax = Math.max(1, max(h.trainLoss(), h.validationLoss()));
		// headroom above the curves for the legend (accuracies end near 1 at the top right)
		p.setLimits(0.5, Math.max(1.5, n + 0.5), 0, yMax * 1.3);
		add(p, x, h.trainLoss(), TRAIN_LOSS, "train loss", false);
		add(p, x, h.validationLoss(), VAL_LOSS, "validation loss", false);
		add(p, x, h.trainAccuracy(), TRAIN_ACC, "train accuracy", true);
		add(p, x, h.validationAccuracy(), VAL_ACC, "validation accuracy", true);
		p.setColor(Color.BLACK);
		p.addLegend(null, "top-right");
	}

	private static void add(Plot p, double[] x, List<Double> values, Color c, String label, boolean dots) {
		double[] y = new double[values.size()];
		boolean any = false;
		for (int i = 0; i < y.length; i++) {
			y[i] = values.get(i);
			any |= !Double.isNaN(y[i]);
		}
		if (!any && y.length > 0) return; // e.g. no validation set: no empty legend entry
		p.setColor(c, c); // line and marker fill: with one colour ImageJ draws the connecting line of circles black
		p.setLineWidth(2);
		p.addPoints(x, y, dots ? Plot.CONNECTED_CIRCLES : Plot.LINE);
		p.setLabel(-1, label); // legend label of the data set just added
	}

	private static double max(List<Double> a, List<Double> b) {
		double m = 0;
		for (List<Double> l : List.of(a, b))
			for (double v : l)
				if (Double.isFinite(v)) m = Math.max(m, v);
		return m;
	}
}
