package ai.patchwork.serving;

import ai.patchwork.model.grammar.Constraint;
import ai.patchwork.model.grammar.TokenTrie;
import ai.patchwork.model.lora.ResidentAdapter;
import ai.patchwork.model.sample.Sampler;
import ai.patchwork.model.sample.TokenLogprob;
import ai.patchwork.model.tokenizer.StreamingDecoder;
import ai.patchwork.model.tokenizer.Tokenizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * One request inside the engine: queued, then prefilling its prompt chunk by chunk, then decoding one token per
 * step. Owns its sampler (so a seed reproduces the same tokens whatever else is in the batch), its streaming
 * decoder and its stop checks. Touched only by the engine loop after submit, except {@link #handle}.
 *
 * <p>The choices of an {@code n > 1} request are one group: the first choice is queued, admitted and prefilled like
 * any request, while the others ({@link #siblings}) are admitted with it and wait in their own KV slots
 * ({@link State#FORK}); when the first choice's prompt is in the cache, it is copied into theirs and every choice
 * samples its first token from the same logits with its own seed.
 */
final class Sequence {

    enum State {
        QUEUED,
        PREFILL,
        FORK,
        DECODE,
        DONE
    }

    final GenerationHandle handle;
    final EngineRequest request;
    final EngineMetrics.AdapterMeters meters;
    final long submitted = System.nanoTime();
    private final int maxNew;
    private final Sampler sampler;
    private final Set<Integer> stopIds;
    private final StreamingDecoder decoder;
    private final StopMatcher stops;
    private final StringBuilder text = new StringBuilder();
    private final List<TokenLogprob> logprobs; // null unless the request asked for them
    private final EngineMetrics metrics;
    private final Constraint constraint; // null when unconstrained

    State state = State.QUEUED;
    /** The other choices of the request, when this is the first of {@code n > 1}; else empty. */
    List<Sequence> siblings = List.of();
    /** Whether this is a later choice of an {@code n > 1} request, which never prefills. */
    boolean sibling;

    int kvSlot = -1;
    AdapterLease lease;
    CompletableFuture<ResidentAdapter> adapterLoad;
    long admitted;
    private int prefilled;
    private int restored; // prompt tokens the prefix cache supplied
    private int[] generated = new int[16];
    private int count;
    private int sampled;
    private int events;
    private long lastToken;

    /**
     * Where a sequence ends, besides its stop strings and a complete structured value.
     *
     * @param maxNew tokens it may generate
     * @param stopIds tokens that end it, not part of its text
     */
    record Limits(int maxNew, Set<Integer> stopIds) {
        Limits {
            if (maxNew < 0) throw new IllegalArgumentException("maxNew must be >= 0, got " + maxNew);
            stopIds = Set.copyOf(stopIds);
        }
    }

    /**
     * @param tokenizer streams the tokens as text and, for a request with a grammar, says which tokens keep to it
     */
    Sequence(
            GenerationHandle handle, EngineRequest request, Limits limits, Tokenizer tokenizer, EngineMetrics metrics) {
        this.handle = handle;
        this.request = request;
        this.maxNew = limits.maxNew();
        this.stopIds = limits.stopIds();
        this.sampler = new Sampler(request.sampling(), request.promptIds());
        this.stops = new StopMatcher(request.sampling().stopStrings());
        this.decoder = tokenizer.streamingDecoder(true);
        this.constraint = request.grammar() == null
                ? null
                : new Constraint(request.grammar(), TokenTrie.of(tokenizer.tokenBytes()), stopIds);
        this.metrics = metrics;
        this.meters = metrics.adapter(request.adapterId());
        this.logprobs = request.logprobs() >= 0 ? new ArrayList<>() : null;
    }

    String adapterId() {
        return request.adapterId();
    }

    int promptLength() {
        return request.promptLength();
    }

    /** Prompt tokens already in the KV cache. */
    int prefilled() {
        return prefilled;
    }

    /** The next prompt chunk, at most {@code max} tokens. */
    int[] chunk(int max) {
        int n = Math.min(max, promptLength() - prefilled);
        int[] out = new int[n];
        for (int i = 0; i < n; i++) out[i] = request.promptId(prefilled + i);
        return out;
    }

    /** This sequence and its siblings. */
    List<Sequence> group() {
        if (siblings.isEmpty()) return List.of(this);
        List<Sequence> out = new ArrayList<>(siblings.size() + 1);
        out.add(this);
        out.addAll(siblings);
        return out;
    }

    /** The first {@code n} prompt tokens came from the prefix cache: the prefill continues after them. */
    void restored(int n) {
        if (n < 0 || n >= promptLength() || prefilled != 0)
            throw new IllegalStateException("cannot restore " + n + " of " + promptLength() + " prompt tokens");
        restored = n;
        prefilled = n;
    }

    /** Prompt tokens the prefix cache supplied. */
    int restored() {
        return restored;
    }

    /** A sibling whose slot now holds the first choice's prompt: it decodes from here. */
    void forked(int restored) {
        this.restored = restored;
        prefilled = promptLength();
        state = State.DECODE;
    }

    /** Records a prefilled chunk; true when the whole prompt is in the cache. */
    boolean advancePrefill(int n) {
        prefilled += n;
        return prefilled == promptLength();
    }

    /** The token a decode step feeds: the last one sampled. */
    int lastToken() {
        return generated[count - 1];
    }

    /** Where the fed token goes in the cache: every earlier token is already there. */
    int decodePosition() {
        return promptLength() + count - 1;
    }

    /** Tokens in the KV cache. */
    int cachedTokens() {
        return state == State.DECODE ? decodePosition() : prefilled;
    }

    /**
     * Takes the logits at the last position: samples, streams the token, checks stop ids, stop strings and the length
     * limit.
     *
     * @return true when the sequence finished
     */
    boolean accept(float[] logits, long now) {
        int id = sampler.next(constraint == null ? logits : constraint.mask(logits));
        sampled++;
        meters.completionTokens().increment();
        if (sampled == 1) metrics.firstToken(now - submitted);
        else metrics.nextToken(now - lastToken);
        lastToken = now;
        if (stopIds.contains(id)) {
            finish(FinishReason.STOP, -1, tail());
            return true;
        }
        // the model's distribution: raw logits, before the sampler's penalties and temperature
        TokenLogprob logprob = logprobs == null ? null : TokenLogprob.of(logits, id, request.logprobs());
        if (logprob != null) logprobs.add(logprob);
        if (count == generated.length) generated = Arrays.copyOf(generated, count * 2);
        generated[count++] = id;
        String piece = stops.accept(decoder.accept(id));
        boolean complete = constraint != null && constraint.advance(id); // the structured value is whole
        if (!stops.matched() && (count >= maxNew || complete)) piece += tail();
        if (stops.matched() || complete) {
            finish(FinishReason.STOP, id, piece, logprob);
        } else if (count >= maxNew) {
            finish(FinishReason.LENGTH, id, piece, logprob);
        } else {
            text.append(piece);
            handle.token(new TokenEvent(events++, id, piece, null, null, logprob));
            return false;
        }
        return true;
    }

    /** Ends the stream with a final event carrying the finish reason and the usage. */
    void finish(FinishReason reason, int tokenId, String piece) {
        finish(reason, tokenId, piece, null);
    }

    private void finish(FinishReason reason, int tokenId, String piece, TokenLogprob logprob) {
        if (state == State.DONE) return;
        state = State.DONE;
        text.append(piece);
        Usage usage = new Usage(promptLength(), sampled, restored);
        metrics.finished(reason, admitted == 0 ? 0 : System.nanoTime() - admitted);
        handle.finish(
                new TokenEvent(events++, tokenId, piece, reason, usage, logprob),
                new Completion(
                        handle.id(),
                        adapterId(),
                        Arrays.copyOf(generated, count),
                        text.toString(),
                        reason,
                        usage,
                        logprobs));
    }

    void fail(Throwable error) {
        if (state == State.DONE) return;
        state = State.DONE;
        metrics.failed();
        handle.fail(error);
    }

    boolean done() {
        return state == State.DONE;
    }

    /** Text the decoder and the stop matcher still hold back, at the end of generation. */
    private String tail() {
        String flushed = stops.accept(decoder.flush());
        return stops.matched() ? flushed : flushed + stops.flush();
    }
}
