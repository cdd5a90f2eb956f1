package ai.patchwork.model.safetensors;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The validated header of a safetensors file: an 8-byte little-endian length, a JSON object of tensor entries, then
 * the data. Validation checks the length against the file, the JSON, every dtype and shape, and that every tensor's
 * bytes lie inside the file without overlapping another.
 */
public record SafetensorsHeader(Map<String, TensorInfo> tensors, Map<String, String> metadata, long dataStart) {

    /** Headers larger than this are refused (the format's own reference implementation uses 100 MB). */
    public static final long MAX_HEADER_BYTES = 100L << 20;

    public SafetensorsHeader {
        tensors = Collections.unmodifiableMap(new LinkedHashMap<>(tensors));
        metadata = Map.copyOf(metadata);
    }

    public TensorInfo tensor(String name) {
        TensorInfo t = tensors.get(name);
        if (t == null) throw new SafetensorsException("no tensor named '" + name + "'");
        return t;
    }

    /** Reads the header length from the first 8 bytes of a file of {@code fileSize} bytes. */
    public static long headerLength(ByteBuffer first8, long fileSize) {
        if (fileSize < 8)
            throw new SafetensorsException("file is " + fileSize + " bytes, too short for a safetensors header");
        long n = first8.duplicate().order(ByteOrder.LITTLE_ENDIAN).getLong(0);
        if (n <= 0 || n > MAX_HEADER_BYTES) throw new SafetensorsException("header length " + n + " is not valid");
        if (n > fileSize - 8) {
            throw new SafetensorsException(
                    "header length " + n + " runs past the end of the file (" + fileSize + " bytes)");
        }
        return n;
    }

    /** Parses and validates the JSON header; {@code fileSize} is the whole file's size. */
    public static SafetensorsHeader parse(byte[] json, long fileSize) {
        long dataStart = 8L + json.length;
        long dataSize = fileSize - dataStart;
        JsonNode root;
        try {
            root = JsonMapper.shared().readTree(new String(json, StandardCharsets.UTF_8).trim());
        } catch (RuntimeException e) {
            throw new SafetensorsException("header is not valid JSON");
        }
        if (root == null || !root.isObject()) throw new SafetensorsException("header is not a JSON object");
        Map<String, TensorInfo> tensors = new LinkedHashMap<>();
        Map<String, String> metadata = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : root.properties()) {
            String name = e.getKey();
            JsonNode v = e.getValue();
            if (name.equals("__metadata__")) {
                if (!v.isObject()) throw new SafetensorsException("__metadata__ is not an object");
                for (Map.Entry<String, JsonNode> m : v.properties()) {
                    // the format's metadata is text to text; the reference implementation refuses other values
                    if (!m.getValue().isString())
                        throw new SafetensorsException("__metadata__ value '" + m.getKey() + "' is not a string");
                    metadata.put(m.getKey(), m.getValue().asString());
                }
                continue;
            }
            tensors.put(name, entry(name, v, dataSize));
        }
        checkNoOverlap(tensors.values());
        return new SafetensorsHeader(tensors, metadata, dataStart);
    }

    private static TensorInfo entry(String name, JsonNode v, long dataSize) {
        if (!v.isObject()
                || !v.path("dtype").isString()
                || !v.path("shape").isArray()
                || !v.path("data_offsets").isArray()
                || v.path("data_offsets").size() != 2) {
            throw new SafetensorsException("tensor '" + name + "' needs dtype, shape and two data_offsets");
        }
        DType dtype = DType.parse(v.get("dtype").asString(), name);
        long[] shape = new long[v.get("shape").size()];
        for (int i = 0; i < shape.length; i++) {
            JsonNode d = v.get("shape").get(i);
            if (!d.canConvertToLong())
                throw new SafetensorsException("tensor '" + name + "' has a non-integer dimension");
            shape[i] = d.asLong();
        }
        long begin = v.get("data_offsets").get(0).asLong(-1);
        long end = v.get("data_offsets").get(1).asLong(-1);
        if (end > dataSize) {
            throw new SafetensorsException(
                    "tensor '" + name + "' ends at byte " + end + " past the data section (" + dataSize + " bytes)");
        }
        return new TensorInfo(name, dtype, shape, begin, end);
    }

    private static void checkNoOverlap(Iterable<TensorInfo> infos) {
        List<TensorInfo> sorted = new ArrayList<>();
        infos.forEach(sorted::add);
        sorted.sort(Comparator.comparingLong(TensorInfo::begin));
        for (int i = 1; i < sorted.size(); i++) {
            if (sorted.get(i).begin() < sorted.get(i - 1).end()) {
                throw new SafetensorsException("tensors '" + sorted.get(i - 1).name() + "' and '"
                        + sorted.get(i).name() + "' overlap");
            }
        }
    }
}
