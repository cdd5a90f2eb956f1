package ai.patchwork.model.nn;

/** The seven linear projections of a Llama block, by their Hugging Face / PEFT module names. */
public enum Projection {
    Q("q_proj"),
    K("k_proj"),
    V("v_proj"),
    O("o_proj"),
    GATE("gate_proj"),
    UP("up_proj"),
    DOWN("down_proj");

    private final String module;

    Projection(String module) {
        this.module = module;
    }

    /** The module name as in checkpoints and in PEFT's {@code target_modules}. */
    public String module() {
        return module;
    }

    public static Projection ofModule(String module) {
        for (Projection p : values()) {
            if (p.module.equals(module)) return p;
        }
        return null;
    }

    /** Input width of this projection for a model. */
    public int inFeatures(ai.patchwork.model.config.ModelConfig c) {
        return switch (this) {
            case Q, K, V, GATE, UP -> c.hiddenSize();
            case O -> c.qDim();
            case DOWN -> c.intermediateSize();
        };
    }

    /** Output width of this projection for a model. */
    public int outFeatures(ai.patchwork.model.config.ModelConfig c) {
        return switch (this) {
            case Q -> c.qDim();
            case K, V -> c.kvDim();
            case O, DOWN -> c.hiddenSize();
            case GATE, UP -> c.intermediateSize();
        };
    }
}
