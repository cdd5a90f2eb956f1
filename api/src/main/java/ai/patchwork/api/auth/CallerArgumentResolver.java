package ai.patchwork.api.auth;

import org.springframework.core.MethodParameter;
import org.springframework.web.bind.support.WebDataBinderFactory;
import org.springframework.web.context.request.NativeWebRequest;
import org.springframework.web.context.request.RequestAttributes;
import org.springframework.web.method.support.HandlerMethodArgumentResolver;
import org.springframework.web.method.support.ModelAndViewContainer;

/** Lets a controller method take the {@link Caller} that {@link AuthFilter} authenticated. */
final class CallerArgumentResolver implements HandlerMethodArgumentResolver {

    @Override
    public boolean supportsParameter(MethodParameter parameter) {
        return parameter.getParameterType() == Caller.class;
    }

    @Override
    public Caller resolveArgument(
            MethodParameter parameter,
            ModelAndViewContainer mav,
            NativeWebRequest request,
            WebDataBinderFactory binders) {
        Object caller = request.getAttribute(AuthFilter.CALLER, RequestAttributes.SCOPE_REQUEST);
        if (caller == null) throw new IllegalStateException("no authenticated caller: the route is not under /v1");
        return (Caller) caller;
    }
}
