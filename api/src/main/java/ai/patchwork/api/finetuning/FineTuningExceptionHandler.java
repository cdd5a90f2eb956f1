package ai.patchwork.api.finetuning;

import ai.patchwork.api.web.ErrorEnvelope;
import ai.patchwork.api.web.ErrorTypes;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.http.ResponseEntity;
import org.springframework.http.converter.HttpMessageNotReadableException;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;

/**
 * A request body of the files, fine-tuning and grader endpoints that is not JSON: a 400 naming the parse problem
 * rather than the generic handler's 500. Their refused requests ({@code TrainerException}) are the application-wide
 * handler's, like the registry's.
 */
@RestControllerAdvice(
        basePackages = {"ai.patchwork.api.files", "ai.patchwork.api.finetuning", "ai.patchwork.api.graders"})
@Order(Ordered.HIGHEST_PRECEDENCE)
class FineTuningExceptionHandler {

    @ExceptionHandler(HttpMessageNotReadableException.class)
    ResponseEntity<ErrorEnvelope> unreadable(HttpMessageNotReadableException e) {
        String detail = e.getMostSpecificCause().getMessage();
        if (detail != null && detail.indexOf('\n') > 0) detail = detail.substring(0, detail.indexOf('\n'));
        return ResponseEntity.badRequest()
                .body(ErrorEnvelope.of(
                        "the request body is not valid JSON: " + detail,
                        ErrorTypes.INVALID_REQUEST,
                        null,
                        "invalid_json"));
    }
}
