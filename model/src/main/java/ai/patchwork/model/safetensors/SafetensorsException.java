package ai.patchwork.model.safetensors;

import ai.patchwork.model.config.ModelFormatException;

/** A safetensors file that is malformed: bad header, unknown dtype, offsets outside the file. */
public class SafetensorsException extends ModelFormatException {
    public SafetensorsException(String message) {
        super(message);
    }
}
