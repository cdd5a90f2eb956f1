package ai.patchwork.api.web;

import java.util.Objects;

/**
 * OpenAI's error body: {@code {"error": {"message", "type", "param", "code"}}}. All four keys are always present;
 * {@code param} and {@code code} may be null. The official SDKs read {@code message}, {@code type}, {@code param} and
 * {@code code} from it and pick their exception class from the HTTP status.
 *
 * @param error the error
 */
public record ErrorEnvelope(Body error) {

    /**
     * @param message one sentence a user can act on
     * @param type {@code invalid_request_error}, {@code authentication_error}, {@code server_error}, …
     * @param param the request field at fault, or null
     * @param code a stable machine-readable code, or null
     */
    public record Body(String message, String type, String param, String code) {
        public Body {
            Objects.requireNonNull(message, "message");
            Objects.requireNonNull(type, "type");
        }
    }

    public static ErrorEnvelope of(String message, String type, String param, String code) {
        return new ErrorEnvelope(new Body(message, type, param, code));
    }
}
