import ArgumentParser
import Glibc
import VaultCore

/// The options of the loopback proxy, shared by `vault exec --proxy` and `vault proxy`.
struct ProxyOptions: ParsableArguments {
  @Option(
    help: ArgumentHelp(
      "The upstream API's base URL (default https://api.openai.com/v1; http:// only to loopback).",
      valueName: "URL"))
  var upstream: String?

  @Option(
    name: .customLong("upstream-ca"),
    help: ArgumentHelp(
      "A PEM file of CAs the upstream's certificate may chain to, besides the system store.",
      valueName: "file"))
  var upstreamCA: String?

  @Option(
    name: .customLong("allow-path"),
    help: ArgumentHelp(
      "Also forward this path prefix (repeatable), e.g. /v1/files; never /v1/organization.",
      valueName: "prefix"))
  var allowPath: [String] = []

  @Option(
    name: .customLong("max-requests"),
    help: ArgumentHelp("Forward at most N requests; later ones get 429.", valueName: "N"))
  var maxRequests: Int?

  @Option(
    name: .customLong("max-tokens"),
    help: ArgumentHelp(
      "Stop forwarding (429) once the answers' usage reaches N tokens.", valueName: "N"))
  var maxTokens: Int?

  @Option(
    name: .customLong("key-var"),
    help: ArgumentHelp(
      "The entry the proxy holds; the variable given the placeholder (default OPENAI_API_KEY).",
      valueName: "name"))
  var keyVar: String?

  @Option(
    name: .customLong("base-url-var"),
    help: ArgumentHelp(
      "The variable that gets the proxy's base URL (default OPENAI_BASE_URL).", valueName: "name"))
  var baseURLVar: String?

  /// Whether any proxy option was given (they need `--proxy` on `exec`).
  var isGiven: Bool {
    upstream != nil || upstreamCA != nil || !allowPath.isEmpty || maxRequests != nil
      || maxTokens != nil || keyVar != nil || baseURLVar != nil
  }

  /// The options checked, before anything is prompted or decrypted.
  func plan(listen: String? = nil) throws -> ProxyPlan {
    let upstream: BaseURL
    do {
      upstream = try BaseURL(self.upstream ?? BaseURL.openAI)
    } catch {
      throw VaultError.invalidProxyOption(
        option: "--upstream",
        problem: "it must be an https:// URL (http:// only to a loopback address) without"
          + " user information, query or fragment")
    }
    if let upstreamCA, access(upstreamCA, R_OK) != 0 {
      throw VaultError.invalidProxyOption(
        option: "--upstream-ca",
        problem: "'\(Failure.printable(path: upstreamCA))' cannot be read")
    }
    var prefixes: [String] = []
    for text in allowPath {
      switch ProxyPolicy.checkPrefix(text) {
      case .success(let prefix): prefixes.append(prefix)
      case .failure(.administration):
        throw VaultError.invalidProxyOption(
          option: "--allow-path", problem: "/v1/organization is always refused")
      case .failure:
        throw VaultError.invalidProxyOption(
          option: "--allow-path",
          problem: "'\(Failure.printable(text))' is not a path under /v1/ (e.g. /v1/files)")
      }
    }
    for (name, value) in [("--max-requests", maxRequests), ("--max-tokens", maxTokens)] {
      if let value, value < 1 {
        throw VaultError.invalidProxyOption(option: name, problem: "it must be 1 or more")
      }
    }
    let keyVar = self.keyVar ?? "OPENAI_API_KEY"
    let baseURLVar = self.baseURLVar ?? "OPENAI_BASE_URL"
    try Names.check(keyVar, as: .name)
    try Names.check(baseURLVar, as: .name)
    for (option, name) in [("--key-var", keyVar), ("--base-url-var", baseURLVar)]
    where Names.isReserved(name) {
      throw VaultError.invalidProxyOption(
        option: option, problem: "\(name) changes how programs start; name another variable")
    }
    guard keyVar != baseURLVar else {
      throw VaultError.invalidProxyOption(
        option: "--base-url-var", problem: "it names the same variable as --key-var")
    }
    let (host, port) = try Self.listenAddress(listen ?? "127.0.0.1:0")
    return ProxyPlan(
      upstream: upstream, upstreamCA: upstreamCA, allowPaths: prefixes, maxRequests: maxRequests,
      maxTokens: maxTokens, keyVar: keyVar, baseURLVar: baseURLVar, host: host, port: port)
  }

  /// `HOST:PORT` with a loopback host (`127.x.x.x`, `localhost`, `[::1]`) and a port 0-65535.
  static func listenAddress(_ text: String) throws -> (host: String, port: Int) {
    let refused = VaultError.invalidProxyOption(
      option: "--listen",
      problem: "give a loopback address and a port, e.g. 127.0.0.1:8787 (0 for a free port)")
    guard let colon = text.lastIndex(of: ":"),
      let port = Int(text[text.index(after: colon)...]), (0...65535).contains(port)
    else { throw refused }
    var host = String(text[..<colon])
    if host == "localhost" { host = "127.0.0.1" }
    if host == "[::1]" { host = "::1" }
    let parts = host.split(separator: ".", omittingEmptySubsequences: false)
    let isIPv4Loopback =
      parts.count == 4 && parts[0] == "127"
      && parts.allSatisfy { !$0.isEmpty && $0.count <= 3 && UInt8($0) != nil }
    guard host == "::1" || isIPv4Loopback else {
      throw VaultError.invalidProxyOption(
        option: "--listen", problem: "the proxy listens on a loopback address only")
    }
    return (host, port)
  }
}

/// The proxy options, checked.
struct ProxyPlan {
  var upstream: BaseURL
  var upstreamCA: String?
  var allowPaths: [String]
  var maxRequests: Int?
  var maxTokens: Int?
  var keyVar: String
  var baseURLVar: String
  var host: String
  var port: Int

  /// The base URL a client uses: `http://127.0.0.1:PORT/v1`.
  func baseURL(port: Int) -> String {
    let host = self.host.contains(":") ? "[\(self.host)]" : self.host
    return "http://\(host):\(port)/v1"
  }

  /// The entry the proxy holds (`keyVar`) among the decrypted `stored` entries of
  /// `project/environment`: never an Admin API key.
  func heldKey(
    in stored: [(entry: Entry, value: SecretBytes)], project: String, environment: String
  ) throws -> (entry: Entry, value: SecretBytes) {
    guard let key = stored.first(where: { $0.entry.name == keyVar }) else {
      throw VaultError.entryNotFound(label: "\(project)/\(environment)/\(keyVar)")
    }
    guard !OpenAIKeys.isAdminKey(key.value) else {
      throw VaultError.proxyAdminKey(label: key.entry.label)
    }
    return key
  }

  /// Starts the proxy holding `key` (the entry `entry`), logging each request under it.
  func start(
    key: SecretBytes, entry: Entry, placeholder: SecretBytes, paths: Paths
  ) throws -> any RunningProxy {
    let starter = try NetworkHelper.requireProxy()
    let log = AccessLog(paths: paths)
    let (project, environment, name) = (entry.project, entry.environment, entry.name)
    let configuration = ProxyConfiguration(
      key: key, placeholder: placeholder, upstream: upstream, upstreamCA: upstreamCA,
      allowPaths: allowPaths, maxRequests: maxRequests, maxTokens: maxTokens, host: host,
      port: port
    ) { record in
      var record = record
      record.project = project
      record.environment = environment
      record.name = name
      // Like every access-log write: a failure must not stop the run.
      try? log.append(request: record)
    }
    return try starter.start(configuration)
  }
}
