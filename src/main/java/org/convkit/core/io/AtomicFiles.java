package org.convkit.core.io;

import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * The last step of every ConvKit file write (kernels, models, CSV results): a finished temporary file in the
 * target's folder is moved to its real name, so readers never see half a file.
 */
public final class AtomicFiles {
	private AtomicFiles() {}

	/**
	 * Moves {@code tmp} to {@code target}. With {@code overwrite} an existing target is replaced (atomically where
	 * the file system can); without it the move fails with {@link FileAlreadyExistsException} even if the target
	 * appeared only after the caller checked, so a user's file is never replaced unasked.
	 */
	public static void moveIntoPlace(Path tmp, Path target, boolean overwrite) throws IOException {
		if (!overwrite) {
			Files.move(tmp, target);
			return;
		}
		try {
			Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
		} catch (AtomicMoveNotSupportedException e) {
			Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
		}
	}
}
