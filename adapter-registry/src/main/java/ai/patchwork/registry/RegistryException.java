package ai.patchwork.registry;

/**
 * A request the registry refuses or cannot serve. The message is one sentence a user can act on; {@link #param()}
 * names the offending request field (or null) and {@link #code()} is a stable machine-readable code.
 */
public class RegistryException extends RuntimeException {

  /** Why, which the web layer maps to an HTTP status. */
  public enum Reason {
    /** The input is invalid (400). */
    INVALID,
    /** No such adapter or base model (404). */
    NOT_FOUND,
    /** The input is over a size limit (413). */
    TOO_LARGE,
    /** The object store or database failed (503). */
    UNAVAILABLE
  }

  private final Reason reason;
  private final String param;
  private final String code;

  public RegistryException(Reason reason, String param, String code, String message) {
    this(reason, param, code, message, null);
  }

  public RegistryException(Reason reason, String param, String code, String message, Throwable cause) {
    super(message, cause);
    this.reason = reason;
    this.param = param;
    this.code = code;
  }

  public static RegistryException invalid(String param, String code, String message) {
    return new RegistryException(Reason.INVALID, param, code, message);
  }

  public static RegistryException notFound(String param, String code, String message) {
    return new RegistryException(Reason.NOT_FOUND, param, code, message);
  }

  public static RegistryException tooLarge(String param, String message) {
    return new RegistryException(Reason.TOO_LARGE, param, "file_too_large", message);
  }

  public Reason reason() {
    return reason;
  }

  /** The request field at fault, e.g. {@code adapter_model}; null when none is. */
  public String param() {
    return param;
  }

  /** A stable code, e.g. {@code invalid_adapter}. */
  public String code() {
    return code;
  }
}
