package io.switchboard;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.actuate.autoconfigure.web.ManagementContextConfiguration;
import org.springframework.boot.autoconfigure.AutoConfigurationExcludeFilter;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.context.TypeExcludeFilter;
import org.springframework.context.annotation.ComponentScan;
import org.springframework.context.annotation.FilterType;

/**
 * One Switchboard node: a WebSocket endpoint at {@code /ws} relaying chat through a broker.
 * {@code @SpringBootApplication}'s scan, except the management port's own configurations (the
 * management credentials, the console's page): they belong to the management port's context only,
 * never the chat port's.
 */
@SpringBootConfiguration
@EnableAutoConfiguration
@ComponentScan(excludeFilters = {
        @ComponentScan.Filter(type = FilterType.CUSTOM, classes = TypeExcludeFilter.class),
        @ComponentScan.Filter(type = FilterType.CUSTOM, classes = AutoConfigurationExcludeFilter.class),
        @ComponentScan.Filter(type = FilterType.ANNOTATION, classes = ManagementContextConfiguration.class)})
public class SwitchboardApplication {

    /**
     * Netty's buffer leak detector (Lettuce's transport) off unless asked for with
     * {@code -Dio.netty.leakDetection.level=...}: at its default it records a stack trace for one
     * buffer in 128, about 1.5% of a publishing node's CPU at 20,000 deliveries/s
     * (docs/benchmarks.md). The tests, which do not start here, keep it.
     */
    public static void main(String[] args) {
        if (System.getProperty("io.netty.leakDetection.level") == null) {
            System.setProperty("io.netty.leakDetection.level", "disabled");
        }
        SpringApplication.run(SwitchboardApplication.class, args);
    }
}
