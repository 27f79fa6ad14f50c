package org.convkit.core.cnn.input;

import org.convkit.core.filter.Border;

import java.util.Arrays;
import java.util.Locale;

/**
 * How a model's examples are cut from larger images (ROIs on a field, the windows of a probability map) instead of
 * being whole images: which channels of the image form the input, the border rule where a patch leaves the image,
 * and whether pixels outside the ROI are blanked. Stored in the model, so that every command cuts patches as training
 * did. The patch size is the model's input size.
 * <p>
 * Channels: {@code channels} are 1-based channel numbers of images with {@code imageChannels} channels (the
 * {@code channels=} key, e.g. 1,3 of a 3-channel hyperstack; an RGB image counts as 3 channels red, green, blue).
 * An image with another channel count is refused: its channel 3 need not hold the same stain.
 */
public final class PatchInput {
	private final int[] channels;
	private final int imageChannels;
	private final boolean rgb;
	private final Border border;
	private final double constant;
	private final boolean mask;

	/**
	 * @param channels      1-based channel numbers, each at most {@code imageChannels}, none twice
	 * @param imageChannels the channel count of the images (3 for RGB)
	 * @param rgb           the images are RGB (channels are red, green, blue)
	 * @param border        the rule for pixels beyond the image edge ({@link Border}, as Apply Kernel)
	 * @param constant      the outside value for {@link Border#CONSTANT}, in the image's units
	 * @param mask          pixels outside the ROI become 0 after normalisation (the background of the normalised
	 *                      input: the mean for Mean-std, the low percentile for Percentile, the minimum for Min-max)
	 * @throws IllegalArgumentException naming the bad value
	 */
	public PatchInput(int[] channels, int imageChannels, boolean rgb, Border border, double constant, boolean mask) {
		if (imageChannels < 1) throw new IllegalArgumentException("images need at least one channel");
		if (rgb && imageChannels != 3) throw new IllegalArgumentException("RGB images have 3 channels");
		if (channels == null || channels.length == 0) throw new IllegalArgumentException("no channels chosen");
		boolean[] seen = new boolean[imageChannels + 1];
		for (int c : channels) {
			if (c < 1 || c > imageChannels)
				throw new IllegalArgumentException("channels=" + text(channels) + ": the image has no channel " + c
						+ " (it has " + imageChannels + ")");
			if (seen[c]) throw new IllegalArgumentException("channels=" + text(channels) + ": channel " + c + " twice");
			seen[c] = true;
		}
		if (border == null) throw new IllegalArgumentException("border missing");
		if (!Double.isFinite(constant)) throw new IllegalArgumentException("the border value must be a finite number");
		this.channels = channels.clone();
		this.imageChannels = imageChannels;
		this.rgb = rgb;
		this.border = border;
		this.constant = constant;
		this.mask = mask;
	}

	/**
	 * Channel numbers from text such as "1,3" or "2" (spaces or commas); "" = all of the image's channels.
	 *
	 * @throws IllegalArgumentException naming the text
	 */
	public static int[] parseChannels(String text, int imageChannels) {
		String t = text == null ? "" : text.trim();
		if (t.isEmpty()) {
			int[] all = new int[imageChannels];
			for (int i = 0; i < all.length; i++) all[i] = i + 1;
			return all;
		}
		String[] parts = t.split("[\\s,;]+");
		int[] out = new int[parts.length];
		for (int i = 0; i < parts.length; i++) {
			try {
				out[i] = Integer.parseInt(parts[i]);
			} catch (NumberFormatException e) {
				throw new IllegalArgumentException("channels=" + t + " is not a list of channel numbers (e.g. 1,3)");
			}
		}
		return out;
	}

	/** A copy of the 1-based channel numbers. */
	public int[] channels() {
		return channels.clone();
	}

	/** The number of channels the network sees. */
	public int inputChannels() {
		return channels.length;
	}

	public int imageChannels() {
		return imageChannels;
	}

	public boolean rgb() {
		return rgb;
	}

	public Border border() {
		return border;
	}

	public double constant() {
		return constant;
	}

	public boolean mask() {
		return mask;
	}

	/** "1,3". */
	public String channelsText() {
		return text(channels);
	}

	static String text(int[] c) {
		StringBuilder b = new StringBuilder();
		for (int i = 0; i < c.length; i++) b.append(i == 0 ? "" : ",").append(c[i]);
		return b.toString();
	}

	@Override
	public boolean equals(Object o) {
		if (!(o instanceof PatchInput)) return false;
		PatchInput p = (PatchInput) o;
		return Arrays.equals(channels, p.channels) && imageChannels == p.imageChannels && rgb == p.rgb
				&& border == p.border && Double.compare(constant, p.constant) == 0 && mask == p.mask;
	}

	@Override
	public int hashCode() {
		return Arrays.hashCode(channels) * 31 + imageChannels * 7 + border.hashCode() + (mask ? 1 : 0);
	}

	/** e.g. "channels 1,3 of 3, border Reflect, mask". */
	@Override
	public String toString() {
		return "channels " + channelsText() + " of " + imageChannels + (rgb ? " (RGB)" : "") + ", border "
				+ border.label + (border == Border.CONSTANT ? String.format(Locale.ROOT, " %s", constant) : "")
				+ (mask ? ", mask" : "");
	}
}
