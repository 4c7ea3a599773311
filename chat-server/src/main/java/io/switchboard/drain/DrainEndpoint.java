package io.switchboard.drain;

import io.switchboard.cluster.NodeRegistry.DrainRefusal;
import java.time.Duration;
import java.util.Optional;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.actuate.endpoint.annotation.DeleteOperation;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;
import org.springframework.boot.actuate.endpoint.annotation.WriteOperation;
import org.springframework.boot.actuate.endpoint.web.WebEndpointResponse;

/**
 * {@code /actuator/drain}, on the management port only (modelled on Boot's {@code ShutdownEndpoint}).
 * <ul>
 *   <li>{@code POST} (optional JSON body {@code {"window":"30s"}} or {@code {"rate":200}}, and
 *       {@code "force":true}): starts draining this node and answers the drain's state; repeated
 *       while one runs, it answers the running drain. Refused with {@code 409} and the reason when
 *       another node is draining or no other node is ready, unless forced.</li>
 *   <li>{@code GET}: the drain's state.</li>
 *   <li>{@code DELETE}: cancels it; the node takes traffic again (not a shutdown's drain).</li>
 * </ul>
 */
@Endpoint(id = "drain")
public class DrainEndpoint {

    private final DrainCoordinator drain;

    DrainEndpoint(DrainCoordinator drain) {
        this.drain = drain;
    }

    @ReadOperation
    public DrainStatus status() {
        return drain.status();
    }

    @WriteOperation
    public WebEndpointResponse<Object> start(@Nullable Duration window, @Nullable Double rate, @Nullable Boolean force) {
        if (window != null && (window.isNegative() || window.isZero()) || rate != null && rate <= 0) {
            return new WebEndpointResponse<>(new Refused("window must be positive and rate above 0", drain.status()),
                    WebEndpointResponse.STATUS_BAD_REQUEST);
        }
        Optional<DrainRefusal> refusal = drain.start(window, rate, Boolean.TRUE.equals(force));
        if (refusal.isPresent()) {
            return new WebEndpointResponse<>(new Refused(refusal.get().reason(), drain.status()), 409);
        }
        return new WebEndpointResponse<>(drain.status(), WebEndpointResponse.STATUS_OK);
    }

    @DeleteOperation
    public DrainStatus cancel() {
        drain.cancel();
        return drain.status();
    }

    /**
     * The answer to a drain that may not start now.
     *
     * @param error why; {@code "force": true} overrides the cluster's rules
     * @param drain this node's drain state
     */
    public record Refused(String error, DrainStatus drain) {}
}
