/**
 * Part 2 of wirelab: the report's echo server (section 3.2), made to fail on purpose, and a proxy
 * that puts the same faults between any client and any server. This package is the API that part
 * 3, the grader and the benchmarks use; the subpackages are how it works inside.
 *
 * <h2>Where to start reading</h2>
 * <ol>
 *   <li>{@link dev.wirelab.part2.Fault}: every fault there is, as one sealed type. Then
 *       {@link dev.wirelab.part2.FaultConfig} (the random rates a {@code --loss 0.2} sets) and
 *       {@link dev.wirelab.part2.FaultScript} (exact events: {@code seq 3: ack-drop}).</li>
 *   <li>{@link dev.wirelab.part2.EchoServer}: how a server is configured and started. A
 *       connection then goes through three stages, as a Netty pipeline does:
 *       {@link dev.wirelab.part2.server.EchoConnection} reads and cuts the stream into messages,
 *       {@link dev.wirelab.part2.server.EchoHandler} answers each (HELLO, DATA delivered once,
 *       lines echoed), {@link dev.wirelab.part2.server.Outbound} sends the answers when due.</li>
 *   <li>{@link dev.wirelab.part2.fault.FaultSource}: where the faults of one reply are decided
 *       (seeded random draws, a script's rules) and applied; the
 *       {@link dev.wirelab.part2.fault.ReplyQueue} holds replies until they are due. The server
 *       and the proxy share both.</li>
 *   <li>{@link dev.wirelab.part2.FaultProxy} and {@link dev.wirelab.part2.proxy.ProxyPair}: the
 *       same faults on the way between a client and its upstream, one direction or both.</li>
 *   <li>{@link dev.wirelab.part2.cli.Part2}: the {@code ./lab part2} commands, which only wire
 *       these objects together.</li>
 * </ol>
 *
 * <p>Subpackages: {@code fault} (deciding and queueing faults; pure, no sockets), {@code server}
 * (event loops and the echo server's connections), {@code proxy} (the proxy's pairs), {@code cli}
 * (commands, options, the admin API). Their public classes are public for each other, not as an
 * API: they may change without notice.
 */
package dev.wirelab.part2;
