#!/usr/bin/env python3
"""A small scriptable SIP user agent over UDP for the integration tests
(Python 3, standard library only).

As a library:
  register(proxy, user, password, contact_port, q=None, instance=None,
           expires=600, ...)      REGISTER with digest (tests/sip_digest.py)
  Device(name, script, ...)       a UAS on its own port, answering INVITE
                                  per a script (see Device)
  Caller(name, ...)               a UAC: INVITE through the proxy, 407 with
                                  digest, ACK for the 2xx over the route
                                  set (loose routing), BYE
  Trace                           every message each UA received and sent,
                                  with a monotonic time stamp

As a program, the seed's Juliet scenario (tests/proxy_juliet.sh):
  sip_ua.py juliet --proxy HOST:PORT --domain D --mode q|plan --ring S
                   --password USER=PW ... --instance DEVICE=URN ...
                   [--go-file F] [--timeout S]
registers the devices, prints "registered", waits for F to exist (the
shell sets the ring plan meanwhile), has Romeo call Juliet, and prints the
trace and one line per check: "CHECK<TAB>ok|FAIL<TAB>name".
"""
import argparse
import heapq
import itertools
import os
import random
import re
import select
import socket
import sys
import threading
import time

sys.dont_write_bytecode = True  # no __pycache__ in tests/
from sip_digest import answer, pick_challenge

T1 = 0.5
T2 = 4.0

COMPACT = {"v": "via", "f": "from", "t": "to", "i": "call-id", "m": "contact",
           "l": "content-length", "c": "content-type", "k": "supported", "s": "subject"}
LISTS = ("via", "route", "record-route", "contact")


def rand_hex(bits=48):
    return "%x" % random.getrandbits(bits)


def split_list(value):
    """A header value split at the commas outside quotes and <>."""
    out, cur, quote, angle = [], "", False, False
    for ch in value:
        if ch == '"':
            quote = not quote
        elif ch == "<" and not quote:
            angle = True
        elif ch == ">" and not quote:
            angle = False
        if ch == "," and not quote and not angle:
            out.append(cur.strip())
            cur = ""
        else:
            cur += ch
    if cur.strip():
        out.append(cur.strip())
    return out


def params_of(s):
    """The ;name=value parameters after a header value's URI part."""
    out = {}
    for p in s.split(";")[1:]:
        k, _, v = p.strip().partition("=")
        out[k.lower()] = v.strip('"')
    return out


def header_uri(value):
    """The URI of a name-addr or addr-spec header value."""
    m = re.search(r"<([^>]*)>", value)
    if m:
        return m.group(1)
    return value.split(";")[0].strip()


def header_params(value):
    """The header parameters (after the URI) of a name-addr value."""
    m = re.match(r'^\s*(?:"(?:[^"\\]|\\.)*"\s*)?[^<"]*<[^>]*>(.*)$', value)
    return params_of(m.group(1) if m else value)


def parse_uri(uri):
    """sip:user@host:port;params -> (user, host, port or None, params)."""
    m = re.match(r"sips?:(?:([^@]*)@)?(\[[^\]]*\]|[^:;?>]+)(?::(\d+))?([^?]*)", uri)
    if not m:
        return None, None, None, {}
    return m.group(1), m.group(2), int(m.group(3)) if m.group(3) else None, params_of(m.group(4) or "")


class Msg:
    def __init__(self, raw):
        self.raw = raw
        head, _, self.body = raw.partition("\r\n\r\n")
        lines = head.split("\r\n")
        self.first = lines[0]
        self.headers = []
        for line in lines[1:]:
            if line[:1] in (" ", "\t") and self.headers:
                n, v = self.headers[-1]
                self.headers[-1] = (n, v + " " + line.strip())
                continue
            n, _, v = line.partition(":")
            n = n.strip().lower()
            self.headers.append((COMPACT.get(n, n), v.strip()))
        parts = self.first.split(" ", 2)
        self.is_request = not self.first.startswith("SIP/2.0")
        if self.is_request:
            self.method, self.ruri = parts[0], parts[1] if len(parts) > 1 else ""
            self.status = 0
        else:
            self.method, self.ruri = None, None
            self.status = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else 0
        cseq = (self.get("cseq") or "0 ?").split()
        self.cseq = int(cseq[0]) if cseq[0].isdigit() else 0
        self.cseq_method = cseq[1] if len(cseq) > 1 else "?"

    def get(self, name):
        for n, v in self.headers:
            if n == name:
                return v
        return None

    def all(self, name):
        out = []
        for n, v in self.headers:
            if n == name:
                out += split_list(v) if name in LISTS else [v]
        return out

    def lines(self, name):
        """The header's lines as they came (for echoing Via)."""
        return [v for n, v in self.headers if n == name]

    @property
    def branch(self):
        via = self.all("via")
        return params_of(via[0]).get("branch", "") if via else ""

    def tag(self, name):
        v = self.get(name)
        return header_params(v).get("tag", "") if v else ""

    @property
    def call_id(self):
        return self.get("call-id") or ""

    def summary(self):
        what = f"{self.method} {self.ruri}" if self.is_request else self.first[8:]
        return f"{what} (CSeq {self.cseq} {self.cseq_method}, branch {self.branch})"


