package ai.patchwork.model.tokenizer;

import com.hubspot.jinjava.objects.date.StrftimeFormatter;
import java.time.ZonedDateTime;

/**
 * The global functions Hugging Face adds to chat templates. Public static only because Jinjava
 * calls them by reflection; the class itself stays package-private.
 */
final class TemplateFunctions {
    private TemplateFunctions() {}

    /** {@code raise_exception(msg)}: aborts rendering with {@code msg}. */
    public static Object raiseException(Object message) {
        throw new RaisedByTemplate(String.valueOf(message));
    }

    /** {@code strftime_now(format)}: the current local time in Python strftime format. */
    public static String strftimeNow(String format) {
        return StrftimeFormatter.format(ZonedDateTime.now(), format);
    }

    /** Carries a template's own message out through Jinjava's error handling. */
    static final class RaisedByTemplate extends RuntimeException {
        private static final long serialVersionUID = 1L;

        RaisedByTemplate(String message) {
            super(message, null, false, false);
        }
    }
}
