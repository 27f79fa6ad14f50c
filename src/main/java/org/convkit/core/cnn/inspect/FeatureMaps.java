package org.convkit.core.cnn.inspect;

import org.convkit.core.cnn.spec.NetworkSpec;

import java.util.List;
import java.util.Locale;

/**
 * The activations ("feature maps") of chosen layers for one image: at the model's input size through every layer,
 * or on the whole image through the spatial layers (which take any size), in tiles whose stitched result equals
 * the whole-image pass ({@link Tiling}), so memory stays bounded by the tile size plus the maps themselves.
 */
public final class FeatureMaps {
	/**
	 * One image's maps of one layer as separate channel planes (height × width each, row by row), so that an image
	 * stack can wrap them without a copy.
	 */
	public static final class ChannelPlanes {
		public final float[][] channels;
		public final int width, height;

		ChannelPlanes(int channels, int width, int height) {
			Tensor.checkedSize(1, 1, height, width);
			this.channels = new float[channels][width * height];
			this.width = width;
			this.height = height;
		}

		/** The planes of image 0 of a spatial tensor (copied). */
		public static ChannelPlanes of(Tensor t) {
			ChannelPlanes p = new ChannelPlanes(t.channels, t.width, t.height);
			for (int c = 0; c < t.channels; c++) System.arraycopy(t.data, t.offset(0, c), p.channels[c], 0, t.planeSize());
			return p;
		}
	}

	/** A channel number as slice labels show it ("conv1 ch 03"): zero-padded as wide as the largest, at least 2. */
	public static String channelNumber(int channel, int count) {
		int digits = Math.max(2, String.valueOf(Math.max(0, count - 1)).length());
		return String.format(Locale.ROOT, "%0" + digits + "d", channel);
	}

	/** Bytes of layer activations one tile may hold (DL4J's temporaries come on top, about as much again). */
	public static final long TILE_BUDGET = 192L << 20;

	private FeatureMaps() {
	}

	/** The layers' activations for the image at the model's size (one image; flat for dense and output layers). */
	public static Tensor[] modelSize(InspectionNetwork net, ModelInput input, int[] layers) {
		return net.activations(input.tensor, layers);
	}

	/**
	 * The spatial layers' activations for a normalised input of any size (1 image), computed in tiles with cores of
	 * about {@code core} pixels ({@link #defaultCore} when 0).
	 *
	 * @throws IllegalArgumentException when a layer is not spatial or the input is too small for it
	 */
	public static ChannelPlanes[] wholeImage(InspectionNetwork net, Tensor input, int[] layers, int core,
			Progress progress) {
		if (input.n != 1) throw new IllegalArgumentException("one image at a time");
		int last = deepest(net, layers);
		NetworkSpec spec = net.bundle().spec();
		List<String> names = net.names();
		LayerGeometry[] gy = LayerGeometry.of(spec, names, last, input.height, true);
		LayerGeometry[] gx = LayerGeometry.of(spec, names, last, input.width, false);
		if (core <= 0) core = defaultCore(net, last);
		List<Tiling.Tile> rows = Tiling.of(input.height, gy[last].stride, gy[last].field, core);
		List<Tiling.Tile> cols = Tiling.of(input.width, gx[last].stride, gx[last].field, core);
		ChannelPlanes[] out = new ChannelPlanes[layers.length];
		for (int i = 0; i < layers.length; i++)
			out[i] = new ChannelPlanes(channels(net, layers[i]), gx[layers[i]].length, gy[layers[i]].length);
		int total = rows.size() * cols.size(), done = 0;
		for (Tiling.Tile ty : rows)
			for (Tiling.Tile tx : cols) {
				Progress.step(progress, done, total);
				Tensor[] a = net.activations(crop(input, ty, tx), layers);
				for (int i = 0; i < layers.length; i++)
					paste(a[i], out[i], ty, tx, gy[layers[i]], gx[layers[i]]);
				done++;
			}
		Progress.step(progress, total, total);
		return out;
	}

