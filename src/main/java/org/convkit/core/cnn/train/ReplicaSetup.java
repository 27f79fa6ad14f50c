package org.convkit.core.cnn.train;

import org.convkit.core.cnn.data.Augmenter;
import org.convkit.core.cnn.data.Batches;
import org.convkit.core.cnn.data.Dataset;
import org.convkit.core.cnn.input.InputFormat;
import org.convkit.core.cnn.model.ModelBundle;
import org.convkit.core.cnn.model.ModelBundleIO;
import org.convkit.core.cnn.model.ModelFileException;

import java.io.IOException;
import java.io.Serializable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.Set;

/**
 * What every replica of data-parallel training needs once: the model it starts from as ConvKit model-file bytes
 * (configuration, input format, normalisation; read back with the safe reader), the batch size, the seed and the
 * augmentation. Serializable, so a cluster can ship it to its executors once per job.
 */
public final class ReplicaSetup implements Serializable {
	private static final long serialVersionUID = 1L;

	private final byte[] model;
	final int batchSize;
	final long seed;
	private final Set<Augmenter.Op> augment;

	ReplicaSetup(ModelBundle start, int batchSize, long seed, Set<Augmenter.Op> augment) throws ModelFileException {
		this.model = bytes(start);
		this.batchSize = batchSize;
		this.seed = seed;
		this.augment = augment.isEmpty() ? EnumSet.noneOf(Augmenter.Op.class) : EnumSet.copyOf(augment);
	}

	/** A new replica: its own network, read from the model bytes. */
	public Replica replica() {
		try {
			Path tmp = Files.createTempFile("convkit-replica", ".zip");
			try {
				Files.write(tmp, model);
				return new Replica(ModelBundleIO.read(tmp), this);
			} finally {
				Files.deleteIfExists(tmp);
			}
		} catch (IOException e) {
			throw new IllegalStateException("Cannot set up a training replica: " + e.getMessage(), e);
		}
	}

	/** The batches a replica fits in one round: {@code examples} in this order, cut into batches. */
	Batches batches(Dataset data, int[] examples, ModelBundle bundle) {
		InputFormat f = new InputFormat(bundle.inputHeight(), bundle.inputWidth(), bundle.inputChannels(),
				bundle.resize());
		return new Batches(data, examples, f, bundle.normalisation(), batchSize, false, seed,
				new Augmenter(augment, seed));
	}

	private static byte[] bytes(ModelBundle b) throws ModelFileException {
		try {
			Path dir = Files.createTempDirectory("convkit-replica");
			Path file = dir.resolve("start.zip");
			try {
				ModelBundleIO.write(b, file, false);
				return Files.readAllBytes(file);
			} finally {
				Files.deleteIfExists(file);
				Files.deleteIfExists(dir);
			}
		} catch (IOException e) {
			throw new ModelFileException("Cannot write the start model for the replicas: " + e.getMessage(), e);
		}
	}
}
