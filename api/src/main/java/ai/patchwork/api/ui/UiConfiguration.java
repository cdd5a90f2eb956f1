package ai.patchwork.api.ui;

import ai.patchwork.api.platform.PatchworkProperties;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;

/**
 * Spring Boot serves {@code static/index.html} at {@code /} and the WebJars under {@code /webjars/} in every process;
 * a worker or serving process has no {@code /v1/adapters} or {@code /v1/fine_tuning} for that page to call, so there
 * the UI's paths are refused instead of loading a page that cannot work.
 */
@Configuration(proxyBeanMethods = false)
class UiConfiguration {

    /** The UI's paths: the page, its scripts and styles, and the WebJars. */
    static final String[] UI_PATHS = {"/", "/index.html", "/ui/*", "/webjars/*"};

    /**
     * The roles are read at the first request, not here: filters are created when the web server starts, before test
     * or command-line property sources are complete, and binding {@link PatchworkProperties} that early would freeze
     * it for every other bean.
     */
    @Bean
    FilterRegistrationBean<UiUnavailableFilter> uiUnavailableFilter(ObjectProvider<PatchworkProperties> properties) {
        FilterRegistrationBean<UiUnavailableFilter> bean = new FilterRegistrationBean<>(
                new UiUnavailableFilter(() -> properties.getObject().roles()));
        bean.addUrlPatterns(UI_PATHS);
        bean.setOrder(Ordered.HIGHEST_PRECEDENCE + 100);
        return bean;
    }
}
