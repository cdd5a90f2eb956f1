package ai.patchwork.trainer.batch;

import ai.patchwork.model.tokenizer.Tokenizer;
import ai.patchwork.registry.BaseModel;
import ai.patchwork.registry.BaseModels;
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
 * Reads a job's training or validation file from the object store and tokenizes it line by line with the job's base
 * model (only token ids stay on the heap), turning every data problem into a {@link JobFailure}. What the validate
 * and the tokenize steps share.
 */
record JobData(FileStore files, BaseModels baseModels) {

    /**
     * One of a job's files.
     *
     * @param id the file's id
     * @param param the request parameter naming it: {@code training_file} or {@code validation_file}
     */
    record DataFile(String id, String param) {
        static DataFile training(FineTuningJob job) {
            return new DataFile(job.trainingFile(), "training_file");
        }

        /** The job's validation file, or null when it has none. */
        static DataFile validation(FineTuningJob job) {
            return job.validationFile() == null ? null : new DataFile(job.validationFile(), "validation_file");
        }

        /** "training file" or "validation file". */
        String what() {
            return param.replace('_', ' ');
        }
    }

    /** The job's base model. */
    BaseModel base(FineTuningJob job) {
        return baseModels.require(job.model());
    }

    /** The examples of a supervised job, or the pairs of a DPO job as two sequences each (2i preferred, 2i+1 not). */
    List<EncodedExample> encode(FineTuningJob job, DataFile file, Tokenizer tokenizer, int context) {
        ExampleEncoder encoder = new ExampleEncoder(tokenizer, context);
        if (job.preference() == null) return read(file, in -> JsonlParser.encode(in, files.maxLineBytes(), encoder));
        return read(file, in -> new PreferenceParser(encoder).parse(in, files.maxLineBytes()));
    }

    /**
     * The prompts of a reinforcement fine-tuning file.
     *
     * @param maxPromptTokens the context minus the longest completion
     */
    List<PromptExample> prompts(DataFile file, Tokenizer tokenizer, int maxPromptTokens) {
        return read(file, in -> new PromptParser(tokenizer, maxPromptTokens).parse(in, files.maxLineBytes()));
    }

    /** Training units of a supervised or DPO job's encoded file: examples, or pairs. */
    static int units(FineTuningJob job, int sequences) {
        return job.preference() == null ? sequences : sequences / 2;
    }

    /** " examples" or " preference pairs": what {@link #units} counts. */
    static String unitName(FineTuningJob job) {
        return job.preference() == null ? " examples" : " preference pairs";
    }

    private interface Reader<T> {
        List<T> read(InputStream in) throws IOException;
    }

    private <T> List<T> read(DataFile file, Reader<T> reader) {
        String code = "invalid_" + file.param();
        FileObject found = files.find(file.id())
                .orElseThrow(() -> new JobFailure(new JobError(
                        code,
                        "the " + file.what() + " " + file.id() + " was deleted before the job could read it",
                        file.param())));
        try (InputStream in = files.open(found)) {
            return reader.read(in);
        } catch (InvalidDatasetException e) {
            throw new JobFailure(new JobError(
                    code, "the " + file.what() + " " + file.id() + " is invalid: " + e.getMessage(), file.param()));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file.id(), e);
        }
    }
}
