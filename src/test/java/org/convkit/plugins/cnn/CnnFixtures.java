package org.convkit.plugins.cnn;

import ij.ImagePlus;
import ij.measure.ResultsTable;
import org.convkit.core.cnn.data.FolderDataset;
import org.convkit.core.cnn.data.Synthetic;
import org.convkit.core.cnn.model.ModelBundle;
import org.convkit.core.cnn.net.TrainingSettings;
import org.convkit.core.cnn.spec.NetworkSpec;
import org.convkit.core.cnn.train.Trainer;
import org.convkit.core.cnn.train.TrainingResult;
import org.convkit.plugins.support.NamedTables;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotNull;

/** A small trained model (3 synthetic classes, 16×16 gray, a few epochs: seconds) and helpers for the CNN tests. */
final class CnnFixtures {
	static final int SIZE = 16;
	static final String SPEC = "conv 3x3x4 pad=same; maxpool 2; dense 16";
	static final TrainingSettings SETTINGS = TrainingSettings.DEFAULTS.withLearningRate(3e-3).withBatchSize(16)
			.withEpochs(3).withSeed(1);

	/** The model file and the bundle training produced (in memory, never read back from the file). */
	final Path model;
	final ModelBundle trained;
	final TrainingResult result;

	private CnnFixtures(Path model, TrainingResult result) {
		this.model = model;
		this.result = result;
		this.trained = result.best;
	}

	/** Trains on Synthetic.folder data under {@code dir} and saves model.zip there. */
	static CnnFixtures train(Path dir) throws IOException {
		Path data = Synthetic.folder(Files.createDirectories(dir.resolve("training")), 20, SIZE, 7);
		Path model = dir.resolve("model.zip");
		TrainingResult r = new Trainer(new FolderDataset(data), NetworkSpec.parse(SPEC), SETTINGS).validation(0.25)
				.saveTo(model, false).train(null);
		assertNotNull("training produced no model", r.best);
		return new CnnFixtures(model, r);
	}

	/** A fresh synthetic image of class c (index into Synthetic.CLASSES). */
	static ImagePlus image(String title, int c, long seed) {
		return new ImagePlus(title, Synthetic.image(c, SIZE, new Random(seed)));
	}

	/** The "CNN Predictions" table (kept by NamedTables when headless). */
	static ResultsTable predictions() {
		ResultsTable rt = NamedTables.get(ClassifyWithCnn.TABLE);
		assertNotNull("no '" + ClassifyWithCnn.TABLE + "' table", rt);
		return rt;
	}

	/** The probabilities in one row of the predictions table, in label order, as the floats they were. */
	static float[] row(ResultsTable rt, int row, ModelBundle b) {
		float[] p = new float[b.labels().size()];
		for (int c = 0; c < p.length; c++) {
			double v = rt.getValue(ClassifyWithCnn.column(b.labels().get(c)), row);
			p[c] = (float) v;
			assertEquals("table values are floats stored exactly", v, p[c], 0);
		}
		return p;
	}

	static String macroPath(Path p) {
		return "[" + p + "]";
	}
}
