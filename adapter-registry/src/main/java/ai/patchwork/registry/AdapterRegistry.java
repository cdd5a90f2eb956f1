package ai.patchwork.registry;

import ai.patchwork.registry.store.Artifact;
import ai.patchwork.registry.store.Artifacts;
import ai.patchwork.registry.store.GcReport;
import ai.patchwork.registry.store.ObjectStoreException;
import ai.patchwork.registry.store.ScratchDir;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.zip.Deflater;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import javax.sql.DataSource;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.support.JdbcTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The adapter registry: registers PEFT LoRA adapters as immutable versions, resolves references, lists, deletes and
 * packages them. Thread-safe; one per process.
 *
 * <p>Every adapter belongs to a project ({@code proj_…}), and names are unique per project: the methods that take a
 * {@code project} resolve names inside that project only, so two projects may each own {@code support-bot} and
 * neither can add a version under the other's name. An adapter published with {@link AdapterVisibility#ORGANIZATION}
 * is also found by its id from other projects (read-only). The methods without a project take ids only and serve the
 * platform itself (serving replicas, workers).
 *
 * <p>References: an id ({@code adp-…}) names one version whatever its status; {@code name@N} names version N;
 * a bare name names the latest ready version.
 */
public final class AdapterRegistry {
    private final TransactionTemplate tx;
    private final AdapterRows rows;
    private final Artifacts artifacts;
    private final BaseModels baseModels;
    private final PeftValidator validator;
    private final ArchiveExtractor extractor;

    /**
     * @param dataSource the platform database (migrated)
     * @param artifacts the content-addressed store, on the same database
     * @param baseModels the configured base models
     * @param limits upload size limits
     */
    private final int maxLoraRank;

    public AdapterRegistry(DataSource dataSource, Artifacts artifacts, BaseModels baseModels, RegistryLimits limits) {
        this.tx = new TransactionTemplate(new JdbcTransactionManager(dataSource));
        this.rows = new AdapterRows(JdbcClient.create(dataSource));
        this.artifacts = artifacts;
        this.baseModels = baseModels;
        this.validator = new PeftValidator(limits);
        this.maxLoraRank = limits.maxLoraRank();
        this.extractor = new ArchiveExtractor(limits);
    }

    public BaseModels baseModels() {
        return baseModels;
    }

    /**
     * Registers a fine-tuned adapter in the project of the job its source names.
     *
     * @throws IllegalArgumentException when the upload does not come from a fine-tuning job
     */
    public Adapter register(AdapterUpload upload) {
        if (upload.source().jobId() == null) {
            throw new IllegalArgumentException("an upload is registered in a project: use register(project, upload)");
        }
        String project = rows.projectOfJob(upload.source().jobId())
                .orElseThrow(() -> new IllegalArgumentException(
                        "no fine-tuning job '" + upload.source().jobId() + "'"));
        return register(project, upload);
    }

