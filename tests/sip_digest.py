"""HTTP digest for SIP clients (RFC 3261 22, RFC 7616): parsing the
WWW-Authenticate / Proxy-Authenticate challenges of a response and
building the Authorization / Proxy-Authorization answer (qop=auth, the
first challenge whose algorithm we know: SHA-256 or MD5). Shared by
tests/sip_register.py and tests/sip_ua.py."""
import hashlib
import os
import re

ALGORITHMS = ("SHA-256", "MD5")


def parse_challenges(resp):
    """Every WWW-/Proxy-Authenticate of a response, as dicts of parameters
    (lower-case names), in the order they came."""
    out = []
    for line in resp.split("\r\n"):
        name, _, value = line.partition(":")
        if name.strip().lower() not in ("www-authenticate", "proxy-authenticate"):
            continue
        params = dict(
            (k.lower(), v1 if v1 else v2)
            for k, v1, v2 in re.findall(r'(\w[\w-]*)=(?:"([^"]*)"|([^,\s]+))', value)
        )
        out.append(params)
    return out


def digest(alg, user, realm, password, method, uri, nonce, nc, cnonce):
    h = (lambda s: hashlib.sha256(s.encode()).hexdigest()) if alg == "SHA-256" else (
        lambda s: hashlib.md5(s.encode()).hexdigest())
    ha1 = h(f"{user}:{realm}:{password}")
    ha2 = h(f"{method}:{uri}")
    return h(f"{ha1}:{nonce}:{nc}:{cnonce}:auth:{ha2}")


def pick_challenge(resp):
    """The first challenge of resp whose algorithm we know, or None."""
    return next((p for p in parse_challenges(resp)
                 if p.get("algorithm", "MD5").upper() in ALGORITHMS), None)


def answer(ch, user, password, method, uri, header="Authorization"):
    """The header line answering challenge ch (from pick_challenge)."""
    alg = ch.get("algorithm", "MD5").upper()
    cnonce = os.urandom(8).hex()
    nc = "00000001"
    r = digest(alg, user, ch["realm"], password, method, uri, ch["nonce"], nc, cnonce)
    line = (f'{header}: Digest username="{user}", realm="{ch["realm"]}", '
            f'nonce="{ch["nonce"]}", uri="{uri}", response="{r}", algorithm={alg}, '
            f'cnonce="{cnonce}", qop=auth, nc={nc}')
    if "opaque" in ch:
        line += f', opaque="{ch["opaque"]}"'
    return line
