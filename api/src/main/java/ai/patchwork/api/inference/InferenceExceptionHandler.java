package ai.patchwork.api.inference;

import ai.patchwork.api.web.ApiException;
import ai.patchwork.api.web.ErrorEnvelope;
import ai.patchwork.api.web.ErrorTypes;
import ai.patchwork.serving.AdapterLoadException;
import ai.patchwork.serving.AdapterNotFoundException;
import ai.patchwork.serving.PromptTooLongException;
import ai.patchwork.serving.QueueFullException;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.http.converter.HttpMessageNotReadableException;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.context.request.async.AsyncRequestNotUsableException;
import tools.jackson.core.JacksonException;

/**
 * The engine's failures in OpenAI's envelope, for the completion endpoints only (ahead of the application-wide
 * handler): a full queue is 429 with {@code Retry-After}, a prompt longer than the context 400
 * {@code context_length_exceeded}, an adapter gone from the registry 404 {@code model_not_found}. Errors are JSON
 * whatever the client accepts: a streaming client ({@code Accept: text/event-stream}) whose request fails before the
 * stream opens gets the envelope too, not an empty 500 from a failed content negotiation.
 */
@RestControllerAdvice(assignableTypes = CompletionsController.class)
@Order(Ordered.HIGHEST_PRECEDENCE)
class InferenceExceptionHandler {
    private static final Logger log = LoggerFactory.getLogger(InferenceExceptionHandler.class);

    @ExceptionHandler(QueueFullException.class)
    ResponseEntity<ErrorEnvelope> queueFull(QueueFullException e) {
        return ResponseEntity.status(HttpStatus.TOO_MANY_REQUESTS)
                .contentType(MediaType.APPLICATION_JSON)
                .header(
                        HttpHeaders.RETRY_AFTER,
                        Long.toString(Math.max(1, e.retryAfter().toSeconds())))
                .body(envelopeOf(e));
    }

    @ExceptionHandler(ApiException.class)
    ResponseEntity<ErrorEnvelope> api(ApiException e) {
        return ResponseEntity.status(e.status())
                .headers(h -> e.headers().forEach(h::set))
                .contentType(MediaType.APPLICATION_JSON)
                .body(e.envelope());
    }

    @ExceptionHandler(HttpMessageNotReadableException.class)
    ResponseEntity<ErrorEnvelope> unreadable(HttpMessageNotReadableException e) {
        String param = null;
        if (e.getCause() instanceof JacksonException j && !j.getPath().isEmpty()) {
            param = j.getPath().getLast().getPropertyName();
        }
        String message = param == null
                ? "the request body is not valid JSON for this endpoint"
                : "'" + param + "' has the wrong type";
        return ResponseEntity.badRequest()
                .contentType(MediaType.APPLICATION_JSON)
                .body(ErrorEnvelope.of(message, ErrorTypes.INVALID_REQUEST, param, "invalid_value"));
    }

    /** The client went away mid-stream: its sequence is already cancelled, and there is no one to answer. */
    @ExceptionHandler(AsyncRequestNotUsableException.class)
    void gone() {}

    @ExceptionHandler({
        PromptTooLongException.class,
        AdapterLoadException.class,
        IllegalArgumentException.class,
        IllegalStateException.class,
        TimeoutException.class
    })
    ResponseEntity<ErrorEnvelope> engine(Exception e) {
        return ResponseEntity.status(statusOf(e))
                .contentType(MediaType.APPLICATION_JSON)
                .body(envelopeOf(e));
    }

    static HttpStatus statusOf(Throwable e) {
        return switch (e) {
            case QueueFullException q -> HttpStatus.TOO_MANY_REQUESTS;
            case PromptTooLongException p -> HttpStatus.BAD_REQUEST;
            case AdapterNotFoundException n -> HttpStatus.NOT_FOUND;
            case AdapterLoadException l -> HttpStatus.SERVICE_UNAVAILABLE;
            case ApiException a -> a.status();
            case IllegalArgumentException i -> HttpStatus.BAD_REQUEST;
            case TimeoutException t -> HttpStatus.GATEWAY_TIMEOUT;
            default -> HttpStatus.SERVICE_UNAVAILABLE; // the engine closed or failed a step
        };
    }

    /** The envelope of an engine failure, also the last event of a failed stream. */
    static ErrorEnvelope envelopeOf(Throwable e) {
        return switch (e) {
            case QueueFullException q -> ErrorEnvelope.of(q.getMessage(), "requests", null, "rate_limit_exceeded");
            case PromptTooLongException p ->
                ErrorEnvelope.of(p.getMessage(), ErrorTypes.INVALID_REQUEST, null, "context_length_exceeded");
            case AdapterNotFoundException n ->
                ModelResolver.notFound(n.adapterId(), " (it was deleted)").envelope();
            case AdapterLoadException l ->
                ErrorEnvelope.of(l.getMessage(), ErrorTypes.SERVER, "model", "adapter_unavailable");
            case ApiException a -> a.envelope();
            case IllegalArgumentException i ->
                ErrorEnvelope.of(i.getMessage(), ErrorTypes.INVALID_REQUEST, "prompt", "invalid_value");
            case TimeoutException t ->
                ErrorEnvelope.of(
                        "the completion took longer than patchwork.serving.request-timeout",
                        ErrorTypes.SERVER,
                        null,
                        "timeout");
            default -> {
                log.warn("inference failed", e);
                yield ErrorEnvelope.of("inference failed: " + e.getMessage(), ErrorTypes.SERVER, null, "engine_error");
            }
        };
    }
}