def build(first, headers, body=""):
    if body:
        headers = headers + [("Content-Type", "application/sdp")]
    return "\r\n".join([first] + [f"{n}: {v}" for n, v in headers] +
                       [f"Content-Length: {len(body.encode())}", "", body])


def sdp(user, port):
    return ("v=0\r\no=%s 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
            "m=message %d TCP/MSRP *\r\na=accept-types:text/plain\r\n"
            "a=path:msrp://127.0.0.1:%d/%s;tcp\r\n" % (user, port, port, user))


class Trace:
    """Every message every UA sent and received, time-stamped (monotonic,
    seconds since the trace began)."""

    def __init__(self):
        self.t0 = time.monotonic()
        self.ev = []
        self.lock = threading.Lock()

    def now(self):
        return time.monotonic() - self.t0

    def add(self, ua, direction, msg, addr, note=""):
        e = {"t": self.now(), "ua": ua, "dir": direction, "msg": msg, "addr": addr, "note": note}
        with self.lock:
            self.ev.append(e)
        return e

    def find(self, ua=None, direction=None, method=None, status=None, cseq_method=None, where=None):
        with self.lock:
            evs = list(self.ev)
        out = []
        for e in evs:
            m = e["msg"]
            if ua and e["ua"] != ua or direction and e["dir"] != direction:
                continue
            if method and (not m.is_request or m.method != method):
                continue
            if status is not None and (m.is_request or not (
                    m.status == status if isinstance(status, int) else status(m.status))):
                continue
            if cseq_method and m.cseq_method != cseq_method:
                continue
            if where and not where(e):
                continue
            out.append(e)
        return out

    def dump(self, out=sys.stdout):
        with self.lock:
            evs = sorted(self.ev, key=lambda e: e["t"])
        for e in evs:
            arrow = "<-" if e["dir"] == "rx" else "->"
            note = f" [{e['note']}]" if e["note"] else ""
            out.write("  %7.3f %-8s %s %s:%d %s%s\n" % (
                e["t"], e["ua"], arrow, e["addr"][0], e["addr"][1], e["msg"].summary(), note))


class UA(threading.Thread):
    """One UDP socket on 127.0.0.1 (the OS picks the port), a receive loop
    and timers, all in one thread; handlers run under self.lock."""

    def __init__(self, name, trace, hosts=None):
        super().__init__(daemon=True)
        self.name_ = name
        self.trace = trace
        self.hosts = hosts or {}  # host name -> (ip, port): our DNS
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.timers = []
        self.seq = itertools.count()
        self.lock = threading.RLock()
        self.stopping = threading.Event()
        self.deadline = time.monotonic() + 600

    def resolve(self, host, port):
        if host in self.hosts:
            h, p = self.hosts[host]
            return h, port or p
        try:
            return socket.gethostbyname(host.strip("[]")), port or 5060
        except OSError:
            return None

    def send(self, text, addr, note=""):
        self.sock.sendto(text.encode("latin-1"), addr)
        return self.trace.add(self.name_, "tx", Msg(text), addr, note)

    def after(self, delay, fn):
        with self.lock:
            heapq.heappush(self.timers, (time.monotonic() + delay, next(self.seq), fn))

    def stop(self):
        self.stopping.set()

    def run(self):
        while not self.stopping.is_set() and time.monotonic() < self.deadline:
            with self.lock:
                wait = 0.05
                if self.timers:
                    wait = max(0, min(wait, self.timers[0][0] - time.monotonic()))
            r, _, _ = select.select([self.sock], [], [], wait)
            if r:
                try:
                    data, addr = self.sock.recvfrom(65536)
                except OSError:
                    continue
                msg = Msg(data.decode("latin-1"))
                ev = self.trace.add(self.name_, "rx", msg, addr)
                with self.lock:
                    self.on_message(msg, addr, ev)
            while True:
                with self.lock:
                    if not self.timers or self.timers[0][0] > time.monotonic():
                        break
                    _, _, fn = heapq.heappop(self.timers)
                    fn()

    def on_message(self, msg, addr, ev):
        pass

    def reply_addr(self, req, src):
        """RFC 3261 18.2.2 over UDP: received/rport of the top Via, else
        its sent-by (the source address if that does not resolve)."""
        via = req.all("via")[0]
        p = params_of(via)
        sent_by = via.split(";")[0].split()[-1]
        m = re.match(r"^(\[[^\]]+\]|[^:]+)(?::(\d+))?$", sent_by)
        host, port = (m.group(1), m.group(2) or "") if m else (src[0], str(src[1]))
        host = p.get("received") or host
        port = int(p["rport"]) if p.get("rport") else (int(port) if port.isdigit() else None)
        return self.resolve(host, port) or src

    def response(self, req, status, reason, to_tag="", extra=None, body=""):
        to = req.get("to") or ""
        if to_tag and "tag=" not in to and status != 100:
            to += f";tag={to_tag}"
        h = [("Via", v) for v in req.lines("via")]
        h += [("From", req.get("from")), ("To", to), ("Call-ID", req.call_id),
              ("CSeq", req.get("cseq"))]
        return build(f"SIP/2.0 {status} {reason}", h + (extra or []), body)


