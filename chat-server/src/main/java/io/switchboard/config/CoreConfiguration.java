package io.switchboard.config;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.switchboard.protocol.ErrorCode;
import io.switchboard.protocol.FrameCodec;
import java.util.EnumMap;
import java.util.Map;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** Beans every feature shares: the node's name and the frame codec. */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties({SwitchboardProperties.class, WebhookProperties.class})
class CoreConfiguration {

    @Bean
    NodeId nodeId(SwitchboardProperties properties) {
        return NodeId.from(properties);
    }

    /**
     * The codec, counting every {@code error} frame it encodes in {@code switchboard.errors{code}}
     * (see {@link FrameCodec.ErrorListener}): one counter per code, registered here so that every
     * code shows from the first scrape, at 0, and counting one is a lookup and an add.
     */
    @Bean
    FrameCodec frameCodec(SwitchboardProperties properties, MeterRegistry meters) {
        Map<ErrorCode, Counter> errors = new EnumMap<>(ErrorCode.class);
        for (ErrorCode code : ErrorCode.values()) {
            errors.put(code, Counter.builder("switchboard.errors").tag("code", code.wire())
                    .description("error frames sent to clients, by code").register(meters));
        }
        return new FrameCodec(properties.limits().maxTextLength(), code -> errors.get(code).increment());
    }
}
