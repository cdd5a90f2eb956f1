package ai.patchwork.serving;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.patchwork.model.grammar.Grammar;
import ai.patchwork.model.sample.SamplingParams;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

/**
 * Structured outputs on a random-weight model (it never writes JSON by itself): 200 requests, 120 of them constrained
 * by ten different schemas, mixed in one batch with unconstrained requests and with adapters. Every constrained output
 * parses and validates against its schema (networknt's validator, draft 2020-12), and the unconstrained rows' tokens
 * equal a run without constrained neighbours.
 */
class StructuredOutputTest {
    static final List<String> SCHEMAS = List.of("""
      {"type": "object", "properties": {"name": {"type": "string", "maxLength": 10}, "age": {"type": "integer"}},
       "required": ["name", "age"], "additionalProperties": false}""", """
      {"type": "object", "properties": {"ok": {"type": "boolean"}, "note": {"type": ["string", "null"],
       "maxLength": 6}}, "required": ["ok"], "additionalProperties": false}""", """
      {"type": "object", "properties": {"color": {"enum": ["red", "green", "blue", 7, null]}},
       "required": ["color"], "additionalProperties": false}""", """
      {"type": "object", "properties": {"tags": {"type": "array", "items": {"type": "string", "maxLength": 5},
       "minItems": 1, "maxItems": 3}}, "required": ["tags"], "additionalProperties": false}""", """
      {"type": "object", "properties": {"point": {"type": "object", "properties": {"x": {"type": "number"},
       "y": {"type": "number"}}, "required": ["x", "y"], "additionalProperties": false},
       "label": {"const": "p"}}, "required": ["point", "label"], "additionalProperties": false}""", """
      {"type": "object", "properties": {"rows": {"type": "array", "maxItems": 2, "items": {"type": "object",
       "properties": {"id": {"type": "integer"}, "v": {"type": "array", "items": {"type": "integer"}, "maxItems": 3}},
       "required": ["id", "v"], "additionalProperties": false}}},
       "required": ["rows"], "additionalProperties": false}""", """
      {"type": "object", "properties": {"a": {"type": "string", "minLength": 2, "maxLength": 4},
       "b": {"type": "string", "maxLength": 3}, "c": {"type": "integer"}}, "required": ["c"],
       "additionalProperties": false}""", """
      {"type": "array", "items": {"enum": ["yes", "no"]}, "minItems": 2, "maxItems": 4}""", """
      {"type": "object", "title": "Answer", "description": "a classification",
       "properties": {"label": {"enum": ["positive", "negative", "neutral"]}, "confidence": {"type": "number"},
       "reasons": {"type": "array", "items": {"type": "string", "maxLength": 8}, "maxItems": 2}},
       "required": ["label", "confidence", "reasons"], "additionalProperties": false}""", """
      {"type": "object", "properties": {"meta": {"type": "object", "properties": {"k": {"type": "null"},
       "n": {"type": ["integer", "string"], "maxLength": 3}}, "required": ["k", "n"], "additionalProperties": false},
       "flag": {"type": "boolean"}}, "required": ["meta", "flag"], "additionalProperties": false}""");
    static final String[] ADAPTERS = {null, "all-r8", "qv-r4-rslora"};

    record Job(EngineRequest request, int schema) {}

    private static InferenceEngine start() {
        EngineConfig config = EngineConfig.builder(Fixtures.model())
                .optMaxBatchSize(16)
                .optAdapterSlots(3)
                .optPrefillChunk(8)
                .optMaxQueued(256)
                .optIntraOpThreads(1)
                .build();
        return InferenceEngine.start(config, new FolderAdapterSource(Fixtures.adapters()), new SimpleMeterRegistry());
    }

    private static EngineRequest request(int i, Grammar grammar) {
        SamplingParams sampling =
                new SamplingParams(1.0, 1, 0, 1000 + i, grammar == null ? 24 : 200, Set.of(), List.of());
        return new EngineRequest(
                TinyWorld.prompt(4 + i % 7, i), ADAPTERS[i % 3], sampling, grammar == null, -1, grammar);
    }

    @Test
    void everyConstrainedOutputValidatesAndUnconstrainedRowsAreUnchanged() throws Exception {
        List<Grammar> grammars = new ArrayList<>();
        List<JsonSchema> validators = new ArrayList<>();
        JsonSchemaFactory factory = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012);
        for (String s : SCHEMAS) {
            grammars.add(Grammar.schema(JsonMapper.shared().readTree(s)));
            validators.add(factory.getSchema(s));
        }
        List<Job> jobs = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            boolean constrained = i % 5 < 3;
            int schema = constrained ? (i / 5 * 3 + i % 5) % SCHEMAS.size() : -1;
            jobs.add(new Job(request(i, constrained ? grammars.get(schema) : null), schema));
        }

        List<Completion> mixed = new ArrayList<>();
        List<Completion> alone = new ArrayList<>();
        try (InferenceEngine engine = start()) {
            List<GenerationHandle> handles = new ArrayList<>();
            for (Job j : jobs) handles.add(engine.submit(j.request()));
            for (GenerationHandle h : handles) mixed.add(h.completion().get(300, TimeUnit.SECONDS));
        }
        try (InferenceEngine engine = start()) {
            List<GenerationHandle> handles = new ArrayList<>();
            for (Job j : jobs) if (j.schema() < 0) handles.add(engine.submit(j.request()));
            for (GenerationHandle h : handles) alone.add(h.completion().get(300, TimeUnit.SECONDS));
        }

        ObjectMapper jackson2 = new ObjectMapper();
        int constrained = 0;
        int unconstrained = 0;
        for (int i = 0; i < jobs.size(); i++) {
            Job j = jobs.get(i);
            Completion c = mixed.get(i);
            if (j.schema() < 0) {
                assertArrayEquals(alone.get(unconstrained++).tokenIds(), c.tokenIds(), "unconstrained request " + i);
                continue;
            }
            constrained++;
            assertEquals(FinishReason.STOP, c.finishReason(), "request " + i + ": " + c.text());
            JsonNode value = jackson2.readTree(c.text());
            assertTrue(value.isObject() || value.isArray(), "request " + i + ": " + c.text());
            Set<ValidationMessage> errors = validators.get(j.schema()).validate(value);
            assertTrue(errors.isEmpty(), "request " + i + " (schema " + j.schema() + "): " + c.text() + " " + errors);
        }
        assertEquals(120, constrained);
        assertEquals(80, unconstrained);
    }
}
