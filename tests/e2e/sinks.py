#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
# A real SMTP server and a real HTTP webhook receiver on 127.0.0.1 for the notice tests: each
# message (mail data, or headers + body) is written to DIR/mail-N.txt / DIR/hook-N.txt.
# The webhook answers 500 to its first FAIL_FIRST requests, to exercise the retries.
# Usage: sinks.py DIR FAIL_FIRST  (prints "smtp PORT http PORT" once listening)
import http.server
import os
import socketserver
import sys
import threading

out_dir = sys.argv[1]
fail_first = int(sys.argv[2])
lock = threading.Lock()
count = {"mail": 0, "hook": 0, "hook_seen": 0}


def save(kind, data):
    with lock:
        count[kind] += 1
        n = count[kind]
    path = os.path.join(out_dir, "%s-%d.txt" % (kind, n))
    with open(path + ".tmp", "wb") as f:
        f.write(data)
    os.rename(path + ".tmp", path)


class SMTP(socketserver.StreamRequestHandler):
    def reply(self, line):
        self.wfile.write((line + "\r\n").encode())

    def handle(self):
        self.reply("220 sink ESMTP")
        rcpt = []
        while True:
            line = self.rfile.readline()
            if not line:
                return
            cmd = line.decode("utf-8", "replace").strip()
            up = cmd.upper()
            if up.startswith("EHLO") or up.startswith("HELO"):
                self.reply("250 sink")
            elif up.startswith("MAIL FROM"):
                rcpt = []
                self.reply("250 ok")
            elif up.startswith("RCPT TO"):
                rcpt.append(cmd[8:])
                self.reply("250 ok")
            elif up == "DATA":
                self.reply("354 go on")
                data = b""
                while True:
                    l = self.rfile.readline()
                    if not l or l in (b".\r\n", b".\n"):
                        break
                    data += l
                save("mail", ("RCPT " + ",".join(rcpt) + "\r\n").encode() + data)
                self.reply("250 queued")
            elif up == "QUIT":
                self.reply("221 bye")
                return
            else:
                self.reply("250 ok")


class Hook(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        n = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(n)
        with lock:
            count["hook_seen"] += 1
            seen = count["hook_seen"]
        if seen <= fail_first:
            self.send_response(500)
            self.end_headers()
            return
        head = "".join("%s: %s\n" % (k, v) for k, v in self.headers.items())
        save("hook", head.encode() + b"\n" + body)
        self.send_response(204)
        self.end_headers()

    def log_message(self, *a):
        pass


class TS(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True


smtp = TS(("127.0.0.1", 0), SMTP)
hook = TS(("127.0.0.1", 0), Hook)
for s in (smtp, hook):
    threading.Thread(target=s.serve_forever, daemon=True).start()
print("smtp %d http %d" % (smtp.server_address[1], hook.server_address[1]), flush=True)
threading.Event().wait()
