"""A verifier written from docs/token-format.md alone, sharing no code with the library.

It checks that the specification is enough to verify what the library issues, the way an archive
office's own system would: Python's standard library only (Ed25519 is implemented here from RFC
8032, strict as the specification asks; HMAC, SHA-2 and DEFLATE come from the standard library).

Usage:
  python spec_verifier.py vectors DIR          every case in docs/vectors
  python spec_verifier.py season DIR           a season's published key set and status lists,
                                               and the tokens zbarimg reads from its form PNGs

Prints "spec-verifier: N passed, N failed" last and exits 1 when anything failed.
"""

import hashlib
import hmac
import json
import os
import subprocess
import sys
import zlib
from datetime import datetime, timezone

passed = 0
failed = 0


def check(ok, what):
    global passed, failed
    if ok:
        passed += 1
    else:
        failed += 1
        print(f"FAIL {what}", flush=True)


# ---- §1 numbers -------------------------------------------------------------------------------

CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def crockford_value(c):
    c = c.upper()
    if c in "IL":
        return 1
    if c == "O":
        return 0
    i = CROCKFORD.find(c)
    return i if i >= 0 and c != "U" else None


def double(x):
    x <<= 1
    if x & 0x20:
        x ^= 0x25
    return x & 0x1F


def interim(values):
    i = 0
    for v in values:
        i = double(i) ^ v
    return i


def parse_typed(text):
    """Returns ("verification"|"transfer", "ok"|"typo"|"malformed", displayed or None)."""
    stripped = [c for c in text if c not in " \t-"]
    upper = "".join(stripped).upper()
    if upper.startswith("ZD") and len(upper) == 14:
        vals = [crockford_value(c) for c in upper]
        if None in vals:
            return "transfer", "malformed", None
        if interim(vals) != 0:
            return "transfer", "typo", None
        s = "".join(CROCKFORD[v] for v in vals)
        return "transfer", "ok", f"ZD-{s[2:6]}-{s[6:10]}-{s[10:14]}"
    vals = [crockford_value(c) for c in stripped]
    if None in vals or len(vals) != 16:
        return "verification", "malformed", None
    if interim(vals) != 0:
        return "verification", "typo", None
    s = "".join(CROCKFORD[v] for v in vals)
    return "verification", "ok", "-".join(s[i : i + 4] for i in range(0, 16, 4))


def unpack_number(b10):
    n = int.from_bytes(b10, "big")
    if n >> 75:
        return None
    vals = [(n >> (5 * (14 - k))) & 31 for k in range(15)]
    vals.append(double(interim(vals)))
    s = "".join(CROCKFORD[v] for v in vals)
    return "-".join(s[i : i + 4] for i in range(0, 16, 4))


# ---- §2 base32 --------------------------------------------------------------------------------

B32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"


def b32decode(s):
    if len(s) % 8 in (1, 3, 6):
        return None
    acc = 0
    bits = 0
    out = bytearray()
    for c in s:
        v = B32.find(c)
        if v < 0:
            return None
        acc = (acc << 5) | v
        bits += 5
        if bits >= 8:
            bits -= 8
            out.append((acc >> bits) & 0xFF)
            acc &= (1 << bits) - 1
    if acc != 0:
        return None
    return bytes(out)


# ---- RFC 8032 Ed25519, strict -------------------------------------------------------------------

