/**
 * The {@code ./lab part2} commands ({@link dev.wirelab.part2.cli.Part2}): thin picocli commands
 * that parse flags and wire the server, the proxy and the admin API together. The fault flags
 * are in {@link dev.wirelab.part2.cli.FaultOptions}; the live-control HTTP API in {@link
 * dev.wirelab.part2.cli.AdminServer}. Internal to part 2.
 */
package dev.wirelab.part2.cli;
