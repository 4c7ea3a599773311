package io.switchboard.room;

import io.micrometer.core.instrument.MeterRegistry;
import io.switchboard.broker.Broker;
import io.switchboard.config.SwitchboardProperties;
import io.switchboard.presence.Announcer;
import io.switchboard.presence.Presence;
import io.switchboard.protocol.FrameCodec;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

@Configuration(proxyBeanMethods = false)
class RoomConfiguration {

    /** One lane per core (at least two): room work is short and never waits on a client socket or on Redis. */
    @Bean(destroyMethod = "close")
    Rooms rooms(Broker broker, Presence presence, Announcer announcer, FrameCodec codec,
                SwitchboardProperties properties, MeterRegistry meters) {
        int lanes = Math.max(2, Runtime.getRuntime().availableProcessors());
        return new Rooms(broker, presence, announcer, codec,
                new RoomSettings(properties.history().maxReplay(), lanes, properties.rooms().laneCapacity()), meters);
    }
}
