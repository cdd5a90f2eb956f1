package ai.patchwork.model.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/**
 * Token embedding: a lookup of rows of the (V, E) table, float32 or float16 ({@link WeightStorage}), or held by another
 * runtime ({@link ExternalWeights}), whose rows are read out one token at a time.
 *
 * @param table the (V, E) table, or null when {@code external} holds it
 * @param external the runtime that holds the table, or null
 * @param width E
 */
public record Embedding(NDArray table, ExternalWeights external, int width) {

    public Embedding {
        if ((table == null) == (external == null))
            throw new IllegalArgumentException("exactly one of table and external");
        if (table != null
                && (table.getShape().dimension() != 2 || table.getShape().get(1) != width))
            throw new IllegalArgumentException("table must be (V, " + width + "), not " + table.getShape());
    }

    /** A table held as a tensor. */
    public Embedding(NDArray table) {
        this(table, null, (int) table.getShape().get(1));
    }

    /** (B, T) token ids → (B, T, E) float32. */
    public NDArray forward(NDArray ids, NDManager step) {
        if (external != null) {
            long[] tokens = ids.toLongArray();
            float[] rows = new float[tokens.length * width];
            for (int i = 0; i < tokens.length; i++) external.embeddingRow(Math.toIntExact(tokens[i]), rows, i * width);
            return step.create(
                    rows, new Shape(ids.getShape().get(0), ids.getShape().get(1), width)); // (B, T, E)
        }
        NDArray x = table.get(new NDIndex("{}", ids)); // (B, T, E)
        x.attach(step);
        return x.getDataType() == DataType.FLOAT32 ? x : x.toType(DataType.FLOAT32, true);
    }
}
