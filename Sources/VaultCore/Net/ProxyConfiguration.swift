/// What `vault exec --proxy` and `vault proxy` hand the loopback proxy, which lives in
/// vault-net's own module (VaultNet, SwiftNIO): `vault` never links it, so the command line
/// reaches it through ``ProxyStarter``, set by vault-net's `main.swift` (README, "Keep keys
/// away from programs and agents").
public struct ProxyConfiguration: Sendable {
  /// The real key: put in the upstream request's `Authorization`, scrubbed from answers.
  public var key: SecretBytes
  /// This run's placeholder: the only credential the proxy accepts from its clients.
  public var placeholder: SecretBytes
  /// The upstream API's base URL (`https://api.openai.com/v1` by default): a request for
  /// `/v1/X` goes to `upstream/X`.
  public var upstream: BaseURL
  /// A PEM file of CAs trusted besides the system store (`--upstream-ca`).
  public var upstreamCA: String?
  /// Path prefixes allowed besides the default ones (`--allow-path`), normalised.
  public var allowPaths: [String]
  /// `--max-requests`: how many requests are forwarded in all.
  public var maxRequests: Int?
  /// `--max-tokens`: the token budget, read from the answers' `usage`.
  public var maxTokens: Int?
  /// The loopback address and port to listen on (port 0: a free one).
  public var host: String
  public var port: Int
  /// Called once per request the proxy answered (refused ones included).
  public var audit: @Sendable (ProxyRequestRecord) -> Void

  /// A configuration.
  public init(
    key: SecretBytes, placeholder: SecretBytes, upstream: BaseURL, upstreamCA: String?,
    allowPaths: [String], maxRequests: Int?, maxTokens: Int?, host: String, port: Int,
    audit: @escaping @Sendable (ProxyRequestRecord) -> Void
  ) {
    self.key = key
    self.placeholder = placeholder
    self.upstream = upstream
    self.upstreamCA = upstreamCA
    self.allowPaths = allowPaths
    self.maxRequests = maxRequests
    self.maxTokens = maxTokens
    self.host = host
    self.port = port
    self.audit = audit
  }

  /// A fresh placeholder: `vault-proxy-` and 48 hex digits (24 bytes from libsodium's
  /// CSPRNG). Recognisable in a log or a bug report, never shaped like an OpenAI key.
  public static func makePlaceholder() -> SecretBytes {
    var random = Sodium.randomBytes(24)
    defer { wipe(&random) }
    let digits = Array("0123456789abcdef".utf8)
    var text = Array("vault-proxy-".utf8)
    for byte in random {
      text.append(digits[Int(byte >> 4)])
      text.append(digits[Int(byte & 0x0F)])
    }
    defer { wipe(&text) }
    return SecretBytes(copying: text)
  }
}

/// Starts the loopback proxy: implemented in vault-net (VaultNet's `ProxyServer`).
public protocol ProxyStarter: Sendable {
  /// Binds the listener and starts serving; returns once it accepts connections.
  func start(_ configuration: ProxyConfiguration) throws -> any RunningProxy
}

/// A proxy that is serving.
public protocol RunningProxy: AnyObject {
  /// The port it listens on.
  var port: Int { get }
  /// Stops accepting, ends the connections, and returns when its threads are gone.
  func stop()
}

/// One proxied request in the access log: never a header value, a query or a body.
public struct ProxyRequestRecord: Equatable, Sendable {
  /// `YYYY-MM-DDTHH:MM:SSZ`, UTC.
  public var time: String
  /// The entry the proxy holds (`shop/prod/OPENAI_API_KEY`).
  public var project: String
  public var environment: String
  public var name: String
  public var method: String
  /// The normalised path, without the query (at most 256 bytes).
  public var path: String
  /// The request body's `model`, when it is JSON and has one (at most 128 bytes).
  public var model: String?
  /// The status answered to the client (the proxy's own 401/403/413/429/502 included).
  public var status: Int
  /// Milliseconds from the request's end to the answer's end.
  public var milliseconds: Int
  /// The answer's `usage`, when it had one.
  public var inputTokens: Int?
  public var outputTokens: Int?
  public var totalTokens: Int?

  /// A record.
  public init(
    time: String, project: String, environment: String, name: String, method: String,
    path: String, model: String?, status: Int, milliseconds: Int, inputTokens: Int?,
    outputTokens: Int?, totalTokens: Int?
  ) {
    self.time = time
    self.project = project
    self.environment = environment
    self.name = name
    self.method = method
    self.path = path
    self.model = model
    self.status = status
    self.milliseconds = milliseconds
    self.inputTokens = inputTokens
    self.outputTokens = outputTokens
    self.totalTokens = totalTokens
  }

  /// The record's JSON line, without the LF; keys always in this order. `command` is
  /// `proxied`, which no entry record has.
  public var json: String {
    func number(_ value: Int?) -> String { value.map(String.init) ?? "null" }
    return "{\"time\":\(JSON.quote(time)),\"command\":\"proxied\","
      + "\"project\":\(JSON.quote(project)),\"environment\":\(JSON.quote(environment)),"
      + "\"name\":\(JSON.quote(name)),\"method\":\(JSON.quote(method)),"
      + "\"path\":\(JSON.quote(path)),\"model\":\(model.map { JSON.quote($0) } ?? "null"),"
      + "\"status\":\(status),\"duration_ms\":\(milliseconds),"
      + "\"input_tokens\":\(number(inputTokens)),\"output_tokens\":\(number(outputTokens)),"
      + "\"total_tokens\":\(number(totalTokens))}"
  }
}

extension ProxyRequestRecord {
  /// Reads a line `json` wrote: every key, `command` `proxied`, nothing else.
  static func parse(_ line: [UInt8]) -> ProxyRequestRecord? {
    guard line.starts(with: Array("{\"time\":".utf8)),
      let value = try? JSONValue.parse(line), case .object(let object) = value,
      object.count == 13, object["command"]?.string == "proxied",
      let time = object["time"]?.string, Timestamp.isValid(time.utf8),
      let project = object["project"]?.string, let environment = object["environment"]?.string,
      let name = object["name"]?.string, let method = object["method"]?.string,
      let path = object["path"]?.string, let status = object["status"]?.int64,
      let milliseconds = object["duration_ms"]?.int64
    else { return nil }
    func optional(_ key: String) -> Int?? {
      switch object[key] {
      case .null?: return .some(nil)
      case .number(let number)?: return number.int64.map { .some(Int($0)) } ?? nil
      default: return nil
      }
    }
    guard let input = optional("input_tokens"), let output = optional("output_tokens"),
      let total = optional("total_tokens")
    else { return nil }
    let model: String?
    switch object["model"] {
    case .null?: model = nil
    case .string(let text)?: model = text
    default: return nil
    }
    return ProxyRequestRecord(
      time: time, project: project, environment: environment, name: name, method: method,
      path: path, model: model, status: Int(status), milliseconds: Int(milliseconds),
      inputTokens: input, outputTokens: output, totalTokens: total)
  }
}
