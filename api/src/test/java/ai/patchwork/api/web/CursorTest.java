package ai.patchwork.api.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;
import org.springframework.core.MethodParameter;
import org.springframework.format.support.DefaultFormattingConversionService;
import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.web.bind.support.ConfigurableWebBindingInitializer;
import org.springframework.web.bind.support.DefaultDataBinderFactory;
import org.springframework.web.context.request.ServletWebRequest;
import org.springframework.web.method.annotation.MethodArgumentTypeMismatchException;

class CursorTest {

    @SuppressWarnings("unused") // the parameter the cursor is read for
    private static void list(Cursor cursor) {}

    private static Cursor read(String... nameValues) throws Exception {
        MockHttpServletRequest request = new MockHttpServletRequest("GET", "/v1/things");
        for (int i = 0; i < nameValues.length; i += 2) request.addParameter(nameValues[i], nameValues[i + 1]);
        ConfigurableWebBindingInitializer init = new ConfigurableWebBindingInitializer();
        init.setConversionService(new DefaultFormattingConversionService());
        MethodParameter parameter = new MethodParameter(CursorTest.class.getDeclaredMethod("list", Cursor.class), 0);
        return Cursor.read(new ServletWebRequest(request), parameter, new DefaultDataBinderFactory(init));
    }

    @Test
    void leftOutOrEmptyLimitTakesTheListsDefault() throws Exception {
        Cursor none = read();
        assertNull(none.after());
        assertEquals(20, none.limitOr(20));
        assertEquals(10, read("limit", "").limitOr(10));
        Cursor given = read("limit", "5", "after", "ftjob-1");
        assertEquals(5, given.limitOr(20));
        assertEquals("ftjob-1", given.after());
    }

    @Test
    void aLimitThatIsNotAnIntegerIsTheSameMismatchAsARequestParam() {
        MethodArgumentTypeMismatchException e =
                assertThrows(MethodArgumentTypeMismatchException.class, () -> read("limit", "ten"));
        assertEquals("limit", e.getName());
        assertEquals("ten", e.getValue());
        assertEquals(Integer.class, e.getRequiredType());
    }
}
