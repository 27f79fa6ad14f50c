package org.convkit.scripting;

import ij.ImagePlus;
import ij.ImageStack;
import ij.gui.Roi;
import ij.process.ByteProcessor;
import ij.process.FloatProcessor;
import ij.process.ImageProcessor;
import org.convkit.core.cnn.classify.FolderClassifier;
import org.convkit.core.cnn.input.InputFormat;
import org.convkit.core.cnn.input.NormalisationRule;
import org.convkit.core.cnn.input.PatchInput;
import org.convkit.core.cnn.model.ModelBundle;
import org.convkit.core.cnn.model.ModelFileException;
import org.convkit.core.cnn.model.ModelSummary;
import org.convkit.core.cnn.net.TrainingSettings;
import org.convkit.core.cnn.train.TrainingListener;
import org.convkit.core.cnn.train.TrainingResult;
import org.convkit.core.kernel.Kernel;
import org.scijava.service.SciJavaService;

import java.io.File;
import java.io.IOException;
import java.util.List;

/**
 * ConvKit for scripts (Groovy, Jython, ... in Fiji): the filters and the CNN core behind one SciJava service.
 * In a script: {@code #@ ConvKitService convkit}, then e.g. {@code convkit.applyKernel(imp.getProcessor(),
 * "Sobel X", "Reflect")}. Filters never touch their input; they return a new plane. Bad arguments throw
 * IllegalArgumentException with a readable message naming the bad value.
 */
public interface ConvKitService extends SciJavaService {

	/** A preset name ("Sobel X", "Gaussian 5x5", ... case-insensitive) or kernel text ("1 2 1; 0 0 0; -1 -2 -1"). */
	Kernel kernel(String kernelTextOrPreset);

	/** {@link #applyKernel(ImageProcessor, String, String, double)} with outside value 0 for "Constant". */
	FloatProcessor applyKernel(ImageProcessor ip, String kernelTextOrPreset, String border);

	/**
	 * The correlation of the plane (as 32-bit; RGB: its gray conversion) with the kernel, anchored at its centre.
	 *
	 * @param border   "Reflect" (mirror without repeating the edge), "Replicate", "Constant" or "Wrap"
	 * @param constant the value outside the image for "Constant"
	 * @return a new 32-bit plane
	 */
	FloatProcessor applyKernel(ImageProcessor ip, String kernelTextOrPreset, String border, double constant);

	/** Gaussian high-pass: the plane minus its Gaussian blur of {@code sigma} pixels, plus {@code offset}. */
	FloatProcessor highPassGaussian(ImageProcessor ip, double sigma, double offset);

	/**
	 * FFT high-pass: Butterworth of {@code order} (0 = ideal) removing structures larger than {@code cutoff}
	 * pixels, plus {@code offset}.
	 */
	FloatProcessor highPassFft(ImageProcessor ip, double cutoff, int order, double offset);

	/**
	 * Canny edges (aperture 3, L1 gradient, no pre-blur) of the 8-bit version of the plane (16/32-bit: scaled by
	 * its display range; RGB: ImageJ's gray weights).
	 *
	 * @return a new 8-bit plane, 255 on edges and 0 elsewhere
	 */
	ByteProcessor canny(ImageProcessor ip, double low, double high);

	/**
	 * A gradient of the raw values (RGB: of the 8-bit gray version).
	 *
	 * @param method "Sobel", "Scharr" or "Laplacian"
	 * @param output "Magnitude", "X", "Y" or "Direction" (ignored by Laplacian)
	 * @param ksize  1, 3, 5 or 7 (Scharr: 3)
	 * @return a new 32-bit plane
	 */
	FloatProcessor gradient(ImageProcessor ip, String method, String output, int ksize);

	/** Reads a ConvKit model file (.zip). */
	ModelBundle load(File model) throws ModelFileException;

	/**
	 * Trains on a folder with one subfolder per class with the defaults of "Train CNN Classifier..." (Adam,
	 * learning rate 1e-3, batch 64, seed 42, 10% held out for validation, early stopping after 5 epochs without
	 * improvement, shift augmentation), images scaled to width × height, and saves the best model to
	 * {@code model} (and the last one next to it as "-last.zip"). An existing model file is not overwritten.
	 *
	 * @param architectureOrSpec "LeNet", "Small VGG" or a layer spec such as "conv 3x3x8; maxpool 2; dense 32"
	 */
	TrainingResult trainFromFolder(File folder, String architectureOrSpec, int width, int height, int epochs,
			File model) throws ModelFileException;

