#!/usr/bin/env python3
"""An echo server that fails on purpose (report section 3.2): starter.

    python3 echo.py PORT DELAY LOSS CORRUPT
    e.g. python3 echo.py 8080 0.5 0.1 0.1

Echoes every line a client sends, to many clients at once, and makes the network's faults
happen on purpose: each reply waits DELAY seconds, is lost with probability LOSS (the reply is
then "Packet Loss" instead of the echo), and is corrupted with probability CORRUPT (one byte of
the echo flipped, never the newline).

The plumbing is done: listening, a thread per client, cutting the byte stream into lines. As it
is, the server echoes perfectly. The faults are your part: the TODOs below.
"""
import random
import socket
import sys
import threading
import time

MAX_LINE = 65536  # a line longer than this is echoed as it comes, so memory stays bounded


def fault(line, delay, loss, corrupt):
    """The reply to one line (which ends with its newline)."""
    # TODO 1: wait `delay` seconds. This runs in the client's own thread: only this client
    # waits, every other client is served meanwhile. (Lines that arrive together then wait one
    # after another, as in the report; the grader notes it, it does not fail you for it.)

    # TODO 2: with probability `loss`, the reply is b"Packet Loss" instead of the echo.
    # (random.random() < loss is true with probability loss.)

    # TODO 3: with probability `corrupt`, flip all the bits of one byte of the echo
    # (b[i] ^= 0xFF on a bytearray), chosen at random, but never the newline at the end.
    # An empty line (just b"\n") has nothing to flip: it comes back as it is.
    return line


def serve(conn, addr, delay, loss, corrupt):
    """One client: lines in, replies out, until it closes the connection."""
    print("connection from %s:%d" % addr, flush=True)
    pending = b""
    with conn:
        while True:
            try:
                data = conn.recv(65536)
            except OSError:
                break
            if not data:
                break
            pending += data
            while b"\n" in pending:
                line, pending = pending.split(b"\n", 1)
                try:
                    conn.sendall(fault(line + b"\n", delay, loss, corrupt))
                except OSError:
                    return
            if len(pending) > MAX_LINE:
                conn.sendall(pending)
                pending = b""
    print("%s:%d closed" % addr, flush=True)


def main():
    try:
        if len(sys.argv) != 5:
            raise ValueError("4 arguments, got %d" % (len(sys.argv) - 1))
        port = int(sys.argv[1])
        delay, loss, corrupt = float(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4])
    except ValueError as e:
        print("usage: echo.py PORT DELAY LOSS CORRUPT (%s)" % e, file=sys.stderr)
        sys.exit(2)
    server = socket.socket()
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        server.bind(("127.0.0.1", port))
        server.listen()
    except (OSError, OverflowError) as e:
        sys.exit("cannot listen on 127.0.0.1:%d: %s" % (port, e.strerror if isinstance(e, OSError) else e))
    print("echo server on 127.0.0.1:%d, delay %s s, loss %s, corrupt %s" % (port, delay, loss, corrupt), flush=True)
    while True:
        conn, addr = server.accept()
        threading.Thread(target=serve, args=(conn, addr, delay, loss, corrupt), daemon=True).start()


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        pass
