package ai.patchwork.api.adapters;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.patchwork.api.ApiClient;
import ai.patchwork.api.ApiClient.Response;
import ai.patchwork.api.ApiTest;
import ai.patchwork.testsupport.http.MultipartBody;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.web.server.LocalServerPort;

@ApiTest
class ConcurrentUploadsTest {
    @LocalServerPort
    int port;

    @Test
    void twentyConcurrentUploadsUnderOneNameGetVersionsOneToTwenty() throws Exception {
        // given: 20 different adapters for one name, the bodies built before the start signal
        String name = Uploads.uniqueName("concurrent");
        List<MultipartBody> bodies = IntStream.range(0, 20)
                .mapToObj(i -> Uploads.files(name, Uploads.adapter(2000 + i)))
                .toList();
        CountDownLatch go = new CountDownLatch(1);
        List<Callable<Response>> uploads = new ArrayList<>();
        for (MultipartBody body : bodies) {
            uploads.add(() -> {
                go.await();
                return new ApiClient(port).post("/v1/adapters", body);
            });
        }
        // when
        List<Integer> versions = new ArrayList<>();
        try (ExecutorService pool = Executors.newFixedThreadPool(20)) {
            List<Future<Response>> futures = uploads.stream().map(pool::submit).toList();
            go.countDown();
            for (Future<Response> f : futures) {
                Response r = f.get();
                assertEquals(201, r.status(), r.text());
                versions.add(r.json().path("version").asInt());
            }
        }
        // then: 1..20 with no gaps or duplicates, and the list agrees
        assertEquals(
                IntStream.rangeClosed(1, 20).boxed().toList(),
                versions.stream().sorted().toList());
        List<Integer> listed = new ArrayList<>();
        new ApiClient(port)
                .get("/v1/adapters?limit=100&name=" + name)
                .json()
                .path("data")
                .forEach(a -> listed.add(a.path("version").asInt()));
        assertEquals(
                IntStream.rangeClosed(1, 20).boxed().sorted((a, b) -> b - a).toList(), listed);
    }
}
