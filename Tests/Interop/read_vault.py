#!/usr/bin/env python3
"""An independent reader and writer of vault files, written from FileFormat.md.

Standard library plus libsodium through ctypes, nothing else; it shares no code with the
Swift implementation, so the two agreeing on the test vectors checks the specification.

    VAULT_IDENTITY=VAULT-SECRET-... read_vault.py read VAULT [--project P --env E]
    read_vault.py read VAULT --identity-file FILE   (passphrase in VAULT_PASSPHRASE)
    printf %s VALUE | VAULT_IDENTITY=... read_vault.py write VAULT --project P --env E --name N

Format versions 1, 2 and 3 are read (version 2: the `generation` line, `wrote` flags, `gone`
lines, the tombstones of removed names; version 3: entry lines may carry the key id of the
environment key they were encrypted to, and an entry whose key id is not the current key's is
refused as encrypted to a retired key; older versions of an entry follow its line, and a
`history N` header line says how many are kept). `read` verifies (`--older`: also prints the
older versions, NAME@VERSION=value, after the current values) and prints NAME=value lines
(PROJECT/ENV/NAME=value for every readable group when no --project/--env is given), and each
exposure flag of a group it read on stderr, as its file line (`flag PROJECT ENV NAME MEMBER
TIME`, with ` wrote` when the file line has it), and so each OpenAI link and pending rotation
(version 3: `openai …` and `rotation …` lines, "OpenAI links and rotations"); a gone line
gives no value. `write` stores
stdin as a new version of NAME (one more than NAME's entry or tombstone; in a version 3 file
with the key id of the environment's key, keeping the version it replaces as an older version
and at most `history N` − 1 of them, N = 5 without that header line), signs the entry and
re-signs the group, keeping the group's flags and tombstones except NAME's, the OpenAI links
of the versions it keeps (the new version has none) and every pending rotation; there is no
`remove`. The header (everything up to and including the `signed` line) is copied byte for
byte, so this script never writes a header, and it checks the whole file it is about to write
as a reader would before the rename. It keeps no state between runs, so it cannot tell a
rolled-back header (an older generation) from a current one.

Exit status: 0 ok, 1 usage, 2 format error, 3 authentication failure, 4 no access,
5 unsupported version, 6 kdf parameters, 7 not found, 8 file larger than 256 MiB,
9 an entry encrypted to a retired key.
"""

import argparse
import ctypes
import datetime
import os
import re
import sys
import tempfile

# ---------------------------------------------------------------------------------------------
# libsodium

sodium = ctypes.CDLL("libsodium.so.23")
if sodium.sodium_init() < 0:
    raise SystemExit("read_vault: sodium_init failed")

P = ctypes.c_char_p
SZ = ctypes.c_size_t
ULL = ctypes.c_ulonglong
VP = ctypes.c_void_p
for name, args in {
    "crypto_scalarmult_base": [P, P],
    "crypto_scalarmult": [P, P, P],
    "crypto_sign_seed_keypair": [P, P, P],
    "crypto_sign_detached": [P, VP, P, ULL, P],
    "crypto_sign_verify_detached": [P, P, ULL, P],
    "crypto_generichash": [P, SZ, P, ULL, VP, SZ],
    "crypto_box_seal_open": [P, P, ULL, P, P],
    "crypto_aead_xchacha20poly1305_ietf_encrypt": [P, ctypes.POINTER(ULL), P, ULL, P, ULL, VP, P, P],
    "crypto_aead_xchacha20poly1305_ietf_decrypt": [P, ctypes.POINTER(ULL), VP, P, ULL, P, ULL, P, P],
    "sodium_pad": [ctypes.POINTER(SZ), P, SZ, SZ, SZ],
    "sodium_unpad": [ctypes.POINTER(SZ), P, SZ, SZ],
    "crypto_pwhash": [P, ULL, P, ULL, P, ULL, SZ, ctypes.c_int],
    "randombytes_buf": [P, SZ],
}.items():
    getattr(sodium, name).argtypes = args
    getattr(sodium, name).restype = ctypes.c_int if name != "randombytes_buf" else None


def buf(n):
    return ctypes.create_string_buffer(n)


def random_bytes(n):
    out = buf(n)
    sodium.randombytes_buf(out, n)
    return out.raw


def blake2b(data, n=32):
    out = buf(n)
    sodium.crypto_generichash(out, n, data, len(data), None, 0)
    return out.raw


def scalarmult_base(secret):
    out = buf(32)
    sodium.crypto_scalarmult_base(out, secret)
    return out.raw


def scalarmult(secret, point):
    out = buf(32)
    if sodium.crypto_scalarmult(out, secret, point) != 0:
        return None
    return out.raw


def sign_keypair(seed):
    pk, sk = buf(32), buf(64)
    sodium.crypto_sign_seed_keypair(pk, sk, seed)
    return pk.raw, sk.raw


def sign(message, sk):
    sig = buf(64)
    sodium.crypto_sign_detached(sig, None, message, len(message), sk)
    return sig.raw


def verify(sig, message, pk):
    return sodium.crypto_sign_verify_detached(sig, message, len(message), pk) == 0


def aead_encrypt(plain, ad, nonce, key):
    out, n = buf(len(plain) + 16), ULL(0)
    sodium.crypto_aead_xchacha20poly1305_ietf_encrypt(
        out, ctypes.byref(n), plain, len(plain), ad, len(ad), None, nonce, key)
    return out.raw[: n.value]


def aead_decrypt(ct, ad, nonce, key):
    if len(ct) < 16:
        return None
    out, n = buf(max(len(ct) - 16, 1)), ULL(0)
    if sodium.crypto_aead_xchacha20poly1305_ietf_decrypt(
            out, ctypes.byref(n), None, ct, len(ct), ad, len(ad), nonce, key) != 0:
        return None
    return out.raw[: n.value]


