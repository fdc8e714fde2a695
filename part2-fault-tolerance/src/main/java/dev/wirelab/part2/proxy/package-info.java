/**
 * The proxy's pairs: {@link dev.wirelab.part2.proxy.ProxyPair} is one client and its upstream on
 * one event loop, each way cut into units by {@link dev.wirelab.part2.proxy.UnitSplitter} and sent
 * through the echo server's {@link dev.wirelab.part2.server.Outbound} with the same faults.
 * Internal to part 2.
 */
package dev.wirelab.part2.proxy;
