import Foundation
import Testing

/// The test CA every proxy test's HTTPS stand-in uses (made once).
let proxyTestCA: TestCA? = try? TestCA()

/// `.build/venv/bin/python` with the official `openai` SDK, made as `make standin-test`
/// makes it when missing.
let openAIPython: String = {
  let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent().path
  let python = root + "/.build/venv/bin/python"
  func succeeds(_ arguments: [String]) -> Bool {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = arguments
    process.standardOutput = FileHandle.nullDevice
    process.standardError = FileHandle.nullDevice
    guard (try? process.run()) != nil else { return false }
    process.waitUntilExit()
    return process.terminationStatus == 0
  }
  if !succeeds([python, "-c", "import openai"]) {
    if !FileManager.default.isExecutableFile(atPath: root + "/.build/venv/bin/pip") {
      _ = succeeds(["python3", "-m", "venv", root + "/.build/venv"])
    }
    _ = succeeds([root + "/.build/venv/bin/pip", "install", "-q", "openai>=3.57,<4"])
  }
  return python
}()

/// The child the proxy tests run: the official SDK and raw requests, one step per argument.
let proxyClient = """
  import http.client, json, os, socket, sys, urllib.parse
  import openai

  client = openai.OpenAI(max_retries=0)
  for step in sys.argv[1:]:
      kind, _, rest = step.partition(":")
      try:
          if kind == "environ":
              with open("/proc/self/environ", "rb") as source, open(rest, "wb") as target:
                  target.write(source.read())
              environ = os.environ
              print("key", environ["OPENAI_API_KEY"][:12], "base", environ["OPENAI_BASE_URL"])
          elif kind == "chat":
              answer = client.chat.completions.create(
                  model="gpt-4o-mini", messages=[{"role": "user", "content": "hello there"}])
              print("chat", answer.choices[0].message.content, answer.usage.total_tokens)
          elif kind == "stream":
              text, total = "", None
              for chunk in client.chat.completions.create(
                      model="gpt-4o-mini", messages=[{"role": "user", "content": "stream me"}],
                      stream=True, stream_options={"include_usage": True}):
                  if chunk.choices:
                      text += chunk.choices[0].delta.content or ""
                  if chunk.usage:
                      total = chunk.usage.total_tokens
              print("stream", text, total)
          elif kind == "firstevent":
              import ssl, urllib.request
              stream = client.chat.completions.create(
                  model="gpt-4o-mini", messages=[{"role": "user", "content": "stream me"}],
                  stream=True)
              events = iter(stream)
              next(events)
              context = ssl.create_default_context(cafile=os.environ["STANDIN_CA"])
              log = urllib.request.urlopen(
                  os.environ["STANDIN_URL"] + "/_standin/requests", context=context)
              print("firstevent", len(json.load(log)["requests"]), "requests complete")
              for _ in events:
                  pass
          elif kind == "responses":
              answer = client.responses.create(model="gpt-4o-mini", input="hi")
              print("responses", answer.output_text)
          elif kind == "raw":
              method, _, rest = rest.partition(":")
              bearer, _, path = rest.partition(":")
              url = urllib.parse.urlsplit(os.environ["OPENAI_BASE_URL"])
              connection = http.client.HTTPConnection(url.hostname, url.port)
              headers = {"Content-Type": "application/json"}
              if bearer == "placeholder":
                  headers["Authorization"] = "Bearer " + os.environ["OPENAI_API_KEY"]
              elif bearer == "wrong":
                  headers["Authorization"] = "Bearer vault-proxy-" + "0" * 48
              body = b'{"model": "gpt-4o-mini", "input": "hi"}' if method == "POST" else None
              if method == "BIG":
                  method, body = "POST", b'{"input": "' + b"a" * (33 << 20) + b'"}'

              connection.request(method, path, body=body, headers=headers)
              response = connection.getresponse()
              print("raw", path, response.status, response.read().decode())
          elif kind == "expect":
              # `Expect: 100-continue`, as curl sends it: the interim answer must come
              # before the body is sent (no answer within 10 s fails the test).
              url = urllib.parse.urlsplit(os.environ["OPENAI_BASE_URL"])
              body = b'{"model": "gpt-4o-mini", "input": "hi"}'
              connection = socket.create_connection((url.hostname, url.port), timeout=10)
              connection.sendall((
                  "POST /v1/embeddings HTTP/1.1\\r\\nHost: proxy\\r\\n"
                  "Authorization: Bearer " + os.environ["OPENAI_API_KEY"] + "\\r\\n"
                  "Content-Type: application/json\\r\\nExpect: 100-continue\\r\\n"
                  "Content-Length: %d\\r\\nConnection: close\\r\\n\\r\\n" % len(body)).encode())
              first = connection.recv(4096).split(b"\\r\\n")[0].decode()
              connection.sendall(body)
              rest = b""
              while True:
                  chunk = connection.recv(65536)
                  if not chunk:
                      break
                  rest += chunk
              final = [line for line in rest.split(b"\\r\\n") if line.startswith(b"HTTP/1.1 ")]
              print("expect", first, "|", final[-1].decode() if final else "none")
          elif kind == "busy":
              # `rest` streamed requests at once, each held open by the stand-in's delay.
              import threading
              url = urllib.parse.urlsplit(os.environ["OPENAI_BASE_URL"])
              body = json.dumps({"model": "gpt-4o-mini", "stream": True,
                                 "messages": [{"role": "user", "content": "stream me"}]})
              statuses, lock = [], threading.Lock()
              barrier = threading.Barrier(int(rest))
              def one():
                  connection = http.client.HTTPConnection(url.hostname, url.port, timeout=120)
                  barrier.wait()
                  connection.request("POST", "/v1/chat/completions", body=body, headers={
                      "Authorization": "Bearer " + os.environ["OPENAI_API_KEY"],
                      "Content-Type": "application/json"})
                  response = connection.getresponse()
                  text = response.read()
                  with lock:
                      if response.status == 200 and b"[DONE]" in text:
                          statuses.append("ok")
                      elif response.status == 503 and b"proxy_busy" in text:
                          statuses.append("busy")
                      else:
                          statuses.append("other %d" % response.status)
              threads = [threading.Thread(target=one) for _ in range(int(rest))]
              for thread in threads:
                  thread.start()
              for thread in threads:
                  thread.join()
              others = sorted(set(s for s in statuses if s.startswith("other")))
              print("busy", statuses.count("ok"), statuses.count("busy"), others)
          elif kind == "exit":
              sys.exit(int(rest))
      except openai.APIStatusError as error:
          print(kind, "error", error.status_code, error.message)
      sys.stdout.flush()
  """

