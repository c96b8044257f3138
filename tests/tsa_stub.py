#!/usr/bin/env python3
"""tsa_stub.py - a time-stamp authority that fails, for test_tsa_fail.sh.

    tsa_stub.py hang      accepts connections and never answers
    tsa_stub.py garbage   answers 200 application/timestamp-reply with bytes
                          that are not a TimeStampResp
    tsa_stub.py refuse    answers 503

Listens on 127.0.0.1 port 0 and prints "listening on 127.0.0.1:PORT"; runs
until killed. For tests only.
"""
import http.server
import socket
import sys
import threading


class Failing(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        n = int(self.headers.get("Content-Length", "0"))
        self.rfile.read(n)
        if sys.argv[1] == "garbage":
            body = b"\x30\x03\x02\x01\x07 this is not a time-stamp response"
            self.send_response(200)
            self.send_header("Content-Type", "application/timestamp-reply")
        else:
            body = b"busy\n"
            self.send_response(503)
            self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def hang():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    s.listen(64)
    print("listening on 127.0.0.1:%d" % s.getsockname()[1], flush=True)
    held = []
    while True:
        c, _ = s.accept()
        held.append(c)  # never read, never answered, never closed


def main():
    if len(sys.argv) != 2 or sys.argv[1] not in ("hang", "garbage", "refuse"):
        sys.exit("usage: tsa_stub.py hang|garbage|refuse")
    if sys.argv[1] == "hang":
        hang()
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Failing)
    print("listening on 127.0.0.1:%d" % srv.server_address[1], flush=True)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    threading.Event().wait()


main()
