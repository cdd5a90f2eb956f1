package ai.patchwork.migrations;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.patchwork.testsupport.services.TestPostgres;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;

/** The migrations applied by Flyway to a fresh database, as the api role does at startup. */
class MigrationsTest {
    private static DataSource db;
    private static int applied;

    @BeforeAll
    static void migrateFreshDatabase() {
        TestPostgres pg = TestPostgres.shared();
        db = pg.dataSource(pg.createDatabase("migrations"));
        applied = flyway().migrate().migrationsExecuted;
    }

    private static Flyway flyway() {
        return Flyway.configure().dataSource(db).load();
    }

    @Test
    void everyMigrationAppliesToAnEmptyDatabaseAndAgainIsANoOp() {
        assertEquals(flyway().info().all().length, applied);
        assertEquals(0, flyway().migrate().migrationsExecuted);
        flyway().validate();
    }

    @Test
    void createsThePlatformTablesAndSpringBatchSchema() throws SQLException {
        List<String> tables = strings("SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'");
        for (String t : List.of(
                "base_models",
                "artifacts",
                "adapter_names",
                "adapters",
                "files",
                "fine_tuning_jobs",
                "fine_tuning_job_events",
                "fine_tuning_checkpoints",
                "usage_hourly",
                "serving_replicas",
                "projects",
                "api_keys",
                "project_rate_limits",
                "rate_limit_windows",
                "batch_job_instance",
                "batch_job_execution",
                "batch_job_execution_params",
                "batch_step_execution",
                "batch_step_execution_context",
                "batch_job_execution_context")) {
            assertTrue(tables.contains(t), "missing table " + t + " in " + tables);
        }
        assertEquals(
                3,
                strings("SELECT sequence_name FROM information_schema.sequences WHERE sequence_name LIKE 'batch_%'")
                        .size());
    }

    @Test
    void adapterVersionsAreUniquePerName() throws SQLException {
        exec(
                "INSERT INTO base_models (id, path, family, num_layers, hidden_size, config) VALUES ('m-uniq', '/m', 'llama', 2, 64, '{}')",
                "INSERT INTO artifacts (sha256, object_key, size_bytes) VALUES (repeat('a', 64), 'sha256/' || repeat('a', 64), 10)",
                "INSERT INTO adapter_names (project_id, name, latest_version) VALUES ('proj_default', 'uniq', 1)");
        String insert =
                "INSERT INTO adapters (project_id, id, name, version, base_model, status, rank, lora_alpha, use_rslora, "
                        + "target_modules, artifact_sha256, size_bytes, adapter_config, source) VALUES ('proj_default', '%s', 'uniq', 1, 'm-uniq', "
                        + "'ready', 8, 16, false, '{q_proj}', repeat('a', 64), 10, '{}', '{\"type\":\"upload\"}')";
        exec(insert.formatted("adp-" + "1".repeat(24)));
        SQLException e = assertThrows(SQLException.class, () -> exec(insert.formatted("adp-" + "2".repeat(24))));
        assertTrue(e.getMessage().contains("adapters_name_version"), e.getMessage());
    }

    @Test
    void newAdaptersAndDeletionsAreNotifiedOnCommit() throws Exception {
        exec(
                "INSERT INTO base_models (id, path, family, num_layers, hidden_size, config) VALUES ('m-notify', '/m', 'llama', 2, 64, '{}')",
                "INSERT INTO artifacts (sha256, object_key, size_bytes) VALUES (repeat('b', 64), 'sha256/' || repeat('b', 64), 10)",
                "INSERT INTO adapter_names (project_id, name, latest_version) VALUES ('proj_default', 'notified', 1)");
        try (Connection listener = db.getConnection();
                Statement s = listener.createStatement()) {
            s.execute("LISTEN adapter_events");
            String id = "adp-" + "3".repeat(24);
            exec(
                    "INSERT INTO adapters (project_id, id, name, version, base_model, status, rank, lora_alpha, use_rslora, target_modules, "
                            + "artifact_sha256, size_bytes, adapter_config, source) VALUES ('proj_default', '" + id
                            + "', 'notified', 1, 'm-notify', "
                            + "'ready', 8, 16, false, '{q_proj}', repeat('b', 64), 10, '{}', '{\"type\":\"upload\"}')",
                    "UPDATE adapters SET status = 'deleted', deleted_at = now() WHERE id = '" + id + "'");
            List<String> payloads = new ArrayList<>();
            PGConnection pg = listener.unwrap(PGConnection.class);
            for (int i = 0; i < 50 && payloads.size() < 2; i++) {
                PGNotification[] ns = pg.getNotifications(100);
                if (ns != null) for (PGNotification n : ns) payloads.add(n.getParameter());
            }
            assertEquals(2, payloads.size(), payloads.toString());
            assertTrue(
                    payloads.get(0).contains("\"type\" : \"created\"")
                            && payloads.get(0).contains(id),
                    payloads.get(0));
            assertTrue(payloads.get(1).contains("\"type\" : \"deleted\"")
                    && payloads.get(1).contains("\"status\" : \"deleted\""));
        }
    }

