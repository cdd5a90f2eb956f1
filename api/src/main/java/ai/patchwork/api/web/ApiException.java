package ai.patchwork.api.web;

import java.util.Map;
import org.springframework.http.HttpStatus;

/**
 * An error to answer with a given status in OpenAI's envelope; features throw it for request problems their services
 * do not already describe.
 */
public class ApiException extends RuntimeException {
    private final HttpStatus status;
    private final String type;
    private final String param;
    private final String code;
    private final Map<String, String> headers;

    public ApiException(HttpStatus status, String type, String param, String code, String message) {
        this(status, type, param, code, message, Map.of());
    }

    /** An error whose response also carries {@code headers} (e.g. {@code Retry-After}). */
    public ApiException(
            HttpStatus status, String type, String param, String code, String message, Map<String, String> headers) {
        super(message);
        this.status = status;
        this.type = type;
        this.param = param;
        this.code = code;
        this.headers = Map.copyOf(headers);
    }

    /** Headers to send with the error. */
    public Map<String, String> headers() {
        return headers;
    }

    /** A 400 {@code invalid_request_error}. */
    public static ApiException badRequest(String param, String code, String message) {
        return new ApiException(HttpStatus.BAD_REQUEST, ErrorTypes.INVALID_REQUEST, param, code, message);
    }

    public HttpStatus status() {
        return status;
    }

    public ErrorEnvelope envelope() {
        return ErrorEnvelope.of(getMessage(), type, param, code);
    }
}
