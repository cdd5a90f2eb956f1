package ai.patchwork.api.ui;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.patchwork.api.platform.Role;
import java.util.EnumSet;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.springframework.mock.web.MockFilterChain;
import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.mock.web.MockHttpServletResponse;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

class UiUnavailableFilterTest {

    @Test
    void withTheApiRoleTheUiIsServed() throws Exception {
        MockFilterChain chain = new MockFilterChain();
        MockHttpServletResponse response = new MockHttpServletResponse();
        new UiUnavailableFilter(() -> EnumSet.allOf(Role.class))
                .doFilter(new MockHttpServletRequest("GET", "/"), response, chain);
        assertNotNull(chain.getRequest(), "the request goes on to the static resources");
        assertEquals(200, response.getStatus());
    }

    @Test
    void withoutTheApiRoleTheUiPathsAnswer404SayingWhereTheUiIs() throws Exception {
        MockFilterChain chain = new MockFilterChain();
        MockHttpServletResponse response = new MockHttpServletResponse();
        new UiUnavailableFilter(() -> Set.of(Role.SERVING, Role.WORKER))
                .doFilter(new MockHttpServletRequest("GET", "/ui/app.js"), response, chain);
        assertNull(chain.getRequest());
        assertEquals(404, response.getStatus());
        assertTrue(response.getContentType().startsWith("application/json"), response.getContentType());
        JsonNode error = JsonMapper.builder()
                .build()
                .readTree(response.getContentAsString())
                .path("error");
        assertEquals(
                "The web UI is served by processes with the api role; this one runs serving, worker.",
                error.path("message").asString());
        assertEquals("ui_not_served", error.path("code").asString());
        assertEquals("invalid_request_error", error.path("type").asString());
    }

    @Test
    void theFilterCoversThePageItsAssetsAndTheWebJars() {
        var bean = new UiConfiguration().uiUnavailableFilter(null);
        assertEquals(Set.of("/", "/index.html", "/ui/*", "/webjars/*"), Set.copyOf(bean.getUrlPatterns()));
    }
}