    @Test
    void workersClaimDifferentQueuedJobsWithSkipLocked() throws SQLException {
        exec(
                "INSERT INTO base_models (id, path, family, num_layers, hidden_size, config) VALUES ('m-jobs', '/m', 'llama', 2, 64, '{}')",
                "INSERT INTO artifacts (sha256, object_key, size_bytes) VALUES (repeat('c', 64), 'sha256/' || repeat('c', 64), 10)",
                "INSERT INTO files (project_id, id, purpose, filename, bytes, artifact_sha256) VALUES ('proj_default', 'file-train', 'fine-tune', 't.jsonl', 10, repeat('c', 64))");
        for (String job : List.of("ftjob-a", "ftjob-b")) {
            exec(
                    "INSERT INTO fine_tuning_jobs (project_id, id, base_model, training_file, method, hyperparameters, seed, "
                            + "status) VALUES ('proj_default', '" + job
                            + "', 'm-jobs', 'file-train', '{\"type\":\"supervised\"}', '{}', 1, 'queued')");
        }
        String claim =
                "SELECT id FROM fine_tuning_jobs WHERE status = 'queued' ORDER BY seq FOR UPDATE SKIP LOCKED LIMIT 1";
        try (Connection w1 = db.getConnection();
                Connection w2 = db.getConnection()) {
            w1.setAutoCommit(false);
            w2.setAutoCommit(false);
            String first = single(w1, claim);
            String second = single(w2, claim);
            assertEquals("ftjob-a", first);
            assertEquals("ftjob-b", second);
            w1.rollback();
            w2.rollback();
        }
        SQLException e = assertThrows(
                SQLException.class,
                () -> exec("UPDATE fine_tuning_jobs SET claimed_by = 'worker-1' WHERE id = 'ftjob-a'"));
        assertTrue(e.getMessage().contains("fine_tuning_jobs_claim"), "a claim needs a lease: " + e.getMessage());
    }

    @Test
    void usageRowsAreUniquePerHourKeyModelAndAdapter() throws SQLException {
        exec(
                "INSERT INTO base_models (id, path, family, num_layers, hidden_size, config) VALUES ('m-usage', '/m', 'llama', 2, 64, '{}')");
        String upsert = "INSERT INTO usage_hourly (hour, project_id, api_key_id, base_model, requests, "
                + "prompt_tokens) VALUES ('2026-01-01T10:00Z', 'proj_default', 'key-1', 'm-usage', 1, 5) "
                + "ON CONFLICT (hour, project_id, api_key_id, base_model, (coalesce(adapter_id, ''))) "
                + "DO UPDATE SET requests = usage_hourly.requests + excluded.requests, "
                + "prompt_tokens = usage_hourly.prompt_tokens + excluded.prompt_tokens";
        exec(upsert, upsert);
        try (Connection c = db.getConnection()) {
            assertEquals("2", single(c, "SELECT requests::text FROM usage_hourly WHERE base_model = 'm-usage'"));
        }
    }

