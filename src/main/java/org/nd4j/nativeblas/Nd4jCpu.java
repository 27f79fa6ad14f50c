package org.nd4j.nativeblas;

/**
 * A bridge, not ND4J code: DL4J 1.0.0-M2.1's {@code BaseMKLDNNHelper.mklDnnEnabled()} decides whether its oneDNN
 * layer helpers (convolution, pooling, batch norm) may run by looking up, by reflection, the class
 * {@code org.nd4j.nativeblas.Nd4jCpu$Environment} and calling {@code getInstance().isUseMKLDNN()}. ND4J M2.1 no
 * longer has that class: its environment is {@code org.nd4j.linalg.cpu.nativecpu.bindings.Nd4jCpu.Environment}
 * and the method is {@code isUseONEDNN()}. The failed lookup makes every helper report "unsupported", so DL4J falls
 * back to its slow Java im2col path even with ND4J's oneDNN native build (measured here: LeNet trains about 2x slower).
 * <p>
 * This class gives the lookup the name it expects and forwards to the real environment; nothing else uses it.
 * It only answers the helper's question: the ops the helpers then call are libnd4j's own. When the real
 * environment cannot be reached (another backend, a native build without oneDNN), it answers false and DL4J keeps
 * its plain path. If a later ND4J fixes the lookup, this class is simply never loaded; if ND4J ever ships a class of
 * this name again, the build's duplicate-class check (BanDuplicateClasses) fails and this file must be deleted.
 * Switched on by {@code org.convkit.core.cnn.net.Dl4jRuntime}.
 */
public final class Nd4jCpu {
	private Nd4jCpu() {
	}

	/** The one method pair DL4J's helper check calls. */
	public static final class Environment {
		private static final Environment INSTANCE = new Environment();

		private Environment() {
		}

		public static Environment getInstance() {
			return INSTANCE;
		}

		/**
		 * Whether libnd4j was built with oneDNN and has it switched on. Its {@code isUseONEDNN()} alone is not
		 * enough: the plain (no oneDNN) native build answers true as well, and the helpers would then run libnd4j's
		 * generic kernels instead of DL4J's plain path; the build info names HAVE_ONEDNN only in the -onednn build.
		 */
		public boolean isUseMKLDNN() {
			try {
				return BuiltWith.ONEDNN
						&& org.nd4j.linalg.cpu.nativecpu.bindings.Nd4jCpu.Environment.getInstance().isUseONEDNN();
			} catch (Throwable t) { // LinkageError: no CPU backend or its natives could not be loaded
				return false;
			}
		}
	}

	/** Read once, when the helper check first asks (ND4J's natives are loaded by then). */
	private static final class BuiltWith {
		static final boolean ONEDNN = oneDnn();

		private static boolean oneDnn() {
			try {
				String info = NativeOpsHolder.getInstance().getDeviceNativeOps().buildInfo();
				return info != null && info.contains("HAVE_ONEDNN");
			} catch (Throwable t) {
				return false;
			}
		}
	}
}
