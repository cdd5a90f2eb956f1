package ai.patchwork.model.safetensors;

import java.util.Arrays;

/** One tensor entry of a safetensors header: byte offsets are relative to the start of the data section. */
public record TensorInfo(String name, DType dtype, long[] shape, long begin, long end) {

    public TensorInfo {
        if (name == null || name.isEmpty()) throw new SafetensorsException("tensor with an empty name");
        shape = shape.clone();
        for (long d : shape) {
            if (d < 0) throw new SafetensorsException("tensor '" + name + "' has a negative dimension");
        }
        if (begin < 0 || end < begin) {
            throw new SafetensorsException(
                    "tensor '" + name + "' has invalid data_offsets [" + begin + ", " + end + "]");
        }
        long numel = count(shape);
        if (end - begin != numel * dtype.bytes()) {
            throw new SafetensorsException("tensor '" + name + "' is " + (end - begin) + " bytes but shape "
                    + Arrays.toString(shape) + " of " + dtype + " needs " + numel * dtype.bytes());
        }
    }

    public long numel() {
        return count(shape);
    }

    private static long count(long[] shape) {
        long n = 1;
        try {
            for (long d : shape) n = Math.multiplyExact(n, d);
        } catch (ArithmeticException e) {
            throw new SafetensorsException("tensor shape " + Arrays.toString(shape) + " is too large");
        }
        return n;
    }

    public long byteSize() {
        return end - begin;
    }

    @Override
    public long[] shape() {
        return shape.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TensorInfo t
                && name.equals(t.name)
                && dtype == t.dtype
                && Arrays.equals(shape, t.shape)
                && begin == t.begin
                && end == t.end;
    }

    @Override
    public int hashCode() {
        return name.hashCode() * 31 + Arrays.hashCode(shape);
    }

    @Override
    public String toString() {
        return name + " " + dtype + Arrays.toString(shape);
    }
}
