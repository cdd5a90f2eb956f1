package ai.patchwork.model.safetensors;

/** Element types of the safetensors format, with their size in bytes. */
public enum DType {
    F64(8),
    F32(4),
    F16(2),
    BF16(2),
    I64(8),
    I32(4),
    I16(2),
    I8(1),
    U8(1),
    BOOL(1);

    private final int bytes;

    DType(int bytes) {
        this.bytes = bytes;
    }

    public int bytes() {
        return bytes;
    }

    /** True for the floating-point types a weight may be stored in. */
    public boolean isFloat() {
        return this == F64 || this == F32 || this == F16 || this == BF16;
    }

    static DType parse(String name, String tensor) {
        try {
            return valueOf(name);
        } catch (IllegalArgumentException e) {
            throw new SafetensorsException("tensor '" + tensor + "' has unknown dtype '" + name + "'");
        }
    }
}
