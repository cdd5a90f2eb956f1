package ai.patchwork.api.adapters;

import ai.patchwork.api.auth.Caller;
import ai.patchwork.api.limits.Quotas;
import ai.patchwork.api.platform.ConditionalOnRole;
import ai.patchwork.api.platform.Role;
import ai.patchwork.api.replicas.ServingReplicas;
import ai.patchwork.api.web.ApiException;
import ai.patchwork.api.web.Cursor;
import ai.patchwork.api.web.ListPage;
import ai.patchwork.registry.Adapter;
import ai.patchwork.registry.AdapterQuery;
import ai.patchwork.registry.AdapterRegistry;
import ai.patchwork.registry.AdapterUpload;
import ai.patchwork.registry.AdapterVisibility;
import ai.patchwork.registry.RegistryException;
import jakarta.servlet.http.HttpServletRequest;
import org.springframework.http.ContentDisposition;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.servlet.mvc.method.annotation.StreamingResponseBody;
import tools.jackson.databind.JsonNode;

/** {@code /v1/adapters}: the adapter registry over HTTP. */
@RestController
@RequestMapping("/v1/adapters")
@ConditionalOnRole(Role.API)
record AdaptersController(AdapterRegistry registry, ServingReplicas replicas, Quotas quotas, MultipartLimits limits) {

    /**
     * Registers a new version of {@code name}: 201 with the adapter object. The {@code multipart/form-data} body
     * ({@code name}, {@code base_model}, and {@code adapter_config} with {@code adapter_model}, or {@code archive}) is
     * read as it arrives ({@link UploadParts}), not spooled by the container first.
     */
    @PostMapping(consumes = MediaType.MULTIPART_FORM_DATA_VALUE)
    @ResponseStatus(HttpStatus.CREATED)
    AdapterJson create(Caller caller, HttpServletRequest request) {
        try (UploadParts parts = UploadParts.receive(request, limits.maxFileSize(), limits.maxRequestSize())) {
            quotas.checkStorage(caller.projectId(), parts.bytes());
            String baseModel = parts.baseModel();
            if (baseModel != null && !caller.mayUse(baseModel)) {
                throw RegistryException.invalid(
                        "base_model",
                        "model_not_found",
                        "base_model '" + baseModel + "' is not a base model this project may use");
            }
            return AdapterJson.of(
                    registry.register(caller.projectId(), AdapterUpload.of(parts.name(), baseModel, parts.files())));
        }
    }

    /** Adapters that are not deleted, newest first, in pages. */
    @GetMapping
    ListPage<AdapterJson> list(
            Caller caller,
            Cursor cursor,
            @RequestParam(name = "base_model", required = false) String baseModel,
            @RequestParam(required = false) String name) {
        var query = new AdapterQuery(cursor.limitOr(20), cursor.after(), baseModel, name);
        return ListPage.of(registry.list(caller.projectId(), query), AdapterJson::of, AdapterJson::id);
    }

    /** One adapter by id ({@code adp-…}), name (latest ready version) or {@code name@N}, with {@code loaded_on}. */
    @GetMapping("/{ref}")
    AdapterJson get(Caller caller, @PathVariable String ref) {
        Adapter a = registry.get(caller.projectId(), ref);
        return AdapterJson.of(a).withLoadedOn(replicas.loadedOn(a.id()));
    }

    /** A zip in PEFT layout ({@code adapter_config.json}, {@code adapter_model.safetensors}) that PEFT and vLLM load. */
    @GetMapping("/{ref}/download")
    ResponseEntity<StreamingResponseBody> download(Caller caller, @PathVariable String ref) {
        Adapter a = registry.getReady(caller.projectId(), ref);
        ContentDisposition disposition = ContentDisposition.attachment()
                .filename(a.name() + "-v" + a.version() + ".zip")
                .build();
        return ResponseEntity.ok()
                .contentType(MediaType.parseMediaType("application/zip"))
                .header(HttpHeaders.CONTENT_DISPOSITION, disposition.toString())
                .header("X-Adapter-Sha256", a.sha256())
                .body(out -> registry.writePeftZip(a, out));
    }

    /**
     * Shares a version with every project of the installation ({@code {"visibility": "organization"}}: they may serve
     * it and read it by id, never version or delete it) or makes it private again. A Patchwork extension.
     */
    @PostMapping(path = "/{ref}", consumes = MediaType.APPLICATION_JSON_VALUE)
    AdapterJson modify(Caller caller, @PathVariable String ref, @RequestBody JsonNode body) {
        // another project's adapter is not found whatever the body says
        if (!registry.get(caller.projectId(), ref).projectId().equals(caller.projectId())) {
            throw RegistryException.notFound("adapter", "adapter_not_found", "no adapter '" + ref + "'");
        }
        AdapterVisibility visibility =
                AdapterVisibility.fromWire(body.path("visibility").asString(""));
        if (visibility == null) {
            throw ApiException.badRequest("visibility", "invalid_value", "visibility must be private or organization");
        }
        return AdapterJson.of(registry.setVisibility(caller.projectId(), ref, visibility));
    }

    /** Soft-deletes a version named by id or {@code name@N}. */
    @DeleteMapping("/{ref}")
    AdapterJson.Deleted delete(Caller caller, @PathVariable String ref) {
        return AdapterJson.Deleted.of(registry.delete(caller.projectId(), ref));
    }
}
