#!/usr/bin/env python3
"""Page-mode MESSAGE through sipbox's proxy (RFC 3428), one step of
tests/proxy_message.sh at a time; prints "CHECK ok|FAIL text" lines.

  proxy_message.py PORT send TEXT          alice -> bob, prints the final status
  proxy_message.py PORT device NAME SECS   registers a device of bob (its own
                                           instance) and prints every MESSAGE
                                           it gets within SECS, answering 200
  proxy_message.py PORT online SECS        two devices registered, one MESSAGE:
                                           both get it, alice gets one 200
"""
import socket
import sys
import threading
import time

sys.path.insert(0, __import__("os").path.dirname(__file__))
from sip_digest import answer, pick_challenge  # noqa: E402
from sip_ua import Msg, build, rand_hex, register  # noqa: E402

DOMAIN = "office.example"
DATE = "Tue, 01 Dec 2026 09:30:00 GMT"
INSTANCES = {"desk": "urn:uuid:0000aaaa-0000-4000-8000-00000000d35c",
             "laptop": "urn:uuid:0000bbbb-0000-4000-8000-0000001a9709",
             "phone": "urn:uuid:0000cccc-0000-4000-8000-0000000ph0e0"}


def send(port, text, timeout=5, to="bob@" + DOMAIN):
    """alice's MESSAGE with a Date and a body; answers the 407. Returns the
    final response."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    s.settimeout(0.2)
    lport = s.getsockname()[1]
    call_id, tag, ruri = "msg-" + rand_hex(), "alice" + rand_hex(16), f"sip:{to}"
    auth = None
    for cseq in (1, 2):
        h = [("Via", f"SIP/2.0/UDP 127.0.0.1:{lport};branch=z9hG4bK{rand_hex()};rport"),
             ("Max-Forwards", "70"), ("From", f"\"Alice\" <sip:alice@{DOMAIN}>;tag={tag}"),
             ("To", f"<{ruri}>"), ("Call-ID", call_id), ("CSeq", f"{cseq} MESSAGE"),
             ("Date", DATE), ("Content-Type", "text/plain;charset=utf-8")]
        if auth:
            h.append(tuple(auth.split(": ", 1)))
        s.sendto(build(f"MESSAGE {ruri} SIP/2.0", h, text).encode(), ("127.0.0.1", port))
        end, resp = time.monotonic() + timeout, None
        while time.monotonic() < end:
            try:
                m = Msg(s.recv(65536).decode("latin-1"))
            except socket.timeout:
                continue
            if not m.is_request and m.cseq == cseq and m.status >= 200:
                resp = m
                break
        if resp is None or resp.status != 407:
            return resp
        auth = answer(pick_challenge(resp.raw), "alice", "alicepw", "MESSAGE", ruri,
                      "Proxy-Authorization")
    return resp


def device(port, name, secs, out):
    """Registers bob's device NAME and collects what comes for secs."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    resp = register(("127.0.0.1", port), "bob", "bobpw", s.getsockname()[1],
                    instance=INSTANCES[name], domain=DOMAIN)
    out.append(("registered", name, resp.status if resp else None))
    s.settimeout(0.2)
    end = time.monotonic() + secs
    while time.monotonic() < end:
        try:
            data, src = s.recvfrom(65536)
        except socket.timeout:
            continue
        m = Msg(data.decode("latin-1"))
        if not m.is_request or m.method != "MESSAGE":
            continue
        out.append(("got", name, m))
        hdrs = [(k, v) for k, v in m.headers if k.lower() in ("via", "from", "call-id", "cseq")]
        hdrs.append(("To", m.get("to") + f";tag={name}"))
        s.sendto(build("SIP/2.0 200 OK", hdrs).encode(), src)
    s.close()


def recv_req(sock, method, secs=3):
    end = time.monotonic() + secs
    while time.monotonic() < end:
        try:
            data, src = sock.recvfrom(65536)
        except socket.timeout:
            continue
        m = Msg(data.decode("latin-1"))
        if m.is_request and m.method == method:
            return m, src
    return None, None


def answer_req(sock, m, src, extra=()):
    hdrs = [(k, v) for k, v in m.headers if k in ("via", "from", "call-id", "cseq", "record-route")]
    to = m.get("to")
    hdrs.append(("To", to if "tag=" in to else to + ";tag=dev"))
    sock.sendto(build("SIP/2.0 200 OK", hdrs + list(extra)).encode(), src)


