import Glibc

/// A key as OpenAI's Admin API lists it (`ProjectApiKey`): never its value.
public struct OpenAIKey: Sendable, Equatable {
  public var id: String
  public var name: String
  /// `sk-pro...x9Q`: a head and a tail of the value.
  public var redactedValue: String
  public var createdAt: Int64
  /// Unix seconds, nil when never used.
  public var lastUsedAt: Int64?
  /// `service_account` or `user`.
  public var ownerType: String
  /// The service account's or the user's id.
  public var ownerID: String
  /// The owner's name (a service account's name, a user's name).
  public var ownerName: String
  /// `active`, or `inactive` when the owner lost access to the project.
  public var ownerProjectAccess: String

  /// Whether `value` has this key's redacted form: the head before `...` and the tail after
  /// it, each of any length, with something between them.
  public func matches(_ value: SecretBytes) -> Bool {
    let parts = redactedValue.utf8.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: true)
    guard redactedValue.contains("..."), parts.count == 2 else { return false }
    let head = Array(parts[0])
    let tail = Array(parts[1])
    return value.withUnsafeBytes { bytes in
      bytes.count > head.count + tail.count
        && bytes.prefix(head.count).elementsEqual(head)
        && bytes.suffix(tail.count).elementsEqual(tail)
    }
  }
}

/// A project's service account.
public struct ServiceAccount: Sendable, Equatable {
  public var id: String
  public var name: String
  public var createdAt: Int64
}

/// A key OpenAI just made: its value is shown this once.
public struct CreatedKey: Sendable {
  public var id: String
  public var account: String
  public var value: SecretBytes
}

/// OpenAI's Admin API (`/v1/organization/…`) and the one inference call rotation verifies a
/// new key with, over an ``HTTPTransport``. Retries 429 (honouring `retry-after`) and 5xx
/// with jittered backoff, a bounded number of times; never retries a POST that may have
/// been carried out (only a 429, which was not), so a create is never done twice.
public struct AdminClient: Sendable {
  let transport: any HTTPTransport
  let base: BaseURL
  let bearer: String
  /// Seconds before one request is abandoned.
  public var timeout: Double
  /// Attempts per request, the first included.
  public var attempts = 4
  /// The longest `retry-after` waited for; a longer one fails at once, saying when to retry.
  public var longestWait: Double = 60

  /// A client that authenticates with `adminKey` (the entry `OPENAI_ADMIN_KEY`).
  public init(transport: any HTTPTransport, base: BaseURL, adminKey: SecretBytes, timeout: Double = 30) {
    self.transport = transport
    self.base = base
    self.bearer = adminKey.withUnsafeBytes { String(decoding: $0, as: UTF8.self) }
    self.timeout = timeout
  }

  // MARK: Keys and service accounts

  /// Every key of `project` whose owner is active or not (`owner_project_access=any`: the
  /// default hides keys whose owner lost access, which are the ones `check` must see).
  public func keys(project: String) throws(OpenAIFailure) -> [OpenAIKey] {
    try list("/organization/projects/\(project)/api_keys", query: "owner_project_access=any")
      .map(Self.key(from:))
  }

  /// One key, or nil when OpenAI has none of that id (404).
  public func key(project: String, id: String) throws(OpenAIFailure) -> OpenAIKey? {
    let path = "/organization/projects/\(project)/api_keys/\(id)"
    guard let json = try call("GET", path, allow404: true) else { return nil }
    return try Self.key(from: json, path: path)
  }

  /// The project's service accounts.
  public func serviceAccounts(project: String) throws(OpenAIFailure) -> [ServiceAccount] {
    let path = "/organization/projects/\(project)/service_accounts"
    return try list(path, query: nil).map { (json) throws(OpenAIFailure) in
      guard let id = json["id"]?.string, let name = json["name"]?.string else {
        throw Self.malformed("GET", path)
      }
      return ServiceAccount(id: id, name: name, createdAt: json["created_at"]?.int64 ?? 0)
    }
  }

