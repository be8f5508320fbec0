#!/usr/bin/env python3
"""NOT sipbox: a self-test of the harness of tests/proxy_juliet.sh.

A toy registrar and forking proxy over UDP that speaks the subset of
sipbox's command line that tests/proxy_juliet.sh uses, so the harness can
be run against it when it is unclear whether a failure is sipbox's or the
harness's:

  tests/proxy_juliet.sh tests/proxy_juliet_fake.py

  --data D settings set NAME VALUE      (domain, proxy_ring_s)
  --data D user add USER --password PW
  --data D user show USER               (the binding lines of sipbox)
  --data D user ring-plan USER set PLAN ("DEV,DEV/RING DEV/RING @user/RING",
                                         DEV an instance URN)
  --data D --domain X --sip 127.0.0.1:0 --http 127.0.0.1:0
                                        the server; prints what sipbox
                                        prints when it is ready

What it does, the way sipbox's proxy is expected to: REGISTER with digest
(401, SHA-256 then MD5), 407 to an INVITE from a local user without
credentials, 100 Trying, forking by q-value groups (equal q in parallel)
or by the user's ring plan, each group for the ring time then CANCEL to
its branches that had a provisional and the next group at once, 1xx and
2xx forwarded, ACK hop by hop for every non-2xx final (same branch),
Record-Route <sip:127.0.0.1:PORT;lr>, ACK/BYE loose-routed, the best
final response when nobody answered. UDP only, no retransmissions of its
own (loopback), one call at a time is all it is meant for.

FAKE_PROXY_BUG (comma-separated) breaks it on purpose, to see the
harness's checks fail: no-ack, all-at-once, late-cancel, no-rr,
forward-486, ack-to-all, ring-plan (no `user ring-plan`),
no-ring-setting (no proxy_ring_s: the default 20 s).
"""
import json
import os
import random
import re
import select
import signal
import socket
import sys
import time

sys.dont_write_bytecode = True  # no __pycache__ in tests/
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from sip_digest import digest  # noqa: E402
from sip_ua import Msg, header_params, header_uri, params_of, parse_uri  # noqa: E402

BUGS = set(filter(None, os.environ.get("FAKE_PROXY_BUG", "").split(",")))


def load(d):
    try:
        with open(os.path.join(d, "fake.json")) as f:
            return json.load(f)
    except FileNotFoundError:
        return {"settings": {}, "users": {}, "plans": {}, "bindings": {}}


def save(d, st):
    os.makedirs(d, exist_ok=True)
    tmp = os.path.join(d, "fake.json.tmp")
    with open(tmp, "w") as f:
        json.dump(st, f)
    os.replace(tmp, os.path.join(d, "fake.json"))


def cli(d, args):
    st = load(d)
    if args[:2] == ["settings", "set"] and len(args) == 4:
        if args[2] not in ("domain", "proxy_ring_s") or args[2] == "proxy_ring_s" and "no-ring-setting" in BUGS:
            print(f"fake: settings set: no setting '{args[2]}'", file=sys.stderr)
            return 2
        st["settings"][args[2]] = args[3]
    elif args[:2] == ["user", "add"] and len(args) == 5 and args[3] == "--password":
        st["users"][args[2]] = args[4]
    elif args[:2] == ["user", "show"] and len(args) == 3:
        if args[2] not in st["users"]:
            print(f"fake: user show: no user '{args[2]}'", file=sys.stderr)
            return 2
        now = time.time()
        bs = [b for b in st["bindings"].get(args[2], []) if b["until"] > now]
        if not bs:
            print("no devices registered")
        for b in bs:
            line = f"binding <{b['uri']}> expires={int(b['until'] - now)} q={b['q'] or '-'} transport=udp source={b['source']}"
            if b["instance"]:
                line += f" instance={b['instance']}"
            print(line + ' ua=""')
    elif args[:2] == ["user", "ring-plan"] and len(args) == 5 and args[3] == "set":
        if "ring-plan" in BUGS:
            print("fake: user: no 'ring-plan' (FAKE_PROXY_BUG=ring-plan)", file=sys.stderr)
            return 2
        st["plans"][args[2]] = args[4]
    else:
        print("fake: unknown command " + " ".join(args), file=sys.stderr)
        return 2
    save(d, st)
    return 0


