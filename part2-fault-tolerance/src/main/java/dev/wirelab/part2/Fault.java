package dev.wirelab.part2;

import java.time.Duration;
import java.util.Locale;
import java.util.Objects;

/**
 * One fault applied to one request or its reply: the lab's whole fault model in one type. The
 * echo server and the proxy decide faults per request (from seeded rates, a {@link FaultScript},
 * or both) and apply them through the same code; counters, logs and {@link ServerEvent}s name
 * faults by their {@link Kind}, whose {@link Kind#action() action} is also the word a script uses.
 *
 * <p>What each does, seen from the client:
 * <ul>
 *   <li>{@link Drop}: the request is not delivered and nothing is answered (a lost request).</li>
 *   <li>{@link Error}: not delivered, answered with ERROR n / the report's {@code Packet Loss}.</li>
 *   <li>{@link AckDrop}: delivered, but the reply is lost: the case that makes a retransmission
 *       a duplicate.</li>
 *   <li>{@link Corrupt}: one byte of the reply has all its bits flipped (byte -1: a random one).</li>
 *   <li>{@link Duplicate}: the reply is sent twice.</li>
 *   <li>{@link Reset}: instead of the reply, the connection is aborted with a TCP RST.</li>
 *   <li>{@link Delay}: the reply leaves this long after its request arrived.</li>
 *   <li>{@link Stall}: nothing at all is sent on the connection for this long.</li>
 *   <li>{@link Reorder}: the reply is held back and sent after the next one.</li>
 *   <li>{@link Throttle}: the reply waited this long for the connection's rate limit.</li>
 *   <li>{@link Slice}: the reply was written in pieces of at most this many bytes.</li>
 * </ul>
 */
public sealed interface Fault {

    /** The kinds of fault, in the order counters and logs list them. */
    enum Kind {
        DELAY, DROP, ERROR, ACK_DROP, CORRUPT, DUPLICATE, RESET, STALL, REORDER, THROTTLE, SLICE;

        /** The word for it in a script, a counter and a log line, e.g. {@code ack-drop}. */
        public String action() {
            return name().toLowerCase(Locale.ROOT).replace('_', '-');
        }
    }

    Kind kind();

    /** As a script would write it, e.g. {@code corrupt byte 3} or {@code delay 200ms}. */
    String describe();

    record Drop() implements Fault {
        @Override
        public Kind kind() {
            return Kind.DROP;
        }

        @Override
        public String describe() {
            return "drop";
        }
    }

    record Error() implements Fault {
        @Override
        public Kind kind() {
            return Kind.ERROR;
        }

        @Override
        public String describe() {
            return "error";
        }
    }

    record AckDrop() implements Fault {
        @Override
        public Kind kind() {
            return Kind.ACK_DROP;
        }

        @Override
        public String describe() {
            return "ack-drop";
        }
    }

    /** @param index the reply byte to flip, 0-based; -1 picks one at random */
    record Corrupt(int index) implements Fault {
        public Corrupt {
            if (index < -1) {
                throw new IllegalArgumentException("corrupt byte must be 0 or more, got " + index);
            }
        }

        @Override
        public Kind kind() {
            return Kind.CORRUPT;
        }

        @Override
        public String describe() {
            return index < 0 ? "corrupt" : "corrupt byte " + index;
        }
    }

    record Duplicate() implements Fault {
        @Override
        public Kind kind() {
            return Kind.DUPLICATE;
        }

        @Override
        public String describe() {
            return "duplicate";
        }
    }

    record Reset() implements Fault {
        @Override
        public Kind kind() {
            return Kind.RESET;
        }

        @Override
        public String describe() {
            return "reset";
        }
    }

    record Delay(Duration duration) implements Fault {
        public Delay {
            Objects.requireNonNull(duration, "duration");
            if (duration.isNegative()) {
                throw new IllegalArgumentException("delay must not be negative");
            }
        }

        @Override
        public Kind kind() {
            return Kind.DELAY;
        }

        @Override
        public String describe() {
            return "delay " + FaultScript.formatDuration(duration);
        }
    }

    record Stall(Duration duration) implements Fault {
        public Stall {
            Objects.requireNonNull(duration, "duration");
            if (duration.isNegative()) {
                throw new IllegalArgumentException("stall must not be negative");
            }
        }

        @Override
        public Kind kind() {
            return Kind.STALL;
        }

        @Override
        public String describe() {
            return "stall " + FaultScript.formatDuration(duration);
        }
    }

    record Reorder() implements Fault {
        @Override
        public Kind kind() {
            return Kind.REORDER;
        }

        @Override
        public String describe() {
            return "reorder";
        }
    }

    /** Held back by the connection's rate limit ({@code --rate}) for {@code held}. */
    record Throttle(Duration held) implements Fault {
        @Override
        public Kind kind() {
            return Kind.THROTTLE;
        }

        @Override
        public String describe() {
            return "throttle " + FaultScript.formatDuration(held);
        }
    }

    /** Written in pieces of at most {@code bytes} ({@code --slice}). */
    record Slice(int bytes) implements Fault {
        @Override
        public Kind kind() {
            return Kind.SLICE;
        }

        @Override
        public String describe() {
            return "slice " + bytes;
        }
    }
}