def register(proxy, user, password, contact_port, q=None, instance=None, expires=600,
             domain=None, contact_user=None, sock=None, trace=None, ua="reg", timeout=3):
    """REGISTER USER at proxy (host, port) with Contact
    <sip:CONTACT_USER@127.0.0.1:PORT>;q=Q;+sip.instance="<URN>", answering
    a 401 with digest. Returns the final response (a Msg) or None."""
    domain = domain or proxy[0]
    own = sock is None
    if own:
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        sock.bind(("127.0.0.1", 0))
    lport = sock.getsockname()[1]
    sock.settimeout(0.2)
    contact = f"<sip:{contact_user or user}@127.0.0.1:{contact_port}>"
    if q is not None:
        contact += f";q={q}"
    if instance:
        contact += f';+sip.instance="<{instance}>"'
    ruri, call_id, tag, auth = f"sip:{domain}", "reg-" + rand_hex(), rand_hex(32), None
    resp = None
    try:
        for cseq in range(1, 4):
            h = [("Via", f"SIP/2.0/UDP 127.0.0.1:{lport};branch=z9hG4bK{rand_hex()};rport"),
                 ("Max-Forwards", "70"),
                 ("From", f"<sip:{user}@{domain}>;tag={tag}"), ("To", f"<sip:{user}@{domain}>"),
                 ("Call-ID", call_id), ("CSeq", f"{cseq} REGISTER"), ("Contact", contact),
                 ("Expires", str(expires))]
            text = build(f"REGISTER {ruri} SIP/2.0", h + ([tuple(auth.split(": ", 1))] if auth else []))
            sock.sendto(text.encode(), proxy)
            if trace:
                trace.add(ua, "tx", Msg(text), proxy)
            resp, end = None, time.monotonic() + timeout
            while time.monotonic() < end:
                try:
                    data, src = sock.recvfrom(65536)
                except socket.timeout:
                    continue
                m = Msg(data.decode("latin-1"))
                if trace:
                    trace.add(ua, "rx", m, src)
                if not m.is_request and m.call_id == call_id and m.cseq == cseq and m.status >= 200:
                    resp = m
                    break
            if resp is None or resp.status != 401 or auth and "stale=true" not in resp.raw:
                return resp
            ch = pick_challenge(resp.raw)
            if ch is None:
                return resp
            auth = answer(ch, user, password, "REGISTER", ruri)
        return resp
    finally:
        if own:
            sock.close()
        else:
            sock.settimeout(None)


