# A resilient client written from docs/wire-format.md alone: no project code, not the
# starter's plumbing, and a different design from both the project's client and
# reliable_client.py (a sliding window of 4 messages in flight, one timer per message, one
# thread and select). The grader's tests run it against every scenario: a second, independent
# reading of the wire format page that the grader must pass, so that the grader is seen to grade
# the format as written and not the project's own way of implementing it.
#
#   python3 independent_client.py HOST PORT      messages on stdin, one per line
import os
import select
import socket
import struct
import sys
import time

HELLO, DATA, ACK, ERROR = 1, 2, 3, 4
HEADER = struct.Struct(">2sBBII")  # magic, version, type, seq, length: all big-endian
CRC = struct.Struct(">I")          # the CRC-32C is big-endian too
MAX_PAYLOAD = 65536
WINDOW = 4
MIN_RTO, MAX_RTO, FIRST_RTO = 0.2, 8.0, 1.0
MAX_ATTEMPTS = 20


def _table():
    table = []
    for n in range(256):
        c = n
        for _ in range(8):
            c = (c >> 1) ^ 0x82F63B78 if c & 1 else c >> 1
        table.append(c)
    return table


TABLE = _table()


def crc32c(data):
    c = 0xFFFFFFFF
    for b in data:
        c = TABLE[(c ^ b) & 0xFF] ^ (c >> 8)
    return c ^ 0xFFFFFFFF


def frame(kind, seq, payload):
    head = HEADER.pack(b"WL", 1, kind, seq, len(payload)) + payload
    return head + CRC.pack(crc32c(head))


class BadFrame(Exception):
    pass


class Reader:
    """Cuts a byte stream into frames, checking each header field as its bytes arrive."""

    def __init__(self):
        self.buf = b""

    def feed(self, data):
        self.buf += data
        frames = []
        while True:
            b = self.buf
            if len(b) >= 1 and b[0] != 0x57 or len(b) >= 2 and b[1] != 0x4C:
                raise BadFrame("bad magic")
            if len(b) >= 3 and b[2] != 1:
                raise BadFrame("bad version %d" % b[2])
            if len(b) >= 4 and b[3] not in (HELLO, DATA, ACK, ERROR):
                raise BadFrame("unknown type 0x%02x" % b[3])
            if len(b) < HEADER.size:
                return frames
            _, _, kind, seq, length = HEADER.unpack_from(b)
            if length > MAX_PAYLOAD:
                raise BadFrame("length %d over the maximum" % length)
            end = HEADER.size + length + CRC.size
            if len(b) < end:
                return frames
            (crc,) = CRC.unpack_from(b, end - CRC.size)
            if crc != crc32c(b[:end - CRC.size]):
                raise BadFrame("CRC-32C mismatch")
            frames.append((kind, seq, b[HEADER.size:end - CRC.size]))
            self.buf = b[end:]


def log(text):
    print(text, file=sys.stderr, flush=True)


