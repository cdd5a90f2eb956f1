package ai.patchwork.api.adapters;

import ai.patchwork.api.web.ApiException;
import ai.patchwork.registry.AdapterFiles;
import ai.patchwork.registry.WeightsScan;
import ai.patchwork.registry.store.ScratchDir;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import org.springframework.web.multipart.MultipartFile;

/**
 * The file parts of an adapter upload, written to a temporary folder for the registry to read; closing deletes it.
 * The weights are scanned as they are written ({@link WeightsScan}: header, finite values, sha256), so the registry
 * reads them only once more, to upload them.
 *
 * @param dir the folder holding the parts
 * @param files the parts as the registry reads them
 */
record UploadParts(ScratchDir dir, AdapterFiles files) implements AutoCloseable {

    /** Checks which parts were sent and saves them: the two PEFT files, or one archive. */
    static UploadParts save(MultipartFile config, MultipartFile weights, MultipartFile archive) {
        if (archive != null && (config != null || weights != null)) {
            throw ApiException.badRequest(
                    "archive", "invalid_upload", "send either archive or adapter_config with adapter_model, not both");
        }
        if (archive == null && config == null && weights == null) {
            throw ApiException.badRequest(
                    "adapter_model",
                    "missing_file",
                    "no adapter files: send adapter_config and adapter_model, or archive");
        }
        if (archive == null && config == null) {
            throw ApiException.badRequest(
                    "adapter_config", "missing_file", "adapter_config is required with adapter_model");
        }
        if (archive == null && weights == null) {
            throw ApiException.badRequest(
                    "adapter_model", "missing_file", "adapter_model is required with adapter_config");
        }
        ScratchDir dir = null;
        try {
            dir = ScratchDir.create("patchwork-upload-");
            AdapterFiles files;
            if (archive != null) {
                files = new AdapterFiles.Archive(
                        transfer(archive, dir.resolve("archive")), archive.getOriginalFilename());
            } else {
                Path target = dir.resolve("adapter_model");
                WeightsScan scan;
                try (InputStream in = weights.getInputStream()) {
                    scan = WeightsScan.copy(in, weights.getSize(), target);
                }
                files = new AdapterFiles.Peft(
                        transfer(config, dir.resolve("adapter_config")), target, weights.getOriginalFilename(), scan);
            }
            return new UploadParts(dir, files);
        } catch (IOException | RuntimeException e) {
            if (dir != null) dir.close();
            if (e instanceof RuntimeException r) throw r;
            throw new UncheckedIOException((IOException) e);
        }
    }

    @Override
    public void close() {
        dir.close();
    }

    private static Path transfer(MultipartFile part, Path target) throws IOException {
        part.transferTo(target);
        return target;
    }
}
