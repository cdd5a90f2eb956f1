package ai.patchwork.model.grammar;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

class GrammarTest {
    private static final JsonMapper JSON = JsonMapper.shared();
    private static final String PERSON = """
      {"type": "object", "additionalProperties": false, "required": ["name", "age", "tags"],
       "properties": {
         "name": {"type": "string", "maxLength": 8},
         "age": {"type": "integer"},
         "nick": {"type": ["string", "null"], "maxLength": 4},
         "tags": {"type": "array", "items": {"enum": ["a", "ab", 1, 10, true]}, "maxItems": 3},
         "kind": {"const": "person"},
         "score": {"type": "number"}}}""";

    private static Grammar schema(String json) {
        return Grammar.schema(JSON.readTree(json));
    }

    private static GrammarState feed(Grammar g, String text) {
        return g.start().accept(text.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void acceptsExactlyTheValuesOfTheSchema() {
        Grammar g = schema(PERSON);
        for (String ok : new String[] {
            "{\"name\":\"Zoë\",\"age\":-12,\"tags\":[]}",
            "{\"name\":\"\",\"age\":0,\"nick\":null,\"tags\":[\"ab\",10,1,true],\"kind\":\"person\",\"score\":3.25}"
        }) {
            GrammarState s = feed(g, ok);
            if (ok.contains("10,1")) {
                assertNull(s, "four tags exceed maxItems 3");
                continue;
            }
            assertNotNull(s, ok);
            assertTrue(s.complete(), ok);
        }
        GrammarState full = feed(
                g,
                "{\"name\":\"\",\"age\":0,\"nick\":null,\"tags\":[\"ab\",10,true],\"kind\":\"person\","
                        + "\"score\":3.25}");
        assertTrue(full != null && full.complete());
        for (String bad : new String[] {
            "{\"age\":1",
            "{\"name\":\"x\",\"tags\"",
            "{\"name\":\"123456789\"",
            "{ \"name\"",
            "{\"name\":\"a\\\"",
            "{\"name\":\"a\",\"age\":01",
            "{\"name\":\"a\",\"age\":1.5",
            "{\"name\":\"a\",\"age\":1,\"tags\":[\"b\"",
            "{\"name\":\"a\",\"age\":1,\"tags\":[],\"kind\":\"dog\"",
            "{\"name\":\"a\",\"age\":1,\"tags\":[],\"other\":1",
            "{\"name\":\"a\",\"age\":1,\"tags\":[]}x"
        }) {
            assertNull(feed(g, bad), bad);
        }
        assertFalse(feed(g, "{\"name\":\"a\",\"age\":1").complete());
    }

    @Test
    void stringsAreWellFormedUtf8() {
        Grammar g = schema("{\"type\": \"string\"}");
        assertTrue(g.start()
                .accept(new byte[] {'"', (byte) 0xE2, (byte) 0x82, (byte) 0xAC, '"'})
                .complete()); // €
        assertNull(g.start().accept(new byte[] {'"', (byte) 0xC0, (byte) 0x80})); // overlong
        assertNull(g.start().accept(new byte[] {'"', (byte) 0xED, (byte) 0xA0})); // surrogate
        assertNull(g.start().accept(new byte[] {'"', (byte) 0xE2, '"'})); // cut character
        assertNull(g.start().accept(new byte[] {'"', '\n'}));
    }

    @Test
    void aRootNumberCanFinishWithoutBeingComplete() {
        GrammarState s = feed(schema("{\"type\": \"number\"}"), "-3.5");
        assertFalse(s.complete());
        assertTrue(s.canFinish());
        assertFalse(feed(schema("{\"type\": \"number\"}"), "-").canFinish());
    }

    /** Random walks that take any allowed byte always end in JSON that parses and has the schema's shape. */
    @Test
    void randomWalksEndInValidJson() {
        Grammar g = schema(PERSON);
        Grammar any = Grammar.anyObject();
        SplittableRandom random = new SplittableRandom(1);
        for (int walk = 0; walk < 300; walk++) {
            JsonNode person = JSON.readTree(walk(g, random, 400));
            String name = person.path("name").asString();
            assertTrue(person.path("name").isString() && name.codePointCount(0, name.length()) <= 8, name);
            assertTrue(person.path("age").isIntegralNumber());
            assertTrue(person.path("tags").isArray() && person.path("tags").size() <= 3);
            if (person.has("kind")) assertEquals("person", person.path("kind").asString());
            String generic = walk(any, random, 100_000);
            assertTrue(JSON.readTree(generic).isObject(), generic);
        }
    }

    /** Bytes chosen at random among those the state allows, preferring to close once past {@code soft} bytes. */
    private static String walk(Grammar g, SplittableRandom random, int soft) {
        GrammarState s = g.start();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        while (!s.complete()) {
            List<Integer> allowed = new ArrayList<>();
            for (int b = 0; b < 256; b++) if (s.accept(b) != null) allowed.add(b);
            assertFalse(allowed.isEmpty(), "a dead end after " + out.toString(StandardCharsets.UTF_8));
            int b = allowed.get(random.nextInt(allowed.size()));
            if (out.size() > soft || random.nextInt(4) == 0) {
                for (int c : new int[] {'}', ']', '"', ','}) if (allowed.contains(c)) b = c;
            }
            out.write(b);
            s = s.accept(b);
            if (out.size() > 200_000) throw new AssertionError("no end: " + out.toString(StandardCharsets.UTF_8));
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    @Test
    void unsupportedKeywordsAreRefusedByName() {
        String[] keywords = {"pattern", "format", "minimum", "anyOf", "$ref", "oneOf", "patternProperties"};
        for (String keyword : keywords) {
            SchemaException e =
                    assertThrows(SchemaException.class, () -> schema("{\"type\": \"string\", \"" + keyword + "\": 1}"));
            assertEquals(keyword, e.keyword());
        }
        assertEquals(
                "type",
                assertThrows(SchemaException.class, () -> schema("{\"type\": [\"integer\", \"number\"]}"))
                        .keyword());
        assertEquals(
                "required",
                assertThrows(
                                SchemaException.class,
                                () -> schema(
                                        "{\"type\": \"object\", \"properties\": {\"a\": {}}, \"required\": [\"b\"]}"))
                        .keyword());
        assertEquals(
                "additionalProperties",
                assertThrows(
                                SchemaException.class,
                                () -> schema(
                                        "{\"type\": \"object\", \"additionalProperties\": {\"type\": \"string\"}}"))
                        .keyword());
    }
}