/// A vault with `OPENAI_API_KEY` and `DB_URL` in dev, and the stand-in (HTTPS from the test CA
/// unless `tls` is false) knowing the key.
struct ProxyFixture {
  let box: Sandbox
  let api: StandIn
  let key = fakeKey()
  /// A part of the key found nowhere else: no byte of the key may show.
  let keyPart = "A1b2C3d4E5A1b2C3"

  init(tls: Bool = true) throws {
    box = try Sandbox()
    try box.initVault()
    try box.set(key, env: "dev", name: "OPENAI_API_KEY")
    try box.set("postgres://db.example/app", env: "dev", name: "DB_URL")
    let ca = tls ? proxyTestCA : nil
    if tls && ca == nil { throw StandInError.didNotStart }
    api = try StandIn(
      state: [
        "users": [["id": "user-alice", "name": "Alice", "email": "alice@example.com"]],
        "projects": [
          [
            "id": "proj_app", "name": "App", "users": [["id": "user-alice", "role": "owner"]],
            "api_keys": [
              ["id": "key_app", "value": key, "owner": ["type": "user", "id": "user-alice"]]
            ],
          ]
        ],
      ], tls: ca)
  }

  var upstream: [String] {
    ["--upstream", api.baseURL] + (api.ca.map { ["--upstream-ca", $0.certificate] } ?? [])
  }

  /// `vault exec --proxy --env dev` (plus `extra`) of the client with `steps`.
  func run(
    _ steps: [String], extra: [String] = [], upstream: [String]? = nil
  ) throws -> RunResult {
    let script = try box.writeSandboxFile("client.py", proxyClient)
    return try box.run(
      ["exec", "--proxy", "--env", "dev"] + (upstream ?? self.upstream) + extra
        + ["--", openAIPython, script] + steps)
  }

