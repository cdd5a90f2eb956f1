package ai.patchwork.model.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;

/** Token embedding: a lookup of rows of the (V, E) table, float32 or float16 ({@link WeightStorage}). */
public record Embedding(NDArray table) {

    /** (B, T) token ids → (B, T, E) float32. */
    public NDArray forward(NDArray ids, NDManager step) {
        NDArray x = table.get(new NDIndex("{}", ids)); // (B, T, E)
        x.attach(step);
        return x.getDataType() == DataType.FLOAT32 ? x : x.toType(DataType.FLOAT32, true);
    }
}
