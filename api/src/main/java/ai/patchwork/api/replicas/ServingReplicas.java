package ai.patchwork.api.replicas;

import java.sql.Array;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import javax.sql.DataSource;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * The {@code serving_replicas} table: every serving process's heartbeat with the adapters it holds in memory. It
 * replaces a cluster manager: replicas only write their own row, readers only trust rows whose heartbeat (taken on
 * the database's clock) is younger than {@link #FRESH}, and rows older than {@link #PRUNE_AFTER} are deleted.
 */
public final class ServingReplicas {
    /** A replica whose last heartbeat is older than this is considered gone. */
    public static final Duration FRESH = Duration.ofSeconds(30);
    /** Rows of replicas gone this long are deleted (a replica that shut down cleanly deletes its own at once). */
    public static final Duration PRUNE_AFTER = Duration.ofMinutes(10);

    private final JdbcTemplate jdbc;

    public ServingReplicas(DataSource dataSource) {
        this.jdbc = new JdbcTemplate(dataSource);
    }

    /** Replicas with a fresh heartbeat, by id. */
    public List<ServingReplica> live() {
        return jdbc.query(
                """
        SELECT id, base_models, loaded_adapters, started_at, heartbeat_at FROM serving_replicas
        WHERE heartbeat_at > now() - make_interval(secs => ?) ORDER BY id""",
                (rs, i) -> new ServingReplica(
                        rs.getString("id"),
                        strings(rs, "base_models"),
                        strings(rs, "loaded_adapters"),
                        rs.getTimestamp("started_at").toInstant(),
                        rs.getTimestamp("heartbeat_at").toInstant()),
                (double) FRESH.toSeconds());
    }

    /** Ids of the live replicas that hold adapter version {@code adapterId} in memory, sorted. */
    public List<String> loadedOn(String adapterId) {
        return jdbc.queryForList("""
        SELECT id FROM serving_replicas
        WHERE ? = ANY (loaded_adapters) AND heartbeat_at > now() - make_interval(secs => ?) ORDER BY id""", String.class, adapterId, (double) FRESH.toSeconds());
    }

    /** Of {@code adapterIds}, those project {@code projectId} may serve (its own, and those shared), in order. */
    List<String> visibleAdapters(String projectId, List<String> adapterIds) {
        if (adapterIds.isEmpty()) return List.of();
        List<String> visible = jdbc.execute((Connection c) -> {
            try (var ps = c.prepareStatement("SELECT id FROM adapters WHERE id = ANY (?) "
                    + "AND (project_id = ? OR visibility = 'organization')")) {
                ps.setArray(1, textArray(c, adapterIds));
                ps.setString(2, projectId);
                List<String> ids = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) ids.add(rs.getString(1));
                }
                return ids;
            }
        });
        return adapterIds.stream().filter(visible::contains).toList();
    }

    /** Creates or refreshes a replica's row; its heartbeat is the database's {@code now()}. */
    void heartbeat(String id, Collection<String> baseModels, Collection<String> loadedAdapters, Instant startedAt) {
        jdbc.update(connection -> {
            var ps = connection.prepareStatement("""
          INSERT INTO serving_replicas (id, base_models, loaded_adapters, started_at, heartbeat_at)
          VALUES (?, ?, ?, ?, now())
          ON CONFLICT (id) DO UPDATE SET base_models = excluded.base_models,
              loaded_adapters = excluded.loaded_adapters, started_at = excluded.started_at, heartbeat_at = now()""");
            ps.setString(1, id);
            ps.setArray(2, textArray(connection, baseModels));
            ps.setArray(3, textArray(connection, loadedAdapters));
            ps.setTimestamp(4, Timestamp.from(startedAt));
            return ps;
        });
    }

    /** Deletes a replica's row (a clean shutdown). */
    void remove(String id) {
        jdbc.update("DELETE FROM serving_replicas WHERE id = ?", id);
    }

    /** Deletes the rows of replicas gone for {@link #PRUNE_AFTER}; returns how many. */
    int prune() {
        return jdbc.update(
                "DELETE FROM serving_replicas WHERE heartbeat_at < now() - make_interval(secs => ?)",
                (double) PRUNE_AFTER.toSeconds());
    }

    private static Array textArray(Connection connection, Collection<String> values) throws SQLException {
        return connection.createArrayOf("text", values.stream().sorted().toArray(String[]::new));
    }

    private static List<String> strings(ResultSet rs, String column) throws SQLException {
        Array array = rs.getArray(column);
        return array == null ? List.of() : Arrays.asList((String[]) array.getArray());
    }
}
