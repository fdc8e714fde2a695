/**
 * The event loops and what runs on them. {@link dev.wirelab.part2.server.EventLoop}: one thread,
 * one selector, many connections. For the echo server, each connection is {@link
 * dev.wirelab.part2.server.EchoConnection} (read, tell frames from lines, decode) then {@link
 * dev.wirelab.part2.server.EchoHandler} (answer, with faults) then {@link
 * dev.wirelab.part2.server.Outbound} (send when due); the proxy's pairs use the same loops and
 * the same outbound. Internal to part 2.
 */
package dev.wirelab.part2.server;