  /// The proxy's access-log lines.
  func auditLines() throws -> [String] {
    let log = box.home.path + "/.local/state/vault/access.log"
    let text = String(decoding: try box.readFile(log), as: UTF8.self)
    return outputLines(text).filter { $0.contains("\"command\":\"proxied\"") }
  }

  func expectNoKey(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(!text.contains(key), sourceLocation: sourceLocation)
    #expect(!text.contains(keyPart), sourceLocation: sourceLocation)
  }
}

/// `vault exec --proxy` and `vault proxy` (issue 10): the program gets a placeholder and a
/// loopback base URL; the proxy holds the key.
@Suite struct ProxyTests {
  @Test func theSDKWorksAndTheChildNeverHoldsTheKey() throws {
    let fixture = try ProxyFixture()
    let environ = fixture.box.root.appendingPathComponent("environ").path
    let result = try fixture.run(["environ:" + environ, "chat", "stream", "responses", "exit:7"])
    #expect(result.status == 7, "\(result.stdout)\(result.stderr)")
    let lines = outputLines(result.stdout)
    #expect(lines.count == 4, "\(result.stdout)\(result.stderr)")
    #expect(lines.first?.hasPrefix("key vault-proxy- base http://127.0.0.1:") == true)
    #expect(lines.first?.hasSuffix("/v1") == true)
    #expect(lines.contains("chat echo: hello there 8"))
    #expect(lines.contains("stream echo: stream me 8"))
    #expect(lines.contains("responses echo: hi"))
    #expect(result.stderr == "")
    fixture.expectNoKey(result.stdout)
    // The child's whole environment, as /proc/<child>/environ showed it.
    let environment = String(decoding: try fixture.box.readFile(environ), as: UTF8.self)
    fixture.expectNoKey(environment)
    #expect(environment.contains("DB_URL=postgres://db.example/app"))
    #expect(environment.contains("OPENAI_API_KEY=vault-proxy-"))
    // The stand-in was called with the real key (as a user's key), through the proxy.
    let requests = try fixture.api.requests()
    #expect(requests.count == 3)
    #expect(requests.allSatisfy { ($0["auth"] as? [String: Any])?["kind"] as? String == "user" })
  }

  @Test func anotherEntryWithTheSameKeyIsNotInjected() throws {
    let fixture = try ProxyFixture()
    try fixture.box.set(fixture.key, env: "dev", name: "BACKUP_KEY")
    let environ = fixture.box.root.appendingPathComponent("environ").path
    let result = try fixture.run(["environ:" + environ])
    #expect(result.status == 0, "\(result.stderr)")
    let environment = String(decoding: try fixture.box.readFile(environ), as: UTF8.self)
    fixture.expectNoKey(environment)
    #expect(!environment.contains("BACKUP_KEY="))
  }

  /// An environment holding the proxied key and an Admin key besides (the `vault openai`
  /// set-up): the Admin key is withheld with a note, and the run goes on.
  @Test func anAdminKeyBesideTheHeldKeyIsWithheldNotAnError() throws {
    let fixture = try ProxyFixture(tls: false)
    try fixture.box.set(fixture.key, env: "prod", name: "OPENAI_API_KEY")
    try fixture.box.set(openAIShaped("sk-admin-", "a"), env: "prod", name: "OPENAI_ADMIN_KEY")
    let result = try fixture.box.run(
      ["exec", "--proxy", "--env", "prod"] + fixture.upstream
        + ["--", "sh", "-c", "test -z \"$OPENAI_ADMIN_KEY\" && echo ran"])
    #expect(result.status == 0, "\(result.stderr)")
    #expect(result.stdout == "ran\n")
    #expect(result.stderr.contains("OPENAI_ADMIN_KEY is an Admin API key and was not injected"))
    fixture.expectNoKey(result.stderr)
  }

