package ai.patchwork.registry;

import static ai.patchwork.registry.RegistryTestBed.BASE;
import static ai.patchwork.registry.RegistryTestBed.adapter;
import static ai.patchwork.registry.RegistryTestBed.files;
import static ai.patchwork.registry.RegistryTestBed.uniqueName;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.patchwork.testsupport.fixtures.PeftAdapter;
import ai.patchwork.testsupport.fixtures.TinyLlama;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import org.junit.jupiter.api.Test;

class AdapterRegistryTest {
    private final RegistryTestBed bed = RegistryTestBed.shared();
    private static final String P = RegistryTestBed.PROJECT;
    private final AdapterRegistry registry = bed.registry;

    @Test
    void fixtureAdaptersRoundTripByteForByte() throws Exception {
        for (String fixture : TinyLlama.ADAPTERS) {
            // given
            PeftAdapter original = PeftAdapter.fromFolder(TinyLlama.adapter(fixture));
            // when
            Adapter a = registry.register(
                    P, AdapterUpload.of(uniqueName(fixture), BASE, AdapterFiles.folder(TinyLlama.adapter(fixture))));
            Path out = registry.writePeftFolder(a, RegistryTestBed.tempDir().resolve("out"));
            // then
            assertArrayEquals(original.weights(), Files.readAllBytes(out.resolve(PeftAdapter.WEIGHTS_FILE)));
            assertEquals(original.config(), Files.readString(out.resolve(PeftAdapter.CONFIG_FILE)));
            assertEquals(original.weights().length, a.sizeBytes());
            assertEquals(1, a.version());
            assertEquals(AdapterStatus.READY, a.status());
            assertEquals(AdapterLineage.upload(), a.source());
        }
    }

    @Test
    void recordsRankAlphaAndTargetsFromTheConfig() {
        Adapter all = registry.register(
                P, AdapterUpload.of(uniqueName("all"), BASE, AdapterFiles.folder(TinyLlama.adapter("all-r8"))));
        assertEquals(8, all.rank());
        assertEquals(16.0, all.loraAlpha());
        assertFalse(all.useRslora());
        assertEquals(
                List.of("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"),
                all.targetModules());
        Adapter qv = registry.register(
                P, AdapterUpload.of(uniqueName("qv"), BASE, AdapterFiles.folder(TinyLlama.adapter("qv-r4-rslora"))));
        assertEquals(4, qv.rank());
        assertTrue(qv.useRslora());
        assertEquals(List.of("q_proj", "v_proj"), qv.targetModules());
        assertTrue(qv.sha256().matches("[0-9a-f]{64}"));
    }

    @Test
    void sameNameMakesTheNextImmutableVersionAndReferencesResolve() {
        String name = uniqueName("versions");
        Adapter v1 = registry.register(P, AdapterUpload.of(name, BASE, files(adapter(1))));
        Adapter v2 = registry.register(P, AdapterUpload.of(name, BASE, files(adapter(2))));
        assertEquals(1, v1.version());
        assertEquals(2, v2.version());
        assertEquals(v2, registry.get(P, name));
        assertEquals(v1, registry.get(P, name + "@1"));
        assertEquals(v1, registry.get(P, v1.id()));
        assertEquals(name + "@2", v2.qualifiedName());
        // deleting the latest makes the name resolve to the previous ready version; ids and name@N still resolve
        registry.delete(P, v2.id());
        assertEquals(v1, registry.get(P, name));
        assertEquals(AdapterStatus.DELETED, registry.get(P, name + "@2").status());
        RegistryException e = assertThrows(RegistryException.class, () -> registry.getReady(P, v2.id()));
        assertEquals("adapter '" + v2.id() + "' (" + name + "@2) was deleted", e.getMessage());
        // a new upload after a delete still gets a new number
        assertEquals(
                3,
                registry.register(P, AdapterUpload.of(name, BASE, files(adapter(3))))
                        .version());
    }

