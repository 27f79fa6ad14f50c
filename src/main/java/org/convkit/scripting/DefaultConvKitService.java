package org.convkit.scripting;

import ij.ImagePlus;
import ij.ImageStack;
import ij.gui.Roi;
import ij.process.ByteProcessor;
import ij.process.ColorProcessor;
import ij.process.FloatProcessor;
import ij.process.ImageProcessor;
import ij.process.ShortProcessor;
import org.convkit.core.cnn.classify.FolderClassifier;
import org.convkit.core.cnn.data.Augmenter;
import org.convkit.core.cnn.data.FolderDataset;
import org.convkit.core.cnn.input.InputFormat;
import org.convkit.core.cnn.input.NormalisationRule;
import org.convkit.core.cnn.input.PatchInput;
import org.convkit.core.cnn.input.SourcePlanes;
import org.convkit.core.cnn.input.Resize;
import org.convkit.core.cnn.inspect.FeatureMaps;
import org.convkit.core.cnn.inspect.InspectionNetwork;
import org.convkit.core.cnn.inspect.ModelInput;
import org.convkit.core.cnn.inspect.Progress;
import org.convkit.core.cnn.inspect.Saliency;
import org.convkit.core.cnn.inspect.Tensor;
import org.convkit.core.cnn.model.ModelBundle;
import org.convkit.core.cnn.model.ModelBundleIO;
import org.convkit.core.cnn.model.ModelFileException;
import org.convkit.core.cnn.model.ModelSummary;
import org.convkit.core.cnn.patch.PatchClassifier;
import org.convkit.core.cnn.patch.PatchDataset;
import org.convkit.core.cnn.net.TrainingSettings;
import org.convkit.core.cnn.spec.LayerNames;
import org.convkit.core.cnn.spec.NetworkSpec;
import org.convkit.core.cnn.train.Evaluation;
import org.convkit.core.cnn.train.Predictor;
import org.convkit.core.cnn.train.Trainer;
import org.convkit.core.cnn.train.TrainingListener;
import org.convkit.core.cnn.train.TrainingResult;
import org.convkit.core.edges.EdgeDetector;
import org.convkit.core.edges.EdgeParams;
import org.convkit.core.edges.EightBitScaling;
import org.convkit.core.filter.Border;
import org.convkit.core.filter.HighPass;
import org.convkit.core.filter.HighPassParams;
import org.convkit.core.filter.KernelCorrelator;
import org.convkit.core.image.Region;
import org.convkit.core.kernel.Kernel;
import org.convkit.core.kernel.KernelParser;
import org.convkit.core.kernel.KernelPresets;
import org.convkit.core.cnn.train.TrainingDefaults;
import org.convkit.plugins.cnn.CnnProbabilityMap;
import org.convkit.plugins.support.RoiOutlines;
import org.scijava.plugin.Plugin;
import org.scijava.service.AbstractService;
import org.scijava.service.Service;

import java.io.File;
import java.io.IOException;
import java.util.List;

/** The {@link ConvKitService}: each method converts its arguments and makes one call into the ConvKit core. */
@Plugin(type = Service.class)
public class DefaultConvKitService extends AbstractService implements ConvKitService {

	@Override
	public Kernel kernel(String kernelTextOrPreset) {
		if (kernelTextOrPreset == null) throw new IllegalArgumentException("kernel missing");
		String preset = KernelPresets.find(kernelTextOrPreset);
		return preset != null && !KernelPresets.isCustom(preset) ? KernelPresets.get(preset)
				: KernelParser.parse(kernelTextOrPreset);
	}

	@Override
	public FloatProcessor applyKernel(ImageProcessor ip, String kernelTextOrPreset, String border) {
		return applyKernel(ip, kernelTextOrPreset, border, 0);
	}

	@Override
	public FloatProcessor applyKernel(ImageProcessor ip, String kernelTextOrPreset, String border, double constant) {
		FloatProcessor fp = floatCopy(ip);
		KernelCorrelator.apply((float[]) fp.getPixels(), fp.getWidth(), fp.getHeight(),
				Region.whole(fp.getWidth(), fp.getHeight()), kernel(kernelTextOrPreset), Border.fromLabel(border),
				constant);
		return reset(fp);
	}

	@Override
	public FloatProcessor highPassGaussian(ImageProcessor ip, double sigma, double offset) {
		return highPass(ip, HighPassParams.gaussian(sigma, offset));
	}

	@Override
	public FloatProcessor highPassFft(ImageProcessor ip, double cutoff, int order, double offset) {
		return highPass(ip, HighPassParams.fft(cutoff, order, offset));
	}

	private static FloatProcessor highPass(ImageProcessor ip, HighPassParams p) {
		FloatProcessor fp = floatCopy(ip);
		HighPass.checkSize(fp.getWidth(), fp.getHeight(), p);
		HighPass.apply((float[]) fp.getPixels(), fp.getWidth(), fp.getHeight(), p);
		return reset(fp);
	}

