#!/usr/bin/env python3
"""A stand-in of OpenAI's documented HTTP API on loopback, for vault's tests.

Standard library only. Serves the Admin API endpoints vault uses (projects, project API keys,
service accounts and their keys, usage, audit logs) and the inference endpoints a program uses
(models, chat completions with and without streaming, responses with and without streaming,
embeddings), with OpenAI's shapes as the published openapi spec gives them (openai/openai-openapi,
openapi.yaml; README.md in this folder cites each path). A control API under /_standin/ lets a test
read and change the state, inject faults (429 with retry-after, 5xx, malformed JSON, a slow answer,
a dropped connection) and read the request log (never a key value).

  python3 standin.py --port 0 [--state-file seed.json] [--tls-cert C --tls-key K]

prints its base address (http://127.0.0.1:PORT) as the first line on stdout once it listens.
"""

import argparse
import base64
import copy
import hashlib
import json
import os
import random
import re
import secrets
import socket
import ssl
import string
import struct
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

MARKER = "T3BlbkFJ"  # base64 of "OpenAI": every OpenAI secret key carries it
KEY_ALPHABET = string.ascii_letters + string.digits + "_-"
ID_ALPHABET = string.ascii_letters + string.digits
DEFAULT_MODELS = ["gpt-4o-mini", "gpt-4.1", "gpt-5", "text-embedding-3-small"]


class StandInError(Exception):
    """An HTTP error, answered with OpenAI's body: {"error": {message, type, param, code}}."""

    def __init__(self, status, message, type_="invalid_request_error", code=None, param=None,
                 headers=None):
        super().__init__(message)
        self.status = status
        self.body = {"error": {"message": message, "type": type_, "param": param, "code": code}}
        self.headers = headers or {}


class Dropped(Exception):
    """The connection was closed on purpose (a fault); nothing more is written."""


# ----------------------------------------------------------------------------------------------
# State


class State:
    """Everything the stand-in knows, behind one lock. Times are Unix seconds (int)."""

    def __init__(self, seed=None, rng=None, save_path=None):
        self.lock = threading.RLock()
        self.rng = rng or secrets.SystemRandom()
        self.save_path = save_path
        self.clock_offset = 0
        self.stream_delay = 0.02
        self.faults = []
        self.requests = []
        self.seq = 0
        self.data = {}
        self.load(seed or {})

    # -- time and ids

    def now(self):
        return int(time.time()) + self.clock_offset

    def rand(self, n, alphabet=ID_ALPHABET):
        return "".join(self.rng.choice(alphabet) for _ in range(n))

    def new_id(self, prefix, n=24):
        return prefix + self.rand(n)

    def new_key_value(self, kind):
        """A value shaped like OpenAI's: prefix, random, the marker T3BlbkFJ, random."""
        prefix = {"project": "sk-proj-", "service_account": "sk-svcacct-", "admin": "sk-admin-",
                  "none": "sk-None-", "legacy": "sk-"}[kind]
        if kind == "legacy":
            return prefix + self.rand(20, ID_ALPHABET) + MARKER + self.rand(20, ID_ALPHABET)
        return prefix + self.rand(74, KEY_ALPHABET) + MARKER + self.rand(74, KEY_ALPHABET)

    def redact(self, value):
        """The redacted form OpenAI's list shows: head, '...', tail (spec: sk-abc...def)."""
        head, tail = self.data["redaction"]["head"], self.data["redaction"]["tail"]
        if len(value) < head + tail + 4:
            return value[:3] + "..."
        return value[:head] + "..." + value[len(value) - tail:]

    # -- loading, saving

    def load(self, seed):
        now = self.now()
        d = {
            "organization": {"id": "org-standin", "name": "Stand-in organization"},
            "redaction": {"head": 6, "tail": 3},
            "models": list(DEFAULT_MODELS),
            "admin_keys": [],
            "users": [],
            "projects": [],
            "usage": [],
            "audit_logs": [],
        }
        seed = copy.deepcopy(seed)
        for k in ("organization", "redaction", "models", "usage", "audit_logs"):
            if k in seed:
                if isinstance(d[k], dict):
                    d[k].update(seed[k])
                else:
                    d[k] = seed[k]
        self.data = d
        for u in seed.get("users", []):
            d["users"].append({"id": u.get("id") or self.new_id("user-"),
                               "name": u.get("name", "User"),
                               "email": u.get("email", "u@example.com"),
                               "role": u.get("role", "owner"),
                               "created_at": u.get("created_at", now)})
        for a in seed.get("admin_keys", []):
            d["admin_keys"].append({
                "id": a.get("id") or self.new_id("key_", 16), "name": a.get("name", "Admin key"),
                "value": a.get("value") or self.new_key_value("admin"),
                "permission": a.get("permission", "write"), "created_at": a.get("created_at", now),
                "last_used_at": a.get("last_used_at"), "deleted": a.get("deleted", False)})
        for p in seed.get("projects", []):
            proj = {"id": p.get("id") or self.new_id("proj_"), "name": p.get("name", "Project"),
                    "created_at": p.get("created_at", now), "archived_at": p.get("archived_at"),
                    "status": p.get("status", "active"), "users": [], "service_accounts": [],
                    "api_keys": []}
            for u in p.get("users", []):
                proj["users"].append({"id": u["id"], "role": u.get("role", "member"),
                                      "added_at": u.get("added_at", now)})
            for s in p.get("service_accounts", []):
                proj["service_accounts"].append({
                    "id": s.get("id") or self.new_id("svc_acct_", 24),
                    "name": s.get("name", "bot"),
                    "role": s.get("role", "member"), "created_at": s.get("created_at", now)})
            d["projects"].append(proj)
            for k in p.get("api_keys", []):
                self.add_key(proj, k.get("owner", {}), k)
        self.save()

    def add_key(self, proj, owner, k=None):
        """Adds a project API key; owner is {"type": "user"|"service_account", "id": ...}."""
        k = k or {}
        otype = owner.get("type", "user")
        kind = "service_account" if otype == "service_account" else "project"
        key = {"id": k.get("id") or self.new_id("key_", 16), "name": k.get("name", "Secret key"),
               "value": k.get("value") or self.new_key_value(kind),
               "created_at": k.get("created_at", self.now()),
               "last_used_at": k.get("last_used_at"),
               "owner": {"type": otype, "id": owner.get("id")}, "scopes": k.get("scopes", []),
               "deleted": k.get("deleted", False)}
        for opt in ("redacted_value", "owner_project_access"):
            if opt in k:
                key[opt] = k[opt]
        proj["api_keys"].append(key)
        return key

    def save(self):
        if not self.save_path:
            return
        tmp = self.save_path + ".tmp"
        with open(tmp, "w") as f:
            json.dump(self.data, f, indent=1)
        os.replace(tmp, self.save_path)

    # -- look-ups

    def project(self, pid):
        for p in self.data["projects"]:
            if p["id"] == pid:
                return p
        raise StandInError(404, f"No such project: '{pid}'.", code="not_found")

    def user(self, uid):
        for u in self.data["users"]:
            if u["id"] == uid:
                return u
        return {"id": uid, "name": "Unknown", "email": "unknown@example.com", "role": "member",
                "created_at": 0}

    def find_value(self, value):
        """(kind, record, project) for a bearer value, or None. Deleted keys still match."""
        for a in self.data["admin_keys"]:
            if secrets.compare_digest(a["value"], value):
                return "admin", a, None
        for p in self.data["projects"]:
            for k in p["api_keys"]:
                if secrets.compare_digest(k["value"], value):
                    return k["owner"]["type"], k, p
        return None

    def find_key(self, key_id):
        for p in self.data["projects"]:
            for k in p["api_keys"]:
                if k["id"] == key_id:
                    return k, p
        for a in self.data["admin_keys"]:
            if a["id"] == key_id:
                return a, None
        return None, None

    # -- rendering (the spec's shapes)

    def owner_has_access(self, key, proj):
        if "owner_project_access" in key:
            return key["owner_project_access"] == "active"
        owner = key["owner"]
        if owner["type"] == "service_account":
            return any(s["id"] == owner["id"] for s in proj["service_accounts"])
        return any(u["id"] == owner["id"] for u in proj["users"])

    def render_project(self, p):
        return {"id": p["id"], "object": "organization.project", "name": p["name"],
                "created_at": p["created_at"], "archived_at": p["archived_at"],
                "status": p["status"], "external_key_id": None}

    def render_sa(self, s):
        return {"object": "organization.project.service_account", "id": s["id"], "name": s["name"],
                "role": s["role"], "created_at": s["created_at"]}

    def render_key(self, k, p):
        owner = k["owner"]
        out_owner = {"type": owner["type"]}
        if owner["type"] == "service_account":
            sa = next((s for s in p["service_accounts"] if s["id"] == owner["id"]), None)
            out_owner["service_account"] = {
                "id": owner["id"], "name": sa["name"] if sa else "deleted",
                "created_at": sa["created_at"] if sa else 0, "role": sa["role"] if sa else "none"}
        else:
            u = self.user(owner["id"])
            member = next((m for m in p["users"] if m["id"] == owner["id"]), None)
            out_owner["user"] = {"id": u["id"], "name": u["name"], "email": u["email"],
                                 "role": member["role"] if member else "none",
                                 "created_at": u["created_at"]}
        return {"object": "organization.project.api_key",
                "redacted_value": k.get("redacted_value") or self.redact(k["value"]),
                "name": k["name"], "created_at": k["created_at"],
                "last_used_at": k["last_used_at"],
                "id": k["id"],
                "owner_project_access": "active" if self.owner_has_access(k, p) else "inactive",
                "owner": out_owner}

    def audit(self, type_, payload, project=None, actor=None):
        now = self.now()
        event = {"id": f"audit_log-{self.rand(12)}_{time.strftime('%Y%m%d', time.gmtime(now))}",
                 "type": type_, "effective_at": now, "actor": actor, type_: payload}
        if project is not None:
            event["project"] = {"id": project["id"], "name": project["name"]}
        self.data["audit_logs"].append(event)

    def public(self, with_values=False):
        d = copy.deepcopy(self.data)
        if not with_values:
            for a in d["admin_keys"]:
                a.pop("value", None)
            for p in d["projects"]:
                for k in p["api_keys"]:
                    k.pop("value", None)
        d["clock"] = {"now": self.now(), "offset": self.clock_offset}
        d["stream_delay"] = self.stream_delay
        d["faults"] = copy.deepcopy(self.faults)
        return d


