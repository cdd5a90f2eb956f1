package ai.patchwork.api.limits;

import javax.sql.DataSource;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The rate limiter (serving and api roles admit requests) and the quotas (the api role checks uploads and jobs). */
@Configuration(proxyBeanMethods = false)
class LimitsConfiguration {

    @Bean
    RateLimiter rateLimiter(DataSource dataSource) {
        return new RateLimiter(dataSource);
    }

    @Bean
    Quotas quotas(DataSource dataSource) {
        return new Quotas(dataSource);
    }
}
