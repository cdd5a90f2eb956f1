package ai.patchwork.trainer;

/**
 * A request about files or fine-tuning jobs that is refused. The message is one sentence a user can act on;
 * {@link #param()} names the request field at fault (or null) and {@link #code()} is a stable code. The web layer
 * maps {@link #reason()} to an HTTP status.
 */
public class TrainerException extends RuntimeException {

  /** Why, which the web layer maps to an HTTP status. */
  public enum Reason {
    /** The input is invalid (400). */
    INVALID,
    /** No such file or job (404). */
    NOT_FOUND,
    /** The input is over a size limit (413). */
    TOO_LARGE,
    /** The object store or database failed (503). */
    UNAVAILABLE
  }

  private final Reason reason;
  private final String param;
  private final String code;

  public TrainerException(Reason reason, String param, String code, String message) {
    this(reason, param, code, message, null);
  }

  public TrainerException(Reason reason, String param, String code, String message, Throwable cause) {
    super(message, cause);
    this.reason = reason;
    this.param = param;
    this.code = code;
  }

  public static TrainerException invalid(String param, String code, String message) {
    return new TrainerException(Reason.INVALID, param, code, message);
  }

  public static TrainerException notFound(String param, String code, String message) {
    return new TrainerException(Reason.NOT_FOUND, param, code, message);
  }

  public Reason reason() {
    return reason;
  }

  /** The request field at fault, e.g. {@code training_file}; null when none is. */
  public String param() {
    return param;
  }

  /** A stable code, e.g. {@code invalid_file_format}. */
  public String code() {
    return code;
  }
}
