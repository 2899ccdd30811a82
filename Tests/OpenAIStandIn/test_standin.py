"""Tests of the OpenAI stand-in, with the official `openai` SDK as the client of the inference
endpoints (and of the Admin API where the SDK has it), and urllib for the raw Admin API.

Run: `make standin-test`, or
     .build/venv/bin/python -m unittest discover -s Tests/OpenAIStandIn -v
Each test class starts its own stand-in on a free loopback port and stops it at the end.
"""

import json
import os
import shutil
import ssl
import subprocess
import sys
import tempfile
import unittest
import urllib.error
import urllib.request

import openai

HERE = os.path.dirname(os.path.abspath(__file__))
STANDIN = os.path.join(HERE, "standin.py")
MARKER = "T3BlbkFJ"

ADMIN = "sk-admin-" + "A" * 40 + MARKER + "a" * 40
READ_ONLY_ADMIN = "sk-admin-" + "R" * 40 + MARKER + "r" * 40
ALICE = "sk-proj-" + "L" * 40 + MARKER + "l" * 40
BOB = "sk-proj-" + "B" * 40 + MARKER + "b" * 40
DELETED = "sk-proj-" + "D" * 40 + MARKER + "d" * 40
BOT = "sk-svcacct-" + "S" * 40 + MARKER + "s" * 40

SEED = {
    "admin_keys": [{"id": "key_admin", "value": ADMIN},
                   {"id": "key_ro", "value": READ_ONLY_ADMIN, "permission": "read"}],
    "users": [{"id": "user-alice", "name": "Alice", "email": "alice@example.com"},
              {"id": "user-bob", "name": "Bob", "email": "bob@example.com"}],
    "projects": [
        {"id": "proj_app", "name": "App",
         "users": [{"id": "user-alice", "role": "owner"}, {"id": "user-bob", "role": "member"}],
         "service_accounts": [{"id": "svc_acct_bot", "name": "deploy-bot"}],
         "api_keys": [
             {"id": "key_alice", "name": "alice dev", "value": ALICE,
              "owner": {"type": "user", "id": "user-alice"}},
             {"id": "key_bob", "name": "bob dev", "value": BOB,
              "owner": {"type": "user", "id": "user-bob"}},
             {"id": "key_deleted", "value": DELETED, "deleted": True,
              "owner": {"type": "user", "id": "user-alice"}},
             {"id": "key_bot", "name": "bot", "value": BOT,
              "owner": {"type": "service_account", "id": "svc_acct_bot"}},
         ] + [{"id": f"key_extra{i}", "owner": {"type": "user", "id": "user-alice"}}
              for i in range(3)]},
        {"id": "proj_other", "name": "Other"},
    ],
}


class StandIn:
    """One stand-in process, started on a free port with a seed; its base URL and a raw client."""

    def __init__(self, seed=SEED, extra=()):
        self.dir = tempfile.mkdtemp(prefix="standin-test-")
        seed_path = os.path.join(self.dir, "seed.json")
        with open(seed_path, "w") as f:
            json.dump(seed, f)
        self.proc = subprocess.Popen(
            [sys.executable, STANDIN, "--port", "0", "--state-file", seed_path,
             "--stream-delay", "0.005", *extra],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.url = self.proc.stdout.readline().strip()
        if not self.url.startswith("http"):
            self.stop()
            raise RuntimeError("stand-in did not start: " + self.proc.stderr.read())

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=5)
        for stream in (self.proc.stdout, self.proc.stderr):
            stream.close()
        shutil.rmtree(self.dir, ignore_errors=True)

    def call(self, method, path, key=None, body=None, context=None):
        """(status, headers, raw body) of one request; HTTP errors are answers, not exceptions."""
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.url + path, data=data, method=method)
        if key:
            req.add_header("Authorization", "Bearer " + key)
        if data is not None:
            req.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(req, timeout=10, context=context) as r:
                return r.status, r.headers, r.read()
        except urllib.error.HTTPError as e:
            with e:
                return e.code, e.headers, e.read()

    def json(self, method, path, key=None, body=None):
        status, _, raw = self.call(method, path, key, body)
        return status, json.loads(raw)

    def control(self, method, path, body=None):
        status, obj = self.json(method, "/_standin/" + path, body=body)
        assert status == 200, (status, obj)
        return obj

    def fault(self, **spec):
        return self.control("POST", "fault", spec)

    def requests(self):
        return self.control("GET", "requests")["requests"]

    def key(self, key_id):
        status, obj = self.json("GET", f"/v1/organization/projects/proj_app/api_keys/{key_id}",
                                ADMIN)
        assert status == 200, obj
        return obj