class Device(UA):
    """A UAS. script:
      ("ring",)           180, then rings until CANCEL: 200 to the CANCEL,
                          487 to the INVITE, absorbs the ACK
      ("busy", D)         180, after D s 486 Busy Here; expects the
                          hop-by-hop ACK for it
      ("answer", D)       180, after D s 200 with a To tag and a Contact,
                          retransmitted until the ACK (RFC 3261 13.3.1.4);
                          BYE gets 200
      ("noanswer",)       nothing at all
      ("trying",)         100 Trying, then nothing
    Final responses other than 2xx are retransmitted as by an INVITE server
    transaction over UDP (Timer G) until their ACK. Received ACKs are
    marked in the trace: ack-non2xx (same branch as an INVITE we answered
    >= 300), ack-2xx (To tag of a 2xx we sent) or ack-stray."""

    def __init__(self, name, script, trace, user, hosts=None):
        super().__init__(name, trace, hosts)
        self.script = script
        self.user = user
        self.tsx = {}  # INVITE branch -> state
        self.dialogs = {}  # (Call-ID, our tag) -> state
        self.tags = []  # every To tag we gave

    def on_message(self, msg, addr, ev):
        if not msg.is_request:
            return
        m = msg.method
        if m == "INVITE":
            t = self.tsx.get(msg.branch)
            if t:
                if t["last"]:
                    self.send(t["last"], t["addr"], "retransmission")
                return
            t = {"req": msg, "addr": self.reply_addr(msg, addr), "tag": rand_hex(32), "last": None,
                 "final": 0, "acked": False}
            self.tsx[msg.branch] = t
            self.tags.append(t["tag"])
            kind = self.script[0]
            if kind == "trying":
                self.respond(t, 100, "Trying")
            elif kind != "noanswer":
                self.respond(t, 180, "Ringing")
            if kind == "busy":
                self.after(self.script[1], lambda: self.final(t, 486, "Busy Here"))
            elif kind == "answer":
                self.after(self.script[1], lambda: self.final(t, 200, "OK"))
        elif m == "CANCEL":
            t = self.tsx.get(msg.branch)
            if not t:
                self.send(self.response(msg, 481, "Call/Transaction Does Not Exist", rand_hex(32)),
                          self.reply_addr(msg, addr))
                return
            self.send(self.response(msg, 200, "OK", t["tag"]), self.reply_addr(msg, addr))
            if not t["final"]:
                self.final(t, 487, "Request Terminated")
        elif m == "ACK":
            t = self.tsx.get(msg.branch)
            d = self.dialogs.get((msg.call_id, msg.tag("to")))
            if t and t["final"] >= 300:
                t["acked"] = True
                ev["note"] = "ack-non2xx"
            elif d:
                d["acked"] = True
                ev["note"] = "ack-2xx"
            else:
                ev["note"] = "ack-stray"
        elif m == "BYE":
            d = self.dialogs.get((msg.call_id, msg.tag("to")))
            if d:
                d["bye"] = True
                self.send(self.response(msg, 200, "OK"), self.reply_addr(msg, addr))
            else:
                self.send(self.response(msg, 481, "Call/Transaction Does Not Exist", rand_hex(32)),
                          self.reply_addr(msg, addr))
        elif m == "OPTIONS":
            self.send(self.response(msg, 200, "OK", rand_hex(32)), self.reply_addr(msg, addr))
        else:
            self.send(self.response(msg, 405, "Method Not Allowed", rand_hex(32)), self.reply_addr(msg, addr))

    def respond(self, t, status, reason, body=""):
        req = t["req"]
        extra = []
        if 100 < status < 300:
            extra = [("Record-Route", v) for v in req.lines("record-route")]
            extra.append(("Contact", f"<sip:{self.user}@127.0.0.1:{self.port}>"))
        text = self.response(req, status, reason, t["tag"], extra, body)
        t["last"] = text
        self.send(text, t["addr"])

    def final(self, t, status, reason):
        if t["final"]:
            return
        t["final"] = status
        if status < 300:
            self.dialogs[(t["req"].call_id, t["tag"])] = {"acked": False, "bye": False}
        self.respond(t, status, reason, sdp(self.user, self.port) if status < 300 else "")
        start = time.monotonic()

        def again(interval):
            d = self.dialogs.get((t["req"].call_id, t["tag"]))
            acked = d["acked"] if status < 300 else t["acked"]
            if acked or time.monotonic() - start >= 64 * T1:
                return
            self.send(t["last"], t["addr"], "retransmission")
            self.after(min(2 * interval, T2), lambda: again(min(2 * interval, T2)))

        self.after(T1, lambda: again(T1))