class Client:
    def __init__(self, host, port, messages):
        self.host, self.port = host, port
        self.messages = messages
        self.session = ("indep#" + os.urandom(4).hex()).encode()
        self.sock = None
        self.reader = None
        self.acked = [False] * (len(messages) + 1)
        self.attempts = [0] * (len(messages) + 1)
        self.sent_at = [0.0] * (len(messages) + 1)
        self.expires = {}  # seq in flight -> when its timer fires
        self.timeout = {}  # seq in flight -> its current (backed off) timeout
        self.srtt, self.rttvar, self.rto = None, 0.0, FIRST_RTO
        self.next_new = 1

    # --- connection -----------------------------------------------------------------------

    def connect(self):
        wait = 0.05
        for _ in range(40):
            try:
                s = socket.create_connection((self.host, self.port), timeout=2)
                s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                s.sendall(frame(HELLO, 0, self.session))
                reader = Reader()
                deadline = time.monotonic() + min(2.0, max(self.rto, 0.5))
                answer = None
                while answer is None and time.monotonic() < deadline:
                    s.settimeout(max(0.001, deadline - time.monotonic()))
                    data = s.recv(65536)
                    if not data:
                        break
                    for kind, seq, _ in reader.feed(data):
                        if seq == 0 and kind in (ACK, ERROR):
                            answer = kind
                if answer == ACK:
                    s.settimeout(None)
                    self.sock, self.reader = s, reader
                    log("    connected, HELLO %s accepted" % self.session.decode())
                    return
                log("!!  HELLO %s" % ("lost (ERROR 0)" if answer == ERROR else "not answered"))
                s.close()
            except (OSError, BadFrame) as e:
                log("!!  connect: %s" % e)
            time.sleep(wait)
            wait = min(1.0, wait * 2)
        log("!!  cannot connect")
        sys.exit(1)

    def drop(self, why):
        log("!!  connection dropped: %s" % why)
        try:
            self.sock.close()
        except OSError:
            pass
        self.sock = None

    # --- sending --------------------------------------------------------------------------

    def send(self, seq):
        self.attempts[seq] += 1
        if self.attempts[seq] > MAX_ATTEMPTS:
            log("!!  DATA %d: gave up after %d attempts" % (seq, MAX_ATTEMPTS))
            sys.exit(1)
        now = time.monotonic()
        self.sent_at[seq] = now
        self.timeout.setdefault(seq, self.rto)
        self.expires[seq] = now + self.timeout[seq]
        log("--> DATA %d (attempt %d)" % (seq, self.attempts[seq]))
        try:
            self.sock.sendall(frame(DATA, seq, self.messages[seq - 1]))
        except OSError as e:
            self.drop(str(e))

    def base(self):
        return min(self.expires) if self.expires else self.next_new

    # --- replies --------------------------------------------------------------------------

    def on_frame(self, kind, seq, payload):
        if kind == ACK and seq in self.expires:
            if payload != self.messages[seq - 1]:
                log("!!  ACK %d echoes another payload: sent again" % seq)
                self.send(seq)
                return
            if self.attempts[seq] == 1:
                self.sample(time.monotonic() - self.sent_at[seq])
            self.acked[seq] = True
            del self.expires[seq]
            del self.timeout[seq]
            log("<-- ACK %d" % seq)
        elif kind == ERROR and seq in self.expires:
            log("<-- ERROR %d: not delivered, sent again" % seq)
            self.send(seq)
        elif kind in (HELLO, DATA):
            self.drop("the server sent a frame only clients send")
        else:
            log("    %s %d ignored (stale, or not in flight)" % ({ACK: "ACK", ERROR: "ERROR"}[kind], seq))

    def sample(self, rtt):
        # RFC 6298, with Karn's rule (only messages sent once are sampled).
        if self.srtt is None:
            self.srtt, self.rttvar = rtt, rtt / 2
        else:
            self.rttvar = 0.75 * self.rttvar + 0.25 * abs(self.srtt - rtt)
            self.srtt = 0.875 * self.srtt + 0.125 * rtt
        self.rto = min(MAX_RTO, max(MIN_RTO, self.srtt + 4 * self.rttvar))

    # --- the loop -------------------------------------------------------------------------

    def run(self):
        n = len(self.messages)
        while self.next_new <= n or self.expires:
            if self.sock is None:
                self.connect()
                # Whatever was in flight went down with the old connection: send it again.
                for seq in sorted(self.expires):
                    if self.sock is not None:
                        self.send(seq)
            while self.sock is not None and self.next_new <= n and self.next_new < self.base() + WINDOW:
                self.next_new += 1
                self.send(self.next_new - 1)
            if self.sock is None:
                continue
            now = time.monotonic()
            wait = max(0.0, min(self.expires.values()) - now) if self.expires else 1.0
            readable, _, _ = select.select([self.sock], [], [], wait)
            if readable:
                try:
                    data = self.sock.recv(65536)
                except OSError as e:
                    self.drop(str(e))
                    continue
                if not data:
                    self.drop("closed by the server")
                    continue
                try:
                    frames = self.reader.feed(data)
                except BadFrame as e:
                    self.drop("invalid frame: %s" % e)
                    continue
                for f in frames:
                    if self.sock is None:
                        break
                    self.on_frame(*f)
                continue
            now = time.monotonic()
            for seq in sorted(s for s, t in self.expires.items() if t <= now):
                if self.sock is None:
                    break
                log("!!  timeout for DATA %d" % seq)
                self.timeout[seq] = min(MAX_RTO, 2 * self.timeout[seq])
                self.rto = min(MAX_RTO, 2 * self.rto)
                self.send(seq)
        if self.sock is not None:
            self.sock.close()
        return 0


def main():
    host, port = sys.argv[1], int(sys.argv[2])
    data = sys.stdin.buffer.read()
    lines = data.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    sys.exit(Client(host, port, lines).run())


main()
