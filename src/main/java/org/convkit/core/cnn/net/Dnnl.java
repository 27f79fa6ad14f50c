package org.convkit.core.cnn.net;

import org.bytedeco.dnnl.IntMemoryMap;
import org.bytedeco.dnnl.engine;
import org.bytedeco.dnnl.memory;
import org.bytedeco.javacpp.Loader;
import org.bytedeco.javacpp.Pointer;
import org.convkit.core.cnn.runtime.Nd4jNatives;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * oneDNN called directly, through JavaCPP's preset ({@code org.bytedeco:dnnl}, the same JavaCPP as ND4J's). ND4J's
 * own oneDNN is linked inside libnd4jcpu and reachable only through libnd4j's ops, which take and give NCHW arrays;
 * {@link FusedConvStack} needs oneDNN's own layouts kept between layers. One CPU engine per JVM; streams belong to
 * their users (oneDNN's CPU stream runs each primitive on the calling thread, and its parallel loops on the same
 * libgomp as ND4J's, so ConvKit's per-call thread count applies).
 * If the preset's native library does not load here, {@link #get()} gives null, with the reason in the log once,
 * and training takes ConvKit's other path.
 */
final class Dnnl {
	private static final Logger LOG = Logger.getLogger(Dnnl.class.getName());
	private static volatile Dnnl instance;
	private static volatile boolean failed;

	final engine engine;

	private Dnnl() {
		// ND4J's build and libgomp's settings first: this oneDNN runs on libgomp too, and JavaCPP loads one copy of it
		// for both (ND4J's or this preset's, whichever comes first), which reads its settings as it loads
		Nd4jNatives.select();
		Loader.load(org.bytedeco.dnnl.global.dnnl.class);
		engine = new engine(org.bytedeco.dnnl.engine.kind.cpu, 0);
	}

	/** The engine, or null when oneDNN's library does not load in this JVM. */
	static Dnnl get() {
		Dnnl d = instance;
		if (d != null || failed) return d;
		synchronized (Dnnl.class) {
			if (instance == null && !failed) {
				try {
					instance = new Dnnl();
				} catch (RuntimeException | LinkageError e) {
					failed = true;
					LOG.log(Level.INFO, "oneDNN (org.bytedeco:dnnl) did not load; training takes the layers one by one",
							e);
				}
			}
			return instance;
		}
	}

	/** A plain float memory descriptor of {@code dims} in layout {@code tag}. */
	static memory.desc desc(long[] dims, memory.format_tag tag) {
		return new memory.desc(dims, memory.data_type.f32, tag);
	}

	/** Points {@code m} at {@code a}'s elements: a float array laid out in C order (a view of a bigger one is fine). */
	static void point(memory m, INDArray a) {
		m.set_data_handle(new Address(address(a)));
	}

	/** The address of {@code a}'s first element; refuses anything but a C-order float array with unit steps. */
	static long address(INDArray a) {
		boolean inOrder = a.length() <= 1 || a.elementWiseStride() == 1 && (a.ordering() == 'c' || a.isVector());
		if (a.dataType() != DataType.FLOAT || !inOrder)
			throw new IllegalArgumentException("not a C-order float array: " + a.shapeInfoToString());
		return a.data().address() + a.offset() * Float.BYTES;
	}

	/** The address of {@code m}'s data (for ConvKit's native kernels, {@link WinogradKernels}). */
	static long address(memory m) {
		return m.get_data_handle().address();
	}

	/** Arguments for one execution: pairs of oneDNN argument number and memory. */
	static IntMemoryMap args(Object... numberAndMemory) {
		IntMemoryMap m = new IntMemoryMap();
		for (int i = 0; i < numberAndMemory.length; i += 2)
			m.put((Integer) numberAndMemory[i], (memory) numberAndMemory[i + 1]);
		return m;
	}

	/** A pointer to a native address that JavaCPP does not own. */
	private static final class Address extends Pointer {
		Address(long at) {
			address = at;
		}
	}
}