  /// Creates service account `name` in `project`. Without scopes its first key comes back
  /// with it; with scopes the account is made without one (`create_service_account_only`)
  /// and a key with those scopes is added, so that no unscoped key exists at any time.
  public func createServiceAccount(project: String, name: String, scopes: [String])
    throws(OpenAIFailure) -> CreatedKey
  {
    let path = "/organization/projects/\(project)/service_accounts"
    let body: JSONValue =
      scopes.isEmpty
      ? ["name": .string(name)] : ["name": .string(name), "create_service_account_only": true]
    guard let json = try call("POST", path, body: body), let id = json["id"]?.string
    else { throw Self.malformed("POST", path) }
    if !scopes.isEmpty {
      return try createKey(project: project, account: id, name: name, scopes: scopes)
    }
    guard let key = json["api_key"], let keyID = key["id"]?.string, let value = key["value"]?.string
    else { throw Self.malformed("POST", path) }
    return CreatedKey(id: keyID, account: id, value: SecretBytes(copying: Array(value.utf8)))
  }

  /// Adds a key with `scopes` to service account `account`.
  public func createKey(project: String, account: String, name: String, scopes: [String])
    throws(OpenAIFailure) -> CreatedKey
  {
    let path = "/organization/projects/\(project)/service_accounts/\(account)/api_keys"
    let body: JSONValue =
      scopes.isEmpty
      ? ["name": .string(name)] : ["name": .string(name), "scopes": .array(scopes.map { .string($0) })]
    guard let json = try call("POST", path, body: body), let id = json["id"]?.string,
      let value = json["value"]?.string
    else { throw Self.malformed("POST", path) }
    return CreatedKey(id: id, account: account, value: SecretBytes(copying: Array(value.utf8)))
  }

  /// Deletes service account `account` and with it every key it holds. True when it is gone,
  /// including when OpenAI already had no such account (a retry after a lost answer).
  @discardableResult
  public func deleteServiceAccount(project: String, account: String) throws(OpenAIFailure) -> Bool {
    _ = try call("DELETE", "/organization/projects/\(project)/service_accounts/\(account)", allow404: true)
    return true
  }

  /// Deletes one key. Returns false when OpenAI refuses because the key belongs to a service
  /// account (a 400: OpenAI documents no way to delete one key of a service account); true
  /// when it is deleted or already gone.
  public func deleteKey(project: String, id: String) throws(OpenAIFailure) -> Bool {
    do {
      _ = try call("DELETE", "/organization/projects/\(project)/api_keys/\(id)", allow404: true)
      return true
    } catch let failure where failure.kind == .failed {
      // A 4xx other than 401/403/404: OpenAI refuses to delete this key alone.
      return false
    }
  }

  // MARK: Audit log

  /// When key `keyID` of `project` was deleted and by whom, from the audit log (the newest
  /// `api_key.deleted` event for it), or nil when the log has none.
  public func deletion(project: String, keyID: String) throws(OpenAIFailure) -> (time: Int64, actor: String)? {
    let query =
      "event_types%5B%5D=api_key.deleted&project_ids%5B%5D=\(project)&resource_ids%5B%5D=\(keyID)&limit=1"
    guard let json = try call("GET", "/organization/audit_logs?" + query),
      let event = json["data"]?.array?.first, let time = event["effective_at"]?.int64
    else { return nil }
    return (time, Self.describe(actor: event["actor"]))
  }

  /// An audit-log actor in a few words: the user's email, or the key or service account id.
  static func describe(actor: JSONValue?) -> String {
    guard let actor else { return "unknown" }
    let key = actor["api_key"]
    let who =
      actor["session"]?["user"]?["email"]?.string ?? key?["user"]?["email"]?.string
      ?? key?["service_account"]?["id"]?.string ?? key?["id"]?.string ?? "unknown"
    return Printable.escaped(who, limit: 80)
  }

  // MARK: Usage

  /// Requests and tokens per day made with `keyID` since `start` (Unix seconds), from the
  /// completions and embeddings usage endpoints.
  public func usage(keyID: String, since start: Int64) throws(OpenAIFailure) -> (requests: Int64, tokens: Int64) {
    var requests: Int64 = 0
    var tokens: Int64 = 0
    for kind in ["completions", "embeddings"] {
      var page: String? = nil
      repeat {
        var query = "start_time=\(start)&bucket_width=1d&limit=31&group_by=api_key_id&api_key_ids=\(keyID)"
        if let page { query += "&page=\(page)" }
        let path = "/organization/usage/\(kind)"
        guard let json = try call("GET", path + "?" + query), let buckets = json["data"]?.array else {
          throw Self.malformed("GET", path)
        }
        for bucket in buckets {
          for result in bucket["results"]?.array ?? [] where result["api_key_id"]?.string == keyID {
            requests += result["num_model_requests"]?.int64 ?? 0
            tokens += (result["input_tokens"]?.int64 ?? 0) + (result["output_tokens"]?.int64 ?? 0)
          }
        }
        page = json["has_more"]?.bool == true ? json["next_page"]?.string : nil
      } while page != nil
    }
    return (requests, tokens)
  }

