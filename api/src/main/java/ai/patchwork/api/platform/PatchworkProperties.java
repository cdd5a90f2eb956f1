package ai.patchwork.api.platform;

import ai.patchwork.model.vector.Quantization;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.ConstructorBinding;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

/**
 * The {@code patchwork.*} settings.
 *
 * @param roles the roles this process runs ({@code patchwork.roles=api,worker,serving})
 * @param s3 the object store
 * @param baseModels base models by id: {@code patchwork.base-models.<id>.path=DIR} (a Hugging Face folder)
 * @param registry adapter registry limits and garbage collection
 * @param migrateSchema whether this process migrates the schema at start (any role; Flyway's lock makes concurrent
 *     starts take turns), or only validates it and refuses an outdated one
 */
@ConfigurationProperties("patchwork")
public record PatchworkProperties(
        @DefaultValue({"api", "worker", "serving"}) Set<Role> roles,
        @DefaultValue S3 s3,
        Map<String, BaseModel> baseModels,
        @DefaultValue Registry registry,
        @DefaultValue("true") boolean migrateSchema) {

    public PatchworkProperties {
        roles = roles == null || roles.isEmpty() ? EnumSet.noneOf(Role.class) : EnumSet.copyOf(roles);
        baseModels = baseModels == null ? Map.of() : Map.copyOf(baseModels);
    }

    public boolean has(Role role) {
        return roles.contains(role);
    }

    /**
     * The S3-compatible object store.
     *
     * @param endpoint base URL
     * @param accessKey access key id
     * @param secretKey secret key
     * @param region signing region
     * @param bucket bucket for every object; created when missing
     * @param partSize multipart upload part size (at least 5MB); smaller objects go up in one request
     */
    public record S3(
            @DefaultValue("http://127.0.0.1:9000") String endpoint,
            @DefaultValue("minioadmin") String accessKey,
            @DefaultValue("minioadmin") String secretKey,
            @DefaultValue("us-east-1") String region,
            @DefaultValue("patchwork") String bucket,
            @DefaultValue("32MB") DataSize partSize) {}

    /**
     * A configured base model.
     *
     * @param path the Hugging Face model folder ({@code config.json}, weights, tokenizer)
     * @param quantization how the CPU runtime holds the weights: {@code none} (the checkpoint's precision, the default)
     *     or {@code int8} (block-wise, a scale per 32 weights, as llama.cpp's Q8_0; adapters apply on top)
     */
    public record BaseModel(Path path, Quantization quantization) {

        @ConstructorBinding
        public BaseModel {
            if (quantization == null) quantization = Quantization.NONE;
        }

        public BaseModel(Path path) {
            this(path, Quantization.NONE);
        }
    }

    /**
     * Adapter registry settings.
     *
     * @param maxAdapterSize largest {@code adapter_model.safetensors}
     * @param maxConfigSize largest {@code adapter_config.json}
     * @param maxArchiveSize largest uploaded archive
     * @param maxArchiveEntries most entries in an archive
     * @param gcInterval how often unreferenced artifacts are collected (api role)
     * @param gcGrace how long an artifact stays after its last reference
     * @param maxArchiveUncompressedSize most bytes an archive may decompress to, all entries together
     * @param maxCompressionRatio most uncompressed bytes per compressed byte in an archive (decompression bombs)
     * @param maxLoraRank largest LoRA rank accepted at upload and job creation; the serving replicas' own limit
     *     ({@code patchwork.serving.max-lora-rank}) unless set
     */
    public record Registry(
            @DefaultValue("4GB") DataSize maxAdapterSize,
            @DefaultValue("1MB") DataSize maxConfigSize,
            @DefaultValue("4GB") DataSize maxArchiveSize,
            @DefaultValue("1000") int maxArchiveEntries,
            @DefaultValue("1h") Duration gcInterval,
            @DefaultValue("1h") Duration gcGrace,
            @DefaultValue("4160MB") DataSize maxArchiveUncompressedSize,
            @DefaultValue("100") int maxCompressionRatio,
            Integer maxLoraRank) {}
}
