package ai.patchwork.model.config;

import tools.jackson.databind.JsonNode;

/**
 * {@code rope_scaling} of a config.json. Only the {@code llama3} type (Llama 3.1+) changes the frequencies; absent
 * scaling is {@link #NONE}.
 */
public record RopeScaling(
        String type, double factor, double lowFreqFactor, double highFreqFactor, int originalMaxPositions) {

    public static final RopeScaling NONE = new RopeScaling("default", 1, 1, 1, 0);

    public RopeScaling {
        if (!type.equals("default") && !type.equals("llama3")) {
            throw new ModelFormatException(
                    "config.json: rope_scaling type '" + type + "' is not supported (default, llama3)");
        }
        if (type.equals("llama3")
                && (factor <= 0
                        || lowFreqFactor <= 0
                        || highFreqFactor <= lowFreqFactor
                        || originalMaxPositions <= 0)) {
            throw new ModelFormatException("config.json: invalid llama3 rope_scaling " + this);
        }
    }

    static RopeScaling parse(JsonNode node) {
        if (node == null || node.isNull()) return NONE;
        String type = node.has("rope_type")
                ? node.get("rope_type").asString()
                : node.path("type").asString("default");
        if (type.equals("default")) return NONE;
        return new RopeScaling(
                type,
                node.path("factor").asDouble(0),
                node.path("low_freq_factor").asDouble(0),
                node.path("high_freq_factor").asDouble(0),
                node.path("original_max_position_embeddings").asInt(0));
    }

    /** Applies the scaling to the inverse frequencies of rotary embedding, as Hugging Face's _compute_llama3_parameters. */
    public double[] scale(double[] invFreq) {
        if (type.equals("default")) return invFreq;
        double lowWavelen = originalMaxPositions / lowFreqFactor;
        double highWavelen = originalMaxPositions / highFreqFactor;
        double[] out = new double[invFreq.length];
        for (int i = 0; i < invFreq.length; i++) {
            double wavelen = 2 * Math.PI / invFreq[i];
            if (wavelen < highWavelen) {
                out[i] = invFreq[i];
            } else if (wavelen > lowWavelen) {
                out[i] = invFreq[i] / factor;
            } else {
                double smooth = (originalMaxPositions / wavelen - lowFreqFactor) / (highFreqFactor - lowFreqFactor);
                out[i] = (1 - smooth) * invFreq[i] / factor + smooth * invFreq[i];
            }
        }
        return out;
    }
}