	/** The deepest of the layers, all of which must be spatial. */
	static int deepest(InspectionNetwork net, int[] layers) {
		int last = -1;
		for (int l : layers) {
			if (!net.isSpatial(l))
				throw new IllegalArgumentException(net.names().get(l) + " is "
						+ (l == net.outputLayer() ? "the output layer" : "after a dense layer")
						+ ": it needs the model's input size (Whole image works up to the last layer before the "
						+ "first dense layer)");
			last = Math.max(last, l);
		}
		return last;
	}

	/** Output channels of a spatial layer. */
	static int channels(InspectionNetwork net, int layer) {
		NetworkSpec spec = net.bundle().spec();
		int c = net.bundle().inputChannels();
		for (int i = 0; i <= layer; i++) if (spec.layers().get(i).filters() > 0) c = spec.layers().get(i).filters();
		return c;
	}

	/**
	 * A tile core (pixels per side, before the halo) whose activations through layer {@code last} stay within
	 * {@link #TILE_BUDGET}.
	 */
	public static int defaultCore(InspectionNetwork net, int last) {
		NetworkSpec spec = net.bundle().spec();
		double bytesPerPixel = 4.0 * net.bundle().inputChannels();
		int stride = 1, c = net.bundle().inputChannels();
		for (int i = 0; i <= last; i++) {
			if (spec.layers().get(i).isSpatial()) stride *= spec.layers().get(i).stride();
			if (spec.layers().get(i).filters() > 0) c = spec.layers().get(i).filters();
			bytesPerPixel += 4.0 * c / ((double) stride * stride);
		}
		return Math.max(64, (int) Math.sqrt(TILE_BUDGET / bytesPerPixel));
	}

	/** Bytes of the whole-image maps of {@code layers} for an image of width × height (the result only). */
	public static long bytes(InspectionNetwork net, int[] layers, int width, int height) {
		int last = deepest(net, layers);
		LayerGeometry[] gy = LayerGeometry.of(net.bundle().spec(), net.names(), last, height, true);
		LayerGeometry[] gx = LayerGeometry.of(net.bundle().spec(), net.names(), last, width, false);
		long sum = 0;
		for (int l : layers) sum += 4L * channels(net, l) * gy[l].length * gx[l].length;
		return sum;
	}

	/** The rows × cols window of the input a tile reads. */
	static Tensor crop(Tensor in, Tiling.Tile ty, Tiling.Tile tx) {
		if (ty.start == 0 && tx.start == 0 && ty.end == in.height && tx.end == in.width) return in;
		int h = ty.length(), w = tx.length();
		float[] d = new float[Tensor.checkedSize(1, in.channels, h, w)];
		for (int c = 0; c < in.channels; c++)
			for (int y = 0; y < h; y++)
				System.arraycopy(in.data, in.offset(0, c) + (ty.start + y) * in.width + tx.start, d, (c * h + y) * w, w);
		return new Tensor(d, 1, in.channels, h, w);
	}

	/** Copies the outputs a tile owns (window anchor {@code o * stride} in its core) from the tile's activation. */
	static void paste(Tensor tile, ChannelPlanes out, Tiling.Tile ty, Tiling.Tile tx, LayerGeometry gy,
			LayerGeometry gx) {
		int oy0 = ceilDiv(ty.coreStart, gy.stride), oy1 = Math.min(out.height, ceilDiv(ty.coreEnd, gy.stride));
		int ox0 = ceilDiv(tx.coreStart, gx.stride), ox1 = Math.min(out.width, ceilDiv(tx.coreEnd, gx.stride));
		int dy = ty.start / gy.stride, dx = tx.start / gx.stride;
		for (int c = 0; c < out.channels.length; c++)
			for (int oy = oy0; oy < oy1; oy++)
				System.arraycopy(tile.data, tile.offset(0, c) + (oy - dy) * tile.width + ox0 - dx, out.channels[c],
						oy * out.width + ox0, ox1 - ox0);
	}

	private static int ceilDiv(int a, int b) {
		return (a + b - 1) / b;
	}
}
