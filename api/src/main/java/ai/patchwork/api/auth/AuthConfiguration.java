package ai.patchwork.api.auth;

import ai.patchwork.api.platform.ConditionalOnRole;
import ai.patchwork.api.platform.Role;
import ai.patchwork.api.web.RequestArgument;
import java.util.List;
import javax.sql.DataSource;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.sql.init.dependency.DependsOnDatabaseInitialization;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;
import org.springframework.web.method.support.HandlerMethodArgumentResolver;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;

/** Keys for every role (each one serves some of {@code /v1}); the bootstrap keys with the api role. */
@Configuration(proxyBeanMethods = false)
class AuthConfiguration implements WebMvcConfigurer {

    @Bean
    @DependsOnDatabaseInitialization
    KeyStore keyStore(DataSource dataSource) {
        return new KeyStore(dataSource);
    }

    @Bean
    KeyCache keyCache(KeyStore store, AuthProperties properties) {
        return new KeyCache(store, properties.cacheTtl());
    }

    @Bean(destroyMethod = "close")
    @DependsOnDatabaseInitialization
    KeyEvents keyEvents(DataSource dataSource, KeyCache cache) {
        return new KeyEvents(dataSource, cache);
    }

    @Bean
    FilterRegistrationBean<AuthFilter> authFilter(ObjectProvider<KeyCache> cache) {
        FilterRegistrationBean<AuthFilter> bean = new FilterRegistrationBean<>(new AuthFilter(cache::getObject));
        bean.setOrder(Ordered.HIGHEST_PRECEDENCE + 10);
        return bean;
    }

    /** Installs the bootstrap keys once the schema is in place. */
    @Bean
    @ConditionalOnRole(Role.API)
    @DependsOnDatabaseInitialization
    BootstrapKeys bootstrapKeys(DataSource dataSource, KeyStore keys, AuthProperties properties) {
        AuthBootstrap.run(dataSource, keys, properties);
        return new BootstrapKeys();
    }

    /** Marks that the bootstrap keys are installed. */
    static final class BootstrapKeys {}

    @Override
    public void addArgumentResolvers(List<HandlerMethodArgumentResolver> resolvers) {
        resolvers.add(new RequestArgument<>(Caller.class, (request, parameter, binders) -> AuthFilter.caller(request)));
    }
}
