package ai.patchwork.trainer.jobs;

/**
 * The name a job's adapter is registered under, which is the job's {@code fine_tuned_model}: {@code
 * ft-<base>-<suffix>-<8 characters of the job id>} (OpenAI writes {@code ft:<base>:<org>:<suffix>:<id>}; the
 * registry's adapter names allow letters, digits, '.', '_' and '-' only, so the separators are dashes). Known from
 * the job's creation, so checkpoints can be named before the adapter exists. At most 64 characters: long base ids
 * and suffixes are shortened.
 */
public final class FineTunedModelName {
    private FineTunedModelName() {}

    public static String of(String baseModel, String suffix, String jobId) {
        String shortId = jobId.substring(jobId.indexOf('-') + 1);
        shortId = shortId.substring(0, Math.min(8, shortId.length()));
        String base = baseModel.length() > 30 ? baseModel.substring(0, 30) : baseModel;
        String s = suffix == null ? "" : (suffix.length() > 20 ? suffix.substring(0, 20) : suffix) + "-";
        return "ft-" + base + "-" + s + shortId;
    }
}