    @Test
    void unknownReferencesAreNotFound() {
        RegistryException e = assertThrows(RegistryException.class, () -> registry.get(P, "no-such-adapter"));
        assertEquals(RegistryException.Reason.NOT_FOUND, e.refusal().reason());
        assertEquals("no adapter 'no-such-adapter' with a ready version", e.getMessage());
        assertThrows(RegistryException.class, () -> registry.get(P, "adp-" + "0".repeat(24)));
        RegistryException bad = assertThrows(RegistryException.class, () -> registry.get(P, "x@0"));
        assertEquals(RegistryException.Reason.INVALID, bad.refusal().reason());
    }

    @Test
    void identicalWeightsAreStoredOnce() {
        PeftAdapter same = adapter(42);
        long before = bed.store.keys("").size();
        Adapter a = registry.register(P, AdapterUpload.of(uniqueName("dedup-a"), BASE, files(same)));
        Adapter b = registry.register(P, AdapterUpload.of(uniqueName("dedup-b"), BASE, files(same)));
        assertEquals(a.sha256(), b.sha256());
        assertEquals(before + 1, bed.store.keys("").size());
    }

    @Test
    void listingIsNewestFirstPagedAndFiltered() {
        String name = uniqueName("listing");
        List<Adapter> made = List.of(
                registry.register(P, AdapterUpload.of(name, BASE, files(adapter(10)))),
                registry.register(P, AdapterUpload.of(name, BASE, files(adapter(11)))),
                registry.register(P, AdapterUpload.of(name, BASE, files(adapter(12)))));
        Page<Adapter> first = registry.list(P, new AdapterQuery(2, null, null, name));
        assertEquals(List.of(made.get(2), made.get(1)), first.data());
        assertTrue(first.hasMore());
        Page<Adapter> second = registry.list(P, new AdapterQuery(2, made.get(1).id(), null, name));
        assertEquals(List.of(made.get(0)), second.data());
        assertFalse(second.hasMore());
        registry.delete(P, made.get(2).id());
        assertEquals(
                List.of(made.get(1), made.get(0)),
                registry.list(P, new AdapterQuery(10, null, BASE, name)).data());
        assertTrue(registry.list(P, new AdapterQuery(10, null, RegistryTestBed.WIDE, name))
                .data()
                .isEmpty());
        assertTrue(registry.latestReady(P).contains(made.get(1)));
    }

    @Test
    void archivesAtTheTopOrInOneFolderAreAccepted() {
        PeftAdapter p = adapter(20);
        Adapter zipTop = registry.register(
                P, AdapterUpload.of(uniqueName("zip"), BASE, RegistryTestBed.archive(p.zip(""), "a.zip")));
        Adapter tarFolder = registry.register(
                P,
                AdapterUpload.of(
                        uniqueName("tar"), BASE, RegistryTestBed.archive(p.tarGz("checkpoint-100"), "a.tar.gz")));
        assertEquals(zipTop.sha256(), tarFolder.sha256());
    }

    @Test
    void downloadZipIsAPeftFolder() throws Exception {
        PeftAdapter p = PeftAdapter.fromFolder(TinyLlama.adapter("all-r8"));
        Adapter a = registry.register(
                P, AdapterUpload.of(uniqueName("zipdl"), BASE, AdapterFiles.folder(TinyLlama.adapter("all-r8"))));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        registry.writePeftZip(a, out);
        Map<String, byte[]> entries = new HashMap<>();
        try (ZipInputStream zip = new ZipInputStream(new ByteArrayInputStream(out.toByteArray()))) {
            for (ZipEntry e; (e = zip.getNextEntry()) != null; ) entries.put(e.getName(), zip.readAllBytes());
        }
        assertEquals(2, entries.size());
        assertArrayEquals(p.weights(), entries.get("adapter_model.safetensors"));
        assertEquals(p.config(), new String(entries.get("adapter_config.json")));
    }

