package ai.patchwork.trainer;

import ai.patchwork.registry.RequestRefusedException;

/** A request about files, fine-tuning jobs or graders that is refused. */
public class TrainerException extends RequestRefusedException {

    public TrainerException(Reason reason, String param, String code, String message) {
        this(reason, param, code, message, null);
    }

    public TrainerException(Reason reason, String param, String code, String message, Throwable cause) {
        super(reason, param, code, message, cause);
    }

    public static TrainerException invalid(String param, String code, String message) {
        return new TrainerException(Reason.INVALID, param, code, message);
    }

    public static TrainerException notFound(String param, String code, String message) {
        return new TrainerException(Reason.NOT_FOUND, param, code, message);
    }
}
