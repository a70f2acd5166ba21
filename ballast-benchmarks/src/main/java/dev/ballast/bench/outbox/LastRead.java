package dev.ballast.bench.outbox;

/**
 * A consumer reading a trial's topic or queue on a thread of its own, which stamps the moment it has read every
 * expected event: the end of a drain's window, for every peer alike.
 */
@SuppressWarnings("try") // a consumer's close() may wait for its thread; an interrupt then is the caller's to handle
interface LastRead extends AutoCloseable {

    /** The {@code System.nanoTime()} at which every expected event had been read; waits at most 30 minutes. */
    long awaitLast() throws Exception;

    /** Opens the consumer before the drain starts, so that joining the topic or queue is not inside the window. */
    @FunctionalInterface
    interface Opener {
        LastRead open() throws Exception;
    }
}
