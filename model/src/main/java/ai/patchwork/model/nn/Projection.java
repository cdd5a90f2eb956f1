package ai.patchwork.model.nn;

import ai.patchwork.model.config.ModelConfig;
import java.util.Locale;

/** The seven linear projections of a Llama block, by their Hugging Face / PEFT module names. */
public enum Projection {
    Q,
    K,
    V,
    O,
    GATE,
    UP,
    DOWN;

    /** The module name as in checkpoints and in PEFT's {@code target_modules}: {@code q_proj} for Q. */
    public String module() {
        return name().toLowerCase(Locale.ROOT) + "_proj";
    }

    public static Projection ofModule(String module) {
        for (Projection p : values()) {
            if (p.module().equals(module)) return p;
        }
        return null;
    }

    /** Input width of this projection for a model. */
    public int inFeatures(ModelConfig c) {
        return switch (this) {
            case Q, K, V, GATE, UP -> c.hiddenSize();
            case O -> c.qDim();
            case DOWN -> c.intermediateSize();
        };
    }

    /** Output width of this projection for a model. */
    public int outFeatures(ModelConfig c) {
        return switch (this) {
            case Q -> c.qDim();
            case K, V -> c.kvDim();
            case O, DOWN -> c.hiddenSize();
            case GATE, UP -> c.intermediateSize();
        };
    }
}
