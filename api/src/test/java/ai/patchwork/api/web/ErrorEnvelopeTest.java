package ai.patchwork.api.web;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.patchwork.api.ApiClient;
import ai.patchwork.api.ApiClient.Response;
import ai.patchwork.api.ApiTest;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.web.server.LocalServerPort;

/** Errors that Spring raises before a controller runs come back in OpenAI's envelope too. */
@ApiTest
class ErrorEnvelopeTest {
    @LocalServerPort
    int port;

    private ApiClient api() {
        return new ApiClient(port);
    }

    @Test
    void unknownAdapterIs404WithAllFourKeys() {
        Response r = api().get("/v1/adapters/adp-" + "0".repeat(24));
        assertEquals(404, r.status());
        assertEquals(
                "{\"error\":{\"message\":\"no adapter 'adp-000000000000000000000000'\",\"type\":"
                        + "\"invalid_request_error\",\"param\":\"adapter\",\"code\":\"adapter_not_found\"}}",
                r.text());
    }

    @Test
    void unknownEndpointIs404() {
        Response r = api().get("/v1/nothing-here");
        assertEquals(404, r.status());
        assertEquals("no endpoint /v1/nothing-here", r.errorMessage());
    }

    @Test
    void wrongMethodIs405() {
        Response r = api().delete("/v1/adapters");
        assertEquals(405, r.status());
        assertEquals("method DELETE is not allowed here", r.errorMessage());
    }

    @Test
    void jsonWhereMultipartIsExpectedIs415() {
        Response r = api().post("/v1/adapters", "application/json", "{\"name\":\"x\"}");
        assertEquals(415, r.status());
        assertEquals(
                "Content-Type 'application/json' is not supported here; use [multipart/form-data]", r.errorMessage());
    }

    @Test
    void badQueryParametersAre400() {
        Response notInt = api().get("/v1/adapters?limit=ten");
        assertEquals(400, notInt.status());
        assertEquals("limit must be an integer, got 'ten'", notInt.errorMessage());
        assertEquals("limit", notInt.json().path("error").path("param").asString());
        Response tooMany = api().get("/v1/adapters?limit=1000");
        assertEquals(400, tooMany.status());
        assertEquals("limit must be between 1 and 100, got 1000", tooMany.errorMessage());
        Response cursor = api().get("/v1/adapters?after=foo");
        assertEquals("after must be an adapter id (adp-…), got 'foo'", cursor.errorMessage());
        Response gone = api().get("/v1/adapters?after=adp-" + "9".repeat(24));
        assertEquals("after: no adapter 'adp-999999999999999999999999'", gone.errorMessage());
    }

    @Test
    void deleteByBareNameIs400() {
        Response r = api().delete("/v1/adapters/some-name");
        assertEquals(400, r.status());
        assertEquals(
                "delete needs an adapter id (adp-…) or name@version, not the bare name 'some-name'", r.errorMessage());
    }
}
