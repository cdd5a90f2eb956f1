package ai.patchwork.api.web;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import org.junit.jupiter.api.Test;
import org.springframework.dao.DataIntegrityViolationException;
import org.springframework.jdbc.CannotGetJdbcConnectionException;
import org.springframework.jdbc.UncategorizedSQLException;

/** Which failures are answered 503 {@code database_unavailable} instead of 500. */
class DatabaseUnavailableTest {

    @Test
    void noConnectionFromThePoolIsUnavailable() {
        assertTrue(DatabaseUnavailable.is(new CannotGetJdbcConnectionException(
                "Failed to obtain JDBC Connection",
                new SQLTransientConnectionException("Connection is not available, request timed out after 5000ms"))));
    }

    @Test
    void aServerShuttingDownUnderAQueryIsUnavailableEvenWhenWrapped() {
        SQLException shutdown = new SQLException("terminating connection due to administrator command", "57P01");
        assertTrue(DatabaseUnavailable.is(new IllegalStateException(
                "listing files", new UncategorizedSQLException("select", "select", shutdown))));
        assertTrue(DatabaseUnavailable.is(new SQLException("Connection refused", "08001")));
    }

    @Test
    void otherDatabaseErrorsAreNot() {
        assertFalse(DatabaseUnavailable.is(new DataIntegrityViolationException("duplicate key")));
        assertFalse(DatabaseUnavailable.is(new SQLException("syntax error", "42601")));
        assertFalse(DatabaseUnavailable.is(new IllegalStateException("boom")));
    }
}
