package ai.patchwork.model.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;

/** Token embedding: a lookup of rows of the (V, E) table. */
public record Embedding(NDArray table) {

    /** (B, T) token ids → (B, T, E). */
    public NDArray forward(NDArray ids, NDManager step) {
        NDArray x = table.get(new NDIndex("{}", ids)); // (B, T, E)
        x.attach(step);
        return x;
    }
}