	/**
	 * Trains on a folder with one subfolder per class with every setting given.
	 *
	 * @param input      network input (size, channels, resize rule); null = the data's most common size, scaled
	 * @param validation fraction held out for validation and early choice of the best model, 0 &lt;= f &lt; 1
	 * @param model      where to save the best model; null = not saved
	 * @param listener   progress callbacks; may be null
	 */
	TrainingResult train(File folder, String architectureOrSpec, InputFormat input, TrainingSettings settings,
			double validation, File model, boolean overwrite, TrainingListener listener) throws ModelFileException;

	/**
	 * Trains on patches around ROIs with the defaults of "Train CNN Classifier..." {@code source=ROIs} (channels: all,
	 * border Reflect, no mask, Mean-std per Dataset, no balancing, 10% validation, early stopping, shift
	 * augmentation) and saves the best model to {@code model} (an existing file is not overwritten).
	 *
	 * @param image  the image of ROIs that know none (ROIs added to the ROI Manager know theirs); may be null when all
	 *               do
	 * @param labels the class of each ROI
	 * @param patch  the patch's width and height in pixels, centred on each ROI
	 */
	TrainingResult trainFromRois(ImagePlus image, List<Roi> rois, List<String> labels, int patch,
			String architectureOrSpec, int epochs, File model) throws ModelFileException;

	/**
	 * Trains on patches around ROIs with every setting given.
	 *
	 * @param input      channels of the image (1-based), border rule and mask (see {@link PatchInput}); its image
	 *                   channel count must be the images'
	 * @param rule       normalisation (method, per Dataset or Image, percentiles)
	 * @param settings   optimizer, learning rate, ..., epochs and {@code balance}
	 * @param validation fraction held out for validation, 0 &lt;= f &lt; 1
	 * @param model      where to save the best model; null = not saved
	 * @param listener   progress callbacks; may be null
	 */
	TrainingResult trainFromRois(ImagePlus image, List<Roi> rois, List<String> labels, int patch, PatchInput input,
			NormalisationRule rule, String architectureOrSpec, TrainingSettings settings, double validation,
			File model, boolean overwrite, TrainingListener listener) throws ModelFileException;

	/**
	 * Class probabilities of each ROI (one row per ROI, in the order of {@code model.labels()}), the patches cut as in
	 * training. The ROIs are not changed ("Classify ROIs with CNN..." also sets their groups and colours).
	 *
	 * @param image the image of ROIs that know none; may be null when all do
	 */
	float[][] classifyRois(ModelBundle model, ImagePlus image, List<Roi> rois);

	/**
	 * The class-probability map of every plane of the image, as "CNN Probability Map..." {@code output=Probabilities}
	 * makes it: a new 32-bit image (not shown), one channel per class, the image's size and calibration.
	 *
	 * @param stride pixels between window centres (1 = every pixel)
	 */
	ImagePlus probabilityMap(ModelBundle model, ImagePlus image, int stride);

	/** Class probabilities of one image, in the order of {@code model.labels()}. */
	float[] classify(ModelBundle model, ImageProcessor ip);

	/** The label of the most probable class (the first one on ties). */
	String predictLabel(ModelBundle model, ImageProcessor ip);

	/**
	 * Classifies every image file of {@code folder} into the CSV file {@code output} (header
	 * {@code file,class,probability,<labels>}; see {@link FolderClassifier}): streamed in batches, written
	 * atomically, unreadable files skipped and listed in the result. A relative output is relative to the folder.
	 *
	 * @param recursive also the files in subfolders (paths in the CSV then contain '/')
	 * @param overwrite replace an existing output file (otherwise that is an error and the file stays as it is)
	 */
	FolderClassifier.Result classifyFolder(ModelBundle model, File folder, File output, boolean recursive,
			boolean overwrite) throws IOException;

	/** The layers (output shape, parameters) and facts of a model, as "CNN Model Info..." shows them. */
	ModelSummary summary(ModelBundle model);

	// Seeing inside (Plugins › ConvKit › Inspect): the commands' float results for one image plane.

	/**
	 * The feature maps of one layer ({@code conv1}, {@code pool1}, {@code dense1}, {@code output}, ... as CNN Model
	 * Info... names them) for the image at the model's input size: one 32-bit slice per channel (a flat layer: one
	 * row).
	 */
	ImageStack featureMaps(ModelBundle model, ImageProcessor ip, String layer);

	/**
	 * A saliency map at the image's size: {@code method} Gradient, Gradient x Input, Grad-CAM (last conv layer),
	 * Occlusion (patch 8, stride 4) or LIME (50 superpixels, 500 samples, seed 42); {@code className} a label or
	 * "Predicted". See CNN Saliency Map....
	 */
	FloatProcessor saliency(ModelBundle model, ImageProcessor ip, String method, String className);
}
