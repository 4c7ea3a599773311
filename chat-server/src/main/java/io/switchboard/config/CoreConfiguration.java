package io.switchboard.config;

import io.switchboard.protocol.FrameCodec;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** Beans every feature shares: the node's name and the frame codec. */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(SwitchboardProperties.class)
class CoreConfiguration {

    @Bean
    NodeId nodeId(SwitchboardProperties properties) {
        return NodeId.from(properties);
    }

    @Bean
    FrameCodec frameCodec(SwitchboardProperties properties) {
        return new FrameCodec(properties.limits().maxTextLength());
    }
}
