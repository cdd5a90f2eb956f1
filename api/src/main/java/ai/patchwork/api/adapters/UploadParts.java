package ai.patchwork.api.adapters;

import ai.patchwork.api.web.ApiException;
import ai.patchwork.registry.AdapterFiles;
import ai.patchwork.registry.WeightsScan;
import ai.patchwork.registry.store.ScratchDir;
import jakarta.servlet.http.HttpServletRequest;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import org.apache.tomcat.util.http.fileupload.FileItemIterator;
import org.apache.tomcat.util.http.fileupload.FileItemStream;
import org.apache.tomcat.util.http.fileupload.FileUpload;
import org.apache.tomcat.util.http.fileupload.FileUploadException;
import org.apache.tomcat.util.http.fileupload.RequestContext;
import org.apache.tomcat.util.http.fileupload.impl.FileUploadIOException;
import org.apache.tomcat.util.http.fileupload.impl.SizeException;
import org.apache.tomcat.util.http.fileupload.servlet.ServletRequestContext;
import org.springframework.web.multipart.MaxUploadSizeExceededException;
import org.springframework.web.multipart.MultipartException;

/**
 * An adapter upload read straight off the {@code multipart/form-data} body as it arrives, with no container temporary
 * file: the file parts are written once, to a temporary folder for the registry to read, the weights scanned as they
 * are written ({@link WeightsScan}: header, finite values, sha256), so the registry reads them only once more, to
 * upload them. Closing deletes the folder; so does a failure while reading.
 *
 * <p>The container's multipart bounds still hold ({@code spring.servlet.multipart.max-file-size} per part,
 * {@code max-request-size} for the body: 413 past either, as when the container parsed the body), and so does a bound
 * on the number of parts and the size of a text field.
 *
 * @param dir the folder holding the parts
 * @param files the parts as the registry reads them
 * @param name the {@code name} field or query parameter, or null
 * @param baseModel the {@code base_model} field or query parameter, or null
 * @param bytes the size of the file parts together
 */
record UploadParts(ScratchDir dir, AdapterFiles files, String name, String baseModel, long bytes)
        implements AutoCloseable {

    /** Parts read before the body is refused: the five known ones and a few a client may add. */
    static final int MAX_PARTS = 16;

    /** The largest text field ({@code name}, {@code base_model}). */
    static final int MAX_FIELD_BYTES = 64 << 10;

    private static final String CONFIG = "adapter_config";
    private static final String WEIGHTS = "adapter_model";
    private static final String ARCHIVE = "archive";
    private static final Set<String> FILES = Set.of(CONFIG, WEIGHTS, ARCHIVE);

    /** Reads the body, checks which parts were sent and keeps them: the two PEFT files, or one archive. */
    static UploadParts receive(HttpServletRequest request, long maxFileSize, long maxRequestSize) {
        return receive(new ServletRequestContext(request), request.getQueryString(), maxFileSize, maxRequestSize);
    }

    /** {@link #receive(HttpServletRequest, long, long)} of a body and query string from elsewhere (the warm-up). */
    static UploadParts receive(RequestContext body, String queryString, long maxFileSize, long maxRequestSize) {
        ScratchDir dir = null;
        try {
            dir = ScratchDir.create("patchwork-upload-");
            Map<String, String> fields = query(queryString);
            Map<String, Received> files = new HashMap<>();
            FileUpload upload = new FileUpload();
            upload.setFileSizeMax(maxFileSize);
            upload.setSizeMax(maxRequestSize);
            FileItemIterator parts = upload.getItemIterator(body);
            int count = 0;
            while (parts.hasNext()) {
                FileItemStream part = parts.next();
                if (++count > MAX_PARTS) {
                    throw ApiException.badRequest(
                            null, "invalid_multipart", "the upload has more than " + MAX_PARTS + " parts");
                }
                String field = part.getFieldName();
                try (InputStream in = part.openStream()) {
                    if (part.isFormField()) {
                        String value = text(in, field);
                        fields.putIfAbsent(field, value);
                    } else if (FILES.contains(field) && !files.containsKey(field)) {
                        files.put(field, Received.of(field, part.getName(), in, dir));
                    } else {
                        in.transferTo(OutputStream.nullOutputStream()); // a part the upload does not use
                    }
                }
            }
            UploadParts received = of(dir, files, fields.get("name"), fields.get("base_model"));
            dir = null;
            return received;
        } catch (SizeException e) {
            throw tooLarge(e, maxRequestSize);
        } catch (FileUploadIOException e) {
            if (e.getCause() instanceof SizeException s) throw tooLarge(s, maxRequestSize);
            throw new MultipartException(e.getMessage(), e);
        } catch (FileUploadException e) {
            throw new MultipartException(e.getMessage(), e);
        } catch (IOException e) {
            throw new MultipartException("the upload was cut off: " + e.getMessage(), e);
        } finally {
            if (dir != null) dir.close();
        }
    }

    @Override
    public void close() {
        dir.close();
    }

    /** One file part as written: where, its client name, its size, and for the weights what the scan found. */
    private record Received(Path path, String filename, long size, WeightsScan scan) {
        static Received of(String field, String filename, InputStream in, ScratchDir dir) throws IOException {
            Path target = dir.resolve(field);
            if (field.equals(WEIGHTS)) {
                WeightsScan scan = WeightsScan.copy(in, target);
                return new Received(target, filename, scan.hash().size(), scan);
            }
            return new Received(target, filename, Files.copy(in, target), null);
        }
    }

    private static UploadParts of(ScratchDir dir, Map<String, Received> files, String name, String baseModel) {
        Received config = files.get(CONFIG);
        Received weights = files.get(WEIGHTS);
        Received archive = files.get(ARCHIVE);
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
        if (archive != null) {
            return new UploadParts(
                    dir, new AdapterFiles.Archive(archive.path(), archive.filename()), name, baseModel, archive.size());
        }
        AdapterFiles peft = new AdapterFiles.Peft(config.path(), weights.path(), weights.filename(), weights.scan());
        return new UploadParts(dir, peft, name, baseModel, config.size() + weights.size());
    }

    /** A text field, UTF-8, of at most {@link #MAX_FIELD_BYTES}. */
    private static String text(InputStream in, String field) throws IOException {
        byte[] b = in.readNBytes(MAX_FIELD_BYTES + 1);
        if (b.length > MAX_FIELD_BYTES) {
            throw ApiException.badRequest(
                    field, "invalid_parameter", field + " is longer than " + MAX_FIELD_BYTES + " bytes");
        }
        return new String(b, StandardCharsets.UTF_8);
    }

    /** The query string's parameters, the first value of each, decoded (form fields of the same name come after). */
    private static Map<String, String> query(String query) {
        Map<String, String> params = new HashMap<>();
        if (query == null || query.isEmpty()) return params;
        for (String pair : query.split("&")) {
            int eq = pair.indexOf('=');
            String key = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            String value = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            params.putIfAbsent(key, value);
        }
        return params;
    }

    private static MaxUploadSizeExceededException tooLarge(SizeException e, long maxRequestSize) {
        return new MaxUploadSizeExceededException(e.getPermittedSize() > 0 ? e.getPermittedSize() : maxRequestSize, e);
    }
}