class Caller(UA):
    """A UAC: call() sends INVITE to a URI through the proxy, answers a
    401/407 with digest, waits for the final response, ACKs a 2xx end to
    end over the route set (RFC 3261 12.1.2, 12.2.1.1, 13.2.2.4), and
    hangs up with BYE (answering a challenge to it too). Every response
    to the INVITE is in self.responses."""

    def __init__(self, name, trace, user, password, domain, proxy, hosts=None):
        super().__init__(name, trace, hosts)
        self.user, self.password, self.domain, self.proxy = user, password, domain, proxy
        self.cond = threading.Condition(self.lock)
        self.responses = []  # to INVITE, every one received
        self.bye_responses = []
        self.dialogs = {}  # remote tag -> dialog
        self.invite = None  # the INVITE in progress: (text, Msg)
        self.call_id = "call-" + rand_hex()
        self.from_tag = rand_hex(32)
        self.cseq = 0
        self.log = []  # what happened, for the report

    def note(self, s):
        self.log.append("%7.3f %s: %s" % (self.trace.now(), self.name_, s))

    def on_message(self, msg, addr, ev):
        if msg.is_request:
            if msg.method not in ("ACK",):
                self.send(self.response(msg, 200 if msg.method == "BYE" else 405,
                                        "OK" if msg.method == "BYE" else "Method Not Allowed"),
                          self.reply_addr(msg, addr))
            return
        if msg.cseq_method == "INVITE" and msg.call_id == self.call_id:
            self.responses.append(msg)
            if msg.status >= 300 and self.invite and msg.cseq == self.invite[1].cseq:
                self.ack_non2xx(msg)
            elif 200 <= msg.status < 300:
                self.ack_2xx(msg)
        elif msg.cseq_method == "BYE":
            self.bye_responses.append(msg)
        self.cond.notify_all()

    def ack_non2xx(self, resp):
        """RFC 3261 17.1.1.3: same branch, hop by hop, to the proxy."""
        req = self.invite[1]
        h = [("Via", req.lines("via")[0]), ("Max-Forwards", "70"), ("From", req.get("from")),
             ("To", resp.get("to")), ("Call-ID", req.call_id), ("CSeq", f"{req.cseq} ACK")]
        self.send(build(f"ACK {req.ruri} SIP/2.0", h), self.proxy, "ACK for %d" % resp.status)

    def ack_2xx(self, resp):
        tag = resp.tag("to")
        d = self.dialogs.get(tag)
        if d is None:
            contact = resp.all("contact")
            d = {"tag": tag, "to": resp.get("to"), "target": header_uri(contact[0]) if contact else None,
                 "routes": [header_uri(r) for r in reversed(resp.all("record-route"))],
                 "cseq": resp.cseq, "ack": None}
            self.dialogs[tag] = d
            self.note("dialog with %s: remote target %s, route set %s" % (tag, d["target"], d["routes"]))
            if not d["target"]:
                self.note("the 2xx has no Contact: cannot ACK")
                return
            text, dest = self.in_dialog("ACK", d, d["cseq"])
            d["ack"] = (text, dest)
            self.send(text, dest, "ACK for 2xx")
        elif d["ack"]:
            self.send(d["ack"][0], d["ack"][1], "ACK for 2xx, again")

    def in_dialog(self, method, d, cseq, extra=None):
        """A request in dialog d: R-URI, Route and next hop per RFC 3261
        12.2.1.1 (loose routing; a strict first route is handled too)."""
        routes = list(d["routes"])
        ruri = d["target"]
        if routes and "lr" in parse_uri(routes[0])[3]:
            hop = routes[0]
        elif routes:
            ruri, routes = routes[0], routes[1:] + [d["target"]]
            hop = ruri
        else:
            hop = d["target"]
        _, host, port, params = parse_uri(hop)
        dest = params.get("maddr") and self.resolve(params["maddr"], port) or self.resolve(host, port)
        if dest is None:
            self.note(f"next hop {hop} does not resolve; sending to the proxy")
            dest = self.proxy
        h = [("Via", f"SIP/2.0/UDP 127.0.0.1:{self.port};branch=z9hG4bK{rand_hex()};rport"),
             ("Max-Forwards", "70")]
        h += [("Route", f"<{r}>") for r in routes]
        h += [("From", f"<sip:{self.user}@{self.domain}>;tag={self.from_tag}"), ("To", d["to"]),
              ("Call-ID", self.call_id), ("CSeq", f"{cseq} {method}")]
        return build(f"{method} {ruri} SIP/2.0", h + (extra or [])), dest

    def wait(self, pred, timeout):
        end = time.monotonic() + timeout
        with self.cond:
            while not pred():
                left = end - time.monotonic()
                if left <= 0:
                    return False
                self.cond.wait(min(left, 0.1))
        return True

    def send_invite(self, ruri, auth=None):
        self.cseq += 1
        h = [("Via", f"SIP/2.0/UDP 127.0.0.1:{self.port};branch=z9hG4bK{rand_hex()};rport"),
             ("Max-Forwards", "70"),
             ("From", f'"Romeo" <sip:{self.user}@{self.domain}>;tag={self.from_tag}'),
             ("To", f"<{ruri}>"), ("Call-ID", self.call_id), ("CSeq", f"{self.cseq} INVITE"),
             ("Contact", f"<sip:{self.user}@127.0.0.1:{self.port}>"), ("Subject", "art thou hither?")]
        if auth:
            h.append(tuple(auth.split(": ", 1)))
        text = build(f"INVITE {ruri} SIP/2.0", h, sdp(self.user, self.port))
        with self.lock:
            self.invite = (text, Msg(text))
            self.send(text, self.proxy)
        cseq = self.cseq
        # Timer A until a response comes (17.1.1.2)
        for interval in (T1, 2 * T1, 4 * T1, 8 * T1):
            if self.wait(lambda: any(r.cseq == cseq for r in self.responses), interval):
                return
            self.send(text, self.proxy, "retransmission")

    def final_for(self, cseq):
        return [r for r in self.responses if r.cseq == cseq and r.status >= 200]

    def call(self, ruri, timeout):
        """INVITE ruri; returns the first final response (None on timeout)."""
        end = time.monotonic() + timeout
        self.send_invite(ruri)
        for _ in range(2):
            cseq = self.cseq
            if not self.wait(lambda: self.final_for(cseq), end - time.monotonic()):
                self.note("no final response to the INVITE")
                return None
            resp = self.final_for(cseq)[0]
            if resp.status not in (401, 407):
                return resp
            ch = pick_challenge(resp.raw)
            if ch is None:
                return resp
            hdr = "Proxy-Authorization" if resp.status == 407 else "Authorization"
            self.send_invite(ruri, answer(ch, self.user, self.password, "INVITE", ruri, hdr))
        return self.final_for(self.cseq)[0]

    def bye(self, tag, timeout=5):
        """BYE in the dialog with remote tag; returns the final response."""
        d = self.dialogs[tag]
        auth = None
        for _ in range(2):
            self.cseq += 1
            cseq = self.cseq
            text, dest = self.in_dialog("BYE", d, cseq, [tuple(auth.split(": ", 1))] if auth else None)
            self.send(text, dest)
            got = lambda: [r for r in self.bye_responses if r.cseq == cseq and r.status >= 200]
            for interval in (T1, 2 * T1, 4 * T1, T2):  # Timer E
                if self.wait(got, interval):
                    break
                self.send(text, dest, "retransmission")
            if not got():
                return None
            resp = got()[0]
            if resp.status not in (401, 407):
                return resp
            ch = pick_challenge(resp.raw)
            if ch is None:
                return resp
            hdr = "Proxy-Authorization" if resp.status == 407 else "Authorization"
            auth = answer(ch, self.user, self.password, "BYE", parse_in_dialog_ruri(text), hdr)
        return resp