	@Override
	public ByteProcessor canny(ImageProcessor ip, double low, double high) {
		EdgeParams p = EdgeParams.canny(low, high, 3, false, 0);
		int w = ip.getWidth(), h = ip.getHeight();
		return new ByteProcessor(w, h, EdgeDetector.canny(eightBit(ip), w, h, p));
	}

	@Override
	public FloatProcessor gradient(ImageProcessor ip, String method, String output, int ksize) {
		EdgeParams p;
		switch (EdgeParams.Method.fromLabel(method)) {
			case SOBEL:
				p = EdgeParams.sobel(EdgeParams.Gradient.fromLabel(output), ksize);
				break;
			case SCHARR:
				p = EdgeParams.scharr(EdgeParams.Gradient.fromLabel(output), ksize);
				break;
			case LAPLACIAN:
				p = EdgeParams.laplacian(ksize);
				break;
			default:
				throw new IllegalArgumentException("Canny is not a gradient: use canny(ip, low, high)");
		}
		int w = ip.getWidth(), h = ip.getHeight();
		float[] px = ip instanceof ColorProcessor ? EightBitScaling.toFloats(eightBit(ip))
				: (float[]) floatCopy(ip).getPixels();
		return reset(new FloatProcessor(w, h, EdgeDetector.gradient(px, w, h, p)));
	}

	@Override
	public ModelBundle load(File model) throws ModelFileException {
		if (model == null) throw new IllegalArgumentException("model file missing");
		return ModelBundleIO.read(model.toPath());
	}

	@Override
	public TrainingResult trainFromFolder(File folder, String architectureOrSpec, int width, int height, int epochs,
			File model) throws ModelFileException {
		FolderDataset data = dataset(folder);
		InputFormat input = new InputFormat(height, width, data.channels(), Resize.SCALE);
		return trainer(data, architectureOrSpec, input, TrainingSettings.DEFAULTS.withEpochs(epochs),
				TrainingDefaults.VALIDATION, model, false).patience(TrainingDefaults.PATIENCE)
				.augment(Augmenter.parse(TrainingDefaults.AUGMENT)).train(null);
	}

	@Override
	public TrainingResult train(File folder, String architectureOrSpec, InputFormat input, TrainingSettings settings,
			double validation, File model, boolean overwrite, TrainingListener listener) throws ModelFileException {
		return trainer(dataset(folder), architectureOrSpec, input, settings, validation, model, overwrite)
				.train(listener);
	}

	private static Trainer trainer(FolderDataset data, String architectureOrSpec, InputFormat input,
			TrainingSettings settings, double validation, File model, boolean overwrite) {
		Trainer t = new Trainer(data, spec(architectureOrSpec), settings).validation(validation);
		if (input != null) t.input(input);
		if (model != null) t.saveTo(model.toPath(), overwrite);
		return t;
	}

	@Override
	public TrainingResult trainFromRois(ImagePlus image, List<Roi> rois, List<String> labels, int patch,
			String architectureOrSpec, int epochs, File model) throws ModelFileException {
		ImagePlus first = RoiOutlines.imageOf(rois(rois).get(0), image);
		int n = SourcePlanes.channelCount(first);
		PatchInput input = new PatchInput(PatchInput.parseChannels(TrainingDefaults.CHANNELS, n), n,
				first.getBitDepth() == 24, TrainingDefaults.BORDER, TrainingDefaults.VALUE, false);
		NormalisationRule rule = new NormalisationRule(TrainingDefaults.NORMALIZE, TrainingDefaults.PER,
				TrainingDefaults.LOW, TrainingDefaults.HIGH);
		PatchDataset data = new PatchDataset(RoiOutlines.outlines(rois, image), labels, input, patch);
		Trainer t = new Trainer(data, spec(architectureOrSpec), TrainingSettings.DEFAULTS.withEpochs(epochs))
				.input(data.format()).normalisation(rule).validation(TrainingDefaults.VALIDATION)
				.patience(TrainingDefaults.PATIENCE).augment(Augmenter.parse(TrainingDefaults.AUGMENT));
		if (model != null) t.saveTo(model.toPath(), false);
		return t.train(null);
	}

	@Override
	public TrainingResult trainFromRois(ImagePlus image, List<Roi> rois, List<String> labels, int patch,
			PatchInput input, NormalisationRule rule, String architectureOrSpec, TrainingSettings settings,
			double validation, File model, boolean overwrite, TrainingListener listener) throws ModelFileException {
		if (input == null || rule == null || settings == null)
			throw new IllegalArgumentException("patch input, normalisation rule and settings are required");
		PatchDataset data = new PatchDataset(RoiOutlines.outlines(rois(rois), image), labels, input, patch);
		Trainer t = new Trainer(data, spec(architectureOrSpec), settings).input(data.format()).normalisation(rule)
				.validation(validation);
		if (model != null) t.saveTo(model.toPath(), overwrite);
		return t.train(listener);
	}

