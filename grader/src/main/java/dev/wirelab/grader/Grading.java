package dev.wirelab.grader;

import dev.wirelab.common.Cli;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Consumer;

/**
 * Runs scenarios, several at once where that is safe (each has its own server and ports), and
 * the ones that measure time alone, after the others. Results are handed on in the scenarios'
 * order as soon as each is known, so a report can print its rows while the rest still run.
 */
public final class Grading {

    /** Runs one scenario within its (already scaled) time limit. */
    @FunctionalInterface
    public interface Runner<S extends Scenario> {
        Result run(S scenario, Duration limit) throws Exception;
    }

    private Grading() {
    }

    /**
     * @param progress told of each scenario as it starts and ends, from the thread that runs it
     * @param inOrder  given each result in the scenarios' order, as soon as it and those before it are known
     */
    public static <S extends Scenario> List<Result> run(List<S> scenarios, Runner<S> runner, int jobs, double timeScale,
                                                        Progress progress, Consumer<Result> inOrder)
            throws InterruptedException {
        List<Future<Result>> futures = new ArrayList<>();
        CountDownLatch parallelDone = new CountDownLatch((int) scenarios.stream().filter(s -> !s.solo()).count());
        try (ExecutorService parallel = Executors.newFixedThreadPool(Math.max(1, jobs), r -> Thread.ofPlatform().daemon().name("grade").unstarted(r));
             ExecutorService alone = Executors.newSingleThreadExecutor(r -> Thread.ofPlatform().daemon().name("grade-solo").unstarted(r))) {
            for (S s : scenarios) {
                Duration limit = scaled(s.limit(), timeScale);
                if (s.solo()) {
                    futures.add(alone.submit(() -> {
                        parallelDone.await();
                        return observed(progress, runner, s, limit);
                    }));
                } else {
                    futures.add(parallel.submit(() -> {
                        try {
                            return observed(progress, runner, s, limit);
                        } finally {
                            parallelDone.countDown();
                        }
                    }));
                }
            }
            List<Result> results = new ArrayList<>();
            for (Future<Result> f : futures) {
                Result r;
                try {
                    r = f.get();
                } catch (ExecutionException e) {
                    throw new IllegalStateException(e.getCause());
                }
                results.add(r);
                inOrder.accept(r);
            }
            return results;
        }
    }

    /** Told as scenarios start and end, in whatever order they do. */
    public interface Progress {
        void started(Scenario s);

        void finished(Result r);
    }

    private static <S extends Scenario> Result observed(Progress progress, Runner<S> runner, S s, Duration limit) {
        progress.started(s);
        Result r = safely(runner, s, limit);
        progress.finished(r);
        return r;
    }

    /** A limit times the scale, at least 100 ms. */
    public static Duration scaled(Duration limit, double scale) {
        return Duration.ofMillis(Math.max(100, Math.round(limit.toMillis() * scale)));
    }

    private static <S extends Scenario> Result safely(Runner<S> runner, S s, Duration limit) {
        long start = System.nanoTime();
        try {
            return runner.run(s, limit);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return broken(s, "the grader was interrupted", start, limit);
        } catch (Exception | Error e) {
            return broken(s, "the grader could not run this scenario: " + Cli.describe(e), start, limit);
        }
    }

    private static Result broken(Scenario s, String why, long start, Duration limit) {
        return Result.fail(s, why, List.of(), List.of(), Duration.ofNanos(System.nanoTime() - start), limit, null);
    }
}