def parse_in_dialog_ruri(text):
    return text.split(" ", 2)[1]


# ---------------------------------------------------------------------------
# The seed's Juliet scenario (draft-mahy-simple-why-session-mode-00, 3).

class Checks:
    def __init__(self):
        self.items = []

    def __call__(self, name, cond, why=""):
        self.items.append((bool(cond), name, why))
        return bool(cond)

    def emit(self, out=sys.stdout):
        for good, name, why in self.items:
            out.write("CHECK\t%s\t%s%s\n" % ("ok" if good else "FAIL", name, "" if good or not why else ": " + why))


def juliet(a):
    domain = a.domain
    host, _, port = a.proxy.rpartition(":")
    proxy = (host, int(port))
    hosts = {domain: proxy}
    pw = dict(p.split("=", 1) for p in a.password)
    inst = dict(p.split("=", 1) for p in a.instance)
    R = a.ring
    tr = Trace()
    chk = Checks()
    answer_after = min(0.5, R / 3)
    dev = {
        "chamber": Device("chamber", ("ring",), tr, "juliet", hosts),
        "balcony": Device("balcony", ("ring",), tr, "juliet", hosts),
        "pda": Device("pda", ("busy", 0.3), tr, "juliet", hosts),
        "nurse": Device("nurse", ("answer", answer_after), tr, "nurse", hosts),
    }
    romeo = Caller("romeo", tr, "romeo", pw["romeo"], domain, proxy, hosts)
    regs = [("chamber", "juliet", "1.0"), ("balcony", "juliet", "0.9"), ("pda", "juliet", "0.4"),
            ("nurse", "nurse", None)]
    if a.mode == "q":
        regs.append(("nurse", "juliet", "0.1"))
    contacts = {}
    for name, user, q in regs:
        d = dev[name]
        r = register(proxy, user, pw[user], d.port, q=q, instance=inst.get(name), domain=domain,
                     contact_user=d.user, sock=d.sock, trace=tr, ua=name)
        contacts[name] = f"sip:{d.user}@127.0.0.1:{d.port}"
        desc = f"{name} registers as {user}" + (f" with q={q}" if q else "")
        chk(f"{desc}: 200", r is not None and r.status == 200,
            "no final response" if r is None else r.first)
        if r is not None and r.status == 200 and q:
            mine = [c for c in r.all("contact") if header_uri(c) == contacts[name]]
            got_q = header_params(mine[0]).get("q") if mine else None
            chk(f"{desc}: the 200 lists the contact with its q", got_q is not None and float(got_q) == float(q),
                f"Contact lines: {r.all('contact')}")
    print("registered", flush=True)
    if a.go_file:
        end = time.monotonic() + 30
        while not os.path.exists(a.go_file) and time.monotonic() < end:
            time.sleep(0.05)
        if not os.path.exists(a.go_file):
            chk("the shell said go", False, "no go file within 30 s")
            chk.emit()
            return 1
    t_reg_end = tr.now()
    deadline = time.monotonic() + a.timeout
    for ua in list(dev.values()) + [romeo]:
        ua.deadline = deadline
        ua.start()

    # The call: the search takes about 2 ring times (plan) or 3 (q), then
    # the Nurse answers.
    resp = romeo.call(f"sip:juliet@{domain}", max(1.0, deadline - time.monotonic() - 3))
    bye = None
    # Hang up every dialog the call made (a wrong final response before
    # the 200 must not leave the Nurse's dialog up and the later checks
    # failing for that).
    time.sleep(1.0)
    with romeo.lock:
        tags = list(romeo.dialogs)
    if resp is not None and 200 <= resp.status < 300 and resp.tag("to") in tags:
        tags.remove(resp.tag("to"))
        tags.insert(0, resp.tag("to"))
    for i, tag in enumerate(tags):
        b = romeo.bye(tag)
        bye = b if i == 0 else bye
    # Linger: late retransmissions, stray ACKs or BYEs, extra finals.
    time.sleep(min(1.5, max(0, deadline - time.monotonic())))
    for ua in list(dev.values()) + [romeo]:
        ua.stop()
    for ua in list(dev.values()) + [romeo]:
        ua.join(2)

    print("trace (s since start; registrations before %.3f):" % t_reg_end)
    tr.dump()
    for line in romeo.log:
        print("  " + line)

    # ---- checks
    def first(evs):
        return evs[0] if evs else None

    def t(e):
        return e["t"] if e else None

    inv = {n: first(tr.find(ua=n, direction="rx", method="INVITE",
                            where=lambda e: e["t"] > t_reg_end)) for n in dev}
    can = {n: first(tr.find(ua=n, direction="rx", method="CANCEL")) for n in dev}
    fmt = lambda x: "none" if x is None else "%.2f s" % x

    # Romeo and the challenge
    r_finals = [r for r in romeo.responses if r.status >= 200]
    chk("Romeo's first INVITE is challenged with 407 (romeo is a local user)",
        r_finals and r_finals[0].cseq == 1 and r_finals[0].status == 407,
        "first final: %s" % (r_finals[0].first if r_finals else "none"))
    auth_cseq = romeo.cseq if resp is None else resp.cseq
    chk("the INVITE with Proxy-Authorization is not challenged again",
        resp is not None and resp.status not in (401, 407), resp.first if resp else "no final response")
    chk("Romeo gets 100 Trying from the proxy",
        any(r.status == 100 and r.cseq == auth_cseq for r in romeo.responses))

    # Every device's INVITE goes to its registered contact (16.6 step 2)
    for n in dev:
        e = inv[n]
        if e:
            u = parse_uri(e["msg"].ruri)
            want = parse_uri(contacts[n])
            chk(f"{n}'s INVITE has its contact as Request-URI", u[:3] == want[:3],
                f"{e['msg'].ruri} for {contacts[n]}")

    def cancelled_after_ring(n):
        ie, ce = inv[n], can[n]
        if not ie:
            return chk(f"{n} is CANCELled after the ring time", False, f"{n} never got the INVITE")
        if not ce:
            return chk(f"{n} is CANCELled after the ring time", False, "no CANCEL")
        dt = ce["t"] - ie["t"]
        return chk(f"{n} is CANCELled {R:g} s after its INVITE ({dt:.2f} s)", abs(dt - R) <= 1.0,
                   f"{dt:.2f} s, want {R:g} ± 1 s")

    def cancel_matches(n):
        ie, ce = inv[n], can[n]
        if not ie or not ce:
            return
        chk(f"{n}'s CANCEL has the branch of its INVITE (9.1)", ce["msg"].branch == ie["msg"].branch,
            f"{ce['msg'].branch} vs {ie['msg'].branch}")
        got487 = tr.find(ua=n, direction="tx", status=487, cseq_method="INVITE")
        chk(f"{n} answers 200 to the CANCEL and 487 to the INVITE",
            tr.find(ua=n, direction="tx", status=200, cseq_method="CANCEL") and got487)
        acks = [e for e in tr.find(ua=n, direction="rx", method="ACK") if e["note"] == "ack-non2xx"]
        chk(f"the proxy ACKs {n}'s 487 (hop by hop, same branch)",
            acks and acks[0]["msg"].branch == ie["msg"].branch,
            "no ACK" if not acks else f"branch {acks[0]['msg'].branch}")

    order_ok = all(inv[n] for n in dev)
    if a.mode == "q":
        chk("chamber (q=1.0) gets the INVITE first",
            inv["chamber"] and all(not inv[n] or inv[n]["t"] > inv["chamber"]["t"] for n in dev if n != "chamber"),
            "INVITE times: " + ", ".join(f"{n} {fmt(t(inv[n]))}" for n in dev))
        cancelled_after_ring("chamber")
        cancel_matches("chamber")
        b_ok = inv["balcony"] and can["chamber"] and abs(inv["balcony"]["t"] - can["chamber"]["t"]) <= 1.0 \
            and inv["balcony"]["t"] > inv["chamber"]["t"] + R - 1.0
        chk("balcony (q=0.9) gets the INVITE when chamber's ring time ends", b_ok,
            f"balcony INVITE {fmt(t(inv['balcony']))}, chamber INVITE {fmt(t(inv['chamber']))}, "
            f"CANCEL {fmt(t(can['chamber']))}")
        cancelled_after_ring("balcony")
        cancel_matches("balcony")
        prev = can["balcony"]
        order_ok = order_ok and inv["chamber"]["t"] < inv["balcony"]["t"] < inv["pda"]["t"] < inv["nurse"]["t"]
    else:
        both = inv["chamber"] and inv["balcony"]
        chk("balcony and chamber get the INVITE together (within 0.5 s)",
            both and abs(inv["chamber"]["t"] - inv["balcony"]["t"]) <= 0.5,
            f"chamber {fmt(t(inv['chamber']))}, balcony {fmt(t(inv['balcony']))}")
        chk("nobody else rings before them",
            both and all(not inv[n] or inv[n]["t"] > max(inv["chamber"]["t"], inv["balcony"]["t"])
                         for n in ("pda", "nurse")))
        for n in ("balcony", "chamber"):
            cancelled_after_ring(n)
            cancel_matches(n)
        prev = max((can[n] for n in ("balcony", "chamber") if can[n]), key=lambda e: e["t"], default=None)
        order_ok = order_ok and max(inv["chamber"]["t"], inv["balcony"]["t"]) < inv["pda"]["t"] < inv["nurse"]["t"]

    chk("the PDA gets the INVITE when the previous group's ring time ends",
        inv["pda"] and prev and abs(inv["pda"]["t"] - prev["t"]) <= 1.0,
        f"PDA INVITE {fmt(t(inv['pda']))}, last CANCEL {fmt(t(prev))}")
    e486 = first(tr.find(ua="pda", direction="tx", status=486))
    chk("the PDA answers 486 Busy Here", e486)
    acks = [e for e in tr.find(ua="pda", direction="rx", method="ACK") if e["note"] == "ack-non2xx"]
    chk("the proxy ACKs the PDA's 486 (hop by hop, same branch as its INVITE)",
        acks and inv["pda"] and acks[0]["msg"].branch == inv["pda"]["msg"].branch
        and acks[0]["msg"].tag("to") == e486["msg"].tag("to"),
        "no ACK" if not acks else f"branch {acks[0]['msg'].branch}")
    chk("the PDA is not CANCELled", not can["pda"])
    chk("the Nurse gets the INVITE right after the 486 (within 1 s)",
        inv["nurse"] and e486 and 0 <= inv["nurse"]["t"] - e486["t"] <= 1.0,
        f"Nurse INVITE {fmt(t(inv['nurse']))}, 486 {fmt(t(e486))}")
    chk("the devices are tried in order: " + ("chamber, balcony" if a.mode == "q" else "balcony+chamber")
        + ", PDA, Nurse", order_ok, ", ".join(f"{n} {fmt(t(inv[n]))}" for n in dev))
    chk("the Nurse is not CANCELled", not can["nurse"])
    for n in dev:
        chk(f"{n} gets the INVITE once (retransmissions aside)",
            len({e["msg"].branch for e in tr.find(ua=n, direction="rx", method="INVITE",
                                                   where=lambda e: e["t"] > t_reg_end)}) == 1)

    # What Romeo saw
    tags = {n: dev[n].tags[0] if dev[n].tags else None for n in dev}
    for n in dev:
        got = any(r.status == 180 and r.tag("to") == tags[n] for r in romeo.responses)
        chk(f"Romeo sees {n}'s 180 forwarded", tags[n] and got)
    finals = {(r.status, r.tag("to")) for r in romeo.responses if r.status >= 200 and r.cseq == auth_cseq}
    chk("Romeo gets exactly one final response", len(finals) == 1, f"{sorted(finals)}")
    chk("it is the Nurse's 200", finals == {(200, tags["nurse"])}, f"{sorted(finals)}")
    if resp is not None and resp.status == 200:
        rr = resp.all("record-route")
        print("  Record-Route in the 200: %s" % (rr or "none (ACK and BYE go straight to the Nurse)"))
    acks = [e for e in tr.find(ua="nurse", direction="rx", method="ACK") if e["note"] == "ack-2xx"]
    chk("Romeo's ACK for the 200 reaches the Nurse", acks and acks[0]["msg"].cseq == auth_cseq)
    byes = tr.find(ua="nurse", direction="rx", method="BYE",
                   where=lambda e: e["msg"].tag("to") == tags["nurse"])
    chk("Romeo's BYE reaches the Nurse", byes)
    chk("Romeo gets 200 to the BYE", bye is not None and bye.status == 200,
        bye.first if bye is not None else "no final response")
    for n in ("chamber", "balcony", "pda"):
        bad = [e for e in tr.find(ua=n, direction="rx")
               if e["msg"].is_request and e["msg"].method in ("BYE",) or e["note"] in ("ack-2xx", "ack-stray")]
        chk(f"{n} never gets an ACK for a 2xx or a BYE", not bad,
            "; ".join(e["msg"].summary() for e in bad))
    stray = [e for e in tr.find(ua="nurse", direction="rx", method="ACK") if e["note"] == "ack-stray"]
    chk("the Nurse gets no stray ACK", not stray)
    chk.emit()
    sys.stdout.flush()
    return 0


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    j = sub.add_parser("juliet")
    j.add_argument("--proxy", required=True, help="HOST:PORT of the proxy")
    j.add_argument("--domain", required=True)
    j.add_argument("--mode", choices=("q", "plan"), required=True)
    j.add_argument("--ring", type=float, required=True, help="the proxy's ring time, s")
    j.add_argument("--password", action="append", default=[], help="USER=PW")
    j.add_argument("--instance", action="append", default=[], help="DEVICE=urn:uuid:...")
    j.add_argument("--go-file")
    j.add_argument("--timeout", type=float, default=40)
    a = ap.parse_args()
    return juliet(a)


if __name__ == "__main__":
    sys.exit(main())
