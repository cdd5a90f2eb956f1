package ai.patchwork.api.auth;

import ai.patchwork.api.web.ApiException;
import ai.patchwork.api.web.ErrorTypes;
import java.sql.Array;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import javax.sql.DataSource;
import org.springframework.http.HttpStatus;
import org.springframework.jdbc.core.simple.JdbcClient;

/** SQL of the {@code projects} and {@code api_keys} tables. Thread-safe. */
public final class KeyStore {
    private static final String KEY_COLUMNS =
            "id, name, project_id, kind, permission, redacted_value, created_at, " + "last_used_at, revoked_at";
    private static final String PROJECT_COLUMNS = "id, name, status, created_at, archived_at, allowed_base_models, "
            + "max_concurrent_fine_tuning_jobs, max_stored_bytes";

    private final JdbcClient jdbc;

    public KeyStore(DataSource dataSource) {
        this.jdbc = JdbcClient.create(dataSource);
    }

    /**
     * The caller a secret's hash authenticates, if it names a key that is not revoked of an active project (or an
     * admin key); marks the key used. One round trip.
     */
    Optional<Caller> authenticate(String secretHash) {
        return jdbc.sql("""
        WITH k AS (
          UPDATE api_keys SET last_used_at = now() WHERE secret_sha256 = ? AND revoked_at IS NULL
          RETURNING id, project_id, permission, kind, secret_sha256)
        SELECT k.id, k.project_id, k.permission, k.kind, k.secret_sha256, p.allowed_base_models
        FROM k LEFT JOIN projects p ON p.id = k.project_id
        WHERE k.kind = 'admin' OR p.status = 'active'""")
                .param(secretHash)
                .query((rs, i) -> {
                    if (!Secrets.sameHash(rs.getString("secret_sha256"), secretHash)) return null;
                    Caller.Permission permission = rs.getString("kind").equals("admin")
                            ? Caller.Permission.ADMIN
                            : Caller.Permission.valueOf(
                                    rs.getString("permission").toUpperCase(Locale.ROOT));
                    return new Caller(
                            rs.getString("id"),
                            rs.getString("project_id"),
                            permission,
                            strings(rs.getArray("allowed_base_models")));
                })
                .optional();
    }

    /** Creates a key; the secret is returned this once. */
    public ApiKey.Created create(String projectId, String name, Caller.Permission permission) {
        boolean admin = permission == Caller.Permission.ADMIN;
        return insert(
                Secrets.generate(admin ? Secrets.ADMIN_PREFIX : Secrets.PROJECT_PREFIX), projectId, name, permission);
    }

    /** Stores a key with a given secret (a bootstrap key from the configuration). */
    ApiKey.Created insert(String secret, String projectId, String name, Caller.Permission permission) {
        boolean admin = permission == Caller.Permission.ADMIN;
        String id = Secrets.newId("key_");
        jdbc.sql("INSERT INTO api_keys (id, kind, project_id, name, permission, secret_sha256, redacted_value) "
                        + "VALUES (?, ?, ?, ?, ?, ?, ?)")
                .params(
                        id,
                        admin ? "admin" : "project",
                        projectId,
                        name,
                        admin ? "all" : wire(permission),
                        Secrets.hash(secret),
                        Secrets.redact(secret))
                .update();
        return new ApiKey.Created(key(id).orElseThrow(), secret);
    }

    /** Whether a key with this secret is stored (revoked or not). */
    boolean exists(String secret) {
        return jdbc.sql("SELECT count(*) FROM api_keys WHERE secret_sha256 = ?")
                        .param(Secrets.hash(secret))
                        .query(Integer.class)
                        .single()
                > 0;
    }

    /** Whether an admin key that is not revoked exists. */
    boolean hasAdminKey() {
        return jdbc.sql("SELECT count(*) FROM api_keys WHERE kind = 'admin' AND revoked_at IS NULL")
                        .query(Integer.class)
                        .single()
                > 0;
    }

    Optional<ApiKey> key(String id) {
        return jdbc.sql("SELECT " + KEY_COLUMNS + " FROM api_keys WHERE id = ?")
                .param(id)
                .query(KeyStore::key)
                .optional();
    }

    /** The project's key, revoked or not; 404 when it is another project's or does not exist. */
    public ApiKey key(String projectId, String id) {
        return key(id).filter(k -> projectId.equals(k.projectId()))
                .orElseThrow(() -> notFound("api_key", "no API key '" + id + "' in project '" + projectId + "'"));
    }

    /** The project's keys that are not revoked, oldest first. */
    public List<ApiKey> keys(String projectId) {
        return jdbc.sql("SELECT " + KEY_COLUMNS + " FROM api_keys WHERE project_id = ? AND revoked_at IS NULL "
                        + "ORDER BY seq")
                .param(projectId)
                .query(KeyStore::key)
                .list();
    }

    /** Revokes the project's key: every replica stops accepting it within seconds (the change is notified). */
    public ApiKey revoke(String projectId, String id) {
        key(projectId, id);
        jdbc.sql("UPDATE api_keys SET revoked_at = now() WHERE id = ? AND revoked_at IS NULL")
                .param(id)
                .update();
        return key(id).orElseThrow();
    }

