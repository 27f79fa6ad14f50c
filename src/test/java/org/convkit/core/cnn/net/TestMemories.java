package org.convkit.core.cnn.net;

import org.bytedeco.dnnl.memory;
import org.bytedeco.javacpp.FloatPointer;

/** oneDNN memories for the native-layer tests: filled with given floats or NaN, and read back. */
final class TestMemories {
	private TestMemories() {
	}

	/** A new memory of {@code desc} holding {@code values} from its first float on. */
	static memory filled(Dnnl dnnl, memory.desc desc, float[] values) {
		memory m = new memory(desc, dnnl.engine);
		new FloatPointer(m.get_data_handle()).capacity(values.length).put(values);
		return m;
	}

	/** A new memory of {@code desc} holding NaN everywhere: a value a kernel does not write shows. */
	static memory nan(Dnnl dnnl, memory.desc desc) {
		memory m = new memory(desc, dnnl.engine);
		FloatPointer p = new FloatPointer(m.get_data_handle()).capacity(desc.get_size() / Float.BYTES);
		for (long i = 0; i < p.capacity(); i++) p.put(i, Float.NaN);
		return m;
	}

	/** The first {@code count} floats of {@code m}. */
	static float[] floats(memory m, int count) {
		float[] out = new float[count];
		new FloatPointer(m.get_data_handle()).capacity(count).get(out);
		return out;
	}

	/** Every float of {@code m}, padding included. */
	static float[] floats(memory m) {
		return floats(m, (int) (m.get_desc().get_size() / Float.BYTES));
	}
}
