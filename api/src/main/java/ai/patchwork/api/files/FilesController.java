package ai.patchwork.api.files;

import ai.patchwork.api.auth.Caller;
import ai.patchwork.api.limits.Quotas;
import ai.patchwork.api.platform.ConditionalOnRole;
import ai.patchwork.api.platform.Role;
import ai.patchwork.api.web.Cursor;
import ai.patchwork.api.web.ListPage;
import ai.patchwork.trainer.TrainerException;
import ai.patchwork.trainer.files.FileObject;
import ai.patchwork.trainer.files.FileStore;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.springframework.http.ContentDisposition;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RequestPart;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.multipart.MultipartFile;
import org.springframework.web.servlet.mvc.method.annotation.StreamingResponseBody;

/**
 * {@code /v1/files}: OpenAI's files API. Uploads with purpose {@code fine-tune} are checked line by line and refused
 * with the line and the problem when they are not valid training data.
 */
@RestController
@RequestMapping("/v1/files")
@ConditionalOnRole(Role.API)
record FilesController(FileStore files, Quotas quotas) {

    /** Uploads a file ({@code multipart/form-data}: {@code file}, {@code purpose}, optional {@code expires_after}). */
    @PostMapping(consumes = MediaType.MULTIPART_FORM_DATA_VALUE)
    FileJson upload(
            Caller caller,
            @RequestPart("file") MultipartFile file,
            @RequestParam("purpose") String purpose,
            @RequestParam(name = "expires_after[anchor]", required = false) String anchor,
            @RequestParam(name = "expires_after[seconds]", required = false) Long seconds) {
        Duration expires = null;
        if (anchor != null || seconds != null) {
            if (!"created_at".equals(anchor)) {
                throw TrainerException.invalid(
                        "expires_after[anchor]", "invalid_expires_after", "expires_after[anchor] must be created_at");
            }
            if (seconds == null || seconds < 3600 || seconds > 2_592_000) {
                throw TrainerException.invalid(
                        "expires_after[seconds]",
                        "invalid_expires_after",
                        "expires_after[seconds] must be between 3600 and 2592000");
            }
            expires = Duration.ofSeconds(seconds);
        }
        quotas.checkStorage(caller.projectId(), file.getSize());
        Path tmp = null;
        try {
            tmp = Files.createTempFile("patchwork-file-", ".upload");
            file.transferTo(tmp);
            return FileJson.of(files.upload(caller.projectId(), purpose, file.getOriginalFilename(), tmp, expires));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            if (tmp != null) tmp.toFile().delete();
        }
    }

    /** Files newest first (or {@code order=asc}), optionally of one purpose. */
    @GetMapping
    ListPage<FileJson> list(
            Caller caller,
            @RequestParam(required = false) String purpose,
            Cursor cursor,
            @RequestParam(defaultValue = "desc") String order) {
        if (!order.equals("asc") && !order.equals("desc")) {
            throw TrainerException.invalid("order", "invalid_order", "order must be asc or desc");
        }
        var page = files.list(caller.projectId(), purpose, cursor.limitOr(10000), cursor.after(), order.equals("asc"));
        return ListPage.of(page, FileJson::of, FileJson::id);
    }

    @GetMapping("/{id}")
    FileJson get(Caller caller, @PathVariable String id) {
        return FileJson.of(files.get(caller.projectId(), id, "file_id"));
    }

    /** The file's bytes. */
    @GetMapping("/{id}/content")
    ResponseEntity<StreamingResponseBody> content(Caller caller, @PathVariable String id) {
        FileObject f = files.get(caller.projectId(), id, "file_id");
        InputStream in = files.open(f);
        return ResponseEntity.ok()
                .contentType(MediaType.APPLICATION_OCTET_STREAM)
                .contentLength(f.bytes())
                .header(
                        HttpHeaders.CONTENT_DISPOSITION,
                        ContentDisposition.attachment()
                                .filename(f.filename())
                                .build()
                                .toString())
                .body(out -> {
                    try (in) {
                        in.transferTo(out);
                    }
                });
    }

    @DeleteMapping("/{id}")
    FileJson.Deleted delete(Caller caller, @PathVariable String id) {
        return new FileJson.Deleted(files.delete(caller.projectId(), id).id(), "file", true);
    }
}
