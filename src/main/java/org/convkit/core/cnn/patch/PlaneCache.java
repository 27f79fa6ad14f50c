package org.convkit.core.cnn.patch;

import ij.ImagePlus;
import org.convkit.core.cnn.input.PatchInput;
import org.convkit.core.cnn.input.SourcePlanes;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The {@link SourcePlanes} of the image planes outlines lie on, made once per (image, slice, frame) and reused while
 * the outlines are read in order (ROIs of one image usually come together). Bounded: at most {@value #LIMIT} planes
 * are kept, least recently used dropped, so a long list over many fields does not hold them all.
 */
final class PlaneCache {
	static final int LIMIT = 8;
	private final PatchInput input;
	private final Map<String, SourcePlanes> planes = new LinkedHashMap<String, SourcePlanes>(16, 0.75f, true) {
		@Override
		protected boolean removeEldestEntry(Map.Entry<String, SourcePlanes> eldest) {
			return size() > LIMIT;
		}
	};

	PlaneCache(PatchInput input) {
		this.input = input;
	}

	synchronized SourcePlanes of(Outline o) {
		ImagePlus imp = o.image();
		String key = System.identityHashCode(imp) + ":" + imp.getID() + ":" + o.z() + ":" + o.t();
		SourcePlanes p = planes.get(key);
		if (p == null) {
			p = SourcePlanes.of(imp, input, o.z(), o.t());
			planes.put(key, p);
		}
		return p;
	}
}
