# The report's server structure (section 3.2.1): it listens, serves one client until it leaves,
# and only then listens again. Faults are correct; serving one client at a time is the bug.
import random, socket, sys, time

port, delay, loss, corrupt = int(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4])
random.seed(1)

while True:
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        s.bind(("127.0.0.1", port))
        s.listen()
        conn, addr = s.accept()
        while True:
            try:
                data = conn.recv(1024)
            except OSError:
                break
            if not data:
                break
            time.sleep(delay)
            if random.random() < loss:
                data = b"Packet Loss"
            elif random.random() < corrupt and data.endswith(b"\n") and len(data) > 1:
                b = bytearray(data)
                b[random.randint(0, len(b) - 2)] ^= 0xFF
                data = bytes(b)
            try:
                conn.sendall(data)
            except OSError:
                break
        conn.close()
    finally:
        s.close()