  @Test func theKeyIsScrubbedFromAnswersStreamedOrNot() throws {
    let fixture = try ProxyFixture()
    try fixture.api.fault(["kind": "echo_key", "count": 2])
    let result = try fixture.run(["chat", "stream"])
    #expect(result.status == 0, "\(result.stderr)")
    fixture.expectNoKey(result.stdout)
    let lines = outputLines(result.stdout)
    #expect(lines.count == 2, "\(result.stdout)")
    for line in lines { #expect(line.contains("key: sk-proj-…wxyz"), "\(line)") }
  }

  /// The first event reaches the program while the stand-in is still sending the rest (it
  /// logs a request once its answer is complete; 1 s between events): nothing is buffered.
  @Test func aStreamArrivesEventByEvent() throws {
    let fixture = try ProxyFixture()
    try fixture.api.config(["stream_delay": 1.0])
    let script = try fixture.box.writeSandboxFile("client.py", proxyClient)
    let result = try fixture.box.run(
      ["exec", "--proxy", "--env", "dev"] + fixture.upstream
        + ["--", openAIPython, script, "firstevent"],
      env: ["STANDIN_URL": fixture.api.url, "STANDIN_CA": proxyTestCA?.certificate ?? ""])
    #expect(result.stdout == "firstevent 0 requests complete\n", "\(result.stderr)")
    #expect(try fixture.api.requests().count == 1)
  }

  @Test func requestsWithoutThePlaceholderAreRefused() throws {
    let fixture = try ProxyFixture()
    let result = try fixture.run([
      "raw:GET:none:/v1/models", "raw:GET:wrong:/v1/models", "raw:GET:placeholder:/v1/models",
    ])
    let lines = outputLines(result.stdout)
    #expect(lines.count == 3, "\(result.stdout)\(result.stderr)")
    #expect(lines[0].hasPrefix("raw /v1/models 401 "))
    #expect(lines[0].contains("\"code\":\"invalid_api_key\""))
    #expect(lines[1].hasPrefix("raw /v1/models 401 "))
    #expect(lines[2].hasPrefix("raw /v1/models 200 "))
    #expect(try fixture.api.requests().count == 1)
  }

  /// curl sends `Expect: 100-continue` with a body over 1 MiB and waits for the interim
  /// answer (a second, then it sends anyway): the proxy gives it at once.
  @Test func aClientExpectingContinueGetsIt() throws {
    let fixture = try ProxyFixture()
    let result = try fixture.run(["expect:"])
    let lines = outputLines(result.stdout)
    #expect(lines == ["expect HTTP/1.1 100 Continue | HTTP/1.1 200 OK"], "\(result.stderr)")
  }

  /// Each request in flight has a thread: past 256 at once, the proxy answers 503 instead of
  /// growing without bound; the others complete.
  @Test func requestsInFlightAreBounded() throws {
    let fixture = try ProxyFixture()
    try fixture.api.config(["stream_delay": 1.0])
    let result = try fixture.run(["busy:300"])
    let fields = outputLines(result.stdout).first?.split(separator: " ") ?? []
    #expect(fields.count >= 3 && fields[0] == "busy", "\(result.stdout)\(result.stderr)")
    guard fields.count >= 4, let ok = Int(fields[1]), let busy = Int(fields[2]) else { return }
    #expect(ok >= 200 && ok <= 256, "\(result.stdout)")
    #expect(busy >= 1 && ok + busy == 300, "\(result.stdout)")
    #expect(fields[3] == "[]", "\(result.stdout)")
  }

  @Test func theAdministrationIsRefusedHoweverSpelled() throws {
    let fixture = try ProxyFixture()
    let paths = [
      "/v1/organization/projects", "/v1/organization%2Fprojects", "//v1//organization/projects",
      "/v1/./organization/projects", "/v1/models/../organization/projects",
      "/v1/ORGANIZATION/projects", "/v1/%6Frganization/projects", "/v1/organization",
      "/v1/models/%2e%2e/organization/projects",
    ]
    let result = try fixture.run(
      paths.map { "raw:GET:placeholder:" + $0 }, extra: ["--allow-path", "/v1/files"])
    let lines = outputLines(result.stdout)
    #expect(lines.count == paths.count, "\(result.stdout)\(result.stderr)")
    for (path, line) in zip(paths, lines) {
      let refused = line.hasPrefix("raw \(path) 403 ") || line.hasPrefix("raw \(path) 400 ")
      #expect(refused, "\(line)")
    }
    #expect(try fixture.api.requests().isEmpty)
  }

  @Test func onlyInferencePathsPassUnlessAllowed() throws {
    let fixture = try ProxyFixture()
    let refused = try fixture.run(["raw:GET:placeholder:/v1/files", "raw:GET:placeholder:/v1"])
    let lines = outputLines(refused.stdout)
    #expect(lines.count == 2, "\(refused.stdout)\(refused.stderr)")
    #expect(lines.allSatisfy { $0.contains(" 403 ") && $0.contains("path_not_allowed") })
    #expect(lines[0].contains("--allow-path"))
    let allowed = try fixture.run(
      ["raw:GET:placeholder:/v1/files"], extra: ["--allow-path", "/v1/files"])
    // The stand-in has no files endpoint: its own 404 shows the request went through.
    #expect(allowed.stdout.hasPrefix("raw /v1/files 404 "), "\(allowed.stdout)")
    #expect(allowed.stdout.contains("Invalid URL"))
    let paths = try fixture.api.requests().compactMap { $0["path"] as? String }
    #expect(paths == ["/v1/files"])
  }

  @Test func limitsAnswer429() throws {
    let fixture = try ProxyFixture()
    let requests = try fixture.run(["chat", "chat", "chat"], extra: ["--max-requests", "2"])
    let lines = outputLines(requests.stdout)
    #expect(lines.count == 3, "\(requests.stdout)\(requests.stderr)")
    #expect(lines[0] == "chat echo: hello there 8")
    #expect(lines[1] == "chat echo: hello there 8")
    #expect(lines[2].hasPrefix("chat error 429 "))
    #expect(lines[2].contains("--max-requests 2"))
    // 8 tokens spent by the first answer: the budget of 5 is then gone.
    let tokens = try fixture.run(["chat", "stream"], extra: ["--max-tokens", "5"])
    let answers = outputLines(tokens.stdout)
    #expect(answers.count == 2, "\(tokens.stdout)\(tokens.stderr)")
    #expect(answers.first == "chat echo: hello there 8")
    #expect(answers.last?.hasPrefix("stream error 429 ") == true)
    #expect(answers.last?.contains("--max-tokens 5") == true)
    #expect(try fixture.api.requests().count == 3)
  }

  @Test func aBodyOver32MiBIs413AndNotForwarded() throws {
    let fixture = try ProxyFixture()
    let result = try fixture.run(["raw:BIG:placeholder:/v1/embeddings"])
    #expect(result.stdout.hasPrefix("raw /v1/embeddings 413 "), "\(result.stdout)")
    #expect(result.stdout.contains("request_too_large"))
    #expect(try fixture.api.requests().isEmpty)
  }

  @Test func eachRequestIsAuditedWithoutKeyPlaceholderOrBody() throws {
    let fixture = try ProxyFixture()
    let result = try fixture.run([
      "chat", "stream", "raw:GET:wrong:/v1/models", "raw:GET:placeholder:/v1/organization/x",
    ])
    #expect(result.status == 0, "\(result.stderr)")
    // A streamed answer is logged when the upstream ends it, which may come after the
    // client, done at `[DONE]`, sent its next request: compared as a set.
    let lines = try fixture.auditLines()
    #expect(lines.count == 4, "\(lines)")
    let completions = lines.filter {
      $0.contains("\"method\":\"POST\",\"path\":\"/v1/chat/completions\"")
        && $0.contains("\"model\":\"gpt-4o-mini\",\"status\":200")
        && $0.contains("\"input_tokens\":5,\"output_tokens\":3,\"total_tokens\":8}")
    }
    #expect(completions.count == 2, "\(lines)")
    #expect(
      lines.contains { $0.contains("\"path\":\"/v1/models\",\"model\":null,\"status\":401") })
    #expect(
      lines.contains {
        $0.contains("\"path\":\"/v1/organization/x\",\"model\":null,\"status\":403")
      })
    #expect(lines.allSatisfy { $0.contains("\"name\":\"OPENAI_API_KEY\"") })
    let all = lines.joined(separator: "\n")
    fixture.expectNoKey(all)
    #expect(!all.contains("vault-proxy-"))
    #expect(!all.contains("hello there") && !all.contains("stream me"))
    // `vault log` reads them and still understands every line.
    let log = try fixture.box.run(["log"])
    #expect(log.status == 0)
    #expect(log.stderr == "")
    #expect(log.stdout.contains("proxied shop/dev/OPENAI_API_KEY  POST /v1/chat/completions  200"))
  }

  @Test func sigtermReachesTheChildAndVaultEndsAsItDid() throws {
    let fixture = try ProxyFixture()
    let run = try LiveRun(
      fixture.box,
      ["exec", "--proxy", "--env", "dev"] + fixture.upstream + [
        "--", "sh", "-c",
        "trap 'echo got-TERM; exit 143' TERM; echo ready; while :; do sleep 0.05; done",
      ])
    try run.waitFor("ready")
    kill(run.pid, SIGTERM)
    let end = run.finish()
    try run.waitFor("got-TERM")
    #expect(end.status == 143 && !end.signaled)
    // Without a trap the child dies of the signal, and vault re-raises it: 128+15 in a shell.
    let shell = try fixture.box.execute(
      "/bin/sh",
      [
        "-c",
        "\"$0\" exec --proxy --env dev --upstream \"$1\" -- sh -c 'kill -TERM $$';"
          + " echo \"status=$?\"",
        Sandbox.binary, fixture.api.baseURL,
      ])
    #expect(shell.stdout == "status=143\n", "\(shell.stderr)")
  }

  /// vault killed outright (SIGKILL): the child does not run on against a dead proxy.
  @Test func theChildDiesWithVault() throws {
    let fixture = try ProxyFixture(tls: false)
    let run = try LiveRun(
      fixture.box,
      ["exec", "--proxy", "--env", "dev", "--upstream", fixture.api.baseURL, "--"]
        + ["sh", "-c", "echo child=$$; while :; do sleep 0.05; done"])
    try run.waitFor("\n")
    let child = try #require(Int32(outputLines(run.output).first?.dropFirst(6) ?? ""))
    kill(run.pid, SIGKILL)
    _ = run.finish()
    var gone = false
    for _ in 0..<600 where !gone {
      // A zombie until init reaps it: gone once it is no longer running.
      let status = (try? String(contentsOfFile: "/proc/\(child)/stat", encoding: .utf8)) ?? ""
      gone = status.isEmpty || status.contains(") Z ")
      if !gone { usleep(50_000) }
    }
    #expect(gone)
  }

  /// On a terminal: Ctrl-C reaches the child once (the terminal's own signal is not
  /// forwarded again), as with --redact.
  @Test func ctrlCOnATerminalReachesTheChildOnce() throws {
    let fixture = try ProxyFixture(tls: false)
    let shell = try ShellTerminal(fixture.box)
    try shell.run(
      "vault exec --proxy --env dev --upstream \(fixture.api.baseURL) -- bash -c \"trap"
        + " 'echo got-INT; exit 9' INT; echo ready$((1+1)); while :; do sleep 0.05; done\";"
        + " echo status=$?")
    try shell.waitFor("ready2")
    try shell.press("C-c")
    try shell.waitFor("status=9")
    #expect(try shell.screen().components(separatedBy: "got-INT\n").count == 2)
  }

  @Test func vaultProxyServesUntilStopped() throws {
    let fixture = try ProxyFixture()
    let run = try LiveRun(
      fixture.box, ["proxy", "--env", "dev", "--listen", "127.0.0.1:0"] + fixture.upstream)
    try run.waitFor("\n", count: 2)
    let lines = outputLines(run.output)
    #expect(lines.count == 2)
    let base = lines.first ?? ""
    let placeholder = lines.last ?? ""
    #expect(base.hasPrefix("http://127.0.0.1:") && base.hasSuffix("/v1"))
    #expect(placeholder.hasPrefix("vault-proxy-") && placeholder.count == 60)
    // Another program, configured by hand, with the placeholder: served.
    let script = try fixture.box.writeSandboxFile("client.py", proxyClient)
    let served = try fixture.box.execute(
      openAIPython, [script, "chat", "raw:GET:none:/v1/models"],
      env: ["OPENAI_BASE_URL": base, "OPENAI_API_KEY": placeholder])
    #expect(outputLines(served.stdout).first == "chat echo: hello there 8", "\(served.stderr)")
    #expect(outputLines(served.stdout).last?.hasPrefix("raw /v1/models 401 ") == true)
    // Another local process with the real key instead of the placeholder: refused.
    let borrowed = try fixture.box.execute(
      openAIPython, [script, "chat"],
      env: ["OPENAI_BASE_URL": base, "OPENAI_API_KEY": fixture.key])
    #expect(borrowed.stdout.hasPrefix("chat error 401 "), "\(borrowed.stdout)\(borrowed.stderr)")
    kill(run.pid, SIGTERM)
    let end = run.finish()
    #expect(end.status == 0 && !end.signaled)
    fixture.expectNoKey(run.output)
    let audit = try fixture.auditLines()
    #expect(audit.count == 3, "\(audit)")
  }

  @Test func theSystemStoreAloneRefusesTheTestCA() throws {
    let fixture = try ProxyFixture()
    let result = try fixture.run(["chat"], upstream: ["--upstream", fixture.api.baseURL])
    #expect(result.stdout.hasPrefix("chat error 502 "), "\(result.stdout)\(result.stderr)")
    #expect(result.stdout.contains("not trusted"))
    #expect(try fixture.api.requests().isEmpty)
  }

  @Test func plainHTTPUpstreamOnlyToLoopback() throws {
    let fixture = try ProxyFixture(tls: false)
    let result = try fixture.run(["chat"])
    #expect(result.stdout == "chat echo: hello there 8\n", "\(result.stderr)")
    let remote = try fixture.run(["chat"], upstream: ["--upstream", "http://api.example.com/v1"])
    expectOneError(remote, 64, mentioning: "--upstream is refused")
  }

  @Test func badProxyInputIsOneErrorAndPromptsNothing() throws {
    let fixture = try ProxyFixture(tls: false)
    let box = fixture.box
    let cases: [([String], Int32, String)] = [
      (
        ["exec", "--proxy", "--allow-path", "/v1/organization", "--", "true"], 64, "always refused"
      ),
      (["exec", "--proxy", "--allow-path", "files", "--", "true"], 64, "--allow-path is refused"),
      (["exec", "--proxy", "--max-requests", "0", "--", "true"], 64, "--max-requests"),
      (["exec", "--upstream", fixture.api.baseURL, "--", "true"], 64, "need --proxy"),
      (
        ["exec", "--proxy", "--upstream-ca", "/nonexistent/ca.pem", "--", "true"], 64,
        "cannot be read"
      ),
      (["exec", "--proxy", "--key-var", "MISSING_KEY", "--", "true"], 2, "MISSING_KEY"),
      (["exec", "--proxy", "--base-url-var", "LD_PRELOAD", "--", "true"], 64, "changes how"),
      (["exec", "--proxy", "--key-var", "OPENAI_BASE_URL", "--", "true"], 64, "same variable"),
      (["proxy", "--listen", "0.0.0.0:8787"], 64, "loopback address only"),
      (["proxy", "--listen", "127.0.0.1:99999"], 64, "--listen is refused"),
      (["proxy", "--base-url-var", "MY_BASE_URL"], 64, "prints the base URL"),
    ]
    for (arguments, code, needle) in cases {
      let result = try box.run(arguments, env: ["VAULT_ENV": "dev"])
      expectOneError(result, code, mentioning: needle)
      fixture.expectNoKey(result.stderr)
    }
    // A port already taken (the stand-in's): exit 1, with the system's reason.
    let port = String(fixture.api.url.split(separator: ":").last ?? "")
    let taken = try box.run(["proxy", "--env", "dev", "--listen", "127.0.0.1:" + port])
    expectOneError(taken, 1, mentioning: "Address already in use")
    try box.set(openAIShaped("sk-admin-", "a"), env: "dev", name: "ADMIN_AS_KEY")
    let admin = try box.run([
      "exec", "--proxy", "--key-var", "ADMIN_AS_KEY", "--env", "dev", "--", "true",
    ])
    expectOneError(admin, 64, mentioning: "never forwards")
  }
}
