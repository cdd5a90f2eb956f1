package ai.patchwork.registry;

import ai.patchwork.registry.store.Artifact;
import java.security.SecureRandom;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.springframework.jdbc.core.simple.JdbcClient;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** SQL of the {@code adapters} and {@code adapter_names} tables. */
final class AdapterRows {
    private static final String COLUMNS = "id, name, version, base_model, status, rank, lora_alpha, use_rslora, "
            + "target_modules, size_bytes, artifact_sha256, created_at, source, project_id, visibility";
    private static final String ID_ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyz";
    private static final SecureRandom RANDOM = new SecureRandom();

    private final JdbcClient jdbc;

    AdapterRows(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    /**
     * Takes the next version of {@code name}. The upsert row-locks the name until the transaction ends, so concurrent
     * registrations under one name queue here and get consecutive versions; a rollback gives the number back.
     */
    int nextVersion(String project, String name) {
        return jdbc.sql("""
        INSERT INTO adapter_names (project_id, name, latest_version) VALUES (?, ?, 1)
        ON CONFLICT (project_id, name) DO UPDATE SET latest_version = adapter_names.latest_version + 1
        RETURNING latest_version""").params(project, name).query(Integer.class).single();
    }

    /** The base model of the versions of {@code name} in {@code project}, if it has any. */
    Optional<String> baseModelOf(String project, String name) {
        return jdbc.sql(
                        "SELECT base_model FROM adapters WHERE project_id = ? AND name = ? ORDER BY version DESC LIMIT 1")
                .params(project, name)
                .query(String.class)
                .optional();
    }

    /** The project of a fine-tuning job: where the adapters it produces belong. */
    Optional<String> projectOfJob(String jobId) {
        return jdbc.sql("SELECT project_id FROM fine_tuning_jobs WHERE id = ?")
                .param(jobId)
                .query(String.class)
                .optional();
    }

    Adapter insert(
            String project,
            String name,
            int version,
            String baseModel,
            PeftValidator.ValidPeft peft,
            AdapterLineage source) {
        String id = newId();
        jdbc.sql("""
        INSERT INTO adapters (id, project_id, name, version, base_model, status, rank, lora_alpha, use_rslora,
                              target_modules, artifact_sha256, size_bytes, adapter_config, source, fine_tuning_job)
        VALUES (?, ?, ?, ?, ?, 'ready', ?, ?, ?, ?, ?, ?, ?, ?::jsonb, ?)""")
                .params(
                        id,
                        project,
                        name,
                        version,
                        baseModel,
                        peft.config().rank(),
                        peft.config().alpha(),
                        peft.config().rslora(),
                        peft.targetModules().toArray(String[]::new),
                        peft.hash().sha256(),
                        peft.hash().size(),
                        peft.configJson(),
                        sourceJson(source),
                        source.jobId())
                .update();
        return byId(id).orElseThrow();
    }

    Optional<Adapter> byId(String id) {
        return jdbc.sql("SELECT " + COLUMNS + " FROM adapters WHERE id = ?")
                .param(id)
                .query(AdapterRows::adapter)
                .optional();
    }

    Optional<Adapter> byVersion(String project, String name, int version) {
        return jdbc.sql("SELECT " + COLUMNS + " FROM adapters WHERE project_id = ? AND name = ? AND version = ?")
                .params(project, name, version)
                .query(AdapterRows::adapter)
                .optional();
    }

    Optional<Adapter> latestReady(String project, String name) {
        return jdbc.sql("SELECT " + COLUMNS + " FROM adapters WHERE project_id = ? AND name = ? AND status = 'ready' "
                        + "ORDER BY version DESC LIMIT 1")
                .params(project, name)
                .query(AdapterRows::adapter)
                .optional();
    }

    /** The latest ready version of every name of {@code project}, by name. */
    List<Adapter> latestReadyOfEachName(String project) {
        return jdbc.sql("SELECT DISTINCT ON (name) " + COLUMNS
                        + " FROM adapters WHERE project_id = ? AND status = 'ready' " + "ORDER BY name, version DESC")
                .param(project)
                .query(AdapterRows::adapter)
                .list();
    }

    /** Up to {@code limit + 1} listed adapters of {@code project}, newest first, so the caller sees if more follow. */
    List<Adapter> page(String project, AdapterQuery q) {
        StringBuilder sql = new StringBuilder(
                "SELECT " + COLUMNS + " FROM adapters WHERE status <> 'deleted' " + "AND project_id = ?");
        List<Object> params = new ArrayList<>();
        params.add(project);
        if (q.baseModel() != null) {
            sql.append(" AND base_model = ?");
            params.add(q.baseModel());
        }
        if (q.name() != null) {
            sql.append(" AND name = ?");
            params.add(q.name());
        }
        if (q.after() != null) {
            sql.append(" AND seq < (SELECT seq FROM adapters WHERE id = ?)");
            params.add(q.after());
        }
        sql.append(" ORDER BY seq DESC LIMIT ").append(q.limit() + 1);
        return jdbc.sql(sql.toString())
                .params(params)
                .query(AdapterRows::adapter)
                .list();
    }

    boolean exists(String project, String id) {
        return jdbc.sql("SELECT count(*) FROM adapters WHERE id = ? AND project_id = ?")
                        .params(id, project)
                        .query(Integer.class)
                        .single()
                > 0;
    }

    void setVisibility(String id, AdapterVisibility visibility) {
        jdbc.sql("UPDATE adapters SET visibility = ? WHERE id = ?")
                .params(visibility.wire(), id)
                .update();
    }

    /** Marks the version deleted; false when it was already. */
    boolean markDeleted(String id) {
        return jdbc.sql(
                                "UPDATE adapters SET status = 'deleted', deleted_at = now() WHERE id = ? AND status <> 'deleted'")
                        .param(id)
                        .update()
                > 0;
    }

    /** The version, its config and its weights' object (null once collected), in one query. */
    Optional<ServableAdapter> servable(String id) {
        return jdbc.sql("SELECT " + COLUMNS + ", adapter_config, (SELECT object_key FROM artifacts"
                        + " WHERE sha256 = adapters.artifact_sha256 AND collected_at IS NULL) AS object_key"
                        + " FROM adapters WHERE id = ?")
                .param(id)
                .query((rs, i) -> {
                    Adapter a = adapter(rs, i);
                    String key = rs.getString("object_key");
                    return new ServableAdapter(
                            a,
                            rs.getString("adapter_config"),
                            key == null ? null : new Artifact(a.sha256(), a.sizeBytes(), key));
                })
                .optional();
    }

    String config(String id) {
        return jdbc.sql("SELECT adapter_config FROM adapters WHERE id = ?")
                .param(id)
                .query(String.class)
                .single();
    }

    private static String newId() {
        StringBuilder id = new StringBuilder(AdapterRef.ID_PREFIX);
        for (int i = 0; i < 24; i++) id.append(ID_ALPHABET.charAt(RANDOM.nextInt(ID_ALPHABET.length())));
        return id.toString();
    }

    private static Adapter adapter(ResultSet rs, int row) throws SQLException {
        return new Adapter(
                rs.getString("id"),
                rs.getString("name"),
                rs.getInt("version"),
                rs.getString("base_model"),
                AdapterStatus.fromWire(rs.getString("status")),
                rs.getInt("rank"),
                rs.getDouble("lora_alpha"),
                rs.getBoolean("use_rslora"),
                Arrays.asList((String[]) rs.getArray("target_modules").getArray()),
                rs.getLong("size_bytes"),
                rs.getString("artifact_sha256"),
                rs.getObject("created_at", OffsetDateTime.class).toInstant(),
                source(rs.getString("source")),
                rs.getString("project_id"),
                AdapterVisibility.fromWire(rs.getString("visibility")));
    }

    static String sourceJson(AdapterLineage s) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("type", s.type() == AdapterLineage.Type.UPLOAD ? "upload" : "fine_tuning");
        if (s.type() == AdapterLineage.Type.FINE_TUNING) {
            json.put("job_id", s.jobId());
            json.put("training_file", s.trainingFile());
            json.put("hyperparameters", s.hyperparameters());
        }
        return JsonMapper.shared().writeValueAsString(json);
    }

    @SuppressWarnings("unchecked")
    static AdapterLineage source(String json) {
        JsonNode j = JsonMapper.shared().readTree(json);
        if (!"fine_tuning".equals(j.path("type").asString())) return AdapterLineage.upload();
        Map<String, Object> hyper = JsonMapper.shared().convertValue(j.path("hyperparameters"), Map.class);
        return AdapterLineage.fineTuning(
                j.path("job_id").asString(), j.path("training_file").asString(null), hyper);
    }
}