    @Test
    void fineTuningLineageIsKept() {
        bed.jdbc.sql("""
        INSERT INTO artifacts (sha256, object_key, size_bytes) VALUES (repeat('e', 64), 'lineage-file', 1)
        ON CONFLICT DO NOTHING""").update();
        bed.jdbc.sql("""
        INSERT INTO files (project_id, id, purpose, filename, bytes, artifact_sha256)
        VALUES ('proj_default', 'file-lineage', 'fine-tune', 'train.jsonl', 1, repeat('e', 64)) ON CONFLICT DO NOTHING""").update();
        bed.jdbc.sql("""
        INSERT INTO fine_tuning_jobs (project_id, id, base_model, training_file, method, hyperparameters, seed, status)
        VALUES ('proj_default', 'ftjob-lineage', 'tiny-llama', 'file-lineage', '{"type":"supervised"}', '{}', 7, 'running')
        ON CONFLICT DO NOTHING""").update();
        AdapterLineage source = AdapterLineage.fineTuning("ftjob-lineage", "file-lineage", Map.of("n_epochs", 3));
        Adapter a = registry.register(new AdapterUpload(uniqueName("tuned"), BASE, files(adapter(30)), source));
        assertEquals(source, a.source());
        assertEquals(source, registry.get(P, a.id()).source());
        assertEquals(
                "ftjob-lineage",
                bed.jdbc
                        .sql("SELECT fine_tuning_job FROM adapters WHERE id = ?")
                        .param(a.id())
                        .query(String.class)
                        .single());
    }

    @Test
    void aNameKeepsItsBaseModel() {
        String name = uniqueName("pinned");
        registry.register(P, AdapterUpload.of(name, BASE, files(adapter(40))));
        RegistryException e = assertThrows(
                RegistryException.class,
                () -> registry.register(
                        P,
                        AdapterUpload.of(
                                name, RegistryTestBed.WIDE, files(PeftAdapter.tinyLlama(4, List.of("q_proj"), 41)))));
        assertEquals(
                "adapter name '" + name + "' already has versions for base model 'tiny-llama'; every version of a "
                        + "name has the same base model",
                e.getMessage());
    }

    @Test
    void deleteNeedsAnIdOrVersionAndIsIdempotent() {
        String name = uniqueName("del");
        Adapter a = registry.register(P, AdapterUpload.of(name, BASE, files(adapter(50))));
        RegistryException e = assertThrows(RegistryException.class, () -> registry.delete(P, name));
        assertTrue(e.getMessage().startsWith("delete needs an adapter id"), e.getMessage());
        assertEquals(AdapterStatus.DELETED, registry.delete(P, name + "@1").status());
        assertEquals(AdapterStatus.DELETED, registry.delete(P, a.id()).status());
    }

    @Test
    void namesArePerProjectAndAnotherProjectsAdapterIsNotFound() {
        String other = "proj_" + uniqueName("other").replaceAll("[^0-9A-Za-z]", "");
        bed.jdbc
                .sql("INSERT INTO projects (id, name) VALUES (?, 'other')")
                .param(other)
                .update();
        String name = uniqueName("support-bot");
        Adapter mine = registry.register(P, AdapterUpload.of(name, BASE, files(adapter(60))));
        // another project registers the same name: its own version 1, not version 2 of ours
        Adapter theirs = registry.register(other, AdapterUpload.of(name, BASE, files(adapter(61))));
        assertEquals(1, theirs.version());
        assertEquals(mine, registry.get(P, name));
        assertEquals(theirs, registry.get(other, name));
        // ids of another project's private adapters are not found, nor can they be deleted or listed
        assertTrue(registry.find(other, mine.id()).isEmpty());
        assertThrows(RegistryException.class, () -> registry.delete(other, mine.id()));
        assertEquals(
                List.of(theirs),
                registry.list(other, new AdapterQuery(10, null, null, name)).data());
        // shared with the organization: found by id, still not deletable or versioned by the other project
        registry.setVisibility(P, mine.id(), AdapterVisibility.ORGANIZATION);
        assertEquals(mine.id(), registry.getReady(other, mine.id()).id());
        assertThrows(RegistryException.class, () -> registry.delete(other, mine.id()));
        assertEquals(AdapterStatus.READY, registry.get(mine.id()).status());
    }
}