  // MARK: Inference

  /// `GET /v1/models` with `key`: whether OpenAI accepts it. The one call rotation makes with
  /// a new key before it deletes the old one.
  public func verify(key: SecretBytes) throws(OpenAIFailure) {
    let verifier = AdminClient(transport: transport, base: base, adminKey: key, timeout: timeout)
    do {
      _ = try verifier.call("GET", "/models")
    } catch let failure where failure.kind == .refused {
      throw OpenAIFailure(.refused, "OpenAI does not accept the new key yet (GET /v1/models: \(failure.message))")
    }
  }

  // MARK: Requests

  /// Every item of a paged list (`limit`, `after`, `has_more`, `last_id`).
  func list(_ path: String, query: String?) throws(OpenAIFailure) -> [JSONValue] {
    var items: [JSONValue] = []
    var after: String? = nil
    for _ in 0..<10_000 {
      var parameters = ["limit=100"]
      if let query { parameters.append(query) }
      if let after { parameters.append("after=\(after)") }
      guard let json = try call("GET", path + "?" + parameters.joined(separator: "&")),
        let data = json["data"]?.array
      else { throw Self.malformed("GET", path) }
      items += data
      guard json["has_more"]?.bool == true else { return items }
      guard let last = json["last_id"]?.string, last != after, !data.isEmpty else {
        throw Self.malformed("GET", path)
      }
      after = last
    }
    throw Self.malformed("GET", path)
  }

  /// One call with retries. Returns the parsed body, or nil for a 404 when `allow404`.
  func call(_ method: String, _ pathAndQuery: String, body: JSONValue? = nil, allow404: Bool = false)
    throws(OpenAIFailure) -> JSONValue?
  {
    let path = String(pathAndQuery.prefix { $0 != "?" })
    // No connection is reused (the transport's contract: URLSessionTransport makes a session
    // per request), so libcurl never sends a POST again on its own after a reused connection
    // dies; the only retries are the ones below.
    var headers: [(name: String, value: String)] = [
      ("Authorization", "Bearer " + bearer), ("Accept", "application/json"),
      ("User-Agent", "vault-openai"),
    ]
    if body != nil { headers.append(("Content-Type", "application/json")) }
    let request = HTTPRequest(
      method: method, url: base.appending(pathAndQuery), headers: headers,
      body: body.map { $0.encoded() }, timeout: timeout)
    var attempt = 0
    while true {
      attempt += 1
      let response: HTTPResponse
      do {
        response = try transport.send(request)
      } catch {
        // A POST that timed out may have been carried out: never send it twice.
        if error.isTransient, attempt < attempts, method != "POST" {
          pause(backoff(attempt))
          continue
        }
        throw OpenAIFailure(
          .unavailable, "cannot reach OpenAI at \(base.text) (\(method) \(path)): \(error.description)")
      }
      switch response.status {
      case 200..<300:
        do {
          return try JSONValue.parse(response.body)
        } catch {
          throw Self.malformed(method, path)
        }
      case 404 where allow404:
        return nil
      case 429, 500, 502, 503, 504:
        let wait = retryAfter(response) ?? backoff(attempt)
        let retriable = response.status == 429 || method != "POST"
        if retriable, attempt < attempts, wait <= longestWait {
          pause(wait)
          continue
        }
        if response.status == 429 {
          let when = retryAfter(response).map { " (it asks to retry after \(Int($0.rounded(.up))) s)" } ?? ""
          throw OpenAIFailure(
            .unavailable, "OpenAI is rate limiting these requests (429 on \(method) \(path))\(when)",
            hint: "try again later")
        }
        throw OpenAIFailure(
          .unavailable, "OpenAI answered \(response.status) to \(method) \(path)"
            + (attempt > 1 ? ", \(attempt) times" : ""))
      default:
        throw failure(response, method: method, path: path)
      }
    }
  }

