#!/usr/bin/env python3
"""A fault-injecting OpenAI-compatible server for Quarry's LLM client tests (loopback only).

The first path segment picks the behaviour: /MODE/v1/chat/completions or /MODE/v1/completions.
A suffix after a dash (ok-replay, slowish-run) behaves as MODE but is counted apart, so tests do
not see each other's requests.
  ok          answers "echo: <prompt>" (chat with a system message: "echo: <system> || <prompt>")
  flaky       HTTP 500 for the first two requests of each prompt, then ok
  ratelimit   HTTP 429 with Retry-After: 1 for the first request of each prompt, then ok
  slow        sleeps 5 s before answering (longer than the tests' total timeout)
  slowish     sleeps 0.3 s, recording how many requests were in flight at once
  drip        sends the body one byte every 0.3 s
  garbage     a body that is not JSON
  truncated   a JSON body cut short
  badrequest  HTTP 400 with an OpenAI-style error
  unauthorized HTTP 401
  empty       an empty completion
  huge        a 20 MB completion
GET or POST /stats returns the number of requests seen per mode, and the Authorization headers seen.
Prints the port on its first line of stdout, then serves until killed or until its parent exits.
"""
import json
import os
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

lock = threading.Lock()
counts = {}
in_flight = {}
max_in_flight = {}
per_prompt = {}
auth_seen = []


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def reply(self, status, body, headers=None):
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        with lock:
            self.reply(200, {"counts": counts, "auth": auth_seen, "maxInFlight": max_in_flight})

    def do_POST(self):
        if self.path == "/stats":
            self.rfile.read(int(self.headers.get("Content-Length", 0)))
            return self.do_GET()
        length = int(self.headers.get("Content-Length", 0))
        request = json.loads(self.rfile.read(length) or b"{}")
        mode = self.path.strip("/").split("/")[0]
        kind = mode.split("-", 1)[0]
        chat = self.path.endswith("/chat/completions")
        # Several messages (system, then user) echo as "SYSTEM || USER".
        prompt = " || ".join(m["content"] for m in request["messages"]) if chat else request.get("prompt", "")
        with lock:
            counts[mode] = counts.get(mode, 0) + 1
            n = per_prompt[(mode, prompt)] = per_prompt.get((mode, prompt), 0) + 1
            if self.headers.get("Authorization"):
                auth_seen.append(self.headers["Authorization"])

        def answer(text):
            choice = {"index": 0, "message": {"role": "assistant", "content": text}} if chat else {"index": 0, "text": text}
            return {"id": "x", "object": "chat.completion", "model": request.get("model"), "choices": [choice]}

        if kind == "flaky" and n <= 2:
            return self.reply(500, {"error": {"message": "internal"}})
        if kind == "ratelimit" and n <= 1:
            return self.reply(429, {"error": {"message": "slow down"}}, {"Retry-After": "1"})
        if kind == "slow":
            time.sleep(5)
        if kind == "slowish":
            with lock:
                in_flight[mode] = in_flight.get(mode, 0) + 1
                max_in_flight[mode] = max(max_in_flight.get(mode, 0), in_flight[mode])
            time.sleep(0.3)
            with lock:
                in_flight[mode] -= 1
        if kind == "drip":
            data = json.dumps(answer("echo: " + prompt)).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            try:
                for b in data:
                    self.wfile.write(bytes([b]))
                    self.wfile.flush()
                    time.sleep(0.3)
            except (BrokenPipeError, ConnectionResetError):
                pass
            return
        if kind == "garbage":
            return self.reply(200, b"<html>gateway says hello</html>")
        if kind == "truncated":
            return self.reply(200, b'{"choices": [{"message": {"content": "cut')
        if kind == "badrequest":
            return self.reply(400, {"error": {"message": "model 'nope' not found"}})
        if kind == "unauthorized":
            return self.reply(401, {"error": {"message": "invalid API key"}})
        if kind == "empty":
            return self.reply(200, answer(""))
        if kind == "huge":
            return self.reply(200, answer("x" * (20 << 20)))
        return self.reply(200, answer("echo: " + prompt))


def exit_with_parent():
    parent = os.getppid()
    while os.getppid() == parent:
        time.sleep(1)
    os._exit(0)


def main():
    threading.Thread(target=exit_with_parent, daemon=True).start()
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    print(server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