# ----------------------------------------------------------------------------------------------
# Helpers


def page(items, query, id_of=lambda x: x["id"]):
    """OpenAI's cursor page: limit (1..100, default 20), after=<id>; object list, first/last_id."""
    try:
        limit = int(query.get("limit", ["20"])[0])
    except ValueError:
        raise StandInError(400, "Invalid 'limit': expected an integer.", param="limit")
    if not 1 <= limit <= 100:
        raise StandInError(400, "Invalid 'limit': it must be between 1 and 100.", param="limit")
    start = 0
    after = query.get("after", [None])[0]
    if after:
        ids = [id_of(x) for x in items]
        if after not in ids:
            raise StandInError(400, f"Invalid 'after': no object with id '{after}'.",
                               param="after")
        start = ids.index(after) + 1
    chunk = items[start:start + limit]
    return {"object": "list", "data": chunk,
            "first_id": id_of(chunk[0]) if chunk else None,
            "last_id": id_of(chunk[-1]) if chunk else None,
            "has_more": start + limit < len(items)}


def multi(query, name):
    """An array query parameter in any of the forms clients send: name=a&name=b, name[]=a, a,b."""
    out = []
    for key in (name, name + "[]"):
        for v in query.get(key, []):
            out.extend(x for x in v.split(",") if x)
    return out


def words(text):
    return len(re.findall(r"\S+", text or ""))


