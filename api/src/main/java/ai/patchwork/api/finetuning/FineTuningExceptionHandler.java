package ai.patchwork.api.finetuning;

import ai.patchwork.api.web.ErrorEnvelope;
import ai.patchwork.api.web.ErrorTypes;
import ai.patchwork.registry.RequestRefusedException;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.http.converter.HttpMessageNotReadableException;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.exc.MismatchedInputException;

/**
 * A request body of the files, fine-tuning and grader endpoints that cannot be bound: a 400 in OpenAI's envelope
 * rather than the generic handler's 500. A field a request record refused in its constructor keeps that refusal's
 * param and code; a value of the wrong JSON type names its path ({@code patchwork.lora.r must be an integer}); text
 * that is not JSON names the parse problem. Other refused requests ({@code TrainerException}) are the
 * application-wide handler's, like the registry's.
 */
@RestControllerAdvice(
        basePackages = {"ai.patchwork.api.files", "ai.patchwork.api.finetuning", "ai.patchwork.api.graders"})
@Order(Ordered.HIGHEST_PRECEDENCE)
class FineTuningExceptionHandler {

    @ExceptionHandler(HttpMessageNotReadableException.class)
    ResponseEntity<ErrorEnvelope> unreadable(HttpMessageNotReadableException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof RequestRefusedException r) {
                HttpStatus status = r.refusal().reason() == RequestRefusedException.Reason.TOO_LARGE
                        ? HttpStatus.CONTENT_TOO_LARGE
                        : HttpStatus.BAD_REQUEST;
                return ResponseEntity.status(status)
                        .body(ErrorEnvelope.of(
                                r.getMessage(),
                                ErrorTypes.INVALID_REQUEST,
                                r.refusal().param(),
                                r.refusal().code()));
            }
        }
        if (e.getCause() instanceof MismatchedInputException m) {
            String path = path(m);
            String message = path.isEmpty()
                    ? "the request body must be a JSON object"
                    : path + " must be " + kind(m.getTargetType());
            return ResponseEntity.badRequest()
                    .body(ErrorEnvelope.of(
                            message, ErrorTypes.INVALID_REQUEST, path.isEmpty() ? null : path, "invalid_request"));
        }
        String detail = e.getMostSpecificCause().getMessage();
        if (detail != null && detail.indexOf('\n') > 0) detail = detail.substring(0, detail.indexOf('\n'));
        return ResponseEntity.badRequest()
                .body(ErrorEnvelope.of(
                        "the request body is not valid JSON: " + detail,
                        ErrorTypes.INVALID_REQUEST,
                        null,
                        "invalid_json"));
    }

    /** {@code method.reinforcement.grader}, {@code integrations[0].wandb}: the field as a request names it. */
    private static String path(JacksonException e) {
        StringBuilder sb = new StringBuilder();
        for (JacksonException.Reference r : e.getPath()) {
            if (r.getPropertyName() != null) sb.append(sb.isEmpty() ? "" : ".").append(r.getPropertyName());
            else if (r.getIndex() >= 0) sb.append('[').append(r.getIndex()).append(']');
        }
        return sb.toString();
    }

    private static String kind(Class<?> type) {
        if (type == null) return "of another type";
        if (type == String.class) return "a string";
        if (type == Integer.class || type == int.class || type == Long.class || type == long.class) {
            return "an integer";
        }
        if (Number.class.isAssignableFrom(type) || type == double.class) return "a number";
        if (type == Boolean.class || type == boolean.class) return "a boolean";
        if (List.class.isAssignableFrom(type) || Collection.class.isAssignableFrom(type) || type.isArray()) {
            return "an array";
        }
        if (Map.class.isAssignableFrom(type) || type.isRecord()) return "an object";
        return "of another type";
    }
}
