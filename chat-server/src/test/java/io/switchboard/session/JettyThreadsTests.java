package io.switchboard.session;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.support.Actuator;
import io.switchboard.support.Node;
import java.util.Arrays;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.VirtualThreads;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.eclipse.jetty.util.thread.ThreadPool;
import org.junit.jupiter.api.Test;

class JettyThreadsTests {

    /**
     * Spring Boot's own pool for virtual threads runs Jetty's selectors on virtual threads too, and
     * every read then wakes the JDK's poller first (docs/benchmarks.md): the node keeps them on
     * platform threads of its own pool, and each frame's handling on a virtual thread.
     */
    @Test
    void selectorsWaitOnPlatformThreadsAndFramesAreHandledOnVirtualThreads() {
        try (Node node = Node.inMemory()) {
            ThreadPool pool = node.jetty().getThreadPool();
            assertThat(pool).isInstanceOf(QueuedThreadPool.class);
            assertThat(VirtualThreads.isUseVirtualThreads(pool)).as("frames and requests on virtual threads").isTrue();
            assertThat(Thread.getAllStackTraces().entrySet()) // platform threads only: virtual ones are not listed
                    .as("a selector waiting on a platform thread of the node's pool")
                    .anyMatch(thread -> thread.getKey().getName().startsWith("jetty-")
                            && Arrays.stream(thread.getValue()).anyMatch(frame ->
                                    frame.getClassName().startsWith("org.eclipse.jetty.io.ManagedSelector")));
        }
    }

    /**
     * The selector accepts connections as epoll reports them: no acceptor thread waits in {@code
     * accept()} to be woken for each connection and then wake the selector with it (docs/benchmarks.md,
     * "Nothing in front of a handshake"), on the chat port and on every additional port.
     */
    @Test
    void connectionsAreAcceptedBySelectorsWithoutAcceptorThreads() throws Exception {
        try (Node node = Node.inMemory("switchboard.additional-ports=0")) {
            assertThat(node.jetty().getConnectors()).hasSizeGreaterThan(1)
                    .allSatisfy(connector -> assertThat(((ServerConnector) connector).getAcceptors()).isZero());
            assertThat(Thread.getAllStackTraces().values()).as("no thread blocked in accept()")
                    .noneMatch(stack -> Arrays.stream(stack).anyMatch(frame ->
                            frame.getClassName().equals("org.eclipse.jetty.server.AbstractConnector$Acceptor")));
            assertThat(Actuator.handshake(node.port()).status()).as("a handshake accepted").isEqualTo(101);
        }
    }
}