P = 2**255 - 19
L = 2**252 + 27742317777372353535851937790883648493
D = (-121665 * pow(121666, P - 2, P)) % P
SQRT_M1 = pow(2, (P - 1) // 4, P)


def pt_add(a, b):
    x1, y1, z1, t1 = a
    x2, y2, z2, t2 = b
    aa = (y1 - x1) * (y2 - x2) % P
    bb = (y1 + x1) * (y2 + x2) % P
    cc = t1 * 2 * D * t2 % P
    dd = z1 * 2 * z2 % P
    e, f, g, h = bb - aa, dd - cc, dd + cc, bb + aa
    return (e * f % P, g * h % P, f * g % P, e * h % P)


def pt_mul(s, pt):
    q = (0, 1, 1, 0)
    while s:
        if s & 1:
            q = pt_add(q, pt)
        pt = pt_add(pt, pt)
        s >>= 1
    return q


def pt_equal(a, b):
    return (a[0] * b[2] - b[0] * a[2]) % P == 0 and (a[1] * b[2] - b[1] * a[2]) % P == 0


def pt_decode(b):
    """RFC 8032 §5.1.3 decoding; None for y ≥ p (non-canonical) or no point."""
    y = int.from_bytes(b, "little")
    sign = y >> 255
    y &= (1 << 255) - 1
    if y >= P:
        return None
    x2 = (y * y - 1) * pow(D * y * y + 1, P - 2, P) % P
    if x2 == 0:
        if sign:
            return None
        return (0, y, 1, 0)
    x = pow(x2, (P + 3) // 8, P)
    if (x * x - x2) % P != 0:
        x = x * SQRT_M1 % P
    if (x * x - x2) % P != 0:
        return None
    if (x & 1) != sign:
        x = P - x
    return (x, y, 1, x * y % P)


IDENTITY = (0, 1, 1, 0)
GY = 4 * pow(5, P - 2, P) % P
BASE = pt_decode(GY.to_bytes(32, "little"))


def small_order(pt):
    return pt_equal(pt_mul(8, pt), IDENTITY)


def public_key_ok(pk):
    """A production ring's rule: a point, canonical, not of small order."""
    pt = pt_decode(pk)
    return pt is not None and not small_order(pt)


def ed25519_verify(pk, msg, sig):
    if len(sig) != 64:
        return False
    a = pt_decode(pk)
    r = pt_decode(sig[:32])
    s = int.from_bytes(sig[32:], "little")
    if a is None or r is None or s >= L or small_order(a) or small_order(r):
        return False
    k = int.from_bytes(hashlib.sha512(sig[:32] + pk + msg).digest(), "little") % L
    return pt_equal(pt_mul(s, BASE), pt_add(r, pt_mul(k, a)))


# ---- §5 keys, key sets --------------------------------------------------------------------------


class KeySetError(Exception):
    pass


def ring_from_key_set(text, production=True):
    try:
        doc = json.loads(text)
    except ValueError as e:
        raise KeySetError(f"not JSON: {e}")
    if doc.get("format") != "gradreg-key-set" or doc.get("version") != 1:
        raise KeySetError("format or version")
    ring = {}
    seen = set()
    for k in doc.get("keys", []):
        kid = k.get("kid")
        if kid in seen:
            raise KeySetError("repeated kid")
        seen.add(kid)
        vf = parse_time(k.get("valid_from"))
        vt = parse_time(k["valid_to"]) if k.get("valid_to") is not None else None
        if vt is not None and vt <= vf:
            raise KeySetError("valid_to not after valid_from")
        if k.get("alg") != "ed25519":
            continue
        h = k.get("public_key", "")
        if len(h) != 64 or any(c not in "0123456789abcdef" for c in h):
            raise KeySetError("public key not 64 lower-case hex digits")
        pk = bytes.fromhex(h)
        if pt_decode(pk) is None:
            raise KeySetError("not a point")
        if production and (not public_key_ok(pk) or k.get("test")):
            raise KeySetError("key refused")
        ring[(kid, 2)] = {"public": pk, "from": vf, "to": vt}
    return ring


def parse_time(s):
    return int(datetime.fromisoformat(s.replace("Z", "+00:00")).timestamp())


def tag_ok(ring, alg, kid, msg, tag):
    key = ring.get((kid, alg))
    if key is None:
        return "unknown_key"
    if alg == 1:
        good = hmac.compare_digest(hmac.new(key["secret"], msg, hashlib.sha256).digest(), tag)
    else:
        good = ed25519_verify(key["public"], msg, tag)
    return None if good else "bad_signature"


# ---- §4 disclosures -------------------------------------------------------------------------------

ORDER = {
    "": ["section", "identity", "destination", "archive", "hukou"],
    "identity": ["name", "gender", "id_number_masked", "school_name", "college", "major_name",
                 "education_level", "graduation_date"],
    "destination": ["code", "name", "employer", "employer_credit_code", "employer_region",
                    "school", "country_region"],
    "archive": ["receiving_unit", "address", "postal_code", "contact", "phone", "method",
                "transfer_number", "tracking_number"],
    "hukou": ["migrate", "reason", "address", "police_station", "region"],
}
REQUIRED = {
    "": {"section", "identity", "destination"},
    "identity": set(ORDER["identity"]),
    "destination": {"code", "name"},
    "archive": {"receiving_unit", "address", "postal_code", "contact", "phone", "method"},
    "hukou": {"migrate", "address", "police_station", "region"},
}


def json_str(s):
    out = ['"']
    for ch in s:
        o = ord(ch)
        if ch == '"':
            out.append('\\"')
        elif ch == "\\":
            out.append("\\\\")
        elif ch in "\n\r\t\b\f":
            out.append({"\n": "\\n", "\r": "\\r", "\t": "\\t", "\b": "\\b", "\f": "\\f"}[ch])
        elif o < 0x20:
            out.append(f"\\u{o:04x}")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def canonical(obj, level=""):
    if isinstance(obj, bool):
        return "true" if obj else "false"
    if isinstance(obj, str):
        return json_str(obj)
    if isinstance(obj, dict):
        keys = set(obj)
        if not keys <= set(ORDER[level]) or not REQUIRED[level] <= keys:
            raise ValueError(f"members of {level or 'disclosure'}")
        parts = []
        for k in ORDER[level]:
            if k in obj:
                v = obj[k]
                if v is None:
                    raise ValueError("null")
                sub = k if isinstance(v, dict) else level
                parts.append(json_str(k) + ":" + canonical(v, sub))
        return "{" + ",".join(parts) + "}"
    raise ValueError("type")


def no_duplicates(pairs):
    keys = [k for k, _ in pairs]
    if len(keys) != len(set(keys)):
        raise ValueError("repeated member")
    return dict(pairs)


def canonical_json_ok(b):
    try:
        obj = json.loads(b.decode("utf-8"), object_pairs_hook=no_duplicates)
        return canonical(obj).encode("utf-8") == b, obj
    except (ValueError, UnicodeDecodeError):
        return False, None


GENDERS = ["男", "女"]
LEVELS = ["博士生毕业", "博士生结业", "硕士生毕业", "硕士生结业", "本科生毕业", "本科生结业", "专科生毕业",
          "专科生结业"]
DESTS = ["签就业协议形式就业", "签劳动合同形式就业", "其他录用形式就业", "科研助理、管理助理", "应征义务兵",
         "国家基层项目", "特岗教师", "三支一扶", "西部计划", "地方基层项目", "地方特岗教师", "选调生", "待就业",
         "不就业拟升学", "其他暂不就业", "自主创业", "自由职业", "境内升学", "研究生", "第二学士学位", "专升本",
         "境外留学"]
METHODS = ["confidential_mail", "ems", "collected_by_unit"]
REASONS = ["graduation", "further_study"]
DEST_OPTIONAL = ["employer", "employer_credit_code", "employer_region", "school", "country_region"]


class Compact:
    def __init__(self, b):
        self.b, self.i = b, 0

    def u8(self):
        if self.i >= len(self.b):
            raise ValueError("truncated")
        self.i += 1
        return self.b[self.i - 1]

    def s(self):
        n = self.u8()
        if n >= 0x80:
            n = ((n & 0x7F) << 8) | self.u8()
            if n < 0x80:
                raise ValueError("length not shortest")
        if self.i + n > len(self.b):
            raise ValueError("truncated")
        t = self.b[self.i : self.i + n].decode("utf-8")
        self.i += n
        return t

    def named(self, table):
        k = self.u8()
        if k == 0:
            t = self.s()
            if t in table:
                raise ValueError("table name written out")
            return t
        if k > len(table):
            raise ValueError("entry out of range")
        return table[k - 1]


def compact_decode(b):
    r = Compact(b)
    section = {1: "archive", 2: "hukou"}.get(r.u8())
    present = r.u8()
    if section is None or present & 0x80:
        raise ValueError("section or reserved bit")
    if (section == "archive" and present & 0x40) or (section == "hukou" and present & 0x20):
        raise ValueError("other section's block")
    ident = {"name": r.s(), "gender": r.named(GENDERS), "id_number_masked": r.s(),
             "school_name": r.s(), "college": r.s(), "major_name": r.s(),
             "education_level": r.named(LEVELS), "graduation_date": r.s()}
    dest = {"code": r.s(), "name": r.named(DESTS)}
    for bit, k in enumerate(DEST_OPTIONAL):
        if present >> bit & 1:
            dest[k] = r.s()
    d = {"section": section, "identity": ident, "destination": dest}
    if present & 0x20:
        a = {k: r.s() for k in ["receiving_unit", "address", "postal_code", "contact", "phone"]}
        m = r.u8()
        if not 1 <= m <= 3:
            raise ValueError("method")
        a["method"] = METHODS[m - 1]
        opt = r.u8()
        if opt & ~3:
            raise ValueError("reserved bit")
        if opt & 1:
            a["transfer_number"] = r.s()
        if opt & 2:
            a["tracking_number"] = r.s()
        d["archive"] = a
    if present & 0x40:
        bits = r.u8()
        if bits & ~3:
            raise ValueError("reserved bit")
        h = {"migrate": bool(bits & 1)}
        if bits & 2:
            x = r.u8()
            if not 1 <= x <= 2:
                raise ValueError("reason")
            h["reason"] = REASONS[x - 1]
        h.update({"address": r.s(), "police_station": r.s(), "region": r.s()})
        d["hukou"] = h
    if r.i != len(b):
        raise ValueError("trailing bytes")
    if compact_encode(d) != b:
        raise ValueError("not canonical")
    return d


def enc_s(t):
    b = t.encode("utf-8")
    n = len(b)
    return (bytes([n]) if n < 0x80 else bytes([0x80 | n >> 8, n & 0xFF])) + b


def enc_named(t, table):
    return bytes([table.index(t) + 1]) if t in table else b"\x00" + enc_s(t)


def compact_encode(d):
    dest = d["destination"]
    present = 0
    for bit, k in enumerate(DEST_OPTIONAL):
        if k in dest:
            present |= 1 << bit
    if "archive" in d:
        present |= 0x20
    if "hukou" in d:
        present |= 0x40
    i = d["identity"]
    out = bytes([1 if d["section"] == "archive" else 2, present])
    out += enc_s(i["name"]) + enc_named(i["gender"], GENDERS) + enc_s(i["id_number_masked"])
    out += enc_s(i["school_name"]) + enc_s(i["college"]) + enc_s(i["major_name"])
    out += enc_named(i["education_level"], LEVELS) + enc_s(i["graduation_date"])
    out += enc_s(dest["code"]) + enc_named(dest["name"], DESTS)
    for k in DEST_OPTIONAL:
        if k in dest:
            out += enc_s(dest[k])
    if "archive" in d:
        a = d["archive"]
        for k in ["receiving_unit", "address", "postal_code", "contact", "phone"]:
            out += enc_s(a[k])
        out += bytes([METHODS.index(a["method"]) + 1])
        out += bytes([("transfer_number" in a) | ("tracking_number" in a) << 1])
        for k in ["transfer_number", "tracking_number"]:
            if k in a:
                out += enc_s(a[k])
    if "hukou" in d:
        h = d["hukou"]
        out += bytes([int(h["migrate"]) | ("reason" in h) << 1])
        if "reason" in h:
            out += bytes([REASONS.index(h["reason"]) + 1])
        out += enc_s(h["address"]) + enc_s(h["police_station"]) + enc_s(h["region"])
    return out


def digest_of(version, disclosure):
    if version == 1:
        return hashlib.sha256(canonical(disclosure).encode("utf-8")).digest()
    return hashlib.sha256(compact_encode(disclosure)).digest()


# ---- §5.4 status lists ---------------------------------------------------------------------------

MAX_TIME = 253402300799


class ListError(Exception):
    pass


def decode_list(text, ring):
    text = text.rstrip(" \t\r\n")
    if not text.startswith("GS1."):
        raise ListError("tag")
    b = b32decode(text[4:])
    if b is None or len(b) < 2 or b[0] != 1 or b[1] not in (1, 2):
        raise ListError("encoding")
    alg = b[1]
    tl = 32 if alg == 1 else 64
    if len(b) < 35 + tl:
        raise ListError("truncated")
    signed, tag = b[:-tl], b[-tl:]
    kid = int.from_bytes(b[2:6], "big")
    err = tag_ok(ring, alg, kid, signed, tag)
    if err:
        raise ListError(err)
    list_id = int.from_bytes(signed[6:10], "big")
    iat = int.from_bytes(signed[10:18], "big")
    nxt = int.from_bytes(signed[18:26], "big")
    n = int.from_bytes(signed[26:30], "big")
    if iat > MAX_TIME or nxt > MAX_TIME or nxt <= iat:
        raise ListError("times")
    if not 131072 <= n <= 16777216 or n % 4 or signed[30] != 2:
        raise ListError("size")
    c = int.from_bytes(signed[31:35], "big")
    if len(signed) - 35 != c:
        raise ListError("compressed length")
    z = zlib.decompressobj(wbits=-15)
    try:
        bits = z.decompress(signed[35:], n // 4 + 1)
    except zlib.error:
        raise ListError("deflate")
    if len(bits) != n // 4 or not z.eof or z.unconsumed_tail:
        raise ListError("size after inflating")
    key = ring[(kid, alg)]
    if iat < key.get("from", 0) or (key.get("to") is not None and iat >= key["to"]):
        raise ListError("outside the key's signing period")
    return {"list": list_id, "issued_at": iat, "next_update": nxt, "n": n, "bits": bits}


def entry(lst, i):
    if i >= lst["n"]:
        return None
    return ["in_force", "revoked", "superseded", "superseded"][(lst["bits"][i // 4] >> (6 - 2 * (i % 4))) & 3]


# ---- §6 scanned tokens ---------------------------------------------------------------------------

STEPS = ["prefix", "decoding", "key_id", "signature", "content", "time_window", "section", "status",
         "holder"]


def normalize_name(n):
    dots = "\u2022\u30fb\u2027\uff65\u2219\u22c5\u0387\u16eb\u318d\u2e31"

    def fold(c):
        if c in dots:
            return "\u00b7"
        if c == "\u3000":
            return " "
        if "\uff01" <= c <= "\uff5e":
            return chr(ord(c) - 0xFEE0)
        return c

    folded = (fold(c) for c in n)
    return "".join(c.lower() if c.isascii() else c for c in folded if not c.isspace())


def verify(token, ring, now, department, pinned=None, leeway=300, online=None, lists=None,
           printed=None, holder=None):
    """Returns (verdict, failed step or None, extra dict)."""
    token = token.rstrip(" \t\r\n")
    cut = token.rfind("/") + 1
    prefix, rest = token[:cut], token[cut:]
    if rest.startswith("GR1."):
        version = 1
    elif rest.startswith("GR2."):
        version = 2
    else:
        return "malformed", "prefix", {}
    if pinned is not None and prefix.lower() != pinned.lower():
        return "malformed", "prefix", {}
    b = b32decode(rest[4:])
    if b is None or len(b) < 2 or b[0] != version or b[1] not in (1, 2):
        return "malformed", "decoding", {}
    alg = b[1]
    tl = 32 if alg == 1 else 64
    if len(b) < (66 if version == 1 else 36) + tl:
        return "malformed", "decoding", {}
    signed, tag = b[:-tl], b[-tl:]
    kid = int.from_bytes(b[2:6], "big")
    err = tag_ok(ring, alg, kid, signed, tag)
    if err:
        return err, "key_id" if err == "unknown_key" else "signature", {}
    bad = ("malformed", "content", {})
    flags, section_b = signed[6], signed[7]
    if flags & ~(1 if version == 1 else 3) or section_b not in (1, 2):
        return bad
    section = "archive" if section_b == 1 else "hukou"
    number = unpack_number(signed[8:18])
    iat = int.from_bytes(signed[18:26], "big")
    exp = int.from_bytes(signed[26:34], "big")
    if number is None or iat > MAX_TIME or exp > MAX_TIME or exp <= iat:
        return bad
    rest = signed[34:]
    pointer = None
    if flags & 2:
        if len(rest) < 8:
            return bad
        pointer = (int.from_bytes(rest[:4], "big"), int.from_bytes(rest[4:8], "big"))
        rest = rest[8:]
    embedded = bool(flags & 1)
    digest = None
    if version == 1 or not embedded:
        if len(rest) < 32:
            return bad
        digest, rest = rest[:32], rest[32:]
    disclosure = None
    if embedded:
        if len(rest) < 2 or int.from_bytes(rest[:2], "big") != len(rest) - 2:
            return bad
        content = rest[2:]
        if version == 1:
            if hashlib.sha256(content).digest() != digest:
                return bad
            ok, disclosure = canonical_json_ok(content)
            if not ok:
                return bad
        else:
            digest = hashlib.sha256(content).digest()
            try:
                disclosure = compact_decode(content)
            except (ValueError, UnicodeDecodeError):
                return bad
        other = "hukou" if section == "archive" else "archive"
        if disclosure.get("section") != section or other in disclosure:
            return bad
    elif rest:
        return bad
    extra = {"number": number, "version": version, "disclosure": disclosure}
    if now + leeway < iat:
        return "not_yet_valid", "time_window", extra
    if now >= exp:
        return "expired", "time_window", extra
    if {"archive_dept": "archive", "hukou_dept": "hukou"}.get(department) != section:
        return "wrong_section", "section", extra
    verdict = None
    if online is not None:
        answer = online(number, section, now)
        if answer[0] in ("unreachable",):
            return "indeterminate", "status", extra
        if answer[0] == "unknown":
            return "no_match", "status", extra
        if answer[0] != "valid":
            return answer[0], "status", extra
        supplied = answer[1]
        if supplied is not None and digest_of(version, supplied) != digest:
            return "superseded", "status", extra
        if disclosure is None:
            disclosure = supplied
        if disclosure is None:
            return "indeterminate", "status", extra
        extra["disclosure"] = disclosure
        verdict = "valid"
    else:
        reason = None
        if pointer is None:
            reason = "no_status_pointer"
        else:
            lst = (lists or {}).get(pointer[0])
            if lst is None:
                reason = "no_status_list"
            elif lst["issued_at"] > now + leeway:
                reason = "status_list_not_yet_valid"
            elif now >= lst["next_update"]:
                reason = "stale_status_list"
            else:
                e = entry(lst, pointer[1])
                if e is None:
                    reason = "no_such_entry"
                elif e != "in_force":
                    return e, "status", extra
                else:
                    extra["status_as_of"] = lst["issued_at"]
                    verdict = "valid_offline"
        if reason:
            extra["unchecked_reason"] = reason
            verdict = "unchecked"
    if printed is not None and printed != number:
        return "holder_mismatch", "holder", extra
    if holder is not None and disclosure is not None:
        if normalize_name(holder) != normalize_name(disclosure["identity"]["name"]):
            return "holder_mismatch", "holder", extra
    return verdict, ("status" if verdict == "unchecked" else None), extra


# ---- drivers ---------------------------------------------------------------------------------------


def vector_ring(v):
    if v.get("key_set") is not None:
        return ring_from_key_set(json.dumps(v["key_set"]), production=False)
    ring = {}
    for k in v.get("keys") or []:
        if k["algorithm"] == "hmac-sha256":
            ring[(k["kid"], 1)] = {"secret": bytes.fromhex(k["secret_hex"])}
        else:
            ring[(k["kid"], 2)] = {"public": bytes.fromhex(k["public_hex"])}
    return ring


def run_token_vector(v):
    ring = vector_ring(v)
    online = lists = None
    if v.get("status_mode", "online") == "online":
        st = v.get("status")
        supplied = v.get("status_disclosure")

        def online(number, section, now):
            if st in ("active", "active_other_disclosure"):
                return ("valid", supplied)
            if st == "active_no_disclosure":
                return ("valid", None)
            if st == "unknown":
                return ("unknown", None)
            if st == "unreachable":
                return ("unreachable", None)
            return (st, None)

        if supplied is not None and v.get("status_disclosure_canonical") is not None:
            check(canonical(supplied) == v["status_disclosure_canonical"],
                  f"{v['name']}: our canonical JSON of the status disclosure")
    else:
        lists = {}
        for t in v.get("status_lists") or []:
            lst = decode_list(t, ring)
            lists[lst["list"]] = lst
    verdict, step, extra = verify(
        v["token"], ring, v["now_unix"], v["verifier_department"], v.get("required_prefix"),
        v.get("leeway_seconds", 300), online, lists, v.get("printed_number"), v.get("holder_name"))
    check(verdict == v["verdict"], f"{v['name']}: verdict {verdict}, vector says {v['verdict']}")
    want_step = next((s for s in STEPS if v["steps"].get(s) not in ("pass", None)), None)
    check(step == want_step, f"{v['name']}: step {step}, vector says {want_step}")
    if v.get("disclosure") is not None:
        check(extra.get("disclosure") == v["disclosure"], f"{v['name']}: disclosure")
    if v.get("unchecked_reason") is not None:
        check(extra.get("unchecked_reason") == v["unchecked_reason"], f"{v['name']}: reason")


def run_vectors(folder):
    for name in sorted(os.listdir(folder)):
        if not name.endswith(".json"):
            continue
        with open(os.path.join(folder, name), encoding="utf-8") as f:
            v = json.load(f)
        kind = v.get("kind", "token")
        try:
            if kind == "token":
                run_token_vector(v)
            elif kind == "number":
                nk, result, parsed = parse_typed(v["input"])
                check((nk, result) == (v["number_kind"], v["result"]), f"{name}: {nk} {result}")
                check(parsed == v.get("parsed"), f"{name}: parsed {parsed}")
            elif kind == "key_set":
                try:
                    ring = ring_from_key_set(v["key_set_text"], v.get("mode") != "test")
                    got = "ok"
                    if v.get("key_ids") is not None:
                        check(sorted(k for k, _ in ring) == sorted(v["key_ids"]), f"{name}: ids")
                except KeySetError:
                    got = "refused"
                check((got == "ok") == (v["result"] == "ok"), f"{name}: key set {got}")
            elif kind == "status_list":
                ring = ring_from_key_set(json.dumps(v["key_set"]), production=False)
                try:
                    lst = decode_list(v["status_list_text"], ring)
                    got = "ok"
                    for i, want in v.get("probe") or []:
                        check(entry(lst, i) == want, f"{name}: entry {i}")
                except ListError:
                    got = "refused"
                check((got == "ok") == (v["result"] == "ok"), f"{name}: status list {got}")
            else:
                check(False, f"{name}: unknown kind {kind}")
        except Exception as e:  # a crash is a failure of the case, not of the run
            check(False, f"{name}: {type(e).__name__}: {e}")


def run_season(folder):
    pub = os.path.join(folder, "published")
    with open(os.path.join(pub, "keyset.json"), encoding="utf-8") as f:
        ring = ring_from_key_set(f.read())
    check(len(ring) >= 1, "season: the key set has a key")
    lists = {}
    for name in sorted(os.listdir(pub)):
        if name.startswith("status-") and name.endswith(".txt"):
            with open(os.path.join(pub, name), encoding="utf-8") as f:
                lst = decode_list(f.read(), ring)
            lists[lst["list"]] = lst
    check(len(lists) >= 1, "season: a status list")
    forms = os.path.join(folder, "forms")
    seen = {}
    for name in sorted(os.listdir(forms)):
        if not name.endswith(".png"):
            continue
        out = subprocess.run(["zbarimg", "--nodbus", "-q", "--raw", os.path.join(forms, name)],
                             capture_output=True, text=True)
        token = out.stdout  # with zbar's trailing newline, as a scanner gives it
        dept = "archive_dept" if "archive" in name else "hukou_dept"
        now = max(lst["issued_at"] for lst in lists.values()) + 60
        verdict, _, extra = verify(token, ring, now, dept, lists=lists)
        seen[verdict] = seen.get(verdict, 0) + 1
        check(verdict in ("valid_offline", "revoked", "superseded"),
              f"season {name}: {verdict} (authentic and status-checked expected)")
        if verdict == "valid_offline":
            check(extra["disclosure"]["section"] in name, f"season {name}: section")
    print(f"season forms: {seen}")
    check(seen.get("valid_offline", 0) >= 2 and seen.get("revoked", 0) >= 1
          and seen.get("superseded", 0) >= 1, "season: valid, revoked and superseded forms seen")


def main():
    mode, folder = sys.argv[1], sys.argv[2]
    if mode == "vectors":
        run_vectors(folder)
    else:
        run_season(folder)
    print(f"spec-verifier: {passed} passed, {failed} failed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
