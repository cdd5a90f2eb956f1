package ai.patchwork.serving;

import ai.patchwork.model.config.ModelConfig;
import ai.patchwork.model.tokenizer.Tokenizer;

/**
 * The base model an {@link InferenceEngine} serves, as loaded at start: what the checkpoint says, its tokenizer, the
 * positions a sequence may use, and the runner that holds its weights on the chosen runtime. Closing it frees the
 * runner's native memory and the tokenizer.
 *
 * @param config the checkpoint's {@code config.json}
 * @param context positions per sequence, prompt plus completion
 */
record BaseModel(ModelConfig config, Tokenizer tokenizer, int context, EngineRuntime runtime, ModelRunner runner)
        implements AutoCloseable {

    BaseModel {
        if (context <= 0 || context > config.maxPositions())
            throw new IllegalArgumentException(
                    "context " + context + " is outside 1.." + config.maxPositions() + " positions");
    }

    @Override
    public void close() {
        runner.close();
        tokenizer.close();
    }
}