	@Override
	public float[][] classifyRois(ModelBundle model, ImagePlus image, List<Roi> rois) {
		if (model == null) throw new IllegalArgumentException("model missing");
		return new PatchClassifier(model).classify(RoiOutlines.outlines(rois(rois), image));
	}

	@Override
	public ImagePlus probabilityMap(ModelBundle model, ImagePlus image, int stride) {
		if (model == null || image == null) throw new IllegalArgumentException("model and image are required");
		return CnnProbabilityMap.compute(image, model, stride, true, false).probabilities;
	}

	private static List<Roi> rois(List<Roi> rois) {
		if (rois == null || rois.isEmpty()) throw new IllegalArgumentException("no ROIs given");
		return rois;
	}

	@Override
	public float[] classify(ModelBundle model, ImageProcessor ip) {
		return new Predictor(model).predict(ip);
	}

	@Override
	public String predictLabel(ModelBundle model, ImageProcessor ip) {
		return model.labels().get(Evaluation.argMax(classify(model, ip)));
	}

	@Override
	public FolderClassifier.Result classifyFolder(ModelBundle model, File folder, File output, boolean recursive,
			boolean overwrite) throws IOException {
		if (folder == null || output == null) throw new IllegalArgumentException("folder and output are required");
		File out = output.isAbsolute() ? output : new File(folder, output.getPath());
		return new FolderClassifier(new Predictor(model)).recursive(recursive).overwrite(overwrite)
				.classify(folder.toPath(), out.toPath());
	}

	@Override
	public ModelSummary summary(ModelBundle model) {
		return new ModelSummary(model);
	}

	@Override
	public ImageStack featureMaps(ModelBundle model, ImageProcessor ip, String layer) {
		if (ip == null) throw new IllegalArgumentException("image missing");
		InspectionNetwork net = InspectionNetwork.of(model);
		int index = LayerNames.indexOf(model.spec(), layer);
		Tensor t = FeatureMaps.modelSize(net, ModelInput.modelSize(ip, model), new int[] {index})[0];
		String name = net.names().get(index);
		if (!net.isSpatial(index)) {
			ImageStack row = new ImageStack(t.channels, 1);
			row.addSlice(name, new FloatProcessor(t.channels, 1, t.data.clone()));
			return row;
		}
		ImageStack st = new ImageStack(t.width, t.height);
		for (int c = 0; c < t.channels; c++)
			st.addSlice(name + " ch " + FeatureMaps.channelNumber(c, t.channels), new FloatProcessor(t.width, t.height, t.plane(0, c)));
		return st;
	}

	@Override
	public FloatProcessor saliency(ModelBundle model, ImageProcessor ip, String method, String className) {
		if (ip == null) throw new IllegalArgumentException("image missing");
		Saliency.Params d = Saliency.Params.of(Saliency.Method.fromName(method));
		Saliency.Params p = new Saliency.Params(d.method, className, d.layer, d.patch, d.stride, d.superpixels,
				d.samples, d.seed);
		Saliency.Result r = Saliency.compute(model, ip, p, Progress.NONE);
		return reset(new FloatProcessor(r.width, r.height, r.map));
	}

	/** A preset architecture name, or else a layer spec. */
	static NetworkSpec spec(String architectureOrSpec) {
		if (architectureOrSpec == null) throw new IllegalArgumentException("architecture missing");
		String a = architectureOrSpec.trim();
		boolean preset = a.equalsIgnoreCase(NetworkSpec.LENET) || a.equalsIgnoreCase(NetworkSpec.SMALL_VGG);
		return preset ? NetworkSpec.preset(a) : NetworkSpec.parse(a);
	}

	private static FolderDataset dataset(File folder) {
		if (folder == null) throw new IllegalArgumentException("training folder missing");
		return new FolderDataset(folder.toPath());
	}

	/** A new 32-bit copy; the input is never changed (convertToFloatProcessor may return a float input itself). */
	private static FloatProcessor floatCopy(ImageProcessor ip) {
		if (ip == null) throw new IllegalArgumentException("image missing");
		return ip instanceof FloatProcessor ? (FloatProcessor) ip.duplicate() : ip.convertToFloatProcessor();
	}

	private static FloatProcessor reset(FloatProcessor fp) {
		fp.resetMinAndMax();
		return fp;
	}

	/** The 8-bit version the Edge Detection command uses: display range for 16/32-bit, gray weights for RGB. */
	private static byte[] eightBit(ImageProcessor ip) {
		if (ip == null) throw new IllegalArgumentException("image missing");
		if (ip instanceof ByteProcessor) return (byte[]) ip.getPixels();
		if (ip instanceof ColorProcessor)
			return EightBitScaling.fromRgb((int[]) ip.getPixels(), ColorProcessor.getWeightingFactors());
		if (ip instanceof ShortProcessor)
			return EightBitScaling.fromShorts((short[]) ip.getPixels(), ip.getMin(), ip.getMax());
		return EightBitScaling.fromFloats((float[]) ip.getPixels(), ip.getMin(), ip.getMax());
	}
}