class Proxy:
    def __init__(self, d, domain, sip):
        self.d = d
        self.domain = domain
        host, _, port = sip.rpartition(":")
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind((host, int(port)))
        self.addr = self.sock.getsockname()
        self.me = "%s:%d" % self.addr
        self.timers = []
        self.fork = None
        self.nonces = set()
        self.n = 0

    # -- plumbing
    def log(self, s):
        print("fake: " + s, flush=True)

    def send(self, text, dest):
        self.sock.sendto(text.encode("latin-1"), dest)

    def branch(self):
        self.n += 1
        return "z9hG4bK-fake-%d-%x" % (self.n, random.getrandbits(32))

    def via_dest(self, via):
        p = params_of(via)
        m = re.match(r"^(\[[^\]]+\]|[^:]+)(?::(\d+))?$", via.split(";")[0].split()[-1])
        host = p.get("received") or m.group(1)
        port = int(p.get("rport") or m.group(2) or 5060)
        return host, port

    def respond(self, req, src, status, reason, extra=()):
        to = req.get("to")
        if status > 100 and "tag=" not in to:
            to += ";tag=fake%x" % random.getrandbits(24)
        h = ["Via: " + v for v in req.lines("via")]
        h += ["From: " + req.get("from"), "To: " + to, "Call-ID: " + req.call_id,
              "CSeq: " + req.get("cseq")] + list(extra)
        self.send("\r\n".join([f"SIP/2.0 {status} {reason}"] + h + ["Content-Length: 0", "", ""]), src)

    def rebuild(self, msg, first, drop=(), top=()):
        """msg with a new first line, some headers dropped, some on top."""
        h = list(top)
        for n, v in msg.headers:
            if n in drop or n == "content-length":
                continue
            if n == "max-forwards":
                v = str(int(v) - 1)
            h.append(f"{n.title() if n != 'call-id' else 'Call-ID'}: {v}")
        body = msg.body
        return "\r\n".join([first] + h + [f"Content-Length: {len(body.encode())}", "", body])

    def challenge(self, req, src, status, reason, hdr):
        nonce = "%032x" % random.getrandbits(128)
        self.nonces.add(nonce)
        self.respond(req, src, status, reason, [
            f'{hdr}: Digest realm="{self.domain}", nonce="{nonce}", algorithm=SHA-256, qop="auth"',
            f'{hdr}: Digest realm="{self.domain}", nonce="{nonce}", algorithm=MD5, qop="auth"'])

    def authorized(self, req, hdr, user):
        st = load(self.d)
        v = req.get(hdr)
        if not v or user not in st["users"]:
            return False
        p = dict((k.lower(), a or b) for k, a, b in re.findall(r'(\w[\w-]*)=(?:"([^"]*)"|([^,\s]+))', v))
        if p.get("nonce") not in self.nonces or p.get("username") != user:
            return False
        want = digest(p.get("algorithm", "MD5").upper(), user, self.domain, st["users"][user],
                      req.method, p.get("uri"), p["nonce"], p.get("nc"), p.get("cnonce"))
        return want == p.get("response")

    # -- REGISTER
    def on_register(self, req, src):
        user = parse_uri(header_uri(req.get("to")))[0]
        if not self.authorized(req, "authorization", user):
            return self.challenge(req, src, 401, "Unauthorized", "WWW-Authenticate")
        st = load(self.d)
        now = time.time()
        bs = [b for b in st["bindings"].get(user, []) if b["until"] > now]
        for c in req.all("contact"):
            uri, p = header_uri(c), header_params(c)
            exp = int(p.get("expires") or req.get("expires") or 3600)
            bs = [b for b in bs if b["uri"] != uri]
            if exp:
                bs.append({"uri": uri, "q": p.get("q"), "instance": p.get("+sip.instance"),
                           "until": now + exp, "source": "%s:%d" % src})
        st["bindings"][user] = bs
        save(self.d, st)
        self.respond(req, src, 200, "OK", [
            f"Contact: <{b['uri']}>;expires={int(b['until'] - now)}" + (f";q={b['q']}" if b["q"] else "")
            for b in bs])

    # -- the fork
    def groups(self, user):
        st = load(self.d)
        now = time.time()
        ring = float(st["settings"].get("proxy_ring_s", 20))
        if "late-cancel" in BUGS:
            ring += 2
        bs = [b for b in st["bindings"].get(user, []) if b["until"] > now]
        plan = st["plans"].get(user)
        if plan:
            out = []
            for g in plan.split():
                devs, _, r = g.partition("/")
                uris = []
                for dv in devs.split(","):
                    if dv.startswith("@"):
                        uris += [b["uri"] for b in st["bindings"].get(dv[1:], []) if b["until"] > now]
                    else:
                        uris += [b["uri"] for b in bs if b["instance"] and b["instance"].strip("<>") == dv.strip("<>")]
                if uris:
                    out.append((uris, float(r) + (2 if "late-cancel" in BUGS else 0) if r else ring))
        else:
            qs = sorted({float(b["q"] or 1) for b in bs}, reverse=True)
            out = [([b["uri"] for b in bs if float(b["q"] or 1) == q], ring) for q in qs]
        if "all-at-once" in BUGS:
            out = [([u for g in out for u in g[0]], ring)]
        return out

    def on_invite(self, req, src):
        user = parse_uri(header_uri(req.get("from")))[0]
        local = parse_uri(header_uri(req.get("from")))[1] == self.domain
        if local and not self.authorized(req, "proxy-authorization", user):
            return self.challenge(req, src, 407, "Proxy Authentication Required", "Proxy-Authenticate")
        target = parse_uri(req.ruri)[0]
        if self.fork and self.fork["req"].branch == req.branch:
            return  # a retransmission
        self.respond(req, src, 100, "Trying")
        groups = self.groups(target)
        if not groups:
            return self.respond(req, src, 480, "Temporarily Unavailable")
        self.fork = {"req": req, "src": src, "groups": groups, "g": -1, "br": {}, "done": False}
        self.next_group()

    def next_group(self):
        f = self.fork
        f["g"] += 1
        if f["g"] >= len(f["groups"]):
            return self.best()
        uris, ring = f["groups"][f["g"]]
        self.log("group %d: %s for %g s" % (f["g"], uris, ring))
        for uri in uris:
            b = self.branch()
            rr = [] if "no-rr" in BUGS else [f"Record-Route: <sip:{self.me};lr>"]
            text = self.rebuild(f["req"], f"INVITE {uri} SIP/2.0", drop=("proxy-authorization",),
                                top=[f"Via: SIP/2.0/UDP {self.me};branch={b}"] + rr)
            _, host, port, _ = parse_uri(uri)
            f["br"][b] = {"uri": uri, "dest": (host, port or 5060), "req": Msg(text), "group": f["g"],
                          "prov": False, "final": 0}
            self.send(text, (host, port or 5060))
        g = f["g"]
        self.timers.append((time.monotonic() + ring, lambda: self.ring_over(g)))

    def ring_over(self, g):
        f = self.fork
        if f is None or f["done"] or f["g"] != g:
            return
        for b, br in f["br"].items():
            if br["group"] == g and not br["final"]:
                self.cancel(b)
        self.next_group()

    def cancel(self, b):
        br = self.fork["br"][b]
        r = br["req"]
        h = [f"Via: SIP/2.0/UDP {self.me};branch={b}", "Max-Forwards: 70", "From: " + r.get("from"),
             "To: " + r.get("to"), "Call-ID: " + r.call_id, f"CSeq: {r.cseq} CANCEL"]
        self.send("\r\n".join([f"CANCEL {br['uri']} SIP/2.0"] + h + ["Content-Length: 0", "", ""]), br["dest"])
        br["cancelled"] = True

    def ack(self, b, resp):
        br = self.fork["br"][b]
        r = br["req"]
        h = [f"Via: SIP/2.0/UDP {self.me};branch={b}", "Max-Forwards: 70", "From: " + r.get("from"),
             "To: " + resp.get("to"), "Call-ID: " + r.call_id, f"CSeq: {r.cseq} ACK"]
        self.send("\r\n".join([f"ACK {br['uri']} SIP/2.0"] + h + ["Content-Length: 0", "", ""]), br["dest"])

    def upstream(self, resp):
        vias = resp.all("via")[1:]
        h = [l for l in resp.raw.split("\r\n\r\n")[0].split("\r\n")[1:]
             if not re.match(r"(?i)(via|v)\s*:", l)]
        text = "\r\n".join([resp.first] + ["Via: " + v for v in vias] + h) + "\r\n\r\n" + resp.body
        self.send(text, self.via_dest(vias[0]) if vias else self.fork["src"])

    def on_branch_response(self, b, resp):
        f = self.fork
        br = f["br"][b]
        if resp.cseq_method != "INVITE":
            return
        if resp.status < 200:
            br["prov"] = True
            if resp.status > 100 and not f["done"]:
                self.upstream(resp)
            return
        if 200 <= resp.status < 300:
            br["final"] = br["final"] or resp.status
            self.upstream(resp)
            if not f["done"]:
                f["done"] = True
                for ob, obr in f["br"].items():
                    if not obr["final"] and ob != b:
                        self.cancel(ob)
            return
        if "no-ack" not in BUGS:
            self.ack(b, resp)
        if br["final"]:
            return
        br["final"] = resp.status
        br["resp"] = resp
        if "forward-486" in BUGS and resp.status == 486:
            self.upstream(resp)
        if f["done"]:
            return
        if all(x["final"] for x in f["br"].values() if x["group"] == f["g"]) and \
                not any(x.get("cancelled") for x in f["br"].values() if x["group"] == f["g"]):
            self.next_group()

    def best(self):
        f = self.fork
        f["done"] = True
        rs = [x["resp"] for x in f["br"].values() if x.get("resp")]
        if not rs:
            return self.respond(f["req"], f["src"], 408, "Request Timeout")
        self.upstream(min(rs, key=lambda r: (r.status // 100 if r.status < 600 else 0, r.status)))

    # -- everything else
    def on_request(self, req, src):
        if req.method == "REGISTER":
            return self.on_register(req, src)
        routes = req.all("route")
        if routes and parse_uri(header_uri(routes[0]))[1:3] == (self.addr[0], self.addr[1]):
            routes = routes[1:]
        elif req.method == "INVITE":
            return self.on_invite(req, src)
        elif req.method == "ACK":
            return  # for our 407 or for the final we made
        user = parse_uri(header_uri(req.get("from")))[0]
        if req.method == "BYE" and not self.authorized(req, "proxy-authorization", user):
            return self.challenge(req, src, 407, "Proxy Authentication Required", "Proxy-Authenticate")
        nxt = header_uri(routes[0]) if routes else req.ruri
        _, host, port, _ = parse_uri(nxt)
        text = self.rebuild(req, req.first, drop=("route", "proxy-authorization"),
                            top=[f"Via: SIP/2.0/UDP {self.me};branch={self.branch()}"] +
                            [f"Route: {r}" for r in routes])
        self.send(text, (host, port or 5060))
        if req.method == "ACK" and "ack-to-all" in BUGS and self.fork:
            for br in self.fork["br"].values():
                if br["dest"] != (host, port or 5060):
                    self.send(text, br["dest"])

    def on_response(self, resp):
        b = resp.branch
        if self.fork and b in self.fork["br"]:
            return self.on_branch_response(b, resp)
        self.upstream(resp)

    def run(self):
        print(f"sip: listening on {self.me} (udp)", flush=True)
        print(f"ready: data {self.d}", flush=True)
        while True:
            self.timers.sort(key=lambda t: t[0])
            wait = 0.05
            if self.timers:
                wait = max(0, min(wait, self.timers[0][0] - time.monotonic()))
            r, _, _ = select.select([self.sock], [], [], wait)
            if r:
                data, src = self.sock.recvfrom(65536)
                m = Msg(data.decode("latin-1"))
                if m.is_request:
                    self.on_request(m, src)
                else:
                    self.on_response(m)
            while self.timers and self.timers[0][0] <= time.monotonic():
                _, fn = self.timers.pop(0)
                fn()


def main(argv):
    d, opts, rest = None, {}, []
    i = 0
    while i < len(argv):
        if argv[i] in ("--data", "--domain", "--sip", "--http"):
            opts[argv[i]] = argv[i + 1]
            i += 2
        else:
            rest.append(argv[i])
            i += 1
    d = opts.get("--data")
    if rest:
        return cli(d, rest)
    st = load(d)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    Proxy(d, opts.get("--domain") or st["settings"].get("domain"), opts.get("--sip", "127.0.0.1:0")).run()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
