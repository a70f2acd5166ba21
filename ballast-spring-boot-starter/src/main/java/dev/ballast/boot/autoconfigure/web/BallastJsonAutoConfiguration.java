package dev.ballast.boot.autoconfigure.web;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.jackson.autoconfigure.JsonMapperBuilderCustomizer;
import org.springframework.context.annotation.Bean;
import tools.jackson.core.StreamReadFeature;

/**
 * {@code ballast.web.reject-duplicate-fields} (default true): the application's JSON mapper refuses an object that
 * names a field twice ({@code {"quantity": 10, "quantity": 20}}), which Jackson would read as its last value; parsers
 * differ on which one they keep. A request body with it is a 400 ({@code MALFORMED_JSON} naming the field with problem
 * details on). Independent of {@code ballast.web.problem-details.enabled}.
 */
@AutoConfiguration
@ConditionalOnClass(
        name = {
            "org.springframework.boot.jackson.autoconfigure.JsonMapperBuilderCustomizer",
            "tools.jackson.core.StreamReadFeature"
        })
@ConditionalOnProperty(
        prefix = "ballast.web",
        name = "reject-duplicate-fields",
        havingValue = "true",
        matchIfMissing = true)
public final class BallastJsonAutoConfiguration {

    @Bean
    @ConditionalOnMissingBean(name = "ballastDuplicateFieldsCustomizer")
    JsonMapperBuilderCustomizer ballastDuplicateFieldsCustomizer() {
        return builder -> builder.enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION);
    }
}
