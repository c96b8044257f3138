#!/usr/bin/env python3
"""Abuse helpers for bench/abuse_verifier.sh (loopback only, bounded in count and time).

  slowloris PORT SECONDS CONNS   open CONNS connections from 127.0.0.2-127.0.0.9 and trickle
                                 one header byte per connection every 2 s; print how many
                                 the server closed
  flood PORT SECONDS             send malformed requests as fast as possible from
                                 127.0.0.10; print requests sent and status classes seen
  good PORT COUNT PATH           COUNT sequential GETs from 127.0.0.1; print ok count,
                                 p50 and max latency in ms
"""
import random, socket, sys, time


def connect(port, src, timeout=5.0):
    s = socket.socket()
    s.bind((src, 0))
    s.settimeout(timeout)
    s.connect(("127.0.0.1", port))
    return s


def slowloris(port, seconds, conns):
    socks = []
    for i in range(conns):
        try:
            s = connect(port, "127.0.0.%d" % (2 + i % 8))
            s.send(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
            socks.append(s)
        except OSError:
            pass
    opened, closed, end = len(socks), 0, time.time() + seconds
    while time.time() < end and socks:
        time.sleep(2)
        alive = []
        for s in socks:
            try:
                s.send(b"X-a: b\r\n")
                alive.append(s)
            except OSError:
                closed += 1
        socks = alive
    for s in socks:
        s.close()
    print("slowloris opened=%d closed_by_server=%d" % (opened, closed))


BAD = [
    b"GET /api/v1/certificates/%s HTTP/1.1\r\nHost: x\r\n\r\n" % b"9" * 200,
    b"POST /api/v1/verify HTTP/1.1\r\nHost: x\r\nContent-Length: 9\r\n\r\n{\"qr\":[[[",
    b"POST /api/v1/batch-status HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}",
    b"GET /V/440120260100000011/!!!! HTTP/1.1\r\nHost: x\r\n\r\n",
    b"BREW /pot HTTP/1.1\r\nHost: x\r\n\r\n",
    b"GET / HTTP/1.1\r\n" + b"X-Long: " + b"a" * 20000 + b"\r\n\r\n",
    b"\x00\x01\x02garbage\r\n\r\n",
    b"POST /api/v1/certificates/440120260100000011/pdf HTTP/1.1\r\nHost: x\r\n"
    b"Content-Length: 100000000\r\n\r\n",
]


def flood(port, seconds):
    sent, classes, end = 0, {}, time.time() + seconds
    while time.time() < end:
        try:
            s = connect(port, "127.0.0.%d" % (10 + sent % 8), 0.2)
            s.send(random.choice(BAD))
            data = s.recv(64)
            code = data[9:10].decode("latin1") + "xx" if data.startswith(b"HTTP/") else "closed"
            classes[code] = classes.get(code, 0) + 1
            s.close()
        except socket.timeout:
            # the server waits for the rest of a request, as it should; drop it
            classes["waiting"] = classes.get("waiting", 0) + 1
            s.close()
        except OSError:
            classes["error"] = classes.get("error", 0) + 1
        sent += 1
    print("flood sent=%d %s" % (sent, " ".join("%s=%d" % kv for kv in sorted(classes.items()))))


def good(port, count, path):
    ok, lat = 0, []
    for _ in range(count):
        t = time.time()
        try:
            s = connect(port, "127.0.0.1")
            s.send(b"GET %s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n" % path.encode())
            data = b""
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    break
                data += chunk
            s.close()
            if data.startswith(b"HTTP/1.1 200"):
                ok += 1
        except OSError:
            pass
        lat.append((time.time() - t) * 1000)
    lat.sort()
    print("good ok=%d/%d p50=%.1fms max=%.1fms" % (ok, count, lat[len(lat) // 2], lat[-1]))


if __name__ == "__main__":
    cmd, port = sys.argv[1], int(sys.argv[2])
    if cmd == "slowloris":
        slowloris(port, float(sys.argv[3]), int(sys.argv[4]))
    elif cmd == "flood":
        flood(port, float(sys.argv[3]))
    elif cmd == "good":
        good(port, int(sys.argv[3]), sys.argv[4])
