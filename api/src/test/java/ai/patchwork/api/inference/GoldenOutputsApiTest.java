package ai.patchwork.api.inference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.patchwork.api.ApiClient;
import ai.patchwork.model.tokenizer.ChatMessage;
import ai.patchwork.testsupport.fixtures.TinyLlama;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Greedy outputs through HTTP equal the per-request reference exactly, while requests for both fixture adapters (by
 * id, name and name@version) and the base model run concurrently and share forward passes.
 */
@InferenceTest
class GoldenOutputsApiTest {
    static Golden golden;
    static String allR8;
    static String qv;

    @LocalServerPort
    int port;

    @Autowired
    MeterRegistry meters;

    @BeforeAll
    static void reference() {
        golden = new Golden();
    }

    @AfterAll
    static void close() {
        golden.close();
    }

    /** The fixture adapters, uploaded once through the registry API. */
    private OpenAi client() {
        OpenAi ai = new OpenAi(port);
        synchronized (GoldenOutputsApiTest.class) {
            if (allR8 == null) {
                String suffix = Long.toString(System.nanoTime() % 1_000_000);
                allR8 = ai.upload("golden-all-r8-" + suffix, TinyLlama.adapter("all-r8"));
                qv = ai.upload("golden-qv-" + suffix, TinyLlama.adapter("qv-r4-rslora"));
            }
        }
        return ai;
    }

    /** Case i's model: the base model id, or its adapter by id, name or name@version in turn. */
    private String model(OpenAi ai, Golden.Case c, int i) {
        if (c.adapter() == null) return "tiny-llama";
        String id = c.adapter().equals("all-r8") ? allR8 : qv;
        JsonNode a = ai.api().get("/v1/adapters/" + id).json();
        return switch (i % 3) {
            case 0 -> id;
            case 1 -> a.path("name").asString();
            default -> a.path("name").asString() + "@" + a.path("version").asInt();
        };
    }

    @Test
    void completionsOfEveryCaseAtOnceMatchExpectedJson() {
        OpenAi ai = client();
        List<Golden.Case> cases = Golden.cases();
        List<ObjectNode> bodies = new ArrayList<>();
        for (int i = 0; i < cases.size(); i++) {
            Golden.Case c = cases.get(i);
            ObjectNode body = OpenAi.body(model(ai, c, i))
                    .put("max_tokens", c.expected().length)
                    .put("temperature", 0)
                    .put("ignore_eos", true)
                    .put("return_token_ids", true);
            var prompt = body.putArray("prompt");
            for (int id : c.prompt()) prompt.add(id);
            bodies.add(body);
        }
        List<ApiClient.Response> responses = concurrently(ai, "/v1/completions", bodies);
        for (int i = 0; i < cases.size(); i++) {
            Golden.Case c = cases.get(i);
            ApiClient.Response r = responses.get(i);
            assertEquals(200, r.status(), r.text());
            JsonNode choice = r.json().path("choices").path(0);
            assertArrayEquals(c.expected(), Golden.ints(choice.path("token_ids")), c.label());
            assertEquals(
                    golden.tokenizer.decode(c.expected(), true),
                    choice.path("text").asString(),
                    c.label());
            assertEquals("length", choice.path("finish_reason").asString());
            assertEquals("text_completion", r.json().path("object").asString());
            JsonNode usage = r.json().path("usage");
            assertEquals(c.prompt().length, usage.path("prompt_tokens").asInt());
            assertEquals(c.expected().length, usage.path("completion_tokens").asInt());
            assertEquals(
                    c.prompt().length + c.expected().length,
                    usage.path("total_tokens").asInt());
        }
        assertTrue(
                meters.get("patchwork.batch.size")
                                .tag("phase", "decode")
                                .summary()
                                .max()
                        >= 3,
                "requests shared decode steps");
    }

    @Test
    void chatCompletionsThroughTheChatTemplateMatchTheReference() {
        OpenAi ai = client();
        List<Golden.Case> cases = Golden.cases();
        List<ObjectNode> bodies = new ArrayList<>();
        List<int[]> prompts = new ArrayList<>();
        for (int i = 0; i < cases.size(); i++) {
            Golden.Case c = cases.get(i);
            String text = golden.tokenizer.decode(c.prompt(), true);
            prompts.add(golden.tokenizer.encode(
                    golden.tokenizer.chatTemplate().render(List.of(ChatMessage.user(text)), true)));
            ObjectNode body = OpenAi.body(model(ai, c, i))
                    .put("max_completion_tokens", 16)
                    .put("temperature", 0)
                    .put("ignore_eos", true)
                    .put("return_token_ids", true);
            body.putArray("messages").addObject().put("role", "user").put("content", text);
            bodies.add(body);
        }
        List<ApiClient.Response> responses = concurrently(ai, "/v1/chat/completions", bodies);
        for (int i = 0; i < cases.size(); i++) {
            Golden.Case c = cases.get(i);
            ApiClient.Response r = responses.get(i);
            assertEquals(200, r.status(), r.text());
            int[] expected = golden.reference(prompts.get(i), c.adapter(), 16);
            JsonNode choice = r.json().path("choices").path(0);
            assertArrayEquals(prompts.get(i), Golden.ints(choice.path("prompt_token_ids")), c.label() + " prompt");
            assertArrayEquals(expected, Golden.ints(choice.path("token_ids")), c.label());
            assertEquals("assistant", choice.path("message").path("role").asString());
            assertEquals(
                    golden.tokenizer.decode(expected, true),
                    choice.path("message").path("content").asString());
            assertEquals("chat.completion", r.json().path("object").asString());
            assertEquals(16, r.json().path("usage").path("completion_tokens").asInt());
        }
    }

    private static List<ApiClient.Response> concurrently(OpenAi ai, String path, List<ObjectNode> bodies) {
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<CompletableFuture<ApiClient.Response>> futures = bodies.stream()
                    .map(b -> CompletableFuture.supplyAsync(() -> ai.post(path, b), pool))
                    .toList();
            return futures.stream().map(CompletableFuture::join).toList();
        }
    }
}
