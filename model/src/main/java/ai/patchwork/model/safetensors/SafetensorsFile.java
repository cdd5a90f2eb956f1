package ai.patchwork.model.safetensors;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A safetensors file, memory-mapped or already in memory. The header is validated on open; tensor bytes of a mapped
 * file are mapped on demand, so a checkpoint larger than memory can be opened and read one tensor at a time.
 */
public final class SafetensorsFile implements AutoCloseable {

    private final String name;
    private final FileChannel channel; // null when in memory
    private final ByteBuffer memory; // the whole file, or null when mapped
    private final SafetensorsHeader header;

    private SafetensorsFile(String name, FileChannel channel, ByteBuffer memory, SafetensorsHeader header) {
        this.name = name;
        this.channel = channel;
        this.memory = memory;
        this.header = header;
    }

    /**
     * Validates safetensors bytes already in memory (an adapter fetched from the object store, say); tensors are read
     * from {@code data} itself, which must not change afterwards.
     *
     * @param name how error messages call these bytes
     */
    public static SafetensorsFile read(ByteBuffer data, String name) {
        ByteBuffer all = data.slice();
        try {
            long n = SafetensorsHeader.headerLength(all.slice(0, Math.min(8, all.limit())), all.limit());
            byte[] json = new byte[(int) n];
            all.get(8, json);
            return new SafetensorsFile(name, null, all, SafetensorsHeader.parse(json, all.limit()));
        } catch (SafetensorsException e) {
            throw new SafetensorsException(name + ": " + e.getMessage());
        }
    }

    /** Opens and validates a safetensors file; a malformed file throws {@link SafetensorsException}. */
    public static SafetensorsFile open(Path path) {
        FileChannel ch = null;
        try {
            ch = FileChannel.open(path, StandardOpenOption.READ);
            long size = ch.size();
            ByteBuffer first = ByteBuffer.allocate(8);
            if (size >= 8) ch.read(first, 0);
            long n = SafetensorsHeader.headerLength(first, size);
            ByteBuffer json = ByteBuffer.allocate((int) n);
            while (json.hasRemaining() && ch.read(json, 8 + json.position()) > 0) {}
            return new SafetensorsFile(path.toString(), ch, null, SafetensorsHeader.parse(json.array(), size));
        } catch (NoSuchFileException e) {
            close(ch);
            throw new SafetensorsException("file not found: " + path);
        } catch (IOException e) {
            close(ch);
            throw new UncheckedIOException("cannot read " + path, e);
        } catch (SafetensorsException e) {
            close(ch);
            throw new SafetensorsException(path.getFileName() + ": " + e.getMessage());
        }
    }

    private static void close(FileChannel ch) {
        try {
            if (ch != null) ch.close();
        } catch (IOException ignored) {
            // already failing
        }
    }

    public SafetensorsHeader header() {
        return header;
    }

    /** The raw little-endian bytes of one tensor: a read-only mapping, or a view of the bytes in memory. */
    public ByteBuffer bytes(String name) {
        TensorInfo t = header.tensor(name);
        if (memory != null) {
            return memory.slice((int) (header.dataStart() + t.begin()), (int) t.byteSize())
                    .order(ByteOrder.LITTLE_ENDIAN);
        }
        try {
            return channel.map(FileChannel.MapMode.READ_ONLY, header.dataStart() + t.begin(), t.byteSize())
                    .order(ByteOrder.LITTLE_ENDIAN);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot map tensor " + name + " of " + this.name, e);
        }
    }

    /**
     * One tensor's raw little-endian bytes as a memory segment: mapped read-only into {@code arena} (unmapped when it
     * closes, so a loader can map one tensor at a time), or a view of the bytes in memory.
     */
    public MemorySegment map(String name, Arena arena) {
        TensorInfo t = header.tensor(name);
        if (memory != null) return MemorySegment.ofBuffer(bytes(name));
        try {
            return channel.map(FileChannel.MapMode.READ_ONLY, header.dataStart() + t.begin(), t.byteSize(), arena);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot map tensor " + name + " of " + this.name, e);
        }
    }

    /** Reads a floating-point tensor as float32 values (F16 and BF16 are widened in Java; F64 is narrowed). */
    public float[] floats(String name) {
        TensorInfo t = header.tensor(name);
        if (t.numel() > Integer.MAX_VALUE) throw new SafetensorsException("tensor '" + name + "' is too large to read");
        return FloatConversion.toFloats(t.dtype(), bytes(name), (int) t.numel(), name);
    }

    /**
     * Reads values [from, from + n) of a floating-point tensor (in row-major order) as float32 into
     * {@code dst[off ..]}, widened or narrowed as {@link #floats} does: for readers that take a tensor a piece at a time.
     */
    public void floats(String name, int from, float[] dst, int off, int n) {
        TensorInfo t = header.tensor(name);
        if (from < 0 || n < 0 || from + (long) n > t.numel())
            throw new IndexOutOfBoundsException(
                    "values [" + from + ", " + (from + (long) n) + ") of tensor '" + name + "' of " + t.numel());
        FloatConversion.read(t.dtype(), bytes(name), from, dst, off, n, name);
    }

    /**
     * Loads a floating-point tensor as a float32 NDArray. F32 data goes straight from the mapping into PyTorch; BF16 is
     * widened in Java first because DJL's PyTorch engine aborts on BF16 arrays. The widened tensor's mapping is closed
     * as soon as it is read, so loading a whole checkpoint does not keep its pages mapped until a garbage collection.
     */
    public NDArray load(String name, NDManager manager) {
        TensorInfo t = header.tensor(name);
        Shape shape = new Shape(t.shape());
        if (t.dtype() == DType.F32) return manager.create(bytes(name), shape, DataType.FLOAT32);
        if (t.numel() > Integer.MAX_VALUE) throw new SafetensorsException("tensor '" + name + "' is too large to read");
        try (Arena arena = Arena.ofConfined()) {
            ByteBuffer mapped = map(name, arena).asByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
            return manager.create(
                    FloatBuffer.wrap(FloatConversion.toFloats(t.dtype(), mapped, (int) t.numel(), name)), shape);
        }
    }

    /** Closes the file; nothing to do for bytes in memory. */
    @Override
    public void close() {
        close(channel);
    }
}
