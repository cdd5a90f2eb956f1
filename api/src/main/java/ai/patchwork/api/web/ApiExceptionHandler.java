package ai.patchwork.api.web;

import ai.patchwork.registry.RequestRefusedException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.HttpMediaTypeNotSupportedException;
import org.springframework.web.HttpRequestMethodNotSupportedException;
import org.springframework.web.bind.MissingServletRequestParameterException;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.method.annotation.MethodArgumentTypeMismatchException;
import org.springframework.web.multipart.MaxUploadSizeExceededException;
import org.springframework.web.multipart.MultipartException;
import org.springframework.web.multipart.support.MissingServletRequestPartException;
import org.springframework.web.servlet.NoHandlerFoundException;
import org.springframework.web.servlet.resource.NoResourceFoundException;

/** Answers every error in OpenAI's envelope, with the status the SDKs map to the right exception class. */
@RestControllerAdvice
class ApiExceptionHandler {
    private static final Logger log = LoggerFactory.getLogger(ApiExceptionHandler.class);

    private final String maxFileSize;
    private final String maxRequestSize;

    ApiExceptionHandler(
            @Value("${spring.servlet.multipart.max-file-size:1MB}") String maxFileSize,
            @Value("${spring.servlet.multipart.max-request-size:10MB}") String maxRequestSize) {
        this.maxFileSize = maxFileSize;
        this.maxRequestSize = maxRequestSize;
    }

    @ExceptionHandler(ApiException.class)
    ResponseEntity<ErrorEnvelope> api(ApiException e) {
        return ResponseEntity.status(e.status())
                .headers(h -> e.headers().forEach(h::set))
                .body(e.envelope());
    }

    /** The registry's, the files' and the fine-tuning jobs' refusals alike. */
    @ExceptionHandler(RequestRefusedException.class)
    ResponseEntity<ErrorEnvelope> refused(RequestRefusedException e) {
        HttpStatus status = switch (e.refusal().reason()) {
            case INVALID -> HttpStatus.BAD_REQUEST;
            case NOT_FOUND -> HttpStatus.NOT_FOUND;
            case TOO_LARGE -> HttpStatus.CONTENT_TOO_LARGE;
            case UNAVAILABLE -> HttpStatus.SERVICE_UNAVAILABLE;
        };
        if (status.is5xxServerError()) log.warn("storage unavailable: {}", e.getMessage(), e);
        String type = status.is5xxServerError() ? ErrorTypes.SERVER : ErrorTypes.INVALID_REQUEST;
        return error(
                status,
                ErrorEnvelope.of(
                        e.getMessage(), type, e.refusal().param(), e.refusal().code()));
    }

    @ExceptionHandler(MaxUploadSizeExceededException.class)
    ResponseEntity<ErrorEnvelope> tooLarge(MaxUploadSizeExceededException e) {
        return error(
                HttpStatus.CONTENT_TOO_LARGE,
                ErrorEnvelope.of(
                        "the upload exceeds the maximum size (" + maxFileSize + " per file, " + maxRequestSize
                                + " per request)",
                        ErrorTypes.INVALID_REQUEST,
                        null,
                        "file_too_large"));
    }

    @ExceptionHandler(MultipartException.class)
    ResponseEntity<ErrorEnvelope> multipart(MultipartException e) {
        return badRequest(null, "invalid_multipart", "the multipart/form-data body cannot be read: " + e.getMessage());
    }

    @ExceptionHandler(MissingServletRequestPartException.class)
    ResponseEntity<ErrorEnvelope> missingPart(MissingServletRequestPartException e) {
        return badRequest(e.getRequestPartName(), "missing_file", e.getRequestPartName() + " is required");
    }

    @ExceptionHandler(MissingServletRequestParameterException.class)
    ResponseEntity<ErrorEnvelope> missingParameter(MissingServletRequestParameterException e) {
        return badRequest(e.getParameterName(), "missing_parameter", e.getParameterName() + " is required");
    }

    @ExceptionHandler(MethodArgumentTypeMismatchException.class)
    ResponseEntity<ErrorEnvelope> typeMismatch(MethodArgumentTypeMismatchException e) {
        Class<?> t = e.getRequiredType();
        String expected = t == int.class || t == Integer.class || t == long.class || t == Long.class
                ? "an integer"
                : t == double.class || t == Double.class || t == float.class || t == Float.class
                        ? "a number"
                        : t == boolean.class || t == Boolean.class
                                ? "true or false"
                                : "a valid " + (t == null ? "value" : t.getSimpleName());
        return badRequest(
                e.getName(),
                "invalid_parameter",
                e.getName() + " must be " + expected + ", got '" + e.getValue() + "'");
    }

    @ExceptionHandler(HttpMediaTypeNotSupportedException.class)
    ResponseEntity<ErrorEnvelope> mediaType(HttpMediaTypeNotSupportedException e) {
        return error(
                HttpStatus.UNSUPPORTED_MEDIA_TYPE,
                ErrorEnvelope.of(
                        "Content-Type '" + e.getContentType() + "' is not supported here; use "
                                + e.getSupportedMediaTypes(),
                        ErrorTypes.INVALID_REQUEST,
                        null,
                        "unsupported_media_type"));
    }

    @ExceptionHandler(HttpRequestMethodNotSupportedException.class)
    ResponseEntity<ErrorEnvelope> method(HttpRequestMethodNotSupportedException e) {
        return error(
                HttpStatus.METHOD_NOT_ALLOWED,
                ErrorEnvelope.of(
                        "method " + e.getMethod() + " is not allowed here",
                        ErrorTypes.INVALID_REQUEST,
                        null,
                        "method_not_allowed"));
    }

    @ExceptionHandler({NoResourceFoundException.class, NoHandlerFoundException.class})
    ResponseEntity<ErrorEnvelope> noRoute(Exception e) {
        String path = e instanceof NoResourceFoundException r
                ? "/" + r.getResourcePath()
                : ((NoHandlerFoundException) e).getRequestURL();
        return error(
                HttpStatus.NOT_FOUND,
                ErrorEnvelope.of("no endpoint " + path, ErrorTypes.INVALID_REQUEST, null, "unknown_url"));
    }

    @ExceptionHandler(Exception.class)
    ResponseEntity<ErrorEnvelope> unexpected(Exception e) {
        if (DatabaseUnavailable.is(e)) {
            log.warn("database unavailable: {}", e.getMessage());
            return ResponseEntity.status(HttpStatus.SERVICE_UNAVAILABLE)
                    .header("Retry-After", DatabaseUnavailable.RETRY_AFTER)
                    .body(DatabaseUnavailable.envelope());
        }
        log.error("unexpected error", e);
        return error(
                HttpStatus.INTERNAL_SERVER_ERROR,
                ErrorEnvelope.of(
                        "internal error: " + e.getClass().getSimpleName() + "; see the server log",
                        ErrorTypes.SERVER,
                        null,
                        null));
    }

    private static ResponseEntity<ErrorEnvelope> badRequest(String param, String code, String message) {
        return error(HttpStatus.BAD_REQUEST, ErrorEnvelope.of(message, ErrorTypes.INVALID_REQUEST, param, code));
    }

    private static ResponseEntity<ErrorEnvelope> error(HttpStatus status, ErrorEnvelope body) {
        return ResponseEntity.status(status).body(body);
    }
}
