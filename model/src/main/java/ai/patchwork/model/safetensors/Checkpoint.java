package ai.patchwork.model.safetensors;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.patchwork.model.config.ModelFormatException;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The weights of a Hugging Face model folder: {@code model.safetensors}, or shards listed by
 * {@code model.safetensors.index.json}. Every shard is memory-mapped and validated when the checkpoint opens.
 */
public final class Checkpoint implements AutoCloseable {

    private final Map<String, SafetensorsFile> byTensor;
    private final Map<String, SafetensorsFile> files;

    private Checkpoint(Map<String, SafetensorsFile> byTensor, Map<String, SafetensorsFile> files) {
        this.byTensor = byTensor;
        this.files = files;
    }

    public static Checkpoint open(Path modelDir) {
        Path single = modelDir.resolve("model.safetensors");
        Path index = modelDir.resolve("model.safetensors.index.json");
        Map<String, SafetensorsFile> files = new LinkedHashMap<>();
        Map<String, SafetensorsFile> byTensor = new TreeMap<>();
        try {
            if (Files.isRegularFile(single)) {
                SafetensorsFile f = SafetensorsFile.open(single);
                files.put(single.getFileName().toString(), f);
                f.header().tensors().keySet().forEach(n -> byTensor.put(n, f));
            } else if (Files.isRegularFile(index)) {
                JsonNode map =
                        JsonMapper.shared().readTree(Files.readString(index)).path("weight_map");
                if (!map.isObject()) throw new ModelFormatException(index + ": no weight_map");
                for (Map.Entry<String, JsonNode> e : map.properties()) {
                    String shard = e.getValue().asString();
                    if (shard.contains("/") || shard.contains("\\"))
                        throw new ModelFormatException(index + ": bad shard " + shard);
                    SafetensorsFile f = files.computeIfAbsent(shard, s -> SafetensorsFile.open(modelDir.resolve(s)));
                    if (!f.header().tensors().containsKey(e.getKey())) {
                        throw new ModelFormatException(index + ": tensor " + e.getKey() + " is not in " + shard);
                    }
                    byTensor.put(e.getKey(), f);
                }
            } else if (Files.exists(modelDir.resolve("pytorch_model.bin"))) {
                throw new ModelFormatException(
                        modelDir + " has only pickle weights (pytorch_model.bin); convert them to safetensors");
            } else {
                throw new ModelFormatException("no model.safetensors or model.safetensors.index.json in " + modelDir);
            }
        } catch (IOException | tools.jackson.core.JacksonException e) {
            files.values().forEach(SafetensorsFile::close);
            throw new ModelFormatException("cannot read " + index + ": "
                    + (e instanceof tools.jackson.core.JacksonException j ? j.getOriginalMessage() : e.getMessage()));
        } catch (RuntimeException e) {
            files.values().forEach(SafetensorsFile::close);
            throw e;
        }
        return new Checkpoint(byTensor, files);
    }

    /** Every tensor name, sorted. */
    public java.util.Set<String> names() {
        return java.util.Collections.unmodifiableSet(byTensor.keySet());
    }

    /** Reads one floating-point tensor as float32 values. */
    public float[] floats(String name) {
        return file(name).floats(name);
    }

    public boolean has(String name) {
        return byTensor.containsKey(name);
    }

    public TensorInfo info(String name) {
        return file(name).header().tensor(name);
    }

    /**
     * One floating-point tensor's raw little-endian bytes, mapped into {@code arena}, after checking its shape: how the
     * CPU runtime reads weights, with no float32 copy and no tensor library.
     */
    public MemorySegment map(String name, Arena arena, long... expectedShape) {
        checkShape(name, expectedShape);
        return file(name).map(name, arena);
    }

    private TensorInfo checkShape(String name, long... expectedShape) {
        TensorInfo info = info(name);
        if (!java.util.Arrays.equals(info.shape(), expectedShape)) {
            throw new ModelFormatException("weight " + name + " has shape " + java.util.Arrays.toString(info.shape())
                    + ", expected " + java.util.Arrays.toString(expectedShape));
        }
        if (!info.dtype().isFloat()) throw new ModelFormatException("weight " + name + " is " + info.dtype());
        return info;
    }

    /** Reads one tensor as float32 values, checking its shape. */
    public float[] floats(String name, long... expectedShape) {
        checkShape(name, expectedShape);
        return floats(name);
    }

    /** Loads one tensor as float32, checking its shape. */
    public NDArray load(String name, NDManager manager, long... expectedShape) {
        checkShape(name, expectedShape);
        return file(name).load(name, manager);
    }

    private SafetensorsFile file(String name) {
        SafetensorsFile f = byTensor.get(name);
        if (f == null) throw new ModelFormatException("checkpoint has no weight " + name);
        return f;
    }

    @Override
    public void close() {
        files.values().forEach(SafetensorsFile::close);
    }
}