def strict(port):
    """RFC 3261 16.4 and 16.6 step 7: a dialog set up through sipbox, then
    a BYE from a strict router (our Record-Route in the Request-URI) and an
    INFO whose next hop is a strict router."""
    dev = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    dev.bind(("127.0.0.1", 0))
    dport = dev.getsockname()[1]
    register(("127.0.0.1", port), "bob", "bobpw", dport, instance=INSTANCES["phone"],
             domain=DOMAIN)
    dev.settimeout(0.2)
    sink = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sink.bind(("127.0.0.1", 0))
    sink.settimeout(0.2)
    c = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    c.bind(("127.0.0.1", 0))
    c.settimeout(0.2)
    lport = c.getsockname()[1]
    call_id, tag, ruri = "st-" + rand_hex(), "a" + rand_hex(16), f"sip:bob@{DOMAIN}"
    contact = f"sip:bob@127.0.0.1:{dport}"

    def req(method, uri, cseq, extra):
        h = [("Via", f"SIP/2.0/UDP 127.0.0.1:{lport};branch=z9hG4bK{rand_hex()};rport"),
             ("Max-Forwards", "70"), ("From", f"<sip:alice@{DOMAIN}>;tag={tag}"),
             ("Call-ID", call_id), ("CSeq", f"{cseq} {method}")] + extra
        c.sendto(build(f"{method} {uri} SIP/2.0", h).encode(), ("127.0.0.1", port))

    def final(cseq):
        end = time.monotonic() + 3
        while time.monotonic() < end:
            try:
                m = Msg(c.recv(65536).decode("latin-1"))
            except socket.timeout:
                continue
            if not m.is_request and m.cseq == cseq and m.status >= 200:
                return m
        return None

    req("INVITE", ruri, 1, [("To", f"<{ruri}>")])
    r = final(1)
    auth = answer(pick_challenge(r.raw), "alice", "alicepw", "INVITE", ruri, "Proxy-Authorization")
    req("ACK", ruri, 1, [("To", r.get("to"))])
    req("INVITE", ruri, 2, [("To", f"<{ruri}>"), tuple(auth.split(": ", 1))])
    m, src = recv_req(dev, "INVITE")
    answer_req(dev, m, src, [("Contact", f"<{contact}>")])
    r = final(2)
    rr = r.all("record-route") if r else []
    check(len(rr) == 1 and ";lr" in rr[0] and ";d=" in rr[0],
          f"the 200 carries sipbox's Record-Route with its dialog token ({rr})")
    if not rr:
        return
    rr_uri = rr[0].strip("<>")
    to = r.get("to")
    req("ACK", contact, 2, [("To", to), ("Route", rr[0])])
    m, _ = recv_req(dev, "ACK")
    check(m is not None, "the ACK reaches the device (loose routing)")
    # A strict router before us: our Record-Route is the Request-URI, the
    # far end's contact the last Route (16.4).
    req("BYE", rr_uri.replace(";lr", ""), 3, [("To", to), ("Route", f"<{contact}>")])
    m, src = recv_req(dev, "BYE")
    check(m is not None and m.ruri == contact and not m.all("route"),
          "a BYE from a strict router reaches the device with its contact as Request-URI "
          f"and no Route ({m.ruri if m else None}, {m.all('route') if m else None})")
    if m:
        answer_req(dev, m, src)
    r = final(3)
    check(r is not None and r.status == 200, "and its 200 comes back")
    # A strict next hop after us: it gets the Request-URI, ours goes last.
    strict_hop = f"sip:127.0.0.1:{sink.getsockname()[1]}"
    req("INFO", contact, 4, [("To", to), ("Route", f"{rr[0]}, <{strict_hop}>")])
    m, src = recv_req(sink, "INFO")
    check(m is not None and m.ruri == strict_hop and m.all("route") == [f"<{contact}>"],
          "an INFO whose next hop is a strict router goes there with the route in the "
          "Request-URI and ours as the last Route "
          f"({m.ruri if m else None}, {m.all('route') if m else None})")


def check(ok, text):
    print(f"CHECK\t{'ok' if ok else 'FAIL'}\t{text}", flush=True)


def main():
    port, what = int(sys.argv[1]), sys.argv[2]
    if what == "send":
        r = send(port, sys.argv[3])
        print(r.status if r else "none")
    elif what == "device":
        out = []
        device(port, sys.argv[3], float(sys.argv[4]), out)
        for ev in out:
            if ev[0] == "registered":
                print(f"registered {ev[2]}")
            else:
                m = ev[2]
                print(f"got body={m.body!r} from={m.get('from')!r} date={m.get('date')!r} "
                      f"type={m.get('content-type')!r}")
    elif what == "outbound":
        # The configured outbound proxy is a socket here: it must get the
        # MESSAGE for another domain, Request-URI unchanged, and answer it.
        sink = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        sink.bind(("127.0.0.1", int(sys.argv[3])))
        sink.settimeout(5)
        got = []

        def serve():
            try:
                data, src = sink.recvfrom(65536)
            except socket.timeout:
                return
            m = Msg(data.decode("latin-1"))
            got.append(m)
            hdrs = [(k, v) for k, v in m.headers if k in ("via", "from", "call-id", "cseq")]
            hdrs.append(("To", m.get("to") + ";tag=far"))
            sink.sendto(build("SIP/2.0 200 OK", hdrs).encode(), src)

        t = threading.Thread(target=serve)
        t.start()
        r = send(port, "hello elsewhere", to="carol@elsewhere.example")
        t.join()
        check(len(got) == 1 and got[0].ruri == "sip:carol@elsewhere.example",
              "our user's MESSAGE for another domain goes to the outbound proxy, "
              "Request-URI unchanged")
        check(r is not None and r.status == 200,
              f"and its 200 comes back ({r.status if r else 'none'})")
    elif what == "strict":
        strict(port)
    elif what == "online":
        out = []
        ths = [threading.Thread(target=device, args=(port, n, float(sys.argv[3]), out))
               for n in ("desk", "laptop")]
        for t in ths:
            t.start()
        time.sleep(1.0)
        r = send(port, "are you there?")
        for t in ths:
            t.join()
        got = sorted(ev[1] for ev in out if ev[0] == "got" and ev[2].body == "are you there?")
        check(got == ["desk", "laptop"], f"a MESSAGE goes to both registered devices ({got})")
        check(r is not None and r.status == 200,
              f"alice gets the 200 of the first device ({r.status if r else 'none'})")


if __name__ == "__main__":
    main()
