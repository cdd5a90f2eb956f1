package ai.patchwork.api.adapters;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;
import org.springframework.util.unit.DataSize;

/**
 * The container's multipart bounds, for the uploads read straight off the body ({@link UploadParts}): the same
 * {@code spring.servlet.multipart.max-file-size} and {@code max-request-size} the container applies to the bodies it
 * parses.
 */
@Component
record MultipartLimits(
        @Value("${spring.servlet.multipart.max-file-size:1MB}")
        DataSize fileSize,

        @Value("${spring.servlet.multipart.max-request-size:10MB}")
        DataSize requestSize) {

    MultipartLimits {
        if (fileSize.toBytes() <= 0 || requestSize.toBytes() <= 0)
            throw new IllegalArgumentException("multipart limits must be positive");
    }

    long maxFileSize() {
        return fileSize.toBytes();
    }

    long maxRequestSize() {
        return requestSize.toBytes();
    }
}
