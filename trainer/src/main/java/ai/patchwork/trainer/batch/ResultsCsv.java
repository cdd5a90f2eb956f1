package ai.patchwork.trainer.batch;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import javax.sql.DataSource;
import org.springframework.jdbc.core.simple.JdbcClient;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The job's metrics as OpenAI's results file, one row per step that has a progress or validation event (empty cells
 * where a step has no such value). Supervised jobs: {@code step,train_loss,train_accuracy,valid_loss,
 * valid_mean_token_accuracy}; reinforcement jobs: {@code step,reward_mean,reward_std,kl,completion_length,
 * clip_fraction,eval_reward_mean}. Built from the events, so it covers every worker that ran the job.
 */
final class ResultsCsv {

    /** Columns with the event data key each reads. */
    private record Column(String header, String key) {}

    private static final List<Column> SUPERVISED = List.of(
            new Column("train_loss", "train_loss"),
            new Column("train_accuracy", "train_mean_token_accuracy"),
            new Column("valid_loss", "valid_loss"),
            new Column("valid_mean_token_accuracy", "valid_mean_token_accuracy"));
    private static final List<Column> REINFORCEMENT = List.of(
            new Column("reward_mean", "reward_mean"),
            new Column("reward_std", "reward_std"),
            new Column("kl", "kl"),
            new Column("completion_length", "completion_length"),
            new Column("clip_fraction", "clip_fraction"),
            new Column("eval_reward_mean", "eval_reward_mean"));

    private final JdbcClient jdbc;

    ResultsCsv(DataSource dataSource) {
        this.jdbc = JdbcClient.create(dataSource);
    }

    String csv(String jobId, boolean reinforcement) {
        List<Column> columns = reinforcement ? REINFORCEMENT : SUPERVISED;
        Map<Integer, String[]> rows = new TreeMap<>();
        jdbc.sql("SELECT (data->>'step')::int AS step, data::text AS data FROM fine_tuning_job_events "
                        + "WHERE job_id = ? AND type = 'metrics' AND data->>'step' IS NOT NULL ORDER BY seq")
                .param(jobId)
                .query(rs -> {
                    String[] row = rows.computeIfAbsent(rs.getInt("step"), s -> new String[columns.size()]);
                    JsonNode data = JsonMapper.shared().readTree(rs.getString("data"));
                    for (int i = 0; i < columns.size(); i++) {
                        JsonNode v = data.get(columns.get(i).key());
                        if (v != null && !v.isNull()) row[i] = v.asString();
                    }
                });
        StringBuilder sb = new StringBuilder("step");
        for (Column c : columns) sb.append(',').append(c.header());
        sb.append('\n');
        rows.forEach((step, v) -> {
            sb.append(String.format(Locale.ROOT, "%d", step));
            for (String cell : v) sb.append(',').append(cell == null ? "" : cell);
            sb.append('\n');
        });
        return sb.toString();
    }
}