    /** Creates a project. */
    public Project createProject(String name) {
        String id = Secrets.newId("proj_");
        jdbc.sql("INSERT INTO projects (id, name) VALUES (?, ?)")
                .params(id, name)
                .update();
        return project(id);
    }

    /** The project, archived or not, or a 404. */
    public Project project(String id) {
        return jdbc.sql("SELECT " + PROJECT_COLUMNS + " FROM projects WHERE id = ?")
                .param(id)
                .query(KeyStore::project)
                .optional()
                .orElseThrow(() -> notFound("project_id", "no project '" + id + "'"));
    }

    /** Projects oldest first, after a cursor; archived ones only when asked. */
    public List<Project> projects(int limit, String after, boolean includeArchived) {
        return jdbc.sql(
                        "SELECT " + PROJECT_COLUMNS + " FROM projects WHERE (? OR status = 'active') "
                                + "AND (CAST(? AS text) IS NULL OR seq > (SELECT seq FROM projects WHERE id = ?)) ORDER BY seq LIMIT ?")
                .params(includeArchived, after, after, limit + 1)
                .query(KeyStore::project)
                .list();
    }

    /** Changes a project's name, base-model allow-list and quotas (null: unchanged). */
    public Project modifyProject(String id, ProjectChanges c) {
        project(id);
        jdbc.sql("""
        UPDATE projects SET name = coalesce(?, name),
          allowed_base_models = CASE WHEN ? THEN CAST(? AS text[]) ELSE allowed_base_models END,
          max_concurrent_fine_tuning_jobs = CASE WHEN ? THEN ? ELSE max_concurrent_fine_tuning_jobs END,
          max_stored_bytes = CASE WHEN ? THEN ? ELSE max_stored_bytes END
        WHERE id = ?""")
                .params(
                        c.name(),
                        c.allowedBaseModels() != null,
                        c.allowedBaseModels() == null
                                ? null
                                : c.allowedBaseModels().orElse(null) == null
                                        ? null
                                        : c.allowedBaseModels().get().toArray(String[]::new),
                        c.maxConcurrentFineTuningJobs() != null,
                        c.maxConcurrentFineTuningJobs() == null
                                ? null
                                : c.maxConcurrentFineTuningJobs().orElse(null),
                        c.maxStoredBytes() != null,
                        c.maxStoredBytes() == null ? null : c.maxStoredBytes().orElse(null),
                        id)
                .update();
        return project(id);
    }

    /** Archives a project: its keys stop authenticating at once on every replica; its data stays. */
    public Project archiveProject(String id) {
        if (id.equals(Project.DEFAULT)) {
            throw ApiException.badRequest("project_id", "invalid_project", "the default project cannot be archived");
        }
        project(id);
        jdbc.sql("UPDATE projects SET status = 'archived', archived_at = now() WHERE id = ? AND status = 'active'")
                .param(id)
                .update();
        return project(id);
    }

    /**
     * Changes to a project; null leaves a field as it is, an empty optional clears it.
     *
     * @param name a new name
     * @param allowedBaseModels the base models it may use (empty: all)
     * @param maxConcurrentFineTuningJobs quota (empty: none)
     * @param maxStoredBytes quota (empty: none)
     */
    public record ProjectChanges(
            String name,
            Optional<List<String>> allowedBaseModels,
            Optional<Integer> maxConcurrentFineTuningJobs,
            Optional<Long> maxStoredBytes) {}

    static ApiException notFound(String param, String message) {
        return new ApiException(HttpStatus.NOT_FOUND, ErrorTypes.INVALID_REQUEST, param, "not_found", message);
    }

    private static String wire(Caller.Permission p) {
        return p.name().toLowerCase(Locale.ROOT);
    }

    private static ApiKey key(ResultSet rs, int i) throws SQLException {
        Caller.Permission permission = rs.getString("kind").equals("admin")
                ? Caller.Permission.ADMIN
                : Caller.Permission.valueOf(rs.getString("permission").toUpperCase(Locale.ROOT));
        return new ApiKey(
                rs.getString("id"),
                rs.getString("name"),
                rs.getString("project_id"),
                permission,
                rs.getString("redacted_value"),
                instant(rs.getTimestamp("created_at")),
                instant(rs.getTimestamp("last_used_at")),
                instant(rs.getTimestamp("revoked_at")));
    }

    private static Project project(ResultSet rs, int i) throws SQLException {
        int jobs = rs.getInt("max_concurrent_fine_tuning_jobs");
        Integer maxJobs = rs.wasNull() ? null : jobs;
        long bytes = rs.getLong("max_stored_bytes");
        Long maxBytes = rs.wasNull() ? null : bytes;
        return new Project(
                rs.getString("id"),
                rs.getString("name"),
                rs.getString("status"),
                instant(rs.getTimestamp("created_at")),
                instant(rs.getTimestamp("archived_at")),
                strings(rs.getArray("allowed_base_models")),
                maxJobs,
                maxBytes);
    }

    private static List<String> strings(Array a) throws SQLException {
        return a == null ? null : Arrays.asList((String[]) a.getArray());
    }

    private static Instant instant(Timestamp t) {
        return t == null ? null : t.toInstant();
    }
}
