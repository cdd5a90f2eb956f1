package ai.patchwork.api.web;

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

  public ApiException(HttpStatus status, String type, String param, String code, String message) {
    super(message);
    this.status = status;
    this.type = type;
    this.param = param;
    this.code = code;
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
