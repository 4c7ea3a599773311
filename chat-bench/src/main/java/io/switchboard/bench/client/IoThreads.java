package io.switchboard.bench.client;

import java.util.concurrent.Executor;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * The few threads that do all of the benchmark's network I/O, and the executor Jetty's client is
 * given. A task handed over on one of these threads runs there at once; only a task from another
 * thread (a handshake started by the main thread, a reconnect by the timer) is queued on the pool.
 *
 * <p>Why: Jetty's selector hands every readable connection to the executor, because Jetty cannot
 * know that the handler will not block. Queued, that costs per frame a thread wake-up, a wake-up of
 * the selector when the connection asks to read again, and two {@code epoll_ctl} calls to take the
 * connection out of the selector and put it back; measured, that kernel time was half of the
 * generator's CPU, more than the servers spent delivering the frames. Run in place, the selector
 * thread reads, parses and handles the frames of the connections it selected itself, and the
 * connection is interested in reading again before the selector looks at its keys: no hand-off, no
 * wake-up and no {@code epoll_ctl}, as in an event loop (Node's, for one).
 *
 * <p>What runs here must not block: a member's frame handling only records counts and queues frames
 * to send. Each selector keeps one of these threads for good, so the pool has one per selector and
 * a spare for tasks from other threads.
 */
final class IoThreads implements Executor, AutoCloseable {

    private static final int IDLE_TIMEOUT_MS = 60_000;
    private static final int NO_RESERVED_THREADS = 0;

    private final ThreadGroup group = new ThreadGroup("bench-io");
    private final QueuedThreadPool pool;

    /** @param selectors how many selectors will run on the pool */
    IoThreads(int selectors) {
        int size = selectors + 1;
        pool = new QueuedThreadPool(size, size, IDLE_TIMEOUT_MS, NO_RESERVED_THREADS, null, group);
        pool.setName("bench-io");
        pool.setDaemon(true);
    }

    void start() throws Exception {
        pool.start();
    }

    @Override
    public void execute(Runnable task) {
        if (Thread.currentThread().getThreadGroup() == group) {
            task.run();
        } else {
            pool.execute(task);
        }
    }

    @Override
    public void close() throws Exception {
        pool.stop();
    }
}
