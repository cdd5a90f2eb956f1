package ai.patchwork.trainer.jobs;

import java.sql.Array;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** Row mapping for the job tables, shared by the API side and the worker side. */
final class JobRows {
    static final String JOB_SELECT =
            "SELECT j.id, j.base_model, j.training_file, j.validation_file, j.hyperparameters, "
                    + "j.suffix, j.seed, j.metadata, j.status, j.error, j.trained_tokens, j.result_files, j.created_at, "
                    + "j.finished_at, j.estimated_finish, j.method, j.integrations, a.name AS adapter_name FROM fine_tuning_jobs j "
                    + "LEFT JOIN adapters a ON a.id = j.fine_tuned_adapter";

    static final String EVENT_COLUMNS = "id, created_at, level, type, message, data";
    static final String CHECKPOINT_COLUMNS =
            "c.id, c.created_at, c.job_id, c.step_number, c.metrics, c.artifact_sha256";

    private static final JsonMapper JSON = JsonMapper.shared();
    private static final TypeReference<Map<String, Object>> MAP = new TypeReference<>() {};
    private static final TypeReference<Map<String, String>> STRINGS = new TypeReference<>() {};

    private JobRows() {}

    static FineTuningJob job(ResultSet rs, int i) throws SQLException {
        JsonNode h = JSON.readTree(rs.getString("hyperparameters"));
        String error = rs.getString("error");
        JobError err = null;
        if (error != null) {
            JsonNode e = JSON.readTree(error);
            err = new JobError(
                    e.path("code").asString(),
                    e.path("message").asString(),
                    e.path("param").isNull() ? null : e.path("param").asString(null));
        }
        long trained = rs.getLong("trained_tokens");
        Long trainedTokens = rs.wasNull() ? null : trained;
        String adapter = rs.getString("adapter_name");
        return new FineTuningJob(
                rs.getString("id"),
                instant(rs, "created_at"),
                instant(rs, "finished_at"),
                instant(rs, "estimated_finish"),
                rs.getString("base_model"),
                adapter,
                JobStatus.of(rs.getString("status")),
                err,
                JobColumns.readHyperparameters(h),
                JobColumns.readOptions(h.get("patchwork")),
                rs.getString("training_file"),
                rs.getString("validation_file"),
                strings(rs.getArray("result_files")),
                trainedTokens,
                rs.getLong("seed"),
                rs.getString("suffix"),
                JSON.readValue(rs.getString("metadata"), STRINGS),
                Reinforcement.read(JSON.readTree(rs.getString("method"))),
                Preference.read(JSON.readTree(rs.getString("method"))),
                JSON.readTree(rs.getString("integrations")));
    }

    static JobEvent event(ResultSet rs, int i) throws SQLException {
        return new JobEvent(
                rs.getString("id"),
                instant(rs, "created_at"),
                rs.getString("level"),
                rs.getString("type"),
                rs.getString("message"),
                map(rs, "data"));
    }

    static JobCheckpoint checkpoint(ResultSet rs, String modelName) throws SQLException {
        int step = rs.getInt("step_number");
        return new JobCheckpoint(
                rs.getString("id"),
                instant(rs, "created_at"),
                rs.getString("job_id"),
                step,
                modelName + ":ckpt-step-" + step,
                map(rs, "metrics"),
                rs.getString("artifact_sha256"));
    }

    static String json(Object value) {
        return value == null ? null : JSON.writeValueAsString(value);
    }

    private static Instant instant(ResultSet rs, String column) throws SQLException {
        Timestamp t = rs.getTimestamp(column);
        return t == null ? null : t.toInstant();
    }

    /** A JSON object column as a map; null for SQL NULL. */
    private static Map<String, Object> map(ResultSet rs, String column) throws SQLException {
        String json = rs.getString(column);
        return json == null ? null : JSON.readValue(json, MAP);
    }

    private static List<String> strings(Array a) throws SQLException {
        return a == null ? List.of() : List.of((String[]) a.getArray());
    }
}
