package ai.patchwork.trainer.batch;

import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import javax.sql.DataSource;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * The job's metrics as OpenAI's results file: {@code step,train_loss,train_accuracy,valid_loss,
 * valid_mean_token_accuracy}, one row per step that has a progress or validation event (empty cells where a step
 * has no such value). Built from the events, so it covers every worker that ran the job.
 */
final class ResultsCsv {
  private final JdbcClient jdbc;

  ResultsCsv(DataSource dataSource) {
    this.jdbc = JdbcClient.create(dataSource);
  }

  String csv(String jobId) {
    Map<Integer, String[]> rows = new TreeMap<>();
    jdbc.sql("SELECT (data->>'step')::int AS step, data->>'train_loss' AS tl, data->>'train_mean_token_accuracy' AS ta, "
            + "data->>'valid_loss' AS vl, data->>'valid_mean_token_accuracy' AS va FROM fine_tuning_job_events "
            + "WHERE job_id = ? AND type = 'metrics' AND data->>'step' IS NOT NULL ORDER BY seq")
        .param(jobId)
        .query(rs -> {
          String[] row = rows.computeIfAbsent(rs.getInt("step"), s -> new String[4]);
          String[] values = {rs.getString("tl"), rs.getString("ta"), rs.getString("vl"), rs.getString("va")};
          for (int i = 0; i < 4; i++) if (values[i] != null) row[i] = values[i];
        });
    StringBuilder sb = new StringBuilder("step,train_loss,train_accuracy,valid_loss,valid_mean_token_accuracy\n");
    rows.forEach((step, v) -> sb.append(String.format(Locale.ROOT, "%d,%s,%s,%s,%s%n", step, cell(v[0]), cell(v[1]),
        cell(v[2]), cell(v[3]))));
    return sb.toString();
  }

  private static String cell(String v) {
    return v == null ? "" : v;
  }
}
