package org.convkit.core.cnn.model;

import java.io.IOException;

/**
 * A model file could not be read or written, with a message meant for the user (it names the file and the
 * problem). Commands report {@link #getMessage()} as is.
 */
public class ModelFileException extends IOException {
	private static final long serialVersionUID = 1L;

	public ModelFileException(String message) {
		super(message);
	}

	public ModelFileException(String message, Throwable cause) {
		super(message, cause);
	}
}