    @Test
    void adapterNamesAreUniquePerProjectSoTwoProjectsCanOwnTheSameName() throws SQLException {
        exec(
                "INSERT INTO projects (id, name) VALUES ('proj_names', 'Names')",
                "INSERT INTO base_models (id, path, family, num_layers, hidden_size, config) VALUES ('m-names', '/m', 'llama', 2, 64, '{}')",
                "INSERT INTO artifacts (sha256, object_key, size_bytes) VALUES (repeat('e', 64), 'k-e', 10)",
                "INSERT INTO adapter_names (project_id, name, latest_version) VALUES ('proj_default', 'support-bot', 1)",
                "INSERT INTO adapter_names (project_id, name, latest_version) VALUES ('proj_names', 'support-bot', 1)");
        String insert = "INSERT INTO adapters (project_id, id, name, version, base_model, status, rank, lora_alpha, "
                + "use_rslora, target_modules, artifact_sha256, size_bytes, adapter_config, source) VALUES ('%s', '%s', "
                + "'support-bot', 1, 'm-names', 'ready', 8, 16, false, '{q_proj}', repeat('e', 64), 10, '{}', '{}')";
        exec(
                insert.formatted("proj_default", "adp-" + "5".repeat(24)),
                insert.formatted("proj_names", "adp-" + "6".repeat(24)));
        // a version under a name the project does not own has no adapter_names row to reference
        SQLException e = assertThrows(
                SQLException.class,
                () -> exec(
                        "INSERT INTO adapters (project_id, id, name, version, base_model, status, rank, lora_alpha, use_rslora, "
                                + "target_modules, artifact_sha256, size_bytes, adapter_config, source) VALUES ('proj_names', 'adp-"
                                + "7".repeat(24)
                                + "', 'uniq', 2, 'm-names', 'ready', 8, 16, false, '{q_proj}', repeat('e', 64), 10, "
                                + "'{}', '{}')"));
        assertTrue(e.getMessage().contains("adapters_name_fkey"), e.getMessage());
    }

    @Test
    void revokingAKeyIsNotifiedOnCommit() throws Exception {
        exec("INSERT INTO api_keys (id, kind, project_id, name, secret_sha256, redacted_value) VALUES ('key_notify', "
                + "'project', 'proj_default', 'n', repeat('f', 64), 'sk-proj-…ffff')");
        try (Connection listener = db.getConnection();
                Statement s = listener.createStatement()) {
            s.execute("LISTEN api_key_events");
            exec("UPDATE api_keys SET revoked_at = now() WHERE id = 'key_notify'");
            PGNotification[] ns = null;
            for (int i = 0; i < 50 && ns == null; i++)
                ns = listener.unwrap(PGConnection.class).getNotifications(100);
            assertEquals("f".repeat(64), ns == null ? null : ns[0].getParameter());
        }
    }

    private static String single(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(sql)) {
            return rs.next() ? rs.getString(1) : null;
        }
    }

    private static List<String> strings(String sql) throws SQLException {
        List<String> out = new ArrayList<>();
        try (Connection c = db.getConnection();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(sql)) {
            while (rs.next()) out.add(rs.getString(1));
        }
        return out;
    }

    private static void exec(String... sql) throws SQLException {
        try (Connection c = db.getConnection();
                Statement s = c.createStatement()) {
            for (String q : sql) s.execute(q);
        }
    }

    @Test
    void deletedAtMatchesStatus() {
        SQLException e = assertThrows(
                SQLException.class,
                () -> exec(
                        "INSERT INTO base_models (id, path, family, num_layers, hidden_size, config) VALUES ('m-del', '/m', 'llama', 2, 64, '{}')",
                        "INSERT INTO artifacts (sha256, object_key, size_bytes) VALUES (repeat('d', 64), 'k-d', 10)",
                        "INSERT INTO adapter_names (project_id, name, latest_version) VALUES ('proj_default', 'del', 1)",
                        "INSERT INTO adapters (project_id, id, name, version, base_model, status, rank, lora_alpha, use_rslora, target_modules, "
                                + "artifact_sha256, size_bytes, adapter_config, source) VALUES ('proj_default', 'adp-"
                                + "4".repeat(24) + "', 'del', 1, "
                                + "'m-del', 'deleted', 8, 16, false, '{q_proj}', repeat('d', 64), 10, '{}', '{}')"));
        assertTrue(e.getMessage().contains("adapters_deleted_at"), e.getMessage());
    }
}
