package dev.wirelab.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.util.function.Predicate;

/** CPU time (user + system) that threads used, as the JVM reads it from the OS. */
final class ThreadCpu {

    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    private ThreadCpu() {
    }

    /** CPU nanoseconds {@code t} used so far; 0 once it ended. */
    static long of(Thread t) {
        return Math.max(0, THREADS.getThreadCpuTime(t.threadId()));
    }

    /** CPU nanoseconds used so far by the live threads whose name starts with {@code prefix}. */
    static long ofNamed(String prefix) {
        return ofNamed(name -> name.startsWith(prefix));
    }

    /** CPU nanoseconds used so far by the live threads whose name {@code matches}. */
    static long ofNamed(Predicate<String> matches) {
        long sum = 0;
        // Thread infos without stack traces: cheap enough not to disturb the threads measured.
        for (long id : THREADS.getAllThreadIds()) {
            ThreadInfo info = THREADS.getThreadInfo(id);
            if (info != null && matches.test(info.getThreadName())) {
                sum += Math.max(0, THREADS.getThreadCpuTime(id));
            }
        }
        return sum;
    }
}
