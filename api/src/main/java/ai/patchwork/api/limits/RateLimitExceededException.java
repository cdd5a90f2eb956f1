package ai.patchwork.api.limits;

import ai.patchwork.api.web.ApiException;
import java.util.Map;
import org.springframework.http.HttpStatus;

/** A 429 with the headers a client needs to back off ({@code Retry-After}, {@code x-ratelimit-*}). */
public final class RateLimitExceededException extends ApiException {

    RateLimitExceededException(String code, String message, Map<String, String> headers) {
        super(
                HttpStatus.TOO_MANY_REQUESTS,
                code.equals("quota_exceeded") ? "insufficient_quota" : "requests",
                null,
                code,
                message,
                headers);
    }
}
