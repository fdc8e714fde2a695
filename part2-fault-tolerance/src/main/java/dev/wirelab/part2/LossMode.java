package dev.wirelab.part2;

/** What a lost reply looks like to the client. */
public enum LossMode {
    /** The report's behaviour: the reply is replaced by {@code Packet Loss} (an ERROR frame in frame mode). */
    REPLACE,
    /** Nothing is sent: the client only notices by waiting. */
    DROP
}