  func failure(_ response: HTTPResponse, method: String, path: String) -> OpenAIFailure {
    let error = (try? JSONValue.parse(response.body))?["error"]
    let code = error?["code"]?.string.map { " \(Printable.escaped($0, limit: 40))" } ?? ""
    let status = "\(response.status)\(code)"
    switch response.status {
    case 401:
      return OpenAIFailure(
        .refused, "OpenAI refused the key (\(status) on \(method) \(path)): it is revoked, mistyped or not an Admin key")
    case 403:
      return OpenAIFailure(
        .refused, "the Admin key may not \(method) \(path) (\(status))",
        hint: "give the Admin key write access to API keys and service accounts in OpenAI's dashboard")
    case 404:
      return OpenAIFailure(.notFound, "OpenAI has no \(Self.resource(path)) (404)")
    case 300..<400:
      return OpenAIFailure(
        .unavailable, "OpenAI answered \(method) \(path) with a redirect (\(response.status)), which vault does not follow")
    default:
      let said = error?["message"]?.string.map { ": " + Self.scrubbed($0) } ?? ""
      return OpenAIFailure(.failed, "OpenAI refused \(method) \(path) (\(status))\(said)")
    }
  }

  /// What a 404 on `path` says is missing.
  static func resource(_ path: String) -> String {
    let parts = path.split(separator: "/").map(String.init)
    func after(_ word: String) -> String? {
      guard let index = parts.firstIndex(of: word), index + 1 < parts.count else { return nil }
      return parts[index + 1]
    }
    if let key = after("api_keys"), let project = after("projects") {
      return "key \(key) in project \(project)"
    }
    if let account = after("service_accounts"), let project = after("projects") {
      return "service account \(account) in project \(project)"
    }
    if let project = after("projects") { return "project \(project)" }
    return path
  }

  /// OpenAI's message, printable, cut short, and with anything shaped like a key removed.
  static func scrubbed(_ message: String) -> String {
    let words = message.split(separator: " ").map { word -> String in
      word.contains("sk-") || word.count > 40 ? "[redacted]" : String(word)
    }
    return Printable.escaped(words.joined(separator: " "), limit: 160)
  }

  static func malformed(_ method: String, _ path: String) -> OpenAIFailure {
    OpenAIFailure(.unavailable, "OpenAI's answer to \(method) \(path) is not what its API documents")
  }

  static func key(from json: JSONValue) throws(OpenAIFailure) -> OpenAIKey {
    try key(from: json, path: "…/api_keys")
  }

  static func key(from json: JSONValue, path: String) throws(OpenAIFailure) -> OpenAIKey {
    guard let id = json["id"]?.string, let redacted = json["redacted_value"]?.string,
      let owner = json["owner"], let type = owner["type"]?.string
    else { throw malformed("GET", path) }
    let who = owner[type]
    return OpenAIKey(
      id: id, name: json["name"]?.string ?? "", redactedValue: redacted,
      createdAt: json["created_at"]?.int64 ?? 0, lastUsedAt: json["last_used_at"]?.int64,
      ownerType: type, ownerID: who?["id"]?.string ?? "", ownerName: who?["name"]?.string ?? "",
      ownerProjectAccess: json["owner_project_access"]?.string ?? "active")
  }

  func retryAfter(_ response: HTTPResponse) -> Double? {
    if let ms = response.header("retry-after-ms").flatMap(Double.init), ms >= 0 { return ms / 1000 }
    if let seconds = response.header("retry-after").flatMap(Double.init), seconds >= 0 { return seconds }
    return nil
  }

  /// 0.5 s, 1 s, 2 s … with ±50 % jitter, so that several clients do not retry in step.
  func backoff(_ attempt: Int) -> Double {
    let base = 0.5 * Double(1 << min(attempt - 1, 5))
    return base * (0.5 + Double.random(in: 0..<1))
  }

  func pause(_ seconds: Double) {
    var left = timespec(tv_sec: Int(seconds), tv_nsec: Int((seconds - seconds.rounded(.down)) * 1e9))
    var request = left
    while nanosleep(&request, &left) == -1 && errno == EINTR { request = left }
  }
}
