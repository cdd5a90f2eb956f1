package ai.patchwork.api.adapters;

import ai.patchwork.api.inference.ServedModels;
import ai.patchwork.api.inference.StartupWarmUp;
import ai.patchwork.model.config.ModelConfig;
import ai.patchwork.model.lora.AdapterWeights;
import ai.patchwork.model.lora.AdapterWriter;
import ai.patchwork.model.lora.PeftConfig;
import ai.patchwork.model.nn.Projection;
import ai.patchwork.model.safetensors.DType;
import ai.patchwork.model.safetensors.SafetensorsFile;
import ai.patchwork.model.safetensors.SafetensorsWriter;
import ai.patchwork.registry.AdapterFiles;
import ai.patchwork.registry.store.Artifacts;
import ai.patchwork.serving.InferenceEngine;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.apache.tomcat.util.http.fileupload.UploadContext;

/**
 * The adapter data path run once at start-up, before the process reports ready, with a synthetic adapter on every
 * projection of the first layers of each served base model: what an upload does with its body (the multipart parts read off it,
 * the weights scanned and hashed as they are written to a scratch file: {@link UploadParts}, then uploaded to the
 * object store) and what a cold load does (the weights read back from the store with their sha256 verified, parsed,
 * and converted by the engine's adapter cache to its host tier's form). Without it the first upload and the first
 * cold load run these paths, in this process and in the embedded object store, interpreted, and are by far the
 * slowest.
 *
 * <p>Nothing user-visible is written: the object goes under a key outside the artifacts' and is removed again
 * ({@link Artifacts#roundTrip}); no row, nothing cached, no load counted. Validation and the database rows of a real
 * upload are not part of it.
 */
final class AdapterPathWarmUp implements StartupWarmUp {
    /** The synthetic adapter's name. */
    static final String ID = "patchwork-warm-up";

    /**
     * Its rank where the engine serves it: 5, so that the packing runs both its path for blocks of 4 rows and the one
     * for the rows after them (compiled code met by a rank it never saw would be thrown away at the first real load).
     */
    static final int RANK = 5;

    /** The weights stop at the layer that takes them past this size: enough for the JIT, small for the start-up. */
    static final long WEIGHT_BYTES = 4L << 20;

    private static final String BOUNDARY = "patchwork-warm-up-5eedcafef00d";

    private final Artifacts artifacts;
    private final ServedModels served;

    AdapterPathWarmUp(Artifacts artifacts, ServedModels served) {
        this.artifacts = artifacts;
        this.served = served;
    }

    /** Runs the path once for each engine; returns the bytes of upload bodies that went through it. */
    @Override
    public long run() throws IOException {
        long bytes = 0;
        for (InferenceEngine engine : served.engines()) bytes += run(engine);
        return bytes;
    }

    private long run(InferenceEngine engine) throws IOException {
        ModelConfig base = engine.modelConfig();
        int rank = Math.min(RANK, engine.config().maxLoraRank());
        PeftConfig peft = new PeftConfig(rank, 2 * rank, false, EnumSet.allOf(Projection.class), ID);
        byte[] body = body(AdapterWriter.configJson(peft), weights(base, peft));
        try (UploadParts parts = UploadParts.receive(context(body), null, body.length, body.length)) {
            if (!(parts.files() instanceof AdapterFiles.Peft files)
                    || files.scan().header() == null
                    || files.scan().nonFinite() != null)
                throw new IllegalStateException("the warm-up adapter does not read as it was written");
            byte[] back = artifacts.roundTrip(files.weights(), files.scan().hash());
            SafetensorsFile read = SafetensorsFile.read(ByteBuffer.wrap(back), "the warm-up adapter");
            engine.adapters().warmUp(AdapterWeights.read(ID, peft, read, base));
        }
        return body.length;
    }

    /**
     * adapter_model.safetensors of a PEFT adapter on every module of the first layers of {@code base}, up to about
     * {@link #WEIGHT_BYTES}, small finite values, F32.
     */
    static byte[] weights(ModelConfig base, PeftConfig peft) throws IOException {
        Map<String, SafetensorsWriter.Tensor> tensors = new LinkedHashMap<>();
        long bytes = 0;
        for (int l = 0; l < base.numLayers() && bytes < WEIGHT_BYTES; l++) {
            for (Projection p : Projection.values()) {
                String prefix = AdapterWriter.prefix(l, p.module());
                int in = p.inFeatures(base);
                int out = p.outFeatures(base);
                tensors.put(
                        prefix + ".lora_A.weight",
                        new SafetensorsWriter.Tensor(new long[] {peft.rank(), in}, values(peft.rank() * in)));
                tensors.put(
                        prefix + ".lora_B.weight",
                        new SafetensorsWriter.Tensor(new long[] {out, peft.rank()}, values(out * peft.rank())));
                bytes += (long) Float.BYTES * peft.rank() * (in + out);
            }
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        SafetensorsWriter.write(out, tensors, DType.F32);
        return out.toByteArray();
    }

    /**
     * n values in [-1/8, 1/8), pseudo-random from a fixed seed, as trained weights look: their bytes take every value,
     * so the upload's scan meets what it meets in a real body (in the multipart parser's boundary search, bytes that
     * begin a boundary: '\r', '\n', '-'). Weights of a few repeated values never hold such bytes, and the code
     * compiled on them was thrown away, and run interpreted again, at the first real upload that did.
     */
    static float[] values(int n) {
        SplittableRandom random = new SplittableRandom(n);
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (random.nextFloat() - 0.5f) / 4;
        return v;
    }

    /** A {@code multipart/form-data} body as a client sends it: the name and the two PEFT files. */
    static byte[] body(String configJson, byte[] weights) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(weights.length + 4096);
        part(out, "name", null, ID.getBytes(StandardCharsets.UTF_8));
        part(out, "adapter_config", "adapter_config.json", configJson.getBytes(StandardCharsets.UTF_8));
        part(out, "adapter_model", "adapter_model.safetensors", weights);
        out.writeBytes(("--" + BOUNDARY + "--\r\n").getBytes(StandardCharsets.US_ASCII));
        return out.toByteArray();
    }

    private static void part(ByteArrayOutputStream out, String name, String filename, byte[] content) {
        String head = "--" + BOUNDARY + "\r\nContent-Disposition: form-data; name=\"" + name + "\""
                + (filename == null ? "" : "; filename=\"" + filename + "\"\r\nContent-Type: application/octet-stream")
                + "\r\n\r\n";
        out.writeBytes(head.getBytes(StandardCharsets.US_ASCII));
        out.writeBytes(content);
        out.writeBytes("\r\n".getBytes(StandardCharsets.US_ASCII));
    }

    private static UploadContext context(byte[] body) {
        return new UploadContext() {
            @Override
            public long contentLength() {
                return body.length;
            }

            @Override
            public String getCharacterEncoding() {
                return StandardCharsets.UTF_8.name();
            }

            @Override
            public String getContentType() {
                return "multipart/form-data; boundary=" + BOUNDARY;
            }

            @Override
            public InputStream getInputStream() {
                return new ByteArrayInputStream(body);
            }
        };
    }
}
