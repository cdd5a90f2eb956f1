package ai.patchwork.api.web;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

/**
 * The {@code patchwork.limits.*} settings: bounds on what one request may ask of the service, each refused with
 * OpenAI's error envelope before anything is written.
 *
 * @param maxJsonBodySize largest request body that is not a multipart upload (413 above it)
 */
@ConfigurationProperties("patchwork.limits")
public record LimitsProperties(@DefaultValue("8MB") DataSize maxJsonBodySize) {
    public LimitsProperties {
        if (maxJsonBodySize.toBytes() <= 0) throw new IllegalArgumentException("limits must be positive");
    }
}
