package dev.wirelab.part2.cli;

import dev.wirelab.part2.FaultConfig;
import dev.wirelab.part2.FaultScript;
import dev.wirelab.part2.LossMode;

import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.time.Duration;

/** The fault flags shared by {@code echo-server} and {@code proxy}. */
final class FaultOptions {

    @Spec(Spec.Target.MIXEE)
    CommandSpec spec;

    @Option(names = "--delay", paramLabel = "SECONDS", defaultValue = "0",
            description = "Latency added to every reply, e.g. 1.0 (default: ${DEFAULT-VALUE}).")
    double delay;

    @Option(names = "--jitter", paramLabel = "SECONDS", defaultValue = "0",
            description = "Extra latency, uniform between 0 and this (default: ${DEFAULT-VALUE}).")
    double jitter;

    @Option(names = "--loss", paramLabel = "RATE", defaultValue = "0",
            description = "Probability 0.0..1.0 that a reply is lost (default: ${DEFAULT-VALUE}).")
    double loss;

    @Option(names = "--loss-mode", paramLabel = "MODE", defaultValue = "replace", converter = LossModeConverter.class,
            description = "replace: send \"Packet Loss\" instead (as the report does); drop: send nothing (default: replace).")
    LossMode lossMode;

    @Option(names = "--corrupt", paramLabel = "RATE", defaultValue = "0",
            description = "Probability that one random byte of a reply has all its bits flipped (default: ${DEFAULT-VALUE}).")
    double corrupt;

    @Option(names = "--duplicate", paramLabel = "RATE", defaultValue = "0",
            description = "Probability that a reply is sent twice (default: ${DEFAULT-VALUE}).")
    double duplicate;

    @Option(names = "--reset", paramLabel = "RATE", defaultValue = "0",
            description = "Probability that the connection is aborted with a TCP RST instead of a reply (default: ${DEFAULT-VALUE}).")
    double reset;

    @Option(names = "--burst", paramLabel = "MEAN", defaultValue = "0",
            description = "With --loss: losses come in bursts of this mean length (Gilbert-Elliott), at the same"
                    + " long-run rate; 0: independent losses (default: ${DEFAULT-VALUE}).")
    double burst;

    @Option(names = "--delay-dist", paramLabel = "DIST", defaultValue = "uniform", converter = DistConverter.class,
            description = "How --jitter is spread: uniform (0..jitter), normal (jitter = standard deviation, never"
                    + " below 0) or pareto (jitter = mean, a long tail) (default: uniform).")
    FaultConfig.DelayDistribution delayDist;

    @Option(names = "--reorder", paramLabel = "RATE", defaultValue = "0",
            description = "Probability that a reply is held back and sent after the next one (default: ${DEFAULT-VALUE}).")
    double reorder;

    @Option(names = "--rate", paramLabel = "BYTES_PER_S", defaultValue = "0",
            description = "Bandwidth of one connection's replies; the token bucket holds 10 ms of it or 1500 bytes,"
                    + " whichever is more; 0: no limit (default: ${DEFAULT-VALUE}).")
    long rate;

    @Option(names = "--slice", paramLabel = "BYTES", defaultValue = "0",
            description = "Write replies in pieces of at most BYTES, each its own segment; 0: whole (default: ${DEFAULT-VALUE}).")
    int slice;

    @Option(names = "--stall", paramLabel = "RATE", defaultValue = "0",
            description = "Probability that a request makes the connection send nothing for --stall-for (default: ${DEFAULT-VALUE}).")
    double stall;

    @Option(names = "--stall-for", paramLabel = "SECONDS", defaultValue = "1",
            description = "How long a --stall lasts (default: ${DEFAULT-VALUE}).")
    double stallFor;

    static final class DistConverter implements CommandLine.ITypeConverter<FaultConfig.DelayDistribution> {
        @Override
        public FaultConfig.DelayDistribution convert(String value) {
            return lowerCaseEnum(FaultConfig.DelayDistribution.class, value);
        }
    }

    @Option(names = "--script", paramLabel = "FILE",
            description = "Faults on exact events, one rule per line ('seq 3: ack-drop'); its rules win over the rates"
                    + " for the events they name (see docs/part2-fault-tolerance.md).")
    java.nio.file.Path script;

    @Option(names = "--script-text", paramLabel = "RULES",
            description = "The same rules inline, separated by ';', e.g. 'seq 3: ack-drop; every seq 5: drop'.")
    String scriptText;

    @Option(names = "--seed", paramLabel = "N",
            description = "Seed of the random source: the same seed and traffic give the same faults (default: random, printed).")
    Long seed;

    /** Enum values as the help writes them: lower case. */
    static final class LossModeConverter implements CommandLine.ITypeConverter<LossMode> {
        @Override
        public LossMode convert(String value) {
            return lowerCaseEnum(LossMode.class, value);
        }
    }

    static <E extends Enum<E>> E lowerCaseEnum(Class<E> type, String value) {
        try {
            return lowerCaseEnumOrIae(type, null, value);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.TypeConversionException(e.getMessage());
        }
    }

    /** The constant named {@code value} in any case; else an IllegalArgumentException listing the names. */
    static <E extends Enum<E>> E lowerCaseEnumOrIae(Class<E> type, String key, String value) {
        for (E e : type.getEnumConstants()) {
            if (e.name().equalsIgnoreCase(value)) {
                return e;
            }
        }
        StringBuilder names = new StringBuilder();
        for (E e : type.getEnumConstants()) {
            names.append(names.isEmpty() ? "" : ", ").append(e.name().toLowerCase(java.util.Locale.ROOT));
        }
        throw new IllegalArgumentException((key == null ? "" : key + ": ") + "'" + value + "' is not one of " + names);
    }

    FaultConfig config() {
        try {
            return new FaultConfig(seconds("--delay", delay), seconds("--jitter", jitter), delayDist, loss, burst, lossMode,
                    corrupt, duplicate, reset, reorder, rate, slice, stall, seconds("--stall-for", stallFor));
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), "--" + e.getMessage());
        }
    }

    /** The script of {@code --script} or {@code --script-text}; an invalid one is a usage error naming its line. */
    FaultScript script() {
        if (script != null && scriptText != null) {
            throw new ParameterException(spec.commandLine(), "--script and --script-text exclude each other: pick one");
        }
        try {
            if (script != null) {
                return FaultScript.load(script);
            }
            return scriptText == null ? FaultScript.none() : FaultScript.parseOneLine("--script-text", scriptText);
        } catch (FaultScript.ScriptException e) {
            throw new dev.wirelab.common.UserError(e.getMessage(), CommandLine.ExitCode.USAGE);
        } catch (java.io.IOException e) {
            throw new dev.wirelab.common.UserError("cannot read --script " + script + ": " + e.getMessage(),
                    CommandLine.ExitCode.USAGE);
        }
    }

    /** Rules in a banner: {@code , script faults.txt (2 rules)}; empty without a script. */
    static String describe(FaultScript s) {
        return s.isEmpty() ? "" : ", script " + s.sourceName() + " (" + s.rules().size() + (s.rules().size() == 1 ? " rule)" : " rules)");
    }

    long seed() {
        if (seed == null) {
            seed = java.util.concurrent.ThreadLocalRandom.current().nextLong(1, 1_000_000);
        }
        return seed;
    }

    private Duration seconds(String name, double s) {
        if (!(s >= 0) || s > 3600) {
            throw new ParameterException(spec.commandLine(), name + " must be between 0 and 3600 seconds, got " + s);
        }
        return Duration.ofNanos(Math.round(s * 1e9));
    }
}
