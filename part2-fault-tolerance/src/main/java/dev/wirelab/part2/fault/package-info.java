/**
 * Deciding and queueing faults, for the echo server and the proxy alike: {@link
 * dev.wirelab.part2.fault.FaultSource} decides what hits one request and its reply (random rates
 * from a seed, a script's rules) and applies it to a {@link dev.wirelab.part2.fault.ReplySink};
 * {@link dev.wirelab.part2.fault.ReplyQueue} holds the replies until they are due. Pure: no
 * sockets, no threads, so it is tested with a clock the test moves. Internal to part 2.
 */
package dev.wirelab.part2.fault;