class StandInCase(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.s = StandIn()

    @classmethod
    def tearDownClass(cls):
        cls.s.stop()

    def setUp(self):
        self.s.control("DELETE", "fault")
        self.s.control("DELETE", "requests")

    def client(self, key=ALICE, **kw):
        kw.setdefault("max_retries", 0)
        return openai.OpenAI(api_key=key, base_url=self.s.url + "/v1", **kw)

    def assertOpenAIError(self, status, obj, code=None):
        self.assertIn("error", obj)
        self.assertEqual(set(obj["error"]), {"message", "type", "param", "code"})
        self.assertIsInstance(obj["error"]["message"], str)
        if code is not None:
            self.assertEqual(obj["error"]["code"], code)


class InferenceWithTheSDK(StandInCase):
    def test_models_list_and_last_used_at(self):
        before = self.s.key("key_bob")["last_used_at"]
        self.assertIsNone(before)
        ids = [m.id for m in self.client(BOB).models.list()]
        self.assertIn("gpt-4o-mini", ids)
        self.assertIsInstance(self.s.key("key_bob")["last_used_at"], int)
        log = self.s.requests()
        self.assertEqual([(r["path"], r["auth"]) for r in log if r["path"] == "/v1/models"],
                         [("/v1/models", {"kind": "user", "key_id": "key_bob"})])

    def test_chat_completion(self):
        r = self.client().chat.completions.create(
            model="gpt-4o-mini", messages=[{"role": "user", "content": "hello stand-in"}])
        self.assertEqual(r.object, "chat.completion")
        self.assertEqual(r.choices[0].message.content, "echo: hello stand-in")
        self.assertEqual(r.choices[0].finish_reason, "stop")
        self.assertEqual(r.usage.total_tokens, r.usage.prompt_tokens + r.usage.completion_tokens)
        self.assertGreater(r.usage.completion_tokens, 0)

    def test_chat_completion_streamed_with_usage(self):
        stream = self.client().chat.completions.create(
            model="gpt-4o-mini", stream=True, stream_options={"include_usage": True},
            messages=[{"role": "user", "content": "one two three"}])
        chunks = list(stream)
        self.assertGreaterEqual(len(chunks), 5)
        self.assertTrue(all(c.object == "chat.completion.chunk" for c in chunks))
        text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
        self.assertEqual(text, "echo: one two three")
        self.assertEqual(chunks[-2].choices[0].finish_reason, "stop")
        self.assertEqual(chunks[-1].choices, [])
        self.assertGreater(chunks[-1].usage.total_tokens, 0)
        self.assertTrue(all(c.usage is None for c in chunks[:-1]))

    def test_chat_stream_without_usage_has_no_usage_chunk(self):
        chunks = list(self.client().chat.completions.create(
            model="gpt-4o-mini", stream=True, messages=[{"role": "user", "content": "x"}]))
        self.assertTrue(all(c.choices for c in chunks))
        self.assertTrue(all(getattr(c, "usage", None) is None for c in chunks))

    def test_stream_is_flushed_event_by_event(self):
        # Ordering, not timing: the first event reaches the client while the stand-in is still
        # writing the stream (its request log entry is written when the stream ends).
        self.s.control("POST", "config", {"stream_delay": 0.2})
        try:
            stream = self.client().chat.completions.create(
                model="gpt-4o-mini", stream=True,
                messages=[{"role": "user", "content": "a b c d e f"}])
            first = next(iter(stream))
            self.assertEqual(first.choices[0].delta.role, "assistant")
            self.assertEqual([r for r in self.s.requests() if r["stream"]], [])
            rest = list(stream)
            self.assertGreater(len(rest), 3)
        finally:
            self.s.control("POST", "config", {"stream_delay": 0.005})
        self.assertEqual(len([r for r in self.s.requests() if r["stream"]]), 1)

    def test_responses_create(self):
        r = self.client().responses.create(model="gpt-4.1", input="tell me")
        self.assertEqual(r.object, "response")
        self.assertEqual(r.status, "completed")
        self.assertEqual(r.output_text, "echo: tell me")
        self.assertEqual(r.usage.total_tokens, r.usage.input_tokens + r.usage.output_tokens)

    def test_responses_streamed_events(self):
        events = list(self.client().responses.create(model="gpt-4.1", input="a b", stream=True))
        types = [e.type for e in events]
        self.assertEqual(types[:4], ["response.created", "response.in_progress",
                                     "response.output_item.added",
                                     "response.content_part.added"])
        self.assertEqual(types[-4:], ["response.output_text.done", "response.content_part.done",
                                      "response.output_item.done", "response.completed"])
        self.assertEqual([e.sequence_number for e in events], list(range(len(events))))
        deltas = "".join(e.delta for e in events if e.type == "response.output_text.delta")
        self.assertEqual(deltas, "echo: a b")
        self.assertEqual(events[-1].response.output_text, "echo: a b")
        self.assertGreater(events[-1].response.usage.output_tokens, 0)

    def test_embeddings_default_base64_and_float(self):
        c = self.client()
        r = c.embeddings.create(model="text-embedding-3-small", input=["x", "y"])  # SDK: base64
        self.assertEqual([d.index for d in r.data], [0, 1])
        self.assertEqual(len(r.data[0].embedding), 8)
        f = c.embeddings.create(model="text-embedding-3-small", input="x",
                                encoding_format="float", dimensions=4)
        self.assertEqual(len(f.data[0].embedding), 4)
        self.assertAlmostEqual(r.data[0].embedding[0], f.data[0].embedding[0], places=5)
        self.assertGreater(r.usage.prompt_tokens, 0)
        log = self.s.requests()
        self.assertEqual(log[0]["model"], "text-embedding-3-small")

    def test_unknown_model_is_404(self):
        with self.assertRaises(openai.NotFoundError) as cm:
            self.client().chat.completions.create(model="gpt-nope",
                                                  messages=[{"role": "user", "content": "x"}])
        self.assertEqual(cm.exception.code, "model_not_found")

    def test_unknown_deleted_admin_and_missing_keys_are_401(self):
        wrong = "sk-proj-" + "W" * 40 + MARKER + "w" * 40
        for key in (wrong, DELETED, ADMIN):
            with self.subTest(key=key[:12]):
                with self.assertRaises(openai.AuthenticationError) as cm:
                    self.client(key).models.list()
                self.assertEqual(cm.exception.code, "invalid_api_key")
                self.assertNotIn(key, str(cm.exception))
        status, obj = self.s.json("GET", "/v1/models")
        self.assertEqual(status, 401)
        self.assertOpenAIError(401, obj)

    def test_sdk_retries_429_honouring_retry_after(self):
        self.s.fault(path="/v1/chat/completions", kind="status", status=429, retry_after=1)
        r = self.client(max_retries=2).chat.completions.create(
            model="gpt-4o-mini", messages=[{"role": "user", "content": "again"}])
        self.assertEqual(r.choices[0].message.content, "echo: again")
        log = [x for x in self.s.requests() if x["path"] == "/v1/chat/completions"]
        self.assertEqual([x["status"] for x in log], [429, 200])
        self.assertEqual(log[0]["fault"], "status")
        # The SDK waited the retry-after second (a lower bound: the SDK sleeps at least that).
        self.assertGreaterEqual(log[1]["started"] - log[0]["started"], 0.9)

    def test_sdk_does_not_retry_a_retry_after_beyond_its_maximum(self):
        self.s.fault(path="/v1/chat/completions", kind="status", status=429, retry_after=600)
        with self.assertRaises(openai.RateLimitError) as cm:
            self.client(max_retries=2).chat.completions.create(
                model="gpt-4o-mini", messages=[{"role": "user", "content": "x"}])
        self.assertEqual(cm.exception.response.headers["retry-after"], "600")
        self.assertEqual(len(self.s.requests()), 1)

    def test_sdk_retries_5xx_and_a_dropped_connection(self):
        self.s.fault(path="/v1/models", kind="status", status=503, retry_after_ms=10)
        self.s.fault(path="/v1/models", kind="drop")
        ids = [m.id for m in self.client(max_retries=2).models.list()]
        self.assertIn("gpt-5", ids)
        self.assertEqual([x["fault"] for x in self.s.requests()], ["status", "drop", None])

    def test_echo_key_fault_puts_the_key_in_the_answer(self):
        # For the proxy's scrubbing tests (issue 10): the answer carries the bearer's value.
        self.s.fault(path="/v1/chat/completions", kind="echo_key")
        r = self.client().chat.completions.create(
            model="gpt-4o-mini", messages=[{"role": "user", "content": "x"}])
        self.assertIn(ALICE, r.choices[0].message.content)

    def test_stream_drop_cuts_the_stream(self):
        self.s.fault(path="/v1/chat/completions", kind="stream_drop", after=2)
        stream = self.client().chat.completions.create(
            model="gpt-4o-mini", stream=True, messages=[{"role": "user", "content": "a b c"}])
        with self.assertRaises(Exception):
            list(stream)

    def test_usage_by_api_key(self):
        c = self.client(BOB)
        for _ in range(2):
            c.chat.completions.create(model="gpt-4o-mini",
                                      messages=[{"role": "user", "content": "count me"}])
        now = self.s.control("GET", "state")["clock"]["now"]
        status, obj = self.s.json(
            "GET", f"/v1/organization/usage/completions?start_time={now - 3600}"
            "&bucket_width=1h&group_by=api_key_id&api_key_ids=key_bob", ADMIN)
        self.assertEqual(status, 200)
        self.assertEqual(obj["object"], "page")
        results = [r for b in obj["data"] for r in b["results"]]
        self.assertEqual([r["api_key_id"] for r in results], ["key_bob"])
        self.assertEqual(results[0]["num_model_requests"], 2)
        self.assertEqual(results[0]["object"], "organization.usage.completions.result")
        # The SDK's admin client reads the same page (brackets for arrays: api_key_ids[]=...).
        admin = openai.OpenAI(admin_api_key=ADMIN, base_url=self.s.url + "/v1", max_retries=0)
        page = admin.admin.organization.usage.completions(
            start_time=now - 3600, bucket_width="1h", group_by=["api_key_id"],
            api_key_ids=["key_bob"])
        sdk_results = [r for b in page.data for r in b.results]
        self.assertEqual(sdk_results[0].api_key_id, "key_bob")


class AdminAPI(StandInCase):
    def test_pagination_over_several_pages(self):
        seen, after, pages = [], None, 0
        while True:
            q = "?limit=2" + (f"&after={after}" if after else "")
            status, obj = self.s.json("GET", f"/v1/organization/projects/proj_app/api_keys{q}",
                                      ADMIN)
            self.assertEqual(status, 200)
            self.assertEqual(obj["object"], "list")
            self.assertLessEqual(len(obj["data"]), 2)
            self.assertEqual(obj["first_id"], obj["data"][0]["id"])
            self.assertEqual(obj["last_id"], obj["data"][-1]["id"])
            seen += [k["id"] for k in obj["data"]]
            pages += 1
            if not obj["has_more"]:
                break
            after = obj["last_id"]
        self.assertEqual(pages, 3)
        self.assertEqual(seen, ["key_alice", "key_bob", "key_bot",
                                "key_extra0", "key_extra1", "key_extra2"])
        # The SDK's admin client follows the same cursor.
        admin = openai.OpenAI(admin_api_key=ADMIN, base_url=self.s.url + "/v1", max_retries=0)
        ids = [k.id for k in admin.admin.organization.projects.api_keys.list("proj_app", limit=2)]
        self.assertEqual(ids, seen)

    def test_key_fields_and_redacted_value(self):
        k = self.s.key("key_alice")
        for field in ("object", "id", "name", "redacted_value", "created_at", "last_used_at",
                      "owner", "owner_project_access"):
            self.assertIn(field, k)
        self.assertEqual(k["object"], "organization.project.api_key")
        head, tail = k["redacted_value"].split("...")
        self.assertTrue(ALICE.startswith(head) and ALICE.endswith(tail))
        self.assertNotIn(ALICE, json.dumps(k))
        self.assertEqual(k["owner"]["type"], "user")
        self.assertEqual(k["owner"]["user"]["email"], "alice@example.com")
        bot = self.s.key("key_bot")
        self.assertEqual(bot["owner"]["type"], "service_account")
        self.assertEqual(bot["owner"]["service_account"]["name"], "deploy-bot")

    def test_projects_and_404(self):
        status, obj = self.s.json("GET", "/v1/organization/projects", ADMIN)
        self.assertEqual([p["id"] for p in obj["data"]][:2], ["proj_app", "proj_other"])
        status, obj = self.s.json("GET", "/v1/organization/projects/proj_app", ADMIN)
        self.assertEqual((status, obj["object"]), (200, "organization.project"))
        for path in ("/v1/organization/projects/proj_typo",
                     "/v1/organization/projects/proj_typo/api_keys",
                     "/v1/organization/projects/proj_app/api_keys/key_nope",
                     "/v1/organization/projects/proj_app/service_accounts/svc_nope"):
            with self.subTest(path=path):
                status, obj = self.s.json("GET", path, ADMIN)
                self.assertEqual(status, 404)
                self.assertOpenAIError(404, obj)

    def test_401_without_admin_key(self):
        for key in (None, ALICE, "sk-admin-wrong"):
            with self.subTest(key=(key or "none")[:10]):
                status, obj = self.s.json("GET", "/v1/organization/projects/proj_app/api_keys",
                                          key)
                self.assertEqual(status, 401)
                self.assertOpenAIError(401, obj)
                if key:
                    self.assertNotIn(key, json.dumps(obj))

    def test_read_only_admin_key_cannot_write(self):
        status, obj = self.s.json("POST", "/v1/organization/projects/proj_app/service_accounts",
                                  READ_ONLY_ADMIN, {"name": "x"})
        self.assertEqual(status, 403)
        self.assertOpenAIError(403, obj, "insufficient_permissions")
        status, _ = self.s.json("GET", "/v1/organization/projects", READ_ONLY_ADMIN)
        self.assertEqual(status, 200)

    def test_service_account_lifecycle(self):
        base = "/v1/organization/projects/proj_app/service_accounts"
        status, sa = self.s.json("POST", base, ADMIN, {"name": "ci-bot"})
        self.assertEqual(status, 200)
        self.assertEqual(sa["object"], "organization.project.service_account")
        value = sa["api_key"]["value"]
        self.assertTrue(value.startswith("sk-svcacct-") and MARKER in value)
        self.assertEqual(sa["api_key"]["object"], "organization.project.service_account.api_key")
        # shown once: listings and reads carry no value
        status, listing = self.s.json("GET", base, ADMIN)
        self.assertIn(sa["id"], [x["id"] for x in listing["data"]])
        self.assertNotIn(value, json.dumps(listing))
        self.assertNotIn(value, json.dumps(self.s.key(sa["api_key"]["id"])))
        # a second key for the same service account, with scopes
        status, extra = self.s.json("POST", f"{base}/{sa['id']}/api_keys", ADMIN,
                                    {"name": "rotated", "scopes": ["api.responses.write"]})
        self.assertEqual(status, 200)
        self.assertEqual(extra["object"], "organization.project.service_account.api_key")
        self.assertNotEqual(extra["value"], value)
        self.assertEqual(self.s.key(extra["id"])["owner"]["service_account"]["id"], sa["id"])
        self.assertEqual([m.id for m in self.client(extra["value"]).models.list()][:1],
                         ["gpt-4o-mini"])
        # the spec: deleting a service account's key through api_keys/{id} is an error
        status, obj = self.s.json(
            "DELETE", f"/v1/organization/projects/proj_app/api_keys/{extra['id']}", ADMIN)
        self.assertEqual(status, 400)
        self.assertOpenAIError(400, obj)
        # deleting the service account deletes its keys
        status, obj = self.s.json("DELETE", f"{base}/{sa['id']}", ADMIN)
        self.assertEqual((status, obj["deleted"]), (200, True))
        for v in (value, extra["value"]):
            with self.assertRaises(openai.AuthenticationError):
                self.client(v).models.list()
        status, _ = self.s.json("GET", f"{base}/{sa['id']}", ADMIN)
        self.assertEqual(status, 404)
        status, logs = self.s.json(
            "GET", "/v1/organization/audit_logs?event_types[]=api_key.created"
            "&event_types[]=api_key.deleted&project_ids[]=proj_app", ADMIN)
        mine = {(e["type"], e[e["type"]]["id"]) for e in logs["data"]}
        for kid in (sa["api_key"]["id"], extra["id"]):
            self.assertIn(("api_key.created", kid), mine)
            self.assertIn(("api_key.deleted", kid), mine)
        created = [e for e in logs["data"] if e["type"] == "api_key.created"
                   and e["api_key.created"]["id"] == extra["id"]]
        self.assertEqual(created[0]["api_key.created"]["data"]["scopes"], ["api.responses.write"])

    def test_sdk_admin_client_creates_a_service_account_key(self):
        admin = openai.OpenAI(admin_api_key=ADMIN, base_url=self.s.url + "/v1", max_retries=0)
        k = admin.admin.organization.projects.service_accounts.api_keys.create(
            "svc_acct_bot", project_id="proj_app", name="sdk", scopes=["api.model.read"])
        self.assertTrue(k.value.startswith("sk-svcacct-"))
        self.assertEqual(k.object, "organization.project.service_account.api_key")

    def test_delete_user_key(self):
        status, obj = self.s.json("POST", "/_standin/projects/proj_other/keys",
                                  body={"owner": {"type": "user", "id": "user-bob"}})
        self.assertEqual(status, 200)
        status, d = self.s.json(
            "DELETE", f"/v1/organization/projects/proj_other/api_keys/{obj['id']}", ADMIN)
        self.assertEqual(d, {"object": "organization.project.api_key.deleted",
                             "id": obj["id"], "deleted": True})
        with self.assertRaises(openai.AuthenticationError):
            self.client(obj["value"]).models.list()

    def test_owner_without_project_access(self):
        self.s.control("POST", "projects/proj_other/users", {"id": "user-carol"})
        made = self.s.control("POST", "projects/proj_other/keys",
                              {"owner": {"type": "user", "id": "user-carol"}})
        self.s.control("DELETE", "projects/proj_other/users/user-carol")
        path = "/v1/organization/projects/proj_other/api_keys"
        _, default = self.s.json("GET", path, ADMIN)
        self.assertNotIn(made["id"], [k["id"] for k in default["data"]])
        _, anyk = self.s.json("GET", path + "?owner_project_access=any", ADMIN)
        found = [k for k in anyk["data"] if k["id"] == made["id"]]
        self.assertEqual(found[0]["owner_project_access"], "inactive")

    def test_faults_on_admin_endpoints(self):
        path = "/v1/organization/projects"
        self.s.fault(path=path, kind="status", status=429, retry_after=2)
        status, headers, raw = self.s.call("GET", path, ADMIN)
        self.assertEqual((status, headers["retry-after"]), (429, "2"))
        self.assertOpenAIError(429, json.loads(raw), "rate_limit_exceeded")
        for code in (500, 502, 503):
            self.s.fault(path=path, kind="status", status=code)
            status, _, raw = self.s.call("GET", path, ADMIN)
            self.assertEqual(status, code)
            self.assertOpenAIError(code, json.loads(raw))
        self.s.fault(path=path, kind="status", status=502, body="<html>bad gateway</html>")
        status, headers, raw = self.s.call("GET", path, ADMIN)
        self.assertEqual((status, headers["content-type"]), (502, "text/html"))
        self.s.fault(path=path, kind="malformed")
        status, _, raw = self.s.call("GET", path, ADMIN)
        self.assertEqual(status, 200)
        with self.assertRaises(ValueError):
            json.loads(raw)
        self.s.fault(path=path, kind="slow", delay=0.2)
        status, _, raw = self.s.call("GET", path, ADMIN)
        self.assertEqual(status, 200)
        self.s.fault(path=path, kind="drop")
        with self.assertRaises((ConnectionError, urllib.error.URLError,
                                __import__("http.client").client.HTTPException)):
            self.s.call("GET", path, ADMIN)
        self.s.fault(path=path, kind="truncate")
        with self.assertRaises(__import__("http.client").client.IncompleteRead):
            self.s.call("GET", path, ADMIN)
        # the next request is served normally: each fault applied once
        status, _, _ = self.s.call("GET", path, ADMIN)
        self.assertEqual(status, 200)
        self.assertEqual([r["fault"] for r in self.s.requests()],
                         ["status", "status", "status", "status", "status", "malformed", "slow",
                          "drop", "truncate", None])

    def test_fault_count_and_method(self):
        self.s.fault(path="/v1/organization/projects", method="POST", kind="status", status=500,
                     count=2)
        self.assertEqual(self.s.call("GET", "/v1/organization/projects", ADMIN)[0], 200)
        for expected in (500, 500, 200):
            status, _, _ = self.s.call("POST", "/v1/organization/projects", ADMIN,
                                       {"name": "p"})
            self.assertEqual(status, expected)

    def test_request_log_never_holds_a_key_value(self):
        self.client(BOT).models.list()
        self.s.call("GET", "/v1/organization/projects", ADMIN)
        self.s.call("GET", "/v1/organization/projects", "sk-proj-unknown" + "x" * 30)
        log = self.s.requests()
        raw = json.dumps(log)
        for v in (BOT, ADMIN, "sk-proj-unknown"):
            self.assertNotIn(v, raw)
        self.assertEqual([r["auth"]["kind"] for r in log], ["service_account", "admin",
                                                             "unknown"])
        self.assertEqual(log[0]["auth"]["key_id"], "key_bot")


class StateAndTLS(unittest.TestCase):
    def test_generated_key_shapes(self):
        s = StandIn({"projects": [{"id": "p", "users": [{"id": "u"}],
                                   "service_accounts": [{"id": "sa"}],
                                   "api_keys": [{"owner": {"type": "user", "id": "u"}},
                                                {"owner": {"type": "service_account",
                                                           "id": "sa"}}]}],
                     "admin_keys": [{}]})
        try:
            st = s.control("GET", "state?values=1")
            values = [k["value"] for k in st["projects"][0]["api_keys"]]
            self.assertTrue(values[0].startswith("sk-proj-"))
            self.assertTrue(values[1].startswith("sk-svcacct-"))
            self.assertTrue(st["admin_keys"][0]["value"].startswith("sk-admin-"))
            for v in values + [st["admin_keys"][0]["value"]]:
                self.assertIn(MARKER, v)
            hidden = s.control("GET", "state")
            self.assertNotIn(values[0], json.dumps(hidden))
        finally:
            s.stop()

    def test_save_state_and_replace_state(self):
        out = tempfile.NamedTemporaryFile(suffix=".json", delete=False)
        out.close()
        s = StandIn(extra=("--save-state", out.name))
        try:
            s.control("POST", "projects/proj_app/keys",
                      {"id": "key_new", "owner": {"type": "user", "id": "user-bob"}})
            with open(out.name) as f:
                saved = json.load(f)
            ids = [k["id"] for p in saved["projects"] for k in p["api_keys"]]
            self.assertIn("key_new", ids)
            s.control("POST", "state", {"projects": [{"id": "proj_only"}],
                                        "admin_keys": [{"value": ADMIN}]})
            status, obj = s.json("GET", "/v1/organization/projects", ADMIN)
            self.assertEqual([p["id"] for p in obj["data"]], ["proj_only"])
        finally:
            s.stop()
            os.unlink(out.name)

    @unittest.skipUnless(shutil.which("openssl"), "openssl is needed to make a test CA")
    def test_tls_with_a_throwaway_ca(self):
        d = tempfile.mkdtemp(prefix="standin-ca-")
        try:
            make_test_ca(d)
            s = StandIn(extra=("--tls-cert", os.path.join(d, "server.pem"),
                               "--tls-key", os.path.join(d, "server.key")))
            try:
                self.assertTrue(s.url.startswith("https://127.0.0.1:"))
                ctx = ssl.create_default_context(cafile=os.path.join(d, "ca.pem"))
                status, _, raw = s.call("GET", "/v1/organization/projects", ADMIN, context=ctx)
                self.assertEqual(status, 200)
                with self.assertRaises(urllib.error.URLError):
                    s.call("GET", "/v1/organization/projects", ADMIN,
                           context=ssl.create_default_context())
                http_client = openai.DefaultHttpxClient(verify=ctx)
                c = openai.OpenAI(api_key=ALICE, base_url=s.url + "/v1", max_retries=0,
                                  http_client=http_client)
                chunks = list(c.chat.completions.create(
                    model="gpt-4o-mini", stream=True,
                    messages=[{"role": "user", "content": "over tls"}]))
                text = "".join(x.choices[0].delta.content or "" for x in chunks)
                self.assertEqual(text, "echo: over tls")
            finally:
                s.stop()
        finally:
            shutil.rmtree(d, ignore_errors=True)


def make_test_ca(d):
    """The commands README.md documents: a CA, and a server certificate for 127.0.0.1."""
    def run(*args):
        subprocess.run(args, cwd=d, check=True, capture_output=True)
    run("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
        "-subj", "/CN=vault test CA", "-keyout", "ca.key", "-out", "ca.pem",
        "-addext", "basicConstraints=critical,CA:TRUE",
        "-addext", "keyUsage=critical,keyCertSign,cRLSign")
    run("openssl", "req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=127.0.0.1",
        "-keyout", "server.key", "-out", "server.csr")
    with open(os.path.join(d, "server.ext"), "w") as f:
        f.write("subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\n"
                "keyUsage=critical,digitalSignature,keyEncipherment\n"
                "extendedKeyUsage=serverAuth\nsubjectKeyIdentifier=hash\n"
                "authorityKeyIdentifier=keyid,issuer\n")
    run("openssl", "x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
        "-CAcreateserial", "-days", "1", "-out", "server.pem", "-extfile", "server.ext")


if __name__ == "__main__":
    unittest.main()
