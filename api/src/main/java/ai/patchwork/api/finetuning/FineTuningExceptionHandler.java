package ai.patchwork.api.finetuning;

import ai.patchwork.api.web.ErrorEnvelope;
import ai.patchwork.api.web.ErrorTypes;
import ai.patchwork.trainer.TrainerException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.http.converter.HttpMessageNotReadableException;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;

/**
 * Errors of the files and fine-tuning endpoints in OpenAI's envelope: refused requests with their status, and a
 * request body that is not JSON as a 400 rather than the generic handler's 500.
 */
@RestControllerAdvice(basePackages = {"ai.patchwork.api.files", "ai.patchwork.api.finetuning",
    "ai.patchwork.api.graders"})
@Order(Ordered.HIGHEST_PRECEDENCE)
class FineTuningExceptionHandler {
  private static final Logger log = LoggerFactory.getLogger(FineTuningExceptionHandler.class);

  @ExceptionHandler(TrainerException.class)
  ResponseEntity<ErrorEnvelope> refused(TrainerException e) {
    HttpStatus status = switch (e.reason()) {
      case INVALID -> HttpStatus.BAD_REQUEST;
      case NOT_FOUND -> HttpStatus.NOT_FOUND;
      case TOO_LARGE -> HttpStatus.CONTENT_TOO_LARGE;
      case UNAVAILABLE -> HttpStatus.SERVICE_UNAVAILABLE;
    };
    if (status.is5xxServerError()) log.warn("fine-tuning storage unavailable: {}", e.getMessage(), e);
    String type = status.is5xxServerError() ? ErrorTypes.SERVER : ErrorTypes.INVALID_REQUEST;
    return ResponseEntity.status(status).body(ErrorEnvelope.of(e.getMessage(), type, e.param(), e.code()));
  }

  @ExceptionHandler(HttpMessageNotReadableException.class)
  ResponseEntity<ErrorEnvelope> unreadable(HttpMessageNotReadableException e) {
    String detail = e.getMostSpecificCause().getMessage();
    if (detail != null && detail.indexOf('\n') > 0) detail = detail.substring(0, detail.indexOf('\n'));
    return ResponseEntity.badRequest().body(ErrorEnvelope.of("the request body is not valid JSON: " + detail,
        ErrorTypes.INVALID_REQUEST, null, "invalid_json"));
  }
}
