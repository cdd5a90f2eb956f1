package ai.patchwork.api.web;

import java.sql.SQLException;
import java.sql.SQLNonTransientConnectionException;
import java.sql.SQLTransientConnectionException;
import org.springframework.dao.DataAccessResourceFailureException;
import org.springframework.dao.TransientDataAccessResourceException;
import org.springframework.transaction.CannotCreateTransactionException;

/**
 * The database could not be reached (it restarts, the network dropped, the pool found no connection in time): the
 * request is answered 503 with OpenAI's error envelope, which the SDKs retry, rather than 500.
 */
public final class DatabaseUnavailable {
    /** The error code of the answer. */
    public static final String CODE = "database_unavailable";

    /** The seconds a client is asked to wait before it retries. */
    public static final String RETRY_AFTER = "1";

    private DatabaseUnavailable() {}

    /** Whether {@code e}, or an exception it wraps, says the database cannot be reached. */
    public static boolean is(Throwable e) {
        int depth = 0;
        for (Throwable c = e; c != null && depth < 32; c = c.getCause(), depth++) {
            if (c instanceof DataAccessResourceFailureException
                    || c instanceof TransientDataAccessResourceException
                    || c instanceof CannotCreateTransactionException
                    || c instanceof SQLTransientConnectionException
                    || c instanceof SQLNonTransientConnectionException) return true;
            // SQLSTATE class 08: connection exception; 57P01-57P03: the server shuts down or cannot accept connections
            if (c instanceof SQLException s
                    && s.getSQLState() != null
                    && (s.getSQLState().startsWith("08") || s.getSQLState().startsWith("57P0"))) return true;
        }
        return false;
    }

    /** The answer's body. */
    public static ErrorEnvelope envelope() {
        return ErrorEnvelope.of(
                "The database is unavailable; the request was not carried out. Retry in a moment.",
                ErrorTypes.SERVER,
                null,
                CODE);
    }
}
