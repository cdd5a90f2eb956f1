package ai.patchwork.registry;

/** A request the registry refuses or cannot serve (adapters, base models, their artifacts). */
public class RegistryException extends RequestRefusedException {

    public RegistryException(Reason reason, String param, String code, String message) {
        this(reason, param, code, message, null);
    }

    public RegistryException(Reason reason, String param, String code, String message, Throwable cause) {
        super(reason, param, code, message, cause);
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
}
