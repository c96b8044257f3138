#!/usr/bin/python3
"""notify_receiver.py - the webhook gateway of tests/test_notify.sh: an HTTP
server on 127.0.0.1 port 0 (the port is written to DIR/port) that takes
`jianpei-training notify`'s POSTs as an SMS or WeChat template-message gateway
would: the first request of an Idempotency-Key is a message handed on (a line
in DIR/handed.jsonl), a repeat of the key only answered again. Every request,
repeat or not, is a line in DIR/requests.jsonl.

DIR/mode, read at each request, sets the answer:
  ok         200
  fail-once  500 to the first request that arrives in this mode, then 200
  always-500 500
  always-400 400 (a refusal that no retry mends)
  hang-2     the 2nd request in this mode is handed on, DIR/hanging is written,
             and the answer waits until DIR/release exists (the test kills
             notify meanwhile: the gateway took the message, notify never heard)
usage: notify_receiver.py DIR
"""
import http.server
import json
import os
import sys
import threading
import time

DIR = sys.argv[1]
lock = threading.Lock()
state = {"mode": None, "count": 0, "seen": set()}


def log(name, obj):
    with open(os.path.join(DIR, name), "a", encoding="utf-8") as f:
        f.write(json.dumps(obj, ensure_ascii=False) + "\n")


class Gateway(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        key = self.headers.get("Idempotency-Key", "")
        try:
            msg = json.loads(body)
        except ValueError:
            msg = {}
        with open(os.path.join(DIR, "mode"), encoding="utf-8") as f:
            mode = f.read().strip()
        with lock:
            if mode != state["mode"]:
                state["mode"], state["count"] = mode, 0
            state["count"] += 1
            n = state["count"]
            status = 200
            if mode == "always-500" or (mode == "fail-once" and n == 1):
                status = 500
            elif mode == "always-400":
                status = 400
            repeat = key in state["seen"]
            if status == 200 and not repeat:
                state["seen"].add(key)
                log("handed.jsonl", {"key": key, "id": msg.get("id"),
                                     "template": msg.get("template")})
            log("requests.jsonl", {"key": key, "id": msg.get("id"), "status": status,
                                   "repeat": repeat, "path": self.path,
                                   "content_type": self.headers.get("Content-Type")})
        if mode == "hang-2" and n == 2:
            open(os.path.join(DIR, "hanging"), "w").close()
            deadline = time.monotonic() + 60
            while not os.path.exists(os.path.join(DIR, "release")) and time.monotonic() < deadline:
                time.sleep(0.05)
        try:
            self.send_response(status)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"{}")
        except OSError:
            pass  # notify was killed while we waited

    def log_message(self, fmt, *args):
        pass


def main():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Gateway)
    with open(os.path.join(DIR, "port.tmp"), "w") as f:
        f.write(str(server.server_address[1]))
    os.rename(os.path.join(DIR, "port.tmp"), os.path.join(DIR, "port"))
    server.serve_forever()


if __name__ == "__main__":
    main()