def text_of(content):
    """Text of a chat/responses content: a string, or parts with 'text'."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return " ".join(str(p.get("text", "")) for p in content if isinstance(p, dict))
    return ""


def embedding_for(text, dims):
    digest = b""
    counter = 0
    while len(digest) < dims * 4:
        digest += hashlib.sha256(f"{counter}:{text}".encode()).digest()
        counter += 1
    return [round((b / 255.0) * 2 - 1, 6) for b in digest[:dims]]


# ----------------------------------------------------------------------------------------------
# HTTP


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # TCP_NODELAY, as a production server sets it: a head and a body written apart would
    # otherwise wait out the client's delayed ACK (40 ms on Linux) on a kept-alive connection.
    disable_nagle_algorithm = True
    server_version = "openai-standin/1"
    sys_version = ""

    # quiet: the request log is at /_standin/requests
    def log_message(self, fmt, *args):
        if self.server.verbose:
            sys.stderr.write("standin: " + (fmt % args) + "\n")

    @property
    def st(self):
        return self.server.state

    def setup(self):
        super().setup()
        if isinstance(self.connection, ssl.SSLSocket):
            self.connection.settimeout(10)
            self.connection.do_handshake()
            self.connection.settimeout(None)

    def do_GET(self):
        self.dispatch("GET")

    def do_POST(self):
        self.dispatch("POST")

    def do_DELETE(self):
        self.dispatch("DELETE")

    def do_PUT(self):
        self.dispatch("PUT")

    def do_PATCH(self):
        self.dispatch("PATCH")

    # -- plumbing

    def read_body(self):
        n = int(self.headers.get("Content-Length") or 0)
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            raw = b""
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    self.rfile.readline()
                    break
                raw += self.rfile.read(size)
                self.rfile.readline()
            return raw
        return self.rfile.read(n) if n else b""

    def json_body(self):
        if not self.raw_body:
            return {}
        try:
            body = json.loads(self.raw_body)
        except ValueError:
            raise StandInError(400, "We could not parse the JSON body of your request. (HINT: "
                               "This likely means you aren't using your HTTP library correctly. "
                               "The OpenAI API expects a JSON payload, but what was sent was not "
                               "valid JSON.)")
        if not isinstance(body, dict):
            raise StandInError(400, "The request body must be a JSON object.")
        return body

    def base_headers(self, content_type):
        self.send_header("Content-Type", content_type)
        self.send_header("x-request-id", "req_" + secrets.token_hex(16))
        self.send_header("openai-processing-ms", "1")
        self.send_header("openai-version", "2020-10-01")

    def send_json(self, status, obj, headers=None):
        raw = json.dumps(obj).encode()
        self.send_response(status)
        self.base_headers("application/json")
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(raw)
        self.status = status

    def drop(self):
        """Closes the connection without an answer (RST where the platform allows)."""
        try:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                       struct.pack("ii", 1, 0))
        except OSError:
            pass
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.close_connection = True
        raise Dropped()

    # -- dispatch

    def dispatch(self, method):
        started = time.monotonic()
        self.started_wall = time.time()
        self.status = None
        self.auth = {"kind": "none", "key_id": None}
        self.fault_used = None
        self.stream = False
        self.model = None
        self.echo_key = False
        self.drop_after = None
        url = urllib.parse.urlsplit(self.path)
        path = url.path
        self.query = urllib.parse.parse_qs(url.query, keep_blank_values=True)
        try:
            self.raw_body = self.read_body()
        except (ValueError, OSError):
            self.raw_body = b""
        try:
            if path.startswith("/_standin/"):
                self.control(method, path)
                return
            fault = self.take_fault(method, path)
            if fault:
                self.apply_fault(fault)
                if fault["kind"] not in ("slow", "echo_key", "stream_drop"):
                    return
            self.route(method, path)
        except StandInError as e:
            self.send_json(e.status, e.body, e.headers)
        except Dropped:
            self.status = 0
        except (BrokenPipeError, ConnectionResetError):
            self.status = self.status or 0
            self.close_connection = True
        finally:
            if not path.startswith("/_standin/"):
                self.log_request_entry(method, path, url.query, started)

    def log_request_entry(self, method, path, query, started):
        with self.st.lock:
            self.st.seq += 1
            self.st.requests.append({
                "seq": self.st.seq, "time": self.st.now(),
                "started": round(self.started_wall, 3), "method": method, "path": path,
                "query": query, "status": self.status, "auth": self.auth,
                "fault": self.fault_used, "stream": self.stream, "model": self.model,
                "body_bytes": len(self.raw_body),
                "body_sha256":
                    hashlib.sha256(self.raw_body).hexdigest() if self.raw_body else None,
                "user_agent": self.headers.get("User-Agent"),
                "duration_ms": int((time.monotonic() - started) * 1000)})

    # -- faults

    def take_fault(self, method, path):
        with self.st.lock:
            for f in self.st.faults:
                if f.get("method") and f["method"].upper() != method:
                    continue
                if not path.startswith(f.get("path", "/")):
                    continue
                f["remaining"] -= 1
                if f["remaining"] <= 0:
                    self.st.faults.remove(f)
                return dict(f)
        return None

    def apply_fault(self, f):
        kind = f["kind"]
        self.fault_used = kind
        if kind == "slow":
            time.sleep(float(f.get("delay", 2.0)))
            return
        if kind == "echo_key":
            self.echo_key = True
            return
        if kind == "stream_drop":
            self.drop_after = int(f.get("after", 2))
            return
        if kind == "drop":
            self.drop()
        if kind == "malformed":
            raw = f.get("body", '{"object": "list", "data": [{"id": ').encode()
            self.send_response(int(f.get("status", 200)))
            self.base_headers(f.get("content_type", "application/json"))
            self.send_header("Content-Length", str(len(raw)))
            self.end_headers()
            self.wfile.write(raw)
            self.status = int(f.get("status", 200))
            return
        if kind == "truncate":
            raw = b'{"object": "list", "data": ['
            self.send_response(200)
            self.base_headers("application/json")
            self.send_header("Content-Length", str(len(raw) + 100))
            self.end_headers()
            self.wfile.write(raw)
            self.wfile.flush()
            self.status = 200
            self.drop()
        if kind == "status":
            status = int(f.get("status", 500))
            headers = {}
            if f.get("retry_after") is not None:
                headers["retry-after"] = str(f["retry_after"])
            if f.get("retry_after_ms") is not None:
                headers["retry-after-ms"] = str(f["retry_after_ms"])
            if f.get("should_retry") is not None:
                headers["x-should-retry"] = "true" if f["should_retry"] else "false"
            if "body" in f:
                raw = f["body"].encode()
                self.send_response(status)
                self.base_headers(f.get("content_type", "text/html"))
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)
                self.status = status
                return
            err = f.get("error") or default_error(status)
            self.send_json(status, {"error": err}, headers)
            return
        raise StandInError(500, f"stand-in: unknown fault kind {kind!r}", type_="server_error")

    # -- authentication

    def bearer(self):
        h = self.headers.get("Authorization", "")
        if not h.lower().startswith("bearer "):
            raise StandInError(401, "You didn't provide an API key. You need to provide your API "
                               "key in an Authorization header using Bearer auth (i.e. "
                               "Authorization: Bearer YOUR_KEY), or as the password field (with "
                               "blank username) if you're accessing the API from your browser "
                               "and are prompted for a username and password. You can obtain an "
                               "API key from https://platform.openai.com/account/api-keys.")
        return h[7:].strip()

    def incorrect_key(self, value):
        shown = (value[:8] + "*" * 10 + value[-4:]) if len(value) >= 16 else "sk-***"
        self.auth = {"kind": "unknown", "key_id": None}
        raise StandInError(401, f"Incorrect API key provided: {shown}. You can find your API key "
                           "at https://platform.openai.com/account/api-keys.",
                           code="invalid_api_key")

    def require_admin(self, write=False):
        value = self.bearer()
        with self.st.lock:
            found = self.st.find_value(value)
            if not found:
                self.incorrect_key(value)
            kind, rec, proj = found
            self.auth = {"kind": kind, "key_id": rec["id"]}
            if rec.get("deleted"):
                self.incorrect_key(value)
            if kind != "admin":
                raise StandInError(401, "This endpoint requires an Admin API key (sk-admin-...); "
                                   "the key provided is a project API key.",
                                   code="invalid_api_key")
            rec["last_used_at"] = self.st.now()
            if write and rec.get("permission") == "read":
                raise StandInError(403, "You have insufficient permissions for this operation. "
                                   "Missing scopes: api.management.write.",
                                   code="insufficient_permissions")
            return rec

    def require_api_key(self):
        """A project key (user or service account), not deleted, of an active project."""
        value = self.bearer()
        with self.st.lock:
            found = self.st.find_value(value)
            if not found:
                self.incorrect_key(value)
            kind, rec, proj = found
            self.auth = {"kind": kind, "key_id": rec["id"]}
            if rec.get("deleted"):
                self.incorrect_key(value)
            if kind == "admin":
                raise StandInError(401, "Admin API keys cannot be used for this endpoint; use a "
                                   "project API key.", code="invalid_api_key")
            if proj["status"] != "active":
                raise StandInError(401, "The project of this API key is archived.",
                                   code="invalid_api_key")
            rec["last_used_at"] = self.st.now()
            self.st.save()
            self.bearer_value = value
            return rec, proj

    # -- routing

    def route(self, method, path):
        p = path.rstrip("/") if path != "/" else path
        segs = p.split("/")[1:]  # ["v1", ...]
        if not segs or segs[0] != "v1":
            return self.invalid_url(method, path)
        s = segs[1:]
        if s[:1] == ["organization"]:
            return self.admin_route(method, s[1:], path)
        if s == ["models"] and method == "GET":
            return self.models()
        if len(s) == 2 and s[0] == "models" and method == "GET":
            return self.model_get(s[1])
        if s == ["chat", "completions"] and method == "POST":
            return self.chat()
        if s == ["responses"] and method == "POST":
            return self.create_response()
        if s == ["embeddings"] and method == "POST":
            return self.embeddings()
        return self.invalid_url(method, path)

    def invalid_url(self, method, path):
        raise StandInError(404, f"Invalid URL ({method} {path})")

    def admin_route(self, method, s, path):
        st = self.st
        if s == ["projects"]:
            if method == "GET":
                self.require_admin()
                with st.lock:
                    projs = [p for p in st.data["projects"]
                             if p["status"] == "active"
                             or self.query.get("include_archived", ["false"])[0] == "true"]
                    return self.send_json(200, page([st.render_project(p) for p in projs],
                                                    self.query))
            if method == "POST":
                self.require_admin(write=True)
                body = self.json_body()
                if not body.get("name"):
                    raise StandInError(400, "Missing required parameter: 'name'.", param="name")
                with st.lock:
                    proj = {"id": st.new_id("proj_"), "name": body["name"],
                            "created_at": st.now(), "archived_at": None, "status": "active",
                            "users": [], "service_accounts": [], "api_keys": []}
                    st.data["projects"].append(proj)
                    st.audit("project.created", {"id": proj["id"], "data": {"name": proj["name"]}},
                             proj, self.actor())
                    st.save()
                    return self.send_json(200, st.render_project(proj))
        if s[:1] == ["projects"] and len(s) >= 2:
            pid = s[1]
            rest = s[2:]
            write = method in ("POST", "DELETE")
            self.require_admin(write=write)
            with st.lock:
                proj = st.project(pid)
                if rest == [] and method == "GET":
                    return self.send_json(200, st.render_project(proj))
                if rest == ["api_keys"] and method == "GET":
                    access = self.query.get("owner_project_access", [None])[0]
                    keys = [k for k in proj["api_keys"] if not k["deleted"]]
                    rendered = [st.render_key(k, proj) for k in keys]
                    if access in ("active", "inactive"):
                        rendered = [r for r in rendered if r["owner_project_access"] == access]
                    elif access is None:
                        # the spec: without the parameter, membership-based visibility may hide
                        # keys whose owner lost access; the stand-in hides them (see README)
                        rendered = [r for r in rendered if r["owner_project_access"] == "active"]
                    return self.send_json(200, page(rendered, self.query))
                if len(rest) == 2 and rest[0] == "api_keys":
                    key = next((k for k in proj["api_keys"]
                                if k["id"] == rest[1] and not k["deleted"]), None)
                    if key is None:
                        raise StandInError(404, f"No such API key: '{rest[1]}'.", code="not_found")
                    if method == "GET":
                        return self.send_json(200, st.render_key(key, proj))
                    if method == "DELETE":
                        if key["owner"]["type"] == "service_account" and \
                                not st.data.get("allow_service_account_key_delete", False):
                            raise StandInError(
                                400, "API keys that belong to a service account cannot be "
                                "deleted with this endpoint; delete the service account.",
                                code="invalid_request")
                        key["deleted"] = True
                        st.audit("api_key.deleted", {"id": key["id"]}, proj, self.actor())
                        st.save()
                        return self.send_json(200, {
                            "object": "organization.project.api_key.deleted",
                            "id": key["id"], "deleted": True})
                if rest == ["users"] and method == "GET":
                    users = []
                    for m in proj["users"]:
                        u = st.user(m["id"])
                        users.append({"object": "organization.project.user", "id": m["id"],
                                      "name": u["name"], "email": u["email"], "role": m["role"],
                                      "added_at": m["added_at"]})
                    return self.send_json(200, page(users, self.query))
                if rest == ["service_accounts"]:
                    if method == "GET":
                        return self.send_json(200, page(
                            [st.render_sa(x) for x in proj["service_accounts"]], self.query))
                    if method == "POST":
                        body = self.json_body()
                        if not isinstance(body.get("name"), str) or not body["name"]:
                            raise StandInError(400, "Missing required parameter: 'name'.",
                                               param="name")
                        only = bool(body.get("create_service_account_only"))
                        sa = {"id": st.new_id("svc_acct_"), "name": body["name"],
                              "role": "none" if only else "member", "created_at": st.now()}
                        proj["service_accounts"].append(sa)
                        st.audit("service_account.created",
                                 {"id": sa["id"], "data": {"role": sa["role"]}}, proj,
                                 self.actor())
                        out = st.render_sa(sa)
                        out["api_key"] = None
                        if not only:
                            key = st.add_key(proj, {"type": "service_account", "id": sa["id"]},
                                             {"name": "Secret Key"})
                            st.audit("api_key.created", {"id": key["id"], "data": {"scopes": []}},
                                     proj, self.actor())
                            out["api_key"] = {
                                "object": "organization.project.service_account.api_key",
                                "value": key["value"], "name": key["name"],
                                "created_at": key["created_at"], "id": key["id"]}
                        st.save()
                        return self.send_json(200, out)
                if len(rest) >= 2 and rest[0] == "service_accounts":
                    sa = next((x for x in proj["service_accounts"] if x["id"] == rest[1]), None)
                    if sa is None:
                        raise StandInError(404, f"No such service account: '{rest[1]}'.",
                                           code="not_found")
                    if len(rest) == 2 and method == "GET":
                        return self.send_json(200, st.render_sa(sa))
                    if len(rest) == 2 and method == "DELETE":
                        proj["service_accounts"].remove(sa)
                        for k in proj["api_keys"]:
                            if k["owner"] == {"type": "service_account", "id": sa["id"]} \
                                    and not k["deleted"]:
                                k["deleted"] = True
                                st.audit("api_key.deleted", {"id": k["id"]}, proj, self.actor())
                        st.audit("service_account.deleted", {"id": sa["id"]}, proj, self.actor())
                        st.save()
                        return self.send_json(200, {
                            "object": "organization.project.service_account.deleted",
                            "id": sa["id"], "deleted": True})
                    if rest[2:] == ["api_keys"] and method == "POST":
                        body = self.json_body()
                        scopes = body.get("scopes", [])
                        if not isinstance(scopes, list) or \
                                not all(isinstance(x, str) for x in scopes):
                            raise StandInError(400, "Invalid 'scopes': expected an array of "
                                               "strings.", param="scopes")
                        key = st.add_key(proj, {"type": "service_account", "id": sa["id"]},
                                         {"name": body.get("name") or "Secret Key",
                                          "scopes": scopes})
                        st.audit("api_key.created", {"id": key["id"], "data": {"scopes": scopes}},
                                 proj, self.actor())
                        st.save()
                        return self.send_json(200, {
                            "object": "organization.project.service_account.api_key",
                            "value": key["value"], "name": key["name"],
                            "created_at": key["created_at"], "id": key["id"]})
            return self.invalid_url(method, path)
        if len(s) == 2 and s[0] == "usage" and method == "GET":
            self.require_admin()
            if s[1] not in ("completions", "embeddings"):
                return self.invalid_url(method, path)
            return self.usage(s[1])
        if s == ["audit_logs"] and method == "GET":
            self.require_admin()
            return self.audit_logs()
        return self.invalid_url(method, path)

    def actor(self):
        return {"type": "api_key", "api_key": {"id": self.auth["key_id"], "type": "user",
                                               "user": {"id": "user-admin",
                                                        "email": "admin@example.com"}}}

    # -- usage and audit logs

    def usage(self, kind):
        q = self.query
        try:
            start = int(q["start_time"][0])
        except (KeyError, ValueError):
            raise StandInError(400, "Missing required parameter: 'start_time'.",
                               param="start_time")
        width = {"1m": 60, "1h": 3600, "1d": 86400}.get(q.get("bucket_width", ["1d"])[0])
        if width is None:
            raise StandInError(400, "Invalid 'bucket_width': expected 1m, 1h or 1d.",
                               param="bucket_width")
        default_limit, max_limit = {60: (60, 1440), 3600: (24, 168), 86400: (7, 31)}[width]
        limit = int(q.get("limit", [str(default_limit)])[0])
        if not 1 <= limit <= max_limit:
            raise StandInError(400, f"Invalid 'limit': at most {max_limit} for this bucket width.",
                               param="limit")
        with self.st.lock:
            # end_time is exclusive; by default the current second is included
            end = int(q.get("end_time", [str(self.st.now() + 1)])[0])
            first = start - start % width
            if q.get("page", [None])[0]:
                try:
                    first = int(base64.urlsafe_b64decode(q["page"][0][5:]).decode())
                except (ValueError, UnicodeDecodeError):
                    raise StandInError(400, "Invalid 'page'.", param="page")
            groups = multi(q, "group_by")
            keys, projects = multi(q, "api_key_ids"), multi(q, "project_ids")
            models, users = multi(q, "models"), multi(q, "user_ids")
            events = [e for e in self.st.data["usage"] if e.get("kind", "completions") == kind
                      and start <= e["time"] < end
                      and (not keys or e.get("api_key_id") in keys)
                      and (not projects or e.get("project_id") in projects)
                      and (not models or e.get("model") in models)
                      and (not users or e.get("user_id") in users)]
            buckets = []
            b = first
            while b < end and len(buckets) < limit:
                in_b = [e for e in events if b <= e["time"] < b + width]
                buckets.append({"object": "bucket", "start_time": b, "end_time": b + width,
                                "results": self.usage_results(kind, in_b, groups)})
                b += width
            more = b < end
            next_page = ("page_" + base64.urlsafe_b64encode(str(b).encode()).decode()) \
                if more else None
            self.send_json(200, {"object": "page", "data": buckets, "has_more": more,
                                 "next_page": next_page})

    def usage_results(self, kind, events, groups):
        fields = ["project_id", "user_id", "api_key_id", "model", "batch", "service_tier"]
        grouped = {}
        for e in events:
            gk = tuple((f, e.get(f) if f != "batch" else False) for f in fields if f in groups)
            grouped.setdefault(gk, []).append(e)
        out = []
        for gk, es in grouped.items():
            inp = sum(e.get("input_tokens", 0) for e in es)
            outp = sum(e.get("output_tokens", 0) for e in es)
            n = sum(e.get("num_model_requests", 1) for e in es)
            if kind == "completions":
                r = {"object": "organization.usage.completions.result", "input_tokens": inp,
                     "input_cached_tokens": 0, "input_cache_write_tokens": 0,
                     "input_uncached_tokens": inp, "output_tokens": outp,
                     "input_text_tokens": inp, "output_text_tokens": outp,
                     "input_cached_text_tokens": 0, "input_audio_tokens": 0,
                     "input_cached_audio_tokens": 0, "output_audio_tokens": 0,
                     "input_image_tokens": 0, "input_cached_image_tokens": 0,
                     "output_image_tokens": 0, "num_model_requests": n}
            else:
                r = {"object": "organization.usage.embeddings.result", "input_tokens": inp,
                     "num_model_requests": n}
            for f in fields:
                if kind == "embeddings" and f in ("batch", "service_tier"):
                    continue
                r[f] = None
            for f, v in gk:
                r[f] = v
            out.append(r)
        return out

    def audit_logs(self):
        q = self.query
        types = multi(q, "event_types")
        projects = multi(q, "project_ids")
        resources = multi(q, "resource_ids")
        actors = multi(q, "actor_ids")
        bounds = {}
        for op in ("gt", "gte", "lt", "lte"):
            v = q.get(f"effective_at[{op}]", [None])[0]
            if v is not None:
                bounds[op] = int(v)
        with self.st.lock:
            logs = list(reversed(self.st.data["audit_logs"]))  # newest first
        out = []
        for e in logs:
            if types and e["type"] not in types:
                continue
            if projects and (e.get("project") or {}).get("id") not in projects:
                continue
            if resources and (e.get(e["type"]) or {}).get("id") not in resources:
                continue
            actor_key = ((e.get("actor") or {}).get("api_key") or {})
            if actors and actor_key.get("id") not in actors:
                continue
            t = e["effective_at"]
            if ("gt" in bounds and not t > bounds["gt"]) or \
                    ("gte" in bounds and not t >= bounds["gte"]) or \
                    ("lt" in bounds and not t < bounds["lt"]) or \
                    ("lte" in bounds and not t <= bounds["lte"]):
                continue
            out.append(e)
        self.send_json(200, page(out, q))

    # -- inference

    def check_model(self, model):
        self.model = model
        if not isinstance(model, str) or not model:
            raise StandInError(400, "you must provide a model parameter", param="model")
        if model not in self.st.data["models"]:
            raise StandInError(404, f"The model `{model}` does not exist or you do not have "
                               "access to it.", code="model_not_found", param="model")

    def record_usage(self, key, proj, model, inp, outp, kind="completions"):
        with self.st.lock:
            self.st.data["usage"].append({
                "time": self.st.now(), "kind": kind, "api_key_id": key["id"],
                "project_id": proj["id"],
                "user_id": key["owner"]["id"] if key["owner"]["type"] == "user" else None,
                "model": model, "input_tokens": inp, "output_tokens": outp,
                "num_model_requests": 1})
            self.st.save()

    def models(self):
        self.require_api_key()
        data = [{"id": m, "object": "model", "created": 1686935002, "owned_by": "openai"}
                for m in self.st.data["models"]]
        self.send_json(200, {"object": "list", "data": data})

    def model_get(self, model):
        self.require_api_key()
        if model not in self.st.data["models"]:
            raise StandInError(404, f"The model '{model}' does not exist", code="model_not_found",
                               param="model")
        self.send_json(200, {"id": model, "object": "model", "created": 1686935002,
                             "owned_by": "openai"})

    def reply_text(self, prompt):
        text = "echo: " + (prompt.strip() or "(empty)")
        if self.echo_key:
            text += " key: " + self.bearer_value
        return text

    def chat(self):
        key, proj = self.require_api_key()
        body = self.json_body()
        self.check_model(body.get("model"))
        msgs = body.get("messages")
        if not isinstance(msgs, list) or not msgs:
            raise StandInError(400, "Missing required parameter: 'messages'.", param="messages")
        prompt_tokens = sum(words(text_of(m.get("content"))) + 3 for m in msgs
                            if isinstance(m, dict))
        last_user = next((text_of(m.get("content")) for m in reversed(msgs)
                          if isinstance(m, dict) and m.get("role") == "user"), "")
        text = self.reply_text(last_user)
        completion_tokens = words(text)
        usage = {"prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens,
                 "total_tokens": prompt_tokens + completion_tokens,
                 "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0},
                 "completion_tokens_details": {"reasoning_tokens": 0, "audio_tokens": 0,
                                               "accepted_prediction_tokens": 0,
                                               "rejected_prediction_tokens": 0}}
        cid = "chatcmpl-" + self.st.rand(29)
        created = self.st.now()
        model = body["model"]
        self.record_usage(key, proj, model, prompt_tokens, completion_tokens)
        if not body.get("stream"):
            return self.send_json(200, {
                "id": cid, "object": "chat.completion", "created": created, "model": model,
                "choices": [{"index": 0, "message": {"role": "assistant", "content": text,
                                                     "refusal": None, "annotations": []},
                             "logprobs": None, "finish_reason": "stop"}],
                "usage": usage, "service_tier": "default", "system_fingerprint": "fp_standin"})
        include_usage = bool((body.get("stream_options") or {}).get("include_usage"))
        self.stream = True

        def chunk(delta, finish=None, choices=True):
            c = {"id": cid, "object": "chat.completion.chunk", "created": created, "model": model,
                 "service_tier": "default", "system_fingerprint": "fp_standin",
                 "choices": [{"index": 0, "delta": delta, "logprobs": None,
                              "finish_reason": finish}] if choices else []}
            if include_usage:
                c["usage"] = None
            return c

        events = [chunk({"role": "assistant", "content": "", "refusal": None})]
        for piece in re.findall(r"\S+\s*", text):
            events.append(chunk({"content": piece}))
        events.append(chunk({}, "stop"))
        if include_usage:
            last = chunk({}, choices=False)
            last["usage"] = usage
            events.append(last)
        self.sse([(None, e) for e in events] + [(None, "[DONE]")])

    def response_object(self, rid, model, status, created, output, usage, body):
        return {"id": rid, "object": "response", "created_at": created, "status": status,
                "completed_at": created if status == "completed" else None, "error": None,
                "incomplete_details": None, "instructions": body.get("instructions"),
                "max_output_tokens": body.get("max_output_tokens"), "model": model,
                "output": output, "parallel_tool_calls": True, "previous_response_id":
                body.get("previous_response_id"), "reasoning": {"effort": None, "summary": None},
                "store": body.get("store", True), "temperature": body.get("temperature", 1),
                "text": {"format": {"type": "text"}}, "tool_choice": "auto", "tools": [],
                "top_p": body.get("top_p", 1), "truncation": "disabled", "usage": usage,
                "user": None, "metadata": body.get("metadata") or {}}

    def create_response(self):
        key, proj = self.require_api_key()
        body = self.json_body()
        self.check_model(body.get("model"))
        inp = body.get("input")
        if isinstance(inp, str):
            prompt, in_tokens = inp, words(inp)
        elif isinstance(inp, list):
            texts = [text_of(m.get("content")) for m in inp if isinstance(m, dict)]
            prompt, in_tokens = (texts[-1] if texts else ""), sum(words(t) + 3 for t in texts)
        else:
            raise StandInError(400, "Missing required parameter: 'input'.", param="input")
        in_tokens += words(body.get("instructions") or "")
        text = self.reply_text(prompt)
        out_tokens = words(text)
        usage = {"input_tokens": in_tokens,
                 "input_tokens_details": {"cached_tokens": 0, "cache_write_tokens": 0},
                 "output_tokens": out_tokens, "output_tokens_details": {"reasoning_tokens": 0},
                 "total_tokens": in_tokens + out_tokens}
        rid, mid = "resp_" + self.st.rand(48), "msg_" + self.st.rand(48)
        created, model = self.st.now(), body["model"]
        part = {"type": "output_text", "text": text, "annotations": [], "logprobs": []}
        item = {"type": "message", "id": mid, "status": "completed", "role": "assistant",
                "content": [part]}
        self.record_usage(key, proj, model, in_tokens, out_tokens)
        if not body.get("stream"):
            return self.send_json(200, self.response_object(rid, model, "completed", created,
                                                            [item], usage, body))
        self.stream = True
        events = []

        def ev(obj):
            obj["sequence_number"] = len(events)
            events.append((obj["type"], obj))

        ev({"type": "response.created", "response": self.response_object(
            rid, model, "in_progress", created, [], None, body)})
        ev({"type": "response.in_progress", "response": self.response_object(
            rid, model, "in_progress", created, [], None, body)})
        ev({"type": "response.output_item.added", "output_index": 0,
            "item": {"type": "message", "id": mid, "status": "in_progress", "role": "assistant",
                     "content": []}})
        ev({"type": "response.content_part.added", "item_id": mid, "output_index": 0,
            "content_index": 0, "part": {"type": "output_text", "text": "", "annotations": [],
                                         "logprobs": []}})
        for piece in re.findall(r"\S+\s*", text):
            ev({"type": "response.output_text.delta", "item_id": mid, "output_index": 0,
                "content_index": 0, "delta": piece, "logprobs": []})
        ev({"type": "response.output_text.done", "item_id": mid, "output_index": 0,
            "content_index": 0, "text": text, "logprobs": []})
        ev({"type": "response.content_part.done", "item_id": mid, "output_index": 0,
            "content_index": 0, "part": part})
        ev({"type": "response.output_item.done", "output_index": 0, "item": item})
        ev({"type": "response.completed", "response": self.response_object(
            rid, model, "completed", created, [item], usage, body)})
        self.sse(events)

    def sse(self, events):
        """Server-sent events, one chunk of the chunked body per event, spaced by stream_delay."""
        self.send_response(200)
        self.base_headers("text/event-stream; charset=utf-8")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        self.status = 200
        drop_after = self.drop_after
        for i, (name, data) in enumerate(events):
            if drop_after is not None and i >= drop_after:
                self.drop()
            payload = data if isinstance(data, str) else json.dumps(data)
            text = (f"event: {name}\n" if name else "") + f"data: {payload}\n\n"
            raw = text.encode()
            self.wfile.write(b"%x\r\n%s\r\n" % (len(raw), raw))
            self.wfile.flush()
            if i + 1 < len(events):
                time.sleep(self.st.stream_delay)
        self.wfile.write(b"0\r\n\r\n")
        self.wfile.flush()

    def embeddings(self):
        key, proj = self.require_api_key()
        body = self.json_body()
        self.check_model(body.get("model"))
        inp = body.get("input")
        if isinstance(inp, str):
            inputs = [inp]
        elif isinstance(inp, list) and inp:
            inputs = [x if isinstance(x, str) else " ".join(map(str, x))
                      if isinstance(x, list) else str(x) for x in inp]
            if all(isinstance(x, int) for x in inp):
                inputs = [" ".join(map(str, inp))]
        else:
            raise StandInError(400, "Missing required parameter: 'input'.", param="input")
        dims = int(body.get("dimensions") or 8)
        fmt = body.get("encoding_format", "float")
        data = []
        for i, t in enumerate(inputs):
            vec = embedding_for(t, dims)
            if fmt == "base64":
                vec = base64.b64encode(struct.pack(f"<{dims}f", *vec)).decode()
            data.append({"object": "embedding", "index": i, "embedding": vec})
        tokens = sum(max(1, words(t)) for t in inputs)
        self.record_usage(key, proj, body["model"], tokens, 0, kind="embeddings")
        self.send_json(200, {"object": "list", "data": data, "model": body["model"],
                             "usage": {"prompt_tokens": tokens, "total_tokens": tokens}})

    # -- control API (/_standin/...)

    def control(self, method, path):
        st = self.st
        s = path.rstrip("/").split("/")[2:]
        with st.lock:
            if s == ["state"] and method == "GET":
                with_values = self.query.get("values", ["0"])[0] in ("1", "true")
                return self.send_json(200, st.public(with_values))
            if s == ["state"] and method == "POST":
                st.faults, st.requests = [], []
                st.load(self.json_body())
                return self.send_json(200, st.public())
            if s == ["fault"] and method == "POST":
                f = self.json_body()
                kinds = ("status", "malformed", "slow", "drop", "truncate", "echo_key",
                         "stream_drop")
                if f.get("kind") not in kinds:
                    raise StandInError(400, f"kind must be one of {', '.join(kinds)}")
                f.setdefault("path", "/v1/")
                f["remaining"] = int(f.get("count", 1))
                st.faults.append(f)
                return self.send_json(200, {"faults": st.faults})
            if s == ["fault"] and method == "DELETE":
                st.faults = []
                return self.send_json(200, {"faults": []})
            if s == ["requests"] and method == "GET":
                return self.send_json(200, {"requests": st.requests})
            if s == ["requests"] and method == "DELETE":
                st.requests = []
                return self.send_json(200, {"requests": []})
            if s == ["config"] and method == "POST":
                body = self.json_body()
                if "stream_delay" in body:
                    st.stream_delay = float(body["stream_delay"])
                if "clock_offset" in body:
                    st.clock_offset = int(body["clock_offset"])
                for k in ("redaction", "models", "allow_service_account_key_delete"):
                    if k in body:
                        st.data[k] = body[k]
                st.save()
                return self.send_json(200, {"stream_delay": st.stream_delay,
                                            "clock_offset": st.clock_offset, "now": st.now()})
            if len(s) == 2 and s[0] == "keys" and method == "POST":
                key, _ = st.find_key(s[1])
                if key is None:
                    raise StandInError(404, f"no key {s[1]}")
                body = self.json_body()
                for k in ("last_used_at", "created_at", "redacted_value",
                          "owner_project_access", "deleted", "name", "permission"):
                    if k in body:
                        key[k] = body[k]
                st.save()
                return self.send_json(200, {"id": key["id"]})
            if len(s) == 3 and s[0] == "projects" and s[2] == "keys" and method == "POST":
                proj = st.project(s[1])
                body = self.json_body()
                key = st.add_key(proj, body.get("owner", {"type": "user", "id": None}), body)
                if body.get("audit", True):
                    st.audit("api_key.created", {"id": key["id"],
                                                 "data": {"scopes": key["scopes"]}}, proj)
                st.save()
                return self.send_json(200, {"id": key["id"], "value": key["value"]})
            if len(s) == 3 and s[0] == "projects" and s[2] == "users" and method == "POST":
                proj = st.project(s[1])
                body = self.json_body()
                if not any(u["id"] == body["id"] for u in st.data["users"]):
                    st.data["users"].append({"id": body["id"], "name": body.get("name", "User"),
                                             "email": body.get("email", "u@example.com"),
                                             "role": "member", "created_at": st.now()})
                proj["users"].append({"id": body["id"], "role": body.get("role", "member"),
                                      "added_at": st.now()})
                st.save()
                return self.send_json(200, {"id": body["id"]})
            if len(s) == 4 and s[0] == "projects" and s[2] == "users" and method == "DELETE":
                proj = st.project(s[1])
                proj["users"] = [u for u in proj["users"] if u["id"] != s[3]]
                st.save()
                return self.send_json(200, {"id": s[3], "removed": True})
            if s == ["usage"] and method == "POST":
                body = self.json_body()
                body.setdefault("time", st.now())
                body.setdefault("kind", "completions")
                st.data["usage"].append(body)
                st.save()
                return self.send_json(200, body)
            if s == ["audit_logs"] and method == "POST":
                body = self.json_body()
                body.setdefault("id", f"audit_log-{st.rand(12)}")
                body.setdefault("effective_at", st.now())
                st.data["audit_logs"].append(body)
                st.save()
                return self.send_json(200, body)
            if s == ["shutdown"] and method == "POST":
                self.send_json(200, {"shutdown": True})
                threading.Thread(target=self.server.shutdown, daemon=True).start()
                return
        raise StandInError(404, f"Invalid URL ({method} {path})")


def default_error(status):
    if status == 429:
        return {"message": "Rate limit reached for requests. Please try again later.",
                "type": "requests", "param": None, "code": "rate_limit_exceeded"}
    if status == 503:
        return {"message": "The engine is currently overloaded, please try again later.",
                "type": "server_error", "param": None, "code": None}
    if status >= 500:
        return {"message": "The server had an error while processing your request. Sorry about "
                "that!", "type": "server_error", "param": None, "code": None}
    return {"message": f"Stand-in fault: HTTP {status}.", "type": "invalid_request_error",
            "param": None, "code": None}


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 512  # the proxy benchmark opens 200 streams at once

    def __init__(self, addr, state, tls=None, verbose=False):
        self.state = state
        self.verbose = verbose
        self.tls = tls
        super().__init__(addr, Handler)

    def get_request(self):
        sock, addr = super().get_request()
        if self.tls:
            # the handshake runs in the handler's thread (Handler.setup), not in the accept loop
            sock = self.tls.wrap_socket(sock, server_side=True, do_handshake_on_connect=False)
        return sock, addr

    def handle_error(self, request, client_address):
        exc = sys.exc_info()[1]
        if isinstance(exc, (ssl.SSLError, ConnectionError, socket.timeout, Dropped)):
            return
        super().handle_error(request, client_address)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=0, help="0: a free port (printed on stdout)")
    ap.add_argument("--state-file", help="seed state (JSON; README, 'State file')")
    ap.add_argument("--save-state", help="write the state here after every change")
    ap.add_argument("--port-file", help="also write the base URL to this file")
    ap.add_argument("--tls-cert", help="serve HTTPS with this certificate (PEM)")
    ap.add_argument("--tls-key", help="the certificate's private key (PEM)")
    ap.add_argument("--stream-delay", type=float, default=0.02,
                    help="seconds between streamed events (default 0.02)")
    ap.add_argument("--seed", type=int, help="deterministic ids and key values")
    ap.add_argument("--verbose", action="store_true", help="log each request on stderr")
    args = ap.parse_args(argv)

    seed = {}
    if args.state_file:
        with open(args.state_file) as f:
            seed = json.load(f)
    rng = random.Random(args.seed) if args.seed is not None else None
    state = State(seed, rng=rng, save_path=args.save_state)
    state.stream_delay = args.stream_delay
    tls = None
    if args.tls_cert:
        tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        tls.load_cert_chain(args.tls_cert, args.tls_key)
    server = Server((args.host, args.port), state, tls, args.verbose)
    host, port = server.server_address[:2]
    shown = f"[{host}]" if ":" in host else host
    url = f"{'https' if tls else 'http'}://{shown}:{port}"
    if args.port_file:
        with open(args.port_file + ".tmp", "w") as f:
            f.write(url + "\n")
        os.replace(args.port_file + ".tmp", args.port_file)
    print(url, flush=True)
    try:
        server.serve_forever(poll_interval=0.1)
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