# ---------------------------------------------------------------------------------------------
# Errors (FileFormat.md, "Errors")

EXIT = {"format error": 2, "authentication failure": 3, "no access": 4,
        "unsupported version": 5, "kdf parameters": 6, "not found": 7, "too large": 8,
        "retired key": 9}

# Readers refuse a vault file larger than this before reading it ("One-group readers").
MAXIMUM_FILE_SIZE = 256 * 1024 * 1024
# The longest value ("Ciphertexts", "Entry encryption"): 257 blocks could hold 65,791 bytes.
MAXIMUM_VALUE_LENGTH = 65536


class Failure(Exception):
    def __init__(self, outcome, message):
        super().__init__(message)
        self.outcome = outcome


def fmt(message):
    return Failure("format error", message)


def auth(message):
    return Failure("authentication failure", message)


# ---------------------------------------------------------------------------------------------
# Encodings (FileFormat.md, "Conventions")

ALPHABET = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
REVERSE = {c: i for i, c in enumerate(ALPHABET)}


def b64e(data):
    out = bytearray()
    for i in range(0, len(data), 3):
        chunk = data[i:i + 3]
        n = int.from_bytes(chunk + b"\0" * (3 - len(chunk)), "big")
        chars = [ALPHABET[(n >> s) & 63] for s in (18, 12, 6, 0)]
        out += bytes(chars[: len(chunk) + 1])
    return bytes(out)


def b64d(text, length=None):
    """Strict base64url without padding; None unless canonical (and `length` bytes)."""
    if length is not None and len(text) != (4 * length + 2) // 3:
        return None
    if len(text) % 4 == 1:
        return None
    acc, bits, out = 0, 0, bytearray()
    for c in text:
        if c not in REVERSE:
            return None
        acc = (acc << 6) | REVERSE[c]
        bits += 6
        if bits >= 8:
            bits -= 8
            out.append((acc >> bits) & 0xFF)
            acc &= (1 << bits) - 1
    if acc != 0:
        return None
    if length is not None and len(out) != length:
        return None
    return bytes(out)


def lp(*fields):
    return b"".join(len(f).to_bytes(4, "big") + f for f in fields)


def decimal(text, maximum):
    if not re.fullmatch(rb"0|[1-9][0-9]{0,18}", text):
        return None
    value = int(text)
    return value if value <= maximum else None


