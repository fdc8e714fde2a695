package dev.wirelab.bench;

import java.time.Duration;

/** A bench that can say beforehand about how long it takes with its options, for its progress and for bench all. */
interface Planned {
    Duration planned();
}