    /**
     * Validates an upload completely, stores its weights (once per distinct content) and records it as the next
     * version of its name in {@code project}. Nothing is written when validation fails.
     *
     * @throws RegistryException for invalid or too large input
     * @throws StorageUnavailableException when the object store fails
     */
    public Adapter register(String project, AdapterUpload upload) {
        BaseModel base = baseModels.require(upload.baseModel());
        if (baseModels.contains(upload.name())) {
            throw RegistryException.invalid(
                    "name",
                    "invalid_name",
                    "name '" + upload.name() + "' is the id of a base model; choose another name");
        }
        checkSameBaseModel(project, upload.name(), base.id());
        try (ScratchDir work = ScratchDir.create("patchwork-adapter-")) {
            AdapterFiles.Peft files = switch (upload.files()) {
                case AdapterFiles.Peft p -> p;
                case AdapterFiles.Archive a -> extractor.extract(a, work.path());
            };
            PeftValidator.ValidPeft peft = validator.validate(files, base);
            Artifact artifact = artifacts.put(peft.weights(), peft.hash());
            return tx.execute(status -> {
                int version = rows.nextVersion(project, upload.name());
                checkSameBaseModel(project, upload.name(), base.id()); // again under the name's lock
                artifacts.markReferenced(artifact.sha256());
                return rows.insert(project, upload.name(), version, base.id(), peft, upload.source());
            });
        } catch (ObjectStoreException e) {
            throw new StorageUnavailableException(e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void checkSameBaseModel(String project, String name, String baseModel) {
        rows.baseModelOf(project, name).filter(b -> !b.equals(baseModel)).ifPresent(b -> {
            throw RegistryException.invalid(
                    "base_model",
                    "base_model_mismatch",
                    "adapter name '" + name + "' already has versions for base model '" + b
                            + "'; every version of a name has the same base model");
        });
    }

    /** The adapter version with this id, in any project and status: for the platform, never for a client. */
    public Optional<Adapter> find(String id) {
        if (!(AdapterRef.parse(id) instanceof AdapterRef.ById r)) {
            throw RegistryException.invalid(
                    "adapter", "invalid_adapter_ref", "'" + id + "' is not an adapter id (adp-…)");
        }
        return rows.byId(r.id());
    }

    /** The adapter version with this id, in any project and status: for the platform, never for a client. */
    public Adapter get(String id) {
        return find(id).orElseThrow(
                        () -> RegistryException.notFound("adapter", "adapter_not_found", "no adapter '" + id + "'"));
    }

    /** The ready adapter version with this id, in any project: what serving loads. */
    public Adapter getReady(String id) {
        return ready(id, get(id));
    }

    /**
     * The ready adapter version with this id, in any project, with its config and stored weights, in one query: what
     * serving loads.
     */
    public ServableAdapter getServable(String id) {
        if (!(AdapterRef.parse(id) instanceof AdapterRef.ById r)) {
            throw RegistryException.invalid(
                    "adapter", "invalid_adapter_ref", "'" + id + "' is not an adapter id (adp-…)");
        }
        ServableAdapter s = rows.servable(r.id())
                .orElseThrow(
                        () -> RegistryException.notFound("adapter", "adapter_not_found", "no adapter '" + id + "'"));
        ready(id, s.adapter());
        if (s.weights() == null) throw collected(s.adapter());
        return s;
    }

    /**
     * The adapter a reference names for {@code project}: names and {@code name@N} inside the project, ids of its own
     * adapters and of adapters shared with the organization.
     */
    public Optional<Adapter> find(String project, String ref) {
        return switch (AdapterRef.parse(ref)) {
            case AdapterRef.ById r -> rows.byId(r.id()).filter(a -> a.visibleTo(project));
            case AdapterRef.ByVersion r -> rows.byVersion(project, r.name(), r.version());
            case AdapterRef.Latest r -> rows.latestReady(project, r.name());
        };
    }

    /** The adapter a reference names for {@code project}, in any status; another project's adapter is not found. */
    public Adapter get(String project, String ref) {
        return find(project, ref)
                .orElseThrow(() -> RegistryException.notFound(
                        "adapter",
                        "adapter_not_found",
                        "no adapter '" + ref + "'"
                                + (AdapterRef.parse(ref) instanceof AdapterRef.Latest ? " with a ready version" : "")));
    }

    /** The ready adapter a reference names for {@code project}: what inference and downloads use. */
    public Adapter getReady(String project, String ref) {
        return ready(ref, get(project, ref));
    }

    private static Adapter ready(String ref, Adapter a) {
        if (!a.isReady()) {
            throw RegistryException.notFound(
                    "adapter", "adapter_deleted", "adapter '" + ref + "' (" + a.qualifiedName() + ") was deleted");
        }
        return a;
    }

    /** One page of {@code project}'s adapters that are not deleted, newest first. */
    public Page<Adapter> list(String project, AdapterQuery query) {
        if (query.after() != null && !rows.exists(project, query.after())) {
            throw RegistryException.invalid("after", "invalid_cursor", "after: no adapter '" + query.after() + "'");
        }
        return Page.of(rows.page(project, query), query.limit());
    }

    /** The latest ready version of every adapter name of {@code project}: what {@code /v1/models} lists. */
    public List<Adapter> latestReady(String project) {
        return rows.latestReadyOfEachName(project);
    }

    /**
     * Soft-deletes a version of {@code project}, named by id or {@code name@N}: it leaves listings, serving drops it on
     * the change event, and its weights are collected once nothing else references them. Deleting a deleted version
     * changes nothing. A shared adapter of another project is not found.
     */
    public Adapter delete(String project, String ref) {
        if (AdapterRef.parse(ref) instanceof AdapterRef.Latest) {
            throw RegistryException.invalid(
                    "adapter",
                    "invalid_adapter_ref",
                    "delete needs an adapter id (adp-…) or " + "name@version, not the bare name '" + ref + "'");
        }
        Adapter a = owned(project, ref);
        rows.markDeleted(a.id());
        return rows.byId(a.id()).orElseThrow();
    }

    /** Soft-deletes the version with this id, in any project: for the platform (a cancelled job's adapter). */
    public Adapter delete(String id) {
        Adapter a = get(id);
        rows.markDeleted(a.id());
        return rows.byId(a.id()).orElseThrow();
    }

    /** Publishes a version of {@code project} to the organization, or makes it private again. */
    public Adapter setVisibility(String project, String ref, AdapterVisibility visibility) {
        Adapter a = owned(project, ref);
        rows.setVisibility(a.id(), visibility);
        return rows.byId(a.id()).orElseThrow();
    }

    private Adapter owned(String project, String ref) {
        Adapter a = get(project, ref);
        if (!a.projectId().equals(project)) {
            throw RegistryException.notFound("adapter", "adapter_not_found", "no adapter '" + ref + "'");
        }
        return a;
    }

    /** The adapter's {@code adapter_config.json}, exactly as uploaded. */
    public String config(Adapter adapter) {
        return rows.config(adapter.id());
    }

    /**
     * The adapter's {@code adapter_model.safetensors}; reading to the end throws an {@link IOException} if the stored
     * bytes do not match its sha256.
     */
    public InputStream openWeights(Adapter adapter) {
        return artifacts.open(artifacts.find(adapter.sha256()).orElseThrow(() -> collected(adapter)));
    }

    /** {@link #openWeights(Adapter)} of an adapter read with {@link #getServable}, with no further query. */
    public InputStream openWeights(ServableAdapter adapter) {
        return artifacts.open(adapter.weights());
    }

    private static RegistryException collected(Adapter adapter) {
        return RegistryException.notFound(
                "adapter", "adapter_deleted", "the weights of adapter '" + adapter.id() + "' were collected");
    }

    /** Writes a zip in PEFT layout ({@code adapter_config.json}, {@code adapter_model.safetensors}). */
    public void writePeftZip(Adapter adapter, OutputStream out) throws IOException {
        ZipOutputStream zip = new ZipOutputStream(out);
        zip.putNextEntry(new ZipEntry(PeftValidator.CONFIG));
        zip.write(config(adapter).getBytes(StandardCharsets.UTF_8));
        zip.closeEntry();
        zip.setLevel(Deflater.NO_COMPRESSION); // random-looking floats do not compress; spare the CPU
        zip.putNextEntry(new ZipEntry(PeftValidator.WEIGHTS));
        try (InputStream in = openWeights(adapter)) {
            in.transferTo(zip);
        }
        zip.closeEntry();
        zip.finish();
    }

    /** Writes the adapter as a PEFT folder into {@code dir} (created if needed), verified, and returns {@code dir}. */
    public Path writePeftFolder(Adapter adapter, Path dir) throws IOException {
        Files.createDirectories(dir);
        Files.writeString(dir.resolve(PeftValidator.CONFIG), config(adapter));
        Path partial = dir.resolve(PeftValidator.WEIGHTS + ".partial");
        try (InputStream in = openWeights(adapter)) {
            Files.copy(in, partial, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(partial);
            throw e;
        }
        Files.move(
                partial,
                dir.resolve(PeftValidator.WEIGHTS),
                StandardCopyOption.REPLACE_EXISTING,
                StandardCopyOption.ATOMIC_MOVE);
        return dir;
    }

    /** The largest LoRA rank serving loads; larger adapters are refused, and so are jobs that would train one. */
    public int maxLoraRank() {
        return maxLoraRank;
    }

    /** Removes stored weights that no live adapter, file or checkpoint has referenced for {@code grace}. */
    public GcReport collectGarbage(Duration grace) {
        return artifacts.collectGarbage(grace);
    }
}
