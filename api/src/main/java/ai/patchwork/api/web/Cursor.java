package ai.patchwork.api.web;

import org.springframework.beans.TypeMismatchException;
import org.springframework.core.MethodParameter;
import org.springframework.web.bind.WebDataBinder;
import org.springframework.web.bind.support.WebDataBinderFactory;
import org.springframework.web.context.request.NativeWebRequest;
import org.springframework.web.method.annotation.MethodArgumentTypeMismatchException;

/**
 * The cursor of OpenAI's list endpoints: their {@code limit} and {@code after} query parameters, which a controller
 * method takes as one argument. Each list keeps its own default page size; the query that reads the page checks the
 * bounds and the cursor.
 *
 * @param limit the page size asked for, or null when left out
 * @param after the id of the last item of the previous page, or null for the first page
 */
public record Cursor(Integer limit, String after) {

    /** The page size asked for, or {@code byDefault} when left out. */
    public int limitOr(int byDefault) {
        return limit == null ? byDefault : limit;
    }

    /**
     * The cursor of a request, its parameters converted as {@code @RequestParam(required = false)} converts them (an
     * empty {@code limit} is left out), so that a {@code limit} that is not an integer is the same 400
     * {@code invalid_parameter} as any other parameter's.
     */
    static Cursor read(NativeWebRequest request, MethodParameter parameter, WebDataBinderFactory binders)
            throws Exception {
        WebDataBinder binder = binders.createBinder(request, null, "cursor");
        return new Cursor(
                parameter(request, binder, parameter, "limit", Integer.class),
                parameter(request, binder, parameter, "after", String.class));
    }

    /** One query parameter converted to {@code type}, or null when it is absent ({@code limit}: or empty). */
    private static <T> T parameter(
            NativeWebRequest request, WebDataBinder binder, MethodParameter parameter, String name, Class<T> type) {
        String[] values = request.getParameterValues(name);
        if (values == null || (type != String.class && values.length == 1 && values[0].isEmpty())) return null;
        Object raw = values.length == 1 ? values[0] : values;
        try {
            return binder.convertIfNecessary(raw, type, parameter);
        } catch (TypeMismatchException e) {
            throw new MethodArgumentTypeMismatchException(raw, e.getRequiredType(), name, parameter, e.getCause());
        }
    }
}
