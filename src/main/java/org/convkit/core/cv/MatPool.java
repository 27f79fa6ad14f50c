package org.convkit.core.cv;

import org.bytedeco.opencv.opencv_core.Mat;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Iterator;

/**
 * A few native matrices kept for reuse. Filling freshly allocated native memory costs page faults on first touch
 * (measured: ~40 ms for a 4096×4096 float copy into a new Mat, ~7 ms into a reused one), which is as much as the
 * 5×5 filter itself; reusing buffers keeps ConvKit's copies in and out of ImageJ's arrays cheap. Idle buffers are
 * capped in count and bytes so a long Fiji session does not hold memory it no longer uses.
 */
public final class MatPool {
	private static final int MAX_IDLE = 4;
	private static final long MAX_IDLE_BYTES = 512L << 20;
	private static final Deque<Mat> idle = new ArrayDeque<>();

	private MatPool() {}

	/** A continuous Mat of this size and type with undefined contents; give it back with {@link #release}. */
	public static Mat borrow(int rows, int cols, int type) {
		synchronized (idle) {
			for (Iterator<Mat> it = idle.iterator(); it.hasNext();) {
				Mat m = it.next();
				if (m.rows() == rows && m.cols() == cols && m.type() == type) {
					it.remove();
					return m;
				}
			}
		}
		return new Mat(rows, cols, type);
	}

	/** Returns a borrowed Mat; the pool keeps it or frees it. */
	public static void release(Mat mat) {
		if (mat == null || mat.isNull()) return;
		long bytes = mat.total() * mat.elemSize();
		if (bytes > MAX_IDLE_BYTES / 2 || !mat.isContinuous()) {
			mat.close();
			return;
		}
		synchronized (idle) {
			idle.addFirst(mat);
			long total = 0;
			int count = 0;
			for (Iterator<Mat> it = idle.iterator(); it.hasNext();) {
				Mat m = it.next();
				total += m.total() * m.elemSize();
				if (++count > MAX_IDLE || total > MAX_IDLE_BYTES) {
					it.remove();
					m.close();
				}
			}
		}
	}

	/** Frees every idle buffer (tests, and callers that know a batch is over). */
	public static void clear() {
		synchronized (idle) {
			for (Mat m : idle) m.close();
			idle.clear();
		}
	}
}