PROJECT = re.compile(rb"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
ENV = re.compile(rb"[a-z][a-z0-9_-]{0,31}")
NAME = re.compile(rb"[A-Za-z_][A-Za-z0-9_]{0,127}")
TIME = re.compile(rb"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z")
OPENAI_ID = re.compile(rb"[A-Za-z0-9][A-Za-z0-9_-]{0,63}")
SCOPE = re.compile(rb"[a-z0-9][a-z0-9._-]{0,63}")
STEPS = (b"started", b"stored", b"manual")


def is_time(text):
    if not TIME.fullmatch(text):
        return False
    try:
        t = datetime.datetime.strptime(text.decode(), "%Y-%m-%dT%H:%M:%SZ")
    except ValueError:
        return False
    return t.year >= 1970


def printable_lines(data, what):
    """Splits LF-terminated printable-ASCII lines."""
    if not data:
        raise fmt(f"{what}: empty")
    if not data.endswith(b"\n"):
        raise fmt(f"{what}: truncated (no final LF)")
    lines = data[:-1].split(b"\n")
    for number, line in enumerate(lines, 1):
        if any(b < 0x20 or b > 0x7E for b in line):
            raise fmt(f"{what} line {number}: invalid character")
    return lines


def fields(line, count, keyword, where):
    parts = line.split(b" ")
    if parts[0] != keyword or len(parts) != count or b"" in parts:
        raise fmt(f"{where}: malformed {keyword.decode()} line")
    return parts


# ---------------------------------------------------------------------------------------------
# Identities (FileFormat.md, "Identities")

class Identity:
    def __init__(self, secret):
        self.box_secret, seed = secret[:32], secret[32:]
        self.box_public = scalarmult_base(self.box_secret)
        self.sign_public, self.sign_secret = sign_keypair(seed)


def public_identity_text(box_public, sign_public):
    keys = box_public + sign_public
    return b"vault-pub-" + b64e(keys + blake2b(keys)[:4])


def parse_public_identity(text):
    if not text.startswith(b"vault-pub-"):
        return None
    raw = b64d(text[10:], 68)
    if raw is None or blake2b(raw[:64])[:4] != raw[64:]:
        return None
    return raw[:32], raw[32:64]


def identity_from_string(text):
    text = text.lstrip(b" \t\n").rstrip(b"\n\r \t")
    raw = b64d(text[13:], 68) if text.startswith(b"VAULT-SECRET-") else None
    if raw is None or blake2b(raw[:64])[:4] != raw[64:]:
        raise fmt("not a valid VAULT-SECRET identity string")
    return Identity(raw[:64])


FLOOR = (2, 67108864)
CEILING = (10, 1073741824)


def identity_from_file(data, passphrase):
    first = data.split(b"\n", 1)[0]
    if b"\n" not in data or any(b < 0x20 or b > 0x7E for b in first):
        raise fmt("identity file line 1: invalid character or no LF")
    if not first.startswith(b"vault-identity "):
        raise fmt("identity file: not an identity file")
    if first[len(b"vault-identity "):] != b"1":
        raise Failure("unsupported version", "identity file: unsupported version")
    lines = printable_lines(data, "identity file")
    if len(lines) < 3:
        raise fmt("identity file: too short")
    public = parse_public_identity(fields(lines[1], 2, b"public", "identity file")[1])
    if public is None:
        raise fmt("identity file: malformed public identity")
    if lines[2] == b"kdf none":
        if len(lines) != 4:
            raise fmt("identity file: wrong number of lines")
        secret = b64d(fields(lines[3], 2, b"secret", "identity file")[1], 64)
        if secret is None:
            raise fmt("identity file: malformed secret")
    else:
        kdf = fields(lines[2], 5, b"kdf", "identity file")
        ops = decimal(kdf[2][4:], 2**64 - 1) if kdf[2].startswith(b"ops=") else None
        mem = decimal(kdf[3][4:], 2**64 - 1) if kdf[3].startswith(b"mem=") else None
        salt = b64d(kdf[4][5:], 16) if kdf[4].startswith(b"salt=") else None
        if kdf[1] != b"argon2id" or ops is None or mem is None or salt is None:
            raise fmt("identity file: malformed kdf line")
        # Bounds before the KDF can run.
        if not (FLOOR[0] <= ops <= CEILING[0] and FLOOR[1] <= mem <= CEILING[1]):
            raise Failure("kdf parameters", f"identity file: ops={ops} mem={mem} out of range")
        if len(lines) != 5:
            raise fmt("identity file: wrong number of lines")
        nonce = b64d(fields(lines[3], 2, b"nonce", "identity file")[1], 24)
        ct = b64d(fields(lines[4], 2, b"secret", "identity file")[1], 80)
        if nonce is None or ct is None:
            raise fmt("identity file: malformed nonce or secret")
        if not passphrase:
            raise auth("identity file: a passphrase is needed")
        key = buf(32)
        if sodium.crypto_pwhash(key, 32, passphrase, len(passphrase), salt, ops, mem,
                                2) != 0:  # crypto_pwhash_ALG_ARGON2ID13
            raise auth("identity file: Argon2id failed")
        header = b"\n".join(lines[:3]) + b"\n"
        secret = aead_decrypt(ct, lp(b"vault.identity.v1", header), nonce, key.raw)
        if secret is None:
            raise auth("identity file: wrong passphrase")
    identity = Identity(secret)
    if (identity.box_public, identity.sign_public) != public:
        raise auth("identity file: secret does not match the public line")
    return identity


# ---------------------------------------------------------------------------------------------
# The vault file (FileFormat.md, "Vault file")

class Member:
    def __init__(self, name, box_public, sign_public, owner, read, write):
        self.name, self.box_public, self.sign_public = name, box_public, sign_public
        self.owner, self.read, self.write = owner, read, write


class Entry:
    pass


class Gone:
    """A tombstone (version 2): NAME was removed at TIME, its last version was VERSION."""
    def __init__(self, project, env, name, version, time):
        self.project, self.env, self.name = project, env, name
        self.version, self.time = version, time


class Flag:
    """An exposure flag: NAME could be read by MEMBER, removed at TIME; `wrote` (version 2):
    MEMBER also wrote the value."""
    def __init__(self, name, member, time, wrote=False):
        self.name, self.member, self.time, self.wrote = name, member, time, wrote


class Link:
    """An `openai` line (version 3): version VERSION of NAME holds this OpenAI key. `line` is
    the whole line, every field checked."""
    def __init__(self, name, version, line):
        self.name, self.version, self.line = name, version, line


class Rotation:
    """A `rotation` line (version 3): NAME's OpenAI key rotation has not finished."""
    def __init__(self, name, line):
        self.name, self.line = name, line


def env_list(field, key):
    if not field.startswith(key):
        return None
    body = field[len(key):]
    if body == b"-":
        return []
    names = body.split(b",")
    if not all(ENV.fullmatch(n) for n in names) or any(a >= b for a, b in zip(names, names[1:])):
        return None
    return names


def strictly_increasing(keys, what):
    for a, b in zip(keys, keys[1:]):
        if a == b:
            raise fmt(f"duplicated {what}")
        if a > b:
            raise fmt(f"{what} lines out of order")


BAO_ADDRESS = re.compile(rb"https?://[a-z0-9][a-z0-9.-]{0,252}(:[1-9][0-9]{0,4})?")
BAO_MOUNT = re.compile(rb"[A-Za-z0-9][A-Za-z0-9_-]*(/[A-Za-z0-9][A-Za-z0-9_-]*)*")
BAO_KEY = re.compile(rb"[A-Za-z0-9][A-Za-z0-9_.-]{0,127}")
BAO_CIPHERTEXT = re.compile(rb"vault:v(0|[1-9][0-9]{0,9}):([A-Za-z0-9+/]*)(={0,2})")


def bao_port_ok(address):
    port = address.rsplit(b":", 1)[1] if address.count(b":") == 2 else b"1"
    return int(port) <= 65535


def bao_ciphertext_ok(text):
    m = BAO_CIPHERTEXT.fullmatch(text)
    body = len(m.group(2)) + len(m.group(3)) if m else 0
    return m is not None and 4 <= body <= 8192 and body % 4 == 0


def openbao_context(vault_id, env, env_public):
    """The associated data transit binds an OpenBao seal to (FileFormat.md)."""
    return lp(b"vault.openbao.v1", vault_id, env, env_public)


class Vault:
    def __init__(self, data):
        first = data.split(b"\n", 1)[0]
        if b"\n" not in data or any(b < 0x20 or b > 0x7E for b in first):
            raise fmt("line 1: invalid character or no LF")
        if not first.startswith(b"vault "):
            raise fmt("not a vault file")
        if first[6:] not in (b"1", b"2", b"3"):
            raise Failure("unsupported version", f"unsupported version {first[6:]!r}")
        self.version = int(first[6:])
        lines = printable_lines(data, "vault")
        if b"end" not in lines:
            raise fmt("truncated (no end line)")
        end = lines.index(b"end")
        if end != len(lines) - 1:
            raise fmt("data after the end line")
        vid = fields(lines[1], 2, b"id", "line 2")[1]
        self.vault_id = b64d(vid, 16)
        if self.vault_id is None:
            raise fmt("malformed vault id")
        # Versions 2 and 3: `generation N` right after the id line, N from 1 to 2^63 - 1.
        # Version 1 has none (generation 0); a generation line there is an unexpected line below.
        self.generation = 0
        i = 2
        if self.version >= 2:
            if i >= end:
                raise fmt("truncated (no generation line)")
            g = fields(lines[2], 2, b"generation", "line 3")
            self.generation = decimal(g[1], 2**63 - 1)
            if not self.generation:
                raise fmt("line 3: malformed generation")
            i = 3
        # Version 3: an optional `history N` line right after generation, N from 1 to 100:
        # how many versions of each entry writers keep (5 when absent); 1 before version 3.
        self.history_limit = None
        if self.version >= 3 and i < end and lines[i].startswith(b"history "):
            h = fields(lines[i], 2, b"history", f"line {i + 1}")
            self.history_limit = decimal(h[1], 100)
            if not self.history_limit:
                raise fmt(f"line {i + 1}: malformed history line")
            i += 1
        self.versions_kept = (self.history_limit or 5) if self.version >= 3 else 1
        self.members, self.envs, self.seals = [], {}, {}
        self.openbao = {}
        stage = 0
        while True:
            if i >= end:
                raise fmt("header without signed line")
            line = lines[i]
            keyword = line.split(b" ")[0]
            where = f"line {i + 1}"
            if keyword == b"member" and stage == 0:
                f = fields(line, 6, b"member", where)
                pub = parse_public_identity(f[2])
                read, write = env_list(f[4], b"read="), env_list(f[5], b"write=")
                if (not PROJECT.fullmatch(f[1]) or pub is None or f[3] not in (b"owner", b"member")
                        or read is None or write is None):
                    raise fmt(f"{where}: malformed member")
                self.members.append(Member(f[1], pub[0], pub[1], f[3] == b"owner", read, write))
            elif keyword == b"env" and stage <= 1:
                stage = 1
                f = fields(line, 3, b"env", where)
                key = b64d(f[2], 32)
                if not ENV.fullmatch(f[1]) or key is None:
                    raise fmt(f"{where}: malformed env")
                if f[1] in self.envs or (self.envs and f[1] < list(self.envs)[-1]):
                    raise fmt(f"{where}: env out of order or duplicated")
                self.envs[f[1]] = key
            elif keyword == b"seal" and stage <= 2:
                stage = 2
                f = fields(line, 4, b"seal", where)
                box = b64d(f[3], 80)
                if not ENV.fullmatch(f[1]) or not PROJECT.fullmatch(f[2]) or box is None:
                    raise fmt(f"{where}: malformed seal")
                if self.seals and (f[1], f[2]) <= list(self.seals)[-1]:
                    raise fmt(f"{where}: seal out of order or duplicated")
                self.seals[(f[1], f[2])] = box
            elif keyword == b"openbao" and stage <= 3 and self.version >= 3:
                # An OpenBao transit key holding one environment's key (FileFormat.md,
                # "OpenBao recipients"): address, mount, key and transit's ciphertext.
                stage = 3
                f = fields(line, 6, b"openbao", where)
                if (not ENV.fullmatch(f[1]) or not BAO_ADDRESS.fullmatch(f[2])
                        or not bao_port_ok(f[2]) or not BAO_MOUNT.fullmatch(f[3])
                        or len(f[3]) > 128 or not BAO_KEY.fullmatch(f[4])
                        or not bao_ciphertext_ok(f[5])):
                    raise fmt(f"{where}: malformed openbao")
                if self.openbao and f[1] <= list(self.openbao)[-1]:
                    raise fmt(f"{where}: openbao out of order or duplicated")
                self.openbao[f[1]] = (f[2], f[3], f[4], f[5])
            elif keyword == b"signed":
                f = fields(line, 3, b"signed", where)
                self.signer, self.signature = b64d(f[1], 32), b64d(f[2], 64)
                if self.signer is None or self.signature is None:
                    raise fmt(f"{where}: malformed signed line")
                self.header_text = b"".join(l + b"\n" for l in lines[:i])
                # The header as it is in the file, `signed` line included: what `write` keeps.
                self.header_raw = b"".join(l + b"\n" for l in lines[:i + 1])
                break
            else:
                raise fmt(f"{where}: unexpected line")
            i += 1
        strictly_increasing([m.name for m in self.members], "member")
        self.header_end = i + 1

        # Groups: each a group line and its entry lines, decoded strictly.
        self.groups = []
        i = self.header_end
        while i < end:
            where = f"line {i + 1}"
            g = fields(lines[i], 5, b"group", where)
            if not PROJECT.fullmatch(g[1]) or not ENV.fullmatch(g[2]):
                raise fmt(f"{where}: malformed group")
            group = {"project": g[1], "env": g[2], "signer": b64d(g[3], 32),
                     "signature": b64d(g[4], 64), "entries": [], "gone": [], "flags": [],
                     "older": [], "links": [], "rotations": [], "line": i + 1}
            if group["signer"] is None or group["signature"] is None:
                raise fmt(f"{where}: malformed group")
            i += 1
            # Entry and gone lines: one strictly increasing name order for both, so a name
            # has an entry or a tombstone, never both.
            names_in_order = []
            while i < end and (lines[i].startswith(b"entry ") or lines[i].startswith(b"gone ")):
                if lines[i].startswith(b"gone "):
                    gone = parse_gone(lines[i], f"line {i + 1}", g[1], g[2], self.version)
                    group["gone"].append(gone)
                    names_in_order.append(gone.name)
                else:
                    entry = parse_entry(lines[i], f"line {i + 1}", g[1], g[2], self.version)
                    # Version 3 ("History"): older versions of a name follow its current
                    # entry line, versions strictly decreasing.
                    previous = None
                    if group["older"] and group["older"][-1].name == entry.name:
                        previous = group["older"][-1]
                    elif group["entries"]:
                        previous = group["entries"][-1]
                    if (previous is not None and previous.name == entry.name
                            and names_in_order[-1] == entry.name):
                        if self.version < 3:
                            raise fmt(f"line {i + 1}: duplicate entry")
                        if entry.version >= previous.version:
                            raise fmt(f"line {i + 1}: older version not below the one before it")
                        group["older"].append(entry)
                    else:
                        group["entries"].append(entry)
                        names_in_order.append(entry.name)
                i += 1
            if not names_in_order:
                raise fmt(f"{where}: empty group")
            # Then openai lines, rotation lines and flag lines, in that order.
            while i < end and lines[i].startswith(b"openai "):
                group["links"].append(
                    parse_openai(lines[i], f"line {i + 1}", g[1], g[2], self.version))
                i += 1
            while i < end and lines[i].startswith(b"rotation "):
                group["rotations"].append(
                    parse_rotation(lines[i], f"line {i + 1}", g[1], g[2], self.version))
                i += 1
            while i < end and lines[i].startswith(b"flag "):
                group["flags"].append(
                    parse_flag(lines[i], f"line {i + 1}", g[1], g[2], self.version))
                i += 1
            if i < end and any(lines[i].startswith(k) for k in
                               (b"entry ", b"gone ", b"openai ", b"rotation ", b"flag ")):
                raise fmt(f"line {i + 1}: a group's line out of order")
            strictly_increasing(names_in_order, "entry or gone")
            names = {e.name for e in group["entries"]}
            held = {(e.name, e.version) for e in group["entries"] + group["older"]}
            # openai lines: in the order of the entry lines they describe (name, then version
            # descending), each naming an entry line of that name and version.
            strictly_increasing([(l.name, -l.version) for l in group["links"]], "openai")
            for link in group["links"]:
                if (link.name, link.version) not in held:
                    raise fmt(f"{where}: openai line for {link.name.decode()} version "
                              f"{link.version}, which the group does not hold")
            # rotation lines: one per name, by name, each for a name with a current entry.
            strictly_increasing([r.name for r in group["rotations"]], "rotation")
            for rotation in group["rotations"]:
                if rotation.name not in names:
                    raise fmt(f"{where}: rotation for {rotation.name.decode()}, which has no entry")
            for flag in group["flags"]:
                if flag.name not in names:
                    raise fmt(f"{where}: flag for {flag.name.decode()}, which the group does not hold")
            strictly_increasing([(f.name, f.member) for f in group["flags"]], "flag")
            group["raw"] = b"".join(l + b"\n" for l in lines[group["line"] - 1:i])
            self.groups.append(group)
        strictly_increasing([(g["project"], g["env"]) for g in self.groups], "group")

    def member_by_signing_key(self, key):
        return next((m for m in self.members if m.sign_public == key), None)

    def verify_header(self):
        if not any(m.owner for m in self.members):
            raise auth("no owner")
        signing = [m.sign_public for m in self.members]
        boxes = [m.box_public for m in self.members]
        if len(set(signing)) != len(signing) or len(set(boxes)) != len(boxes):
            raise fmt("two members share a key")
        for m in self.members:
            if any(e not in self.envs for e in m.read + m.write):
                raise fmt(f"member {m.name!r} names an unknown env")
        if any(e not in self.envs for e in self.openbao):
            raise fmt("an openbao line names an unknown env")
        readers = {(e, m.name) for m in self.members for e in m.read}
        if readers != set(self.seals):
            raise fmt("seals do not match readers")
        signer = self.member_by_signing_key(self.signer)
        if signer is None:
            raise auth("header signed by a non-member")
        if not signer.owner:
            raise auth("header signed by a non-owner")
        message = lp(b"vault.header.v1", self.vault_id, self.header_text)
        if not verify(self.signature, message, self.signer):
            raise auth("header signature does not verify")

    def check_writer(self, key, env, what):
        """Group and entry signers: members with `env` in write= and read= (write needs read)."""
        member = self.member_by_signing_key(key)
        if member is None:
            raise auth(f"{what}: signed by a non-member")
        if env not in member.write:
            raise auth(f"{what}: signer cannot write {env.decode()}")
        if env not in member.read:
            raise auth(f"{what}: signer writes {env.decode()} but cannot read it")

    def verify_group(self, group):
        label = f"{group['project'].decode()}/{group['env'].decode()}"
        self.check_writer(group["signer"], group["env"], label)
        text = b"group %s %s %s\n" % (group["project"], group["env"], b64e(group["signer"]))
        text += group_lines(group["entries"], group["gone"], group["older"])
        text += b"".join(l.line + b"\n" for l in group["links"] + group["rotations"])
        text += b"".join(flag_line(group["project"], group["env"], f) + b"\n" for f in group["flags"])
        if not verify(group["signature"], lp(b"vault.group.v1", self.vault_id, text), group["signer"]):
            raise auth(f"{label}: group signature does not verify")
        for e in group["entries"] + group["older"]:
            self.check_writer(e.writer, e.env, label)
            message = lp(b"vault.entry.v1", self.vault_id, entry_unsigned(e))
            if not verify(e.signature, message, e.writer):
                raise auth(f"{label}/{e.name.decode()}: entry signature does not verify")

    def member_of(self, identity):
        for m in self.members:
            if (m.box_public, m.sign_public) == (identity.box_public, identity.sign_public):
                return m
        raise Failure("no access", "this identity is not a member")

    def env_secret(self, identity, env):
        member = self.member_of(identity)
        if env not in self.envs:
            raise Failure("not found", f"no environment {env.decode()}")
        if env not in member.read or (env, member.name) not in self.seals:
            raise Failure("no access", f"{member.name.decode()} cannot read {env.decode()}")
        box = self.seals[(env, member.name)]
        out = buf(32)
        if sodium.crypto_box_seal_open(out, box, len(box), identity.box_public,
                                       identity.box_secret) != 0:
            raise auth("seal does not open")
        if scalarmult_base(out.raw) != self.envs[env]:
            raise auth("environment key does not match its public key")
        return out.raw

    def ad(self, e):
        return lp(b"vault.value.v1", self.vault_id, e.project, e.env, e.name, b"%d" % e.version)

    def read(self, identity, project, env, older=False):
        """Verified, decrypted (name, value) pairs of one group; with `older`, the older
        versions too, as (name@version, value) pairs after the current ones."""
        secret = self.env_secret(identity, env)
        group = next((g for g in self.groups if (g["project"], g["env"]) == (project, env)), None)
        if group is None:
            return []
        self.verify_group(group)
        chosen = group["entries"] + (group["older"] if older else [])
        # Key ids ("Key ids"): an entry naming another key than the environment's current one
        # is refused as such, before anything is decrypted.
        for e in chosen:
            if e.key_id is not None and e.key_id != key_id(self.envs[env]):
                raise Failure("retired key", f"{e.name.decode()}: encrypted to a retired key of "
                              f"{env.decode()}")
        values = []
        for index, e in enumerate(chosen):
            shared = scalarmult(secret, e.ephemeral)
            if shared is None:
                raise auth("low-order ephemeral key")
            key = blake2b(shared + e.ephemeral + self.envs[env])
            padded = aead_decrypt(e.ciphertext, self.ad(e), e.nonce, key)
            if padded is None:
                raise auth(f"{e.name.decode()}: decryption failed")
            n = SZ(0)
            if (sodium.sodium_unpad(ctypes.byref(n), padded, len(padded), 256) != 0
                    or len(padded) - n.value > 256):
                raise auth(f"{e.name.decode()}: bad padding")
            if n.value > MAXIMUM_VALUE_LENGTH:
                raise auth(f"{e.name.decode()}: value longer than {MAXIMUM_VALUE_LENGTH} bytes")
            label = e.name if index < len(group["entries"]) else b"%s@%d" % (e.name, e.version)
            values.append((label, padded[: n.value]))
        return values


def key_id(env_public):
    """The key id of an environment public key: BLAKE2b-128, first 8 bytes."""
    return blake2b(env_public, 16)[:8]


def parse_entry(line, where, project, env, version):
    """11 fields; in a version 3 file also 12, the key id after the writer."""
    count = 12 if version >= 3 and line.count(b" ") == 11 else 11
    f = fields(line, count, b"entry", where)
    e = Entry()
    e.project, e.env, e.name = f[1], f[2], f[3]
    e.version = decimal(f[4], 2**63 - 1)
    e.created = f[5]
    e.writer = b64d(f[6], 32)
    e.key_id = b64d(f[7], 8) if count == 12 else None
    f = f[:7] + f[8:] if count == 12 else f
    e.ephemeral, e.nonce = b64d(f[7], 32), b64d(f[8], 24)
    e.ciphertext, e.signature = b64d(f[9]), b64d(f[10], 64)
    if (not NAME.fullmatch(e.name) or not e.version or not is_time(e.created)
            or (count == 12 and e.key_id is None)
            or None in (e.writer, e.ephemeral, e.nonce, e.ciphertext, e.signature)
            or len(e.ciphertext) < 16 + 256 or len(e.ciphertext) > 16 + 257 * 256
            or (len(e.ciphertext) - 16) % 256 != 0):
        raise fmt(f"{where}: malformed entry")
    if (e.project, e.env) != (project, env):
        raise fmt(f"{where}: entry outside its group")
    return e


def parse_gone(line, where, project, env, version):
    """`gone P E NAME VERSION TIME`: a tombstone, version 2 files only."""
    if version < 2:
        raise fmt(f"{where}: gone line in a version 1 file")
    f = fields(line, 6, b"gone", where)
    number = decimal(f[4], 2**63 - 1)
    if not NAME.fullmatch(f[3]) or not number or not is_time(f[5]):
        raise fmt(f"{where}: malformed gone line")
    if (f[1], f[2]) != (project, env):
        raise fmt(f"{where}: gone line outside its group")
    return Gone(f[1], f[2], f[3], number, f[5])


def gone_line(g):
    return b" ".join([b"gone", g.project, g.env, g.name, b"%d" % g.version, g.time])


def group_lines(entries, gone, older=()):
    """Entry and gone lines, each with its LF, in one name order; each entry line followed by
    the older versions of its name, newest first."""
    lines = [(e.name, 0, entry_line(e)) for e in entries] + [(g.name, 0, gone_line(g)) for g in gone]
    lines += [(e.name, 2**64 - e.version, entry_line(e)) for e in older]
    return b"".join(line + b"\n" for _, _, line in sorted(lines))


def parse_flag(line, where, project, env, version):
    """`flag P E NAME MEMBER TIME`, and from version 2 on `... TIME wrote`."""
    wrote = version >= 2 and line.endswith(b" wrote") and line.count(b" ") == 6
    f = fields(line[: -len(b" wrote")] if wrote else line, 6, b"flag", where)
    if not NAME.fullmatch(f[3]) or not PROJECT.fullmatch(f[4]) or not is_time(f[5]):
        raise fmt(f"{where}: malformed flag")
    if (f[1], f[2]) != (project, env):
        raise fmt(f"{where}: flag outside its group")
    return Flag(f[3], f[4], f[5], wrote)


def parse_openai(line, where, project, env, version):
    """`openai P E NAME VERSION PROJECT KEY ACCOUNT SCOPES`, version 3 files only."""
    if version < 3:
        raise fmt(f"{where}: openai line before version 3")
    f = fields(line, 9, b"openai", where)
    number = decimal(f[4], 2**63 - 1)
    if (not NAME.fullmatch(f[3]) or not number or not OPENAI_ID.fullmatch(f[5])
            or not OPENAI_ID.fullmatch(f[6]) or not (f[7] == b"-" or OPENAI_ID.fullmatch(f[7]))):
        raise fmt(f"{where}: malformed openai line")
    if f[8] != b"-":
        scopes = f[8].split(b",")
        if (len(scopes) > 64 or not all(SCOPE.fullmatch(x) for x in scopes)
                or any(a >= b for a, b in zip(scopes, scopes[1:]))):
            raise fmt(f"{where}: malformed scopes")
    if (f[1], f[2]) != (project, env):
        raise fmt(f"{where}: openai line outside its group")
    return Link(f[3], number, line)


def parse_rotation(line, where, project, env, version):
    """`rotation P E NAME STEP TIME PROJECT OLDKEY OLDACCOUNT NEWKEY NEWACCOUNT`, version 3."""
    if version < 3:
        raise fmt(f"{where}: rotation line before version 3")
    f = fields(line, 11, b"rotation", where)
    def optional(x):
        return x == b"-" or OPENAI_ID.fullmatch(x)
    if (not NAME.fullmatch(f[3]) or f[4] not in STEPS or not is_time(f[5])
            or not OPENAI_ID.fullmatch(f[6]) or not OPENAI_ID.fullmatch(f[7])
            or not all(optional(x) for x in f[8:11])):
        raise fmt(f"{where}: malformed rotation line")
    # started: no new key nor account yet; stored and manual: a new key.
    if (f[4] == b"started") != (f[9] == b"-") or (f[4] == b"started" and f[10] != b"-"):
        raise fmt(f"{where}: rotation step does not match its new key")
    if (f[1], f[2]) != (project, env):
        raise fmt(f"{where}: rotation line outside its group")
    return Rotation(f[3], line)


def flag_line(project, env, flag):
    line = b" ".join([b"flag", project, env, flag.name, flag.member, flag.time])
    return line + b" wrote" if flag.wrote else line


def entry_unsigned(e):
    key = [] if e.key_id is None else [b64e(e.key_id)]
    return b" ".join([b"entry", e.project, e.env, e.name, b"%d" % e.version, e.created,
                      b64e(e.writer)] + key
                     + [b64e(e.ephemeral), b64e(e.nonce), b64e(e.ciphertext)])


def entry_line(e):
    return entry_unsigned(e) + b" " + b64e(e.signature)


# ---------------------------------------------------------------------------------------------
# Writing (FileFormat.md, "Writing")

def write_entry(vault, identity, project, env, name, value, created):
    if not PROJECT.fullmatch(project) or not ENV.fullmatch(env) or not NAME.fullmatch(name):
        raise Failure("format error", "invalid project, environment or name")
    if len(value) > MAXIMUM_VALUE_LENGTH:
        raise Failure("format error", "value longer than 64 KiB")
    member = vault.member_of(identity)
    if env not in vault.envs:
        raise Failure("not found", f"no environment {env.decode()}")
    # Write needs read: readers refuse what a member signs in an environment it cannot read.
    if env not in member.write or env not in member.read:
        raise Failure("no access", f"{member.name.decode()} cannot write {env.decode()}")
    group = next((g for g in vault.groups if (g["project"], g["env"]) == (project, env)), None)
    entries, gone, flags, older, previous = [], [], [], [], 0
    links, rotations = [], []
    if group is not None:
        vault.verify_group(group)  # never re-sign what does not verify
        # Versions keep counting after a removal: the last one is the entry's or the
        # tombstone's, and the tombstone is replaced by the entry.
        previous = max([x.version for x in group["entries"] + group["gone"] if x.name == name],
                       default=0)
        entries = [e for e in group["entries"] if e.name != name]
        gone = [g for g in group["gone"] if g.name != name]
        # The version replaced is kept (version 3, "History"), with at most versions_kept - 1
        # older versions of the name.
        older = group["older"] + [e for e in group["entries"] if e.name == name]
        # A new version was never exposed to anyone removed before it: its flags go.
        flags = [f for f in group["flags"] if f.name != name]
        # Links belong to versions (the new one has none); rotations survive a new version.
        links, rotations = group["links"], group["rotations"]

    e = Entry()
    e.project, e.env, e.name, e.version, e.created = project, env, name, previous + 1, created
    e.writer = identity.sign_public
    # Version 3 files name the environment key on every entry written.
    e.key_id = key_id(vault.envs[env]) if vault.version >= 3 else None
    eph_secret = random_bytes(32)
    e.ephemeral = scalarmult_base(eph_secret)
    shared = scalarmult(eph_secret, vault.envs[env])
    if shared is None:
        raise auth("environment public key is low order")
    key = blake2b(shared + e.ephemeral + vault.envs[env])
    padded_length = (len(value) // 256 + 1) * 256
    padded = ctypes.create_string_buffer(value, padded_length)
    n = SZ(0)
    sodium.sodium_pad(ctypes.byref(n), padded, len(value), 256, padded_length)
    assert n.value == padded_length
    e.nonce = random_bytes(24)
    e.ciphertext = aead_encrypt(padded.raw, vault.ad(e), e.nonce, key)
    e.signature = sign(lp(b"vault.entry.v1", vault.vault_id, entry_unsigned(e)), identity.sign_secret)
    entries.append(e)
    mine = sorted((o for o in older if o.name == name), key=lambda o: -o.version)
    older = [o for o in older if o.name != name] + mine[: vault.versions_kept - 1]

    head = b"group %s %s %s" % (project, env, b64e(identity.sign_public))
    body = group_lines(entries, gone, older)
    held = {(x.name, x.version) for x in entries + older}
    body += b"".join(l.line + b"\n" for l in links if (l.name, l.version) in held)
    body += b"".join(r.line + b"\n" for r in rotations)
    body += b"".join(flag_line(project, env, f) + b"\n" for f in flags)
    signature = sign(lp(b"vault.group.v1", vault.vault_id, head + b"\n" + body), identity.sign_secret)
    new_raw = head + b" " + b64e(signature) + b"\n" + body

    blocks = {(g["project"], g["env"]): g["raw"] for g in vault.groups}
    blocks[(project, env)] = new_raw
    # The header is copied as it is in the file: an entry write never changes it.
    new = vault.header_raw + b"".join(blocks[k] for k in sorted(blocks)) + b"end\n"
    # Never write a file a reader refuses: parse and verify all of it again first.
    written = Vault(new)
    written.verify_header()
    for g in written.groups:
        written.verify_group(g)
    return new, e.version


# ---------------------------------------------------------------------------------------------

def load_identity(args):
    if args.identity_file:
        with open(args.identity_file, "rb") as f:
            data = f.read()
        passphrase = os.environb.get(b"VAULT_PASSPHRASE")
        return identity_from_file(data, passphrase)
    text = os.environb.get(b"VAULT_IDENTITY")
    if not text:
        raise SystemExit("read_vault: set VAULT_IDENTITY or pass --identity-file")
    return identity_from_string(text)


def print_flags(vault, project, env):
    """The flags of a group already verified and read, on stderr."""
    group = next((g for g in vault.groups if (g["project"], g["env"]) == (project, env)), None)
    for line in [l.line for l in group["links"] + group["rotations"]] if group else []:
        sys.stderr.buffer.write(line + b"\n")
    for flag in group["flags"] if group else []:
        sys.stderr.buffer.write(flag_line(project, env, flag) + b"\n")
    sys.stderr.buffer.flush()


def main():
    parser = argparse.ArgumentParser(description="Independent vault reader and writer.")
    parser.add_argument("command", choices=["read", "write", "openbao-context"])
    parser.add_argument("vault")
    parser.add_argument("--project")
    parser.add_argument("--env")
    parser.add_argument("--name")
    parser.add_argument("--identity-file")
    parser.add_argument("--created", help="timestamp for write (default: now)")
    parser.add_argument("--older", action="store_true",
                        help="read: also print older versions, as NAME@VERSION=value")
    args = parser.parse_args()
    out = sys.stdout.buffer
    try:
        with open(args.vault, "rb") as f:
            # The size cap comes before reading, so a huge or sparse file costs nothing.
            if os.fstat(f.fileno()).st_size > MAXIMUM_FILE_SIZE:
                raise Failure("too large", f"{args.vault}: larger than 256 MiB")
            data = f.read(MAXIMUM_FILE_SIZE + 1)
            if len(data) > MAXIMUM_FILE_SIZE:
                raise Failure("too large", f"{args.vault}: larger than 256 MiB")
        if args.command == "openbao-context":
            # What transit must be given as associated_data to unwrap --env's key (standard
            # base64), after the header is verified: the check a reader can make without a
            # server is that the seal is owner-signed for this vault and environment.
            vault = Vault(data)
            vault.verify_header()
            env = (args.env or "").encode()
            if env not in vault.openbao:
                raise Failure("no access", f"{args.env!r} has no openbao line")
            import base64
            out.write(base64.b64encode(openbao_context(vault.vault_id, env, vault.envs[env]))
                      + b"\n")
        elif args.command == "read":
            # The identity file is parsed (and its KDF bounds checked) before the vault.
            identity = load_identity(args)
            vault = Vault(data)
            vault.verify_header()
            if args.project or args.env:
                if not (args.project and args.env):
                    parser.error("--project and --env go together")
                project, env = args.project.encode(), args.env.encode()
                for name, value in vault.read(identity, project, env, args.older):
                    out.write(name + b"=" + value + b"\n")
                print_flags(vault, project, env)
            else:
                member = vault.member_of(identity)
                for g in vault.groups:
                    vault.verify_group(g)
                for g in vault.groups:
                    if g["env"] in member.read:
                        for name, value in vault.read(identity, g["project"], g["env"]):
                            out.write(b"%s/%s/%s=%s\n" % (g["project"], g["env"], name, value))
                        print_flags(vault, g["project"], g["env"])
        else:
            if not (args.project and args.env and args.name):
                parser.error("write needs --project, --env and --name")
            identity = load_identity(args)
            vault = Vault(data)
            vault.verify_header()
            created = (args.created or datetime.datetime.now(datetime.timezone.utc)
                       .strftime("%Y-%m-%dT%H:%M:%SZ")).encode()
            if not is_time(created):
                parser.error("--created is not a timestamp")
            value = sys.stdin.buffer.read()
            new, version = write_entry(vault, identity, args.project.encode(), args.env.encode(),
                                       args.name.encode(), value, created)
            directory = os.path.dirname(os.path.abspath(args.vault))
            fd, temp = tempfile.mkstemp(dir=directory, prefix=".vault-")
            with os.fdopen(fd, "wb") as f:
                f.write(new)
                f.flush()
                os.fsync(f.fileno())
            os.rename(temp, args.vault)
            print(f"stored {args.project}/{args.env}/{args.name} (version {version})",
                  file=sys.stderr)
    except Failure as failure:
        print(f"read_vault: {failure.outcome}: {failure}", file=sys.stderr)
        sys.exit(EXIT[failure.outcome])
    out.flush()


if __name__ == "__main__":
    main()
