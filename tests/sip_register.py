#!/usr/bin/env python3
"""A small REGISTER client for the shell tests: sends REGISTER, answers a
401 with RFC 7616 digest (qop=auth; the first challenge whose algorithm it
knows: SHA-256 or MD5) and prints the final response. Exit status 0 when a
final response came, 1 when none did within the timeout.

usage: sip_register.py HOST PORT USER PASSWORD DOMAIN [options]
  --contact URI       Contact URI (none: a fetch)
  --expires N         Expires header
  --proto udp|tcp     transport (default udp)
  --call-id ID        Call-ID (default random)
  --cseq N            first CSeq (default 1)
  --header 'N: v'     an extra header line (repeatable)
"""
import argparse
import random
import re
import socket
import sys

sys.dont_write_bytecode = True  # no __pycache__ in tests/
from sip_digest import answer, pick_challenge


class Conn:
    def __init__(self, host, port, proto, timeout):
        self.proto = proto
        self.addr = (host, port)
        kind = socket.SOCK_DGRAM if proto == "udp" else socket.SOCK_STREAM
        self.s = socket.socket(socket.AF_INET, kind)
        self.s.settimeout(timeout)
        if proto == "udp":
            self.s.bind(("127.0.0.1", 0))
        else:
            self.s.connect(self.addr)
        self.buf = b""

    def local(self):
        return self.s.getsockname()

    def send(self, data):
        if self.proto == "udp":
            self.s.sendto(data.encode(), self.addr)
        else:
            self.s.sendall(data.encode())

    def recv(self):
        """One whole response (skipping 1xx), or None on timeout."""
        while True:
            try:
                if self.proto == "udp":
                    msg = self.s.recv(65536).decode("latin-1")
                else:
                    while b"\r\n\r\n" not in self.buf:
                        chunk = self.s.recv(65536)
                        if not chunk:
                            return None
                        self.buf += chunk
                    head, _, rest = self.buf.partition(b"\r\n\r\n")
                    n = 0
                    for line in head.split(b"\r\n"):
                        k, _, v = line.partition(b":")
                        if k.strip().lower() in (b"content-length", b"l"):
                            n = int(v)
                    while len(rest) < n:
                        rest += self.s.recv(65536)
                    msg = (head + b"\r\n\r\n" + rest[:n]).decode("latin-1")
                    self.buf = rest[n:]
            except (socket.timeout, OSError):
                return None
            if not re.match(r"SIP/2.0 1\d\d", msg):
                return msg


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("host")
    ap.add_argument("port", type=int)
    ap.add_argument("user")
    ap.add_argument("password")
    ap.add_argument("domain")
    ap.add_argument("--contact")
    ap.add_argument("--expires")
    ap.add_argument("--proto", default="udp")
    ap.add_argument("--call-id", default="reg-%08x" % random.getrandbits(32))
    ap.add_argument("--cseq", type=int, default=1)
    ap.add_argument("--header", action="append", default=[])
    ap.add_argument("--timeout", type=float, default=3)
    a = ap.parse_args()

    c = Conn(a.host, a.port, a.proto, a.timeout)
    lhost, lport = c.local()
    ruri = f"sip:{a.domain}"
    cseq = a.cseq
    auth = ""
    for _ in range(3):
        lines = [
            f"REGISTER {ruri} SIP/2.0",
            f"Via: SIP/2.0/{a.proto.upper()} {lhost}:{lport};branch=z9hG4bK{random.getrandbits(48):x};rport",
            "Max-Forwards: 70",
            f"From: <sip:{a.user}@{a.domain}>;tag={random.getrandbits(32):x}",
            f"To: <sip:{a.user}@{a.domain}>",
            f"Call-ID: {a.call_id}",
            f"CSeq: {cseq} REGISTER",
        ]
        if a.contact:
            lines.append(f"Contact: <{a.contact}>")
        if a.expires is not None:
            lines.append(f"Expires: {a.expires}")
        lines += a.header
        if auth:
            lines.append(auth)
        lines.append("Content-Length: 0")
        c.send("\r\n".join(lines) + "\r\n\r\n")
        resp = c.recv()
        if resp is None:
            return 1
        if not resp.startswith("SIP/2.0 401") or auth and "stale=true" not in resp:
            sys.stdout.write(resp)
            return 0
        ch = pick_challenge(resp)
        if ch is None:
            sys.stdout.write(resp)
            return 0
        auth = answer(ch, a.user, a.password, "REGISTER", ruri)
        cseq += 1
    sys.stdout.write(resp)
    return 0


if __name__ == "__main__":
    sys.exit(main())
