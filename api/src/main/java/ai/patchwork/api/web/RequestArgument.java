package ai.patchwork.api.web;

import org.springframework.core.MethodParameter;
import org.springframework.web.bind.support.WebDataBinderFactory;
import org.springframework.web.context.request.NativeWebRequest;
import org.springframework.web.method.support.HandlerMethodArgumentResolver;
import org.springframework.web.method.support.ModelAndViewContainer;

/**
 * A controller method argument that is read from the request by its type alone, whatever the parameter's name (the
 * authenticated caller, a list's {@link Cursor}).
 *
 * @param type the parameter type it supplies
 * @param reader reads the argument for one parameter of one request
 */
public record RequestArgument<T>(Class<T> type, Reader<T> reader) implements HandlerMethodArgumentResolver {

    /** Reads the argument; {@code binders} convert query parameters as {@code @RequestParam} would. */
    @FunctionalInterface
    public interface Reader<T> {
        T read(NativeWebRequest request, MethodParameter parameter, WebDataBinderFactory binders) throws Exception;
    }

    @Override
    public boolean supportsParameter(MethodParameter parameter) {
        return parameter.getParameterType() == type;
    }

    @Override
    public T resolveArgument(
            MethodParameter parameter,
            ModelAndViewContainer mav,
            NativeWebRequest request,
            WebDataBinderFactory binders)
            throws Exception {
        return reader.read(request, parameter, binders);
    }
}
