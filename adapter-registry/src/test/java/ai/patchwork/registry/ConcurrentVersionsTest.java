package ai.patchwork.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class ConcurrentVersionsTest {

    @Test
    void twentyConcurrentRegistrationsUnderOneNameGetVersionsOneToTwenty() throws Exception {
        // given: 20 different adapters, ready on disk, and one name
        RegistryTestBed bed = RegistryTestBed.shared();
        String name = RegistryTestBed.uniqueName("concurrent");
        List<AdapterFiles> uploads = IntStream.range(0, 20)
                .mapToObj(i -> RegistryTestBed.files(RegistryTestBed.adapter(1000 + i)))
                .toList();
        CountDownLatch go = new CountDownLatch(1);
        List<Callable<Adapter>> tasks = new ArrayList<>();
        for (AdapterFiles files : uploads) {
            tasks.add(() -> {
                go.await();
                return bed.registry.register(
                        RegistryTestBed.PROJECT, AdapterUpload.of(name, RegistryTestBed.BASE, files));
            });
        }
        // when: all start at once
        List<Integer> versions = new ArrayList<>();
        try (ExecutorService pool = Executors.newFixedThreadPool(20)) {
            List<Future<Adapter>> futures = tasks.stream().map(pool::submit).toList();
            go.countDown();
            for (Future<Adapter> f : futures) versions.add(f.get().version());
        }
        // then: 1..20, no gaps, no duplicates, and the database agrees
        assertEquals(
                IntStream.rangeClosed(1, 20).boxed().toList(),
                versions.stream().sorted().toList());
        assertEquals(
                IntStream.rangeClosed(1, 20).boxed().toList(),
                bed.jdbc
                        .sql("SELECT version FROM adapters WHERE name = ? ORDER BY version")
                        .param(name)
                        .query(Integer.class)
                        .list());
        assertEquals(20, bed.registry.get(RegistryTestBed.PROJECT, name).version());
    }
}
