# A fault echo server (report section 3.2) for the grader's own tests: one thread per client,
# faults decided once per line, seeded so that a test run is the same every time. Correct as it
# is; a fifth argument gives it one bug for the grader to find:
#   newline       its corruption may flip any byte of the line, the newline too
#   shared-delay  it sleeps for the delay holding one lock that every client shares
#   whole-rates   it reads the rates as whole numbers: 1.0 is 1, but 0.3 and 0.2 are 0 (never a fault)
#   draw-twice    it draws each rate twice per line and applies it when either draw hits
#   late          it sleeps 0.4 s longer than the delay (a very slow machine)
#   no-delay      it never waits, whatever the delay
#   no-flush      it writes its replies through a buffered file and never flushes it
#   quit-after-one it exits (code 0) when its first client closes the connection
#   quit-slowly   it closes its second client's connections and exits 0.3 s later (as the shell or wrapper around a server exits after the server's sockets close)
#   fixed-port=N  it listens on port N, not on the port it is given
#   empty-line    its corruption draws an index below len(line) - 1 for an empty line too (0: it raises)
import os, random, socket, sys, threading, time

port, delay, loss, corrupt = int(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4])
bug = sys.argv[5] if len(sys.argv) > 5 else ""
if bug == "whole-rates":
    loss, corrupt = int(loss), int(corrupt)
rng = random.Random(1)
rng_lock = threading.Lock()
shared = threading.Lock()
MAX_LINE = 65536


def hit(p):
    if bug == "draw-twice":
        return rng.random() < p or rng.random() < p
    return rng.random() < p


def faulty(line):
    with rng_lock:
        if hit(loss):
            return b"Packet Loss"
        if hit(corrupt) and (len(line) > 1 or bug in ("newline", "empty-line")):  # an empty line has nothing to flip
            b = bytearray(line)
            b[rng.randrange(len(b) if bug == "newline" else len(b) - 1)] ^= 0xFF
            return bytes(b)
    return line


def answer(conn, line):
    if bug == "no-delay":
        conn.sendall(faulty(line))
    elif bug == "shared-delay":
        with shared:
            time.sleep(delay)
            conn.sendall(faulty(line))
    else:
        time.sleep(delay + (0.4 if bug == "late" and delay > 0 else 0))
        conn.sendall(faulty(line))


class Unflushed:
    """A socket whose sendall goes into a buffered file that nobody flushes."""

    def __init__(self, conn):
        self.out = conn.makefile("wb")

    def sendall(self, data):
        self.out.write(data)


def serve(conn):
    out = Unflushed(conn) if bug == "no-flush" else conn
    buf = b""
    with conn:
        while True:
            try:
                data = conn.recv(65536)
            except OSError:
                break
            if not data:
                break
            buf += data
            while b"\n" in buf:
                line, buf = buf.split(b"\n", 1)
                answer(out, line + b"\n")
            if len(buf) > MAX_LINE:  # an over-long line streams through unchanged
                out.sendall(buf)
                buf = b""
    if bug == "quit-after-one":
        os._exit(0)


if bug.startswith("fixed-port="):
    port = int(bug.split("=")[1])
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", port))
s.listen()
accepted = 0
while True:
    conn, _ = s.accept()
    accepted += 1
    if bug == "quit-slowly" and accepted >= 2:
        conn.close()
        if accepted == 3:  # the grader's client connects once more when closed before any reply
            time.sleep(0.3)
            os._exit(0)
        continue
    threading.Thread(target=serve, args=(conn,), daemon=True).start()
