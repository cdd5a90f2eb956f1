package ai.patchwork.api.inference;

import ai.patchwork.api.auth.Caller;
import ai.patchwork.api.limits.RateLimiter;
import ai.patchwork.api.platform.ConditionalOnRole;
import ai.patchwork.api.platform.Role;
import ai.patchwork.api.usage.UsageRecorder;
import ai.patchwork.api.web.ApiException;
import ai.patchwork.serving.Completion;
import ai.patchwork.serving.EngineRequest;
import ai.patchwork.serving.GenerationHandle;
import ai.patchwork.serving.GenerationListener;
import ai.patchwork.serving.Usage;
import jakarta.servlet.http.HttpServletResponse;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code POST /v1/completions} and {@code POST /v1/chat/completions}, OpenAI-compatible. Everything that can be
 * refused — an unknown model, invalid fields, a prompt longer than the context, a full queue — is refused before a
 * stream opens, with a plain HTTP status and OpenAI's error envelope ({@link InferenceExceptionHandler}).
 */
@RestController
@ConditionalOnRole(Role.SERVING)
record CompletionsController(
        ModelResolver resolver,
        UsageRecorder usage,
        RateLimiter limiter,
        ServingProperties properties,
        JsonMapper json) {
    /** OpenAI's default {@code max_tokens} of the legacy completions endpoint; chat defaults to the rest of the context. */
    static final int COMPLETIONS_DEFAULT_MAX_TOKENS = 16;

    @PostMapping(path = "/v1/completions", consumes = MediaType.APPLICATION_JSON_VALUE)
    ResponseEntity<?> completions(Caller caller, @RequestBody JsonNode json, HttpServletResponse response)
            throws Exception {
        CompletionRequest body = RequestBodies.read(this.json, json, CompletionRequest.class);
        if (Boolean.TRUE.equals(body.echo())) Unsupported.refuse("echo", true);
        Unsupported.refuse("suffix", body.suffix());
        if (body.bestOf() != null && body.bestOf() != 1) Unsupported.refuse("best_of", body.bestOf());
        GenerationOptions options = GenerationOptions.of(
                body.fields(), COMPLETIONS_DEFAULT_MAX_TOKENS, LogprobsJson.completion(body.logprobs()));
        ModelResolver.Target target = resolver.resolve(caller, body.fields().model());
        int[] prompt = Prompts.completion(body.prompt(), target.engine().tokenizer());
        return run(false, target, prompt, options, ChatTools.NONE, caller, response);
    }

    @PostMapping(path = "/v1/chat/completions", consumes = MediaType.APPLICATION_JSON_VALUE)
    ResponseEntity<?> chat(Caller caller, @RequestBody JsonNode json, HttpServletResponse response) throws Exception {
        ChatCompletionRequest body = RequestBodies.read(this.json, json, ChatCompletionRequest.class);
        Unsupported.refuse("audio", body.audio());
        JsonNode modalities = body.modalities();
        if (modalities != null && !modalities.isNull() && !"[\"text\"]".equals(modalities.toString())) {
            Unsupported.refuse("modalities", modalities);
        }
        Unsupported.refuse("prediction", body.prediction());
        Unsupported.refuse("reasoning_effort", body.reasoningEffort());
        Unsupported.refuse("web_search_options", body.webSearchOptions());
        GenerationOptions options =
                GenerationOptions.of(body.fields(), null, LogprobsJson.chat(body.logprobs(), body.topLogprobs()));
        ModelResolver.Target target = resolver.resolve(caller, body.fields().model());
        ChatTools tools = ChatTools.of(body, target.engine().tokenizer().chatTemplate());
        if (tools.grammar() != null) {
            if (options.grammar() != null) {
                throw ApiException.badRequest(
                        "tool_choice",
                        "invalid_value",
                        "a forced tool call (tool_choice required or a named function) cannot be combined with"
                                + " response_format or guided decoding");
            }
            options = options.withGrammar(tools.grammar());
        }
        int[] prompt = Prompts.chat(
                body.messages(), tools.definitions(), target.engine().tokenizer());
        return run(true, target, prompt, options, tools, caller, response);
    }

    private ResponseEntity<?> run(
            boolean chat,
            ModelResolver.Target target,
            int[] prompt,
            GenerationOptions options,
            ChatTools tools,
            Caller caller,
            HttpServletResponse response)
            throws Exception {
        String id =
                (chat ? "chatcmpl-" : "cmpl-") + UUID.randomUUID().toString().replace("-", "");
        long created = Instant.now().getEpochSecond();
        EngineRequest request = options.request(
                prompt,
                target.adapterId(),
                target.engine().contextLength(),
                target.engine().tokenizer().vocabSize(),
                target.engine().config().maxBatchSize());
        long reserve = options.maxTokens() == null
                ? target.engine().contextLength()
                : (long) prompt.length + (long) options.n() * options.maxTokens();
        RateLimiter.Admission admission = limiter.admit(caller.projectId(), limitedModel(target.model()), reserve);
        if (options.stream()) {
            List<LogprobsJson> renderers = new ArrayList<>();
            for (int i = 0; i < options.n() && options.logprobs() >= 0; i++) renderers.add(logprobs(chat, target));
            EventStream stream = new EventStream(
                    new Chunks(json, chat, id, created, target.model(), options, renderers),
                    options,
                    tools,
                    properties.streamTimeout());
            stream.attach(submit(
                    target, request, stream.listeners(), caller, admission)); // refusals throw here, before any byte
            return ResponseEntity.ok()
                    .headers(h -> admission.headers().forEach(h::set))
                    .contentType(EventStream.EVENT_STREAM)
                    .header(HttpHeaders.CACHE_CONTROL, "no-cache")
                    .header("X-Accel-Buffering", "no") // proxies must not buffer the stream
                    .body(stream.emitter());
        }
        ConnectionWatch watch = new ConnectionWatch(response, admission.headers(), properties.disconnectCheck());
        List<GenerationHandle> handles =
                submit(target, request, Collections.nCopies(options.n(), watch.listener()), caller, admission);
        List<Completion> done = watch.await(handles, properties.requestTimeout());
        boolean ids = options.returnTokenIds();
        List<LogprobsJson> logprobs = new ArrayList<>();
        for (int i = 0; i < done.size() && options.logprobs() >= 0; i++) logprobs.add(logprobs(chat, target));
        return ResponseEntity.ok()
                .headers(h -> admission.headers().forEach(h::set))
                .body(CompletionsResponse.of(chat, id, created, target.model(), done, prompt, ids, logprobs, tools));
    }

    /** The usage of a request's choices: the prompt (and its cached tokens) once, every choice's completion tokens. */
    static Usage usage(List<Usage> choices) {
        int completion = 0;
        for (Usage u : choices) completion += u.completionTokens();
        Usage first = choices.getFirst();
        return new Usage(first.promptTokens(), completion, first.cachedTokens());
    }

    /** A renderer of one choice's logprobs. */
    private LogprobsJson logprobs(boolean chat, ModelResolver.Target target) {
        return new LogprobsJson(json, target.engine().tokenizer().tokenBytes(), chat);
    }

    /**
     * Queues the request (one listener per choice) and meters it once when every choice has ended, however it ends;
     * the tokens its admission reserved but it did not use are given back off the engine's thread.
     */
    private List<GenerationHandle> submit(
            ModelResolver.Target target,
            EngineRequest request,
            List<GenerationListener> listeners,
            Caller caller,
            RateLimiter.Admission admission) {
        List<GenerationHandle> handles;
        try {
            handles = target.engine().submit(request, listeners);
        } catch (RuntimeException e) {
            limiter.settle(admission, 0);
            throw e;
        }
        CompletableFuture<?>[] all =
                handles.stream().map(GenerationHandle::completion).toArray(CompletableFuture[]::new);
        CompletableFuture.allOf(all).whenCompleteAsync((v, error) -> {
            List<Usage> usages = new ArrayList<>();
            for (GenerationHandle h : handles) {
                if (!h.completion().isCompletedExceptionally())
                    usages.add(h.completion().join().usage());
            }
            Usage total = usages.isEmpty() ? null : usage(usages);
            usage.record(
                    caller.projectId(), caller.keyId(), target.baseModel(), target.adapterId(), total, error != null);
            if (!admission.models().isEmpty()) {
                limiter.settle(admission, total == null ? 0 : (long) total.promptTokens() + total.completionTokens());
            }
        });
        return handles;
    }

    /** The model a per-model rate limit names: what the client sent, without a {@code @version}. */
    private static String limitedModel(String model) {
        int at = model.lastIndexOf('@');
        return at > 0 ? model.substring(0, at) : model;
    }
}
