package ai.patchwork.trainer.batch;

import ai.patchwork.model.tokenizer.Tokenizer;
import ai.patchwork.trainer.dataset.EncodedExample;
import ai.patchwork.trainer.dataset.ExampleEncoder;
import ai.patchwork.trainer.dataset.InvalidDatasetException;
import ai.patchwork.trainer.dataset.JsonlParser;
import ai.patchwork.trainer.dataset.PreferenceParser;
import ai.patchwork.trainer.dataset.PromptExample;
import ai.patchwork.trainer.dataset.PromptParser;
import ai.patchwork.trainer.files.FileObject;
import ai.patchwork.trainer.files.FileStore;
import ai.patchwork.trainer.jobs.FineTuningJob;
import ai.patchwork.trainer.jobs.JobError;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.List;

/**
 * Reads a job's training or validation file from the object store and tokenizes it line by line (only token ids stay
 * on the heap), turning every data problem into a {@link JobFailure}.
 */
final class JobData {
    private JobData() {}

    /**
     * @param param {@code training_file} or {@code validation_file}
     */
    static List<EncodedExample> encode(FileStore files, String fileId, String param, Tokenizer tokenizer, int context) {
        ExampleEncoder encoder = new ExampleEncoder(tokenizer, context);
        return read(files, fileId, param, in -> JsonlParser.encode(in, files.maxLineBytes(), encoder));
    }

    /**
     * The examples of a supervised job, or the pairs of a DPO job as two sequences each (2i preferred, 2i+1 not).
     *
     * @param param {@code training_file} or {@code validation_file}
     */
    static List<EncodedExample> encode(
            FineTuningJob job, FileStore files, String fileId, String param, Tokenizer tokenizer, int context) {
        if (job.preference() == null) return encode(files, fileId, param, tokenizer, context);
        return read(
                files,
                fileId,
                param,
                in -> new PreferenceParser(new ExampleEncoder(tokenizer, context)).parse(in, files.maxLineBytes()));
    }

    /** Training units of a supervised or DPO job's encoded file: examples, or pairs. */
    static int units(FineTuningJob job, int sequences) {
        return job.preference() == null ? sequences : sequences / 2;
    }

    /**
     * The prompts of a reinforcement fine-tuning file.
     *
     * @param maxPromptTokens the context minus the longest completion
     */
    static List<PromptExample> prompts(
            FileStore files, String fileId, String param, Tokenizer tokenizer, int maxPromptTokens) {
        return read(
                files,
                fileId,
                param,
                in -> new PromptParser(tokenizer, maxPromptTokens).parse(in, files.maxLineBytes()));
    }

    private interface Reader<T> {
        List<T> read(InputStream in) throws IOException;
    }

    private static <T> List<T> read(FileStore files, String fileId, String param, Reader<T> reader) {
        String code = param.equals("training_file") ? "invalid_training_file" : "invalid_validation_file";
        String what = param.equals("training_file") ? "training file" : "validation file";
        FileObject file = files.find(fileId)
                .orElseThrow(() -> new JobFailure(new JobError(
                        code, "the " + what + " " + fileId + " was deleted before the job could read it", param)));
        try (InputStream in = files.open(file)) {
            return reader.read(in);
        } catch (InvalidDatasetException e) {
            throw new JobFailure(
                    new JobError(code, "the " + what + " " + fileId + " is invalid: " + e.getMessage(), param));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + fileId, e);
        }
    }
}
