package ai.patchwork.api.web;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

/**
 * The {@code patchwork.limits.*} settings: bounds on what one request may ask of the service, each refused with
 * OpenAI's error envelope before anything is written.
 *
 * @param maxJsonBodySize largest request body that is not a multipart upload (413 above it)
 * @param maxMultipartSize largest multipart upload, all parts together (413 above it); Spring's
 *     {@code spring.servlet.multipart.max-request-size} follows it
 */
@ConfigurationProperties("patchwork.limits")
public record LimitsProperties(
        @DefaultValue("8MB") DataSize maxJsonBodySize,
        @DefaultValue("5GB") DataSize maxMultipartSize) {
    public LimitsProperties {
        if (maxJsonBodySize.toBytes() <= 0 || maxMultipartSize.toBytes() <= 0) {
            throw new IllegalArgumentException("limits must be positive");
        }
    }
}
