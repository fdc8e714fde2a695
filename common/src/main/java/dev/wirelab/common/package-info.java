/**
 * What every part of wirelab shares: the wire format v1 ({@link dev.wirelab.common.FrameCodec},
 * specified in <a href="../../../../../../../docs/wire-format.md">docs/wire-format.md</a>), a
 * Wireshark-style hex dump ({@link dev.wirelab.common.HexDump}), safe text rendering of untrusted
 * bytes ({@link dev.wirelab.common.Bytes}) and the command-line conventions of the parts
 * ({@link dev.wirelab.common.Cli}).
 *
 * <p>This package is pure on purpose: no sockets, no threads, no clocks. Everything here is tested
 * without a network.
 */
package dev.wirelab.common;
