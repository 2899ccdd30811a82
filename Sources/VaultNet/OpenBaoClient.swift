import Glibc
import VaultCore

/// OpenBao's transit engine over ``CurlClient``: logs in (a token, a token file, or a JWT
/// with a role), then wraps and unwraps environment keys with `associated_data`.
///
/// Configuration comes from the environment, read at first use (README, "Organisations:
/// OpenBao"): `VAULT_BAO_TOKEN`, `VAULT_BAO_TOKEN_FILE`, or `VAULT_BAO_JWT_FILE` with
/// `VAULT_BAO_ROLE` (mount `VAULT_BAO_JWT_MOUNT`, `jwt` by default), exactly one of the
/// three; `VAULT_BAO_ADDR` (comma-separated nodes, overriding the header's address);
/// `VAULT_BAO_CACERT` (a CA trusted besides the system store).
///
/// The token lives in this process's memory only: never written to a file, never in argv,
/// and `exec` strips every `VAULT_BAO_*` variable from the child's environment.
///
/// **Nodes and redirects.** Requests go to the listed nodes in order. A standby's 307/308 is
/// followed only to a node of the same list (the header's address, or `VAULT_BAO_ADDR`):
/// the token is never carried to a host the owner or the runner did not name. Otherwise,
/// and on a refused connection, a timeout, a sealed node or a 5xx, the next node is tried;
/// the whole list at most `rounds` times, with a growing pause between rounds (about 5 s in
/// all, enough for a Raft election). An answer that settles the question (a refused token,
/// a missing key, a seal that does not open) is never retried.
public final class OpenBaoClient: TransitService, @unchecked Sendable {
  enum Credential {
    case token(String)
    case tokenFile(String)
    case jwt(file: String, role: String, mount: String)
  }

  private let lock = Mutex()
  private var http: CurlClient?
  private var token: String?
  /// Pauses before rounds 2, 3, …, in seconds.
  static let pauses: [Double] = [0.25, 0.5, 1, 1.5, 2]
  private let environment: (String) -> String?

  /// A client that reads its configuration from the process environment at first use.
  public init() {
    environment = { name in getenv(name).map { String(cString: $0) } }
  }

  // MARK: TransitService

  public func encrypt(_ secret: SecretBytes, for recipient: OpenBaoRecipient, context: [UInt8])
    throws -> String
  {
    let plaintext = secret.withUnsafeBytes { Self.base64(Array($0)) }
    let body: JSONValue = [
      "plaintext": .string(plaintext), "associated_data": .string(Self.base64(context)),
    ]
    let answer = try transit("encrypt", recipient: recipient, body: body)
    guard let ciphertext = answer["data"]?["ciphertext"]?.string else {
      throw OpenBaoFailure(.unavailable, "OpenBao's encrypt answer has no ciphertext")
    }
    return ciphertext
  }

  public func decrypt(_ recipient: OpenBaoRecipient, context: [UInt8]) throws -> SecretBytes {
    let body: JSONValue = [
      "ciphertext": .string(recipient.ciphertext),
      "associated_data": .string(Self.base64(context)),
    ]
    let answer = try transit("decrypt", recipient: recipient, body: body)
    guard let text = answer["data"]?["plaintext"]?.string,
      var bytes = Self.unbase64(text)
    else {
      throw OpenBaoFailure(.unavailable, "OpenBao's decrypt answer has no plaintext")
    }
    defer { wipe(&bytes) }
    return SecretBytes(copying: bytes)
  }

  // MARK: Transit

  private func transit(_ verb: String, recipient: OpenBaoRecipient, body: JSONValue) throws
    -> JSONValue
  {
    try lock.withLock {
      let nodes = try self.nodes(recipient)
      let token = try self.login(nodes: nodes)
      let path = "\(recipient.mount)/\(verb)/\(recipient.key)"
      let answer = try call(path, body: body, token: token, nodes: nodes)
      switch answer.status {
      case 200: return answer.json
      case 403:
        // A refused token and a policy without this key both say "permission denied":
        // the token's own lookup tells them apart (the default policy allows it).
        let lookup = try call("auth/token/lookup-self", body: nil, token: token, nodes: nodes)
        if lookup.status == 403 || lookup.status == 401 {
          self.token = nil
          throw OpenBaoFailure(
            .refused, "OpenBao refused the token: it was revoked or has expired",
            hint: credentialHint())
        }
        throw OpenBaoFailure(
          .refused,
          "OpenBao's policy does not let this token \(verb) with transit key '\(recipient.key)'"
            + " (mount '\(recipient.mount)')",
          hint: "the operator grants `update` on \(recipient.mount)/encrypt/\(recipient.key) and"
            + " \(recipient.mount)/decrypt/\(recipient.key) (README, \"Organisations: OpenBao\")")
      case 400, 404:
        let missing = answer.errors.contains {
          $0.contains("key not found") || $0.contains("no existing key")
        }
        if missing || answer.status == 404 {
          throw OpenBaoFailure(
            .notFound,
            "OpenBao has no transit key '\(recipient.key)' at mount '\(recipient.mount)'",
            hint: "it was deleted or renamed; an owner runs `vault env recipient rm"
              + " \(recipient.environment) openbao` and adds the new key")
        }
        if verb == "decrypt" {
          throw OpenBaoFailure(
            .integrity,
            "OpenBao could not open the seal of \(recipient.environment): it was tampered with,"
              + " or copied from another vault or environment",
            hint: "an owner seals it again: `vault env recipient rm \(recipient.environment)"
              + " openbao`, then `vault env recipient add`")
        }
        throw OpenBaoFailure(
          .unavailable,
          "OpenBao refused to \(verb) with transit key '\(recipient.key)' (HTTP \(answer.status))",
          hint: "the key must be of a type that takes associated data (aes256-gcm96,"
            + " chacha20-poly1305)")
      default:
        throw OpenBaoFailure(
          .unavailable, "OpenBao answered HTTP \(answer.status) to \(verb)")
      }
    }
  }

  // MARK: Login

  private func credential() throws -> Credential {
    let token = environment("VAULT_BAO_TOKEN").flatMap { $0.isEmpty ? nil : $0 }
    let file = environment("VAULT_BAO_TOKEN_FILE").flatMap { $0.isEmpty ? nil : $0 }
    let jwt = environment("VAULT_BAO_JWT_FILE").flatMap { $0.isEmpty ? nil : $0 }
    let set = [token, file, jwt].compactMap { $0 }.count
    guard set == 1 else {
      throw OpenBaoFailure(
        .usage,
        set == 0
          ? "no OpenBao credential: set VAULT_BAO_TOKEN, VAULT_BAO_TOKEN_FILE, or"
            + " VAULT_BAO_JWT_FILE with VAULT_BAO_ROLE"
          : "set one OpenBao credential, not several (VAULT_BAO_TOKEN, VAULT_BAO_TOKEN_FILE,"
            + " VAULT_BAO_JWT_FILE)")
    }
    if let token { return .token(token) }
    if let file { return .tokenFile(file) }
    guard let role = environment("VAULT_BAO_ROLE"), !role.isEmpty, let jwt else {
      throw OpenBaoFailure(
        .usage, "VAULT_BAO_JWT_FILE needs VAULT_BAO_ROLE, the JWT role to log in as")
    }
    let mount = environment("VAULT_BAO_JWT_MOUNT").flatMap { $0.isEmpty ? nil : $0 } ?? "jwt"
    guard OpenBaoRecipient.isValidMount(mount) else {
      throw OpenBaoFailure(
        .usage, "VAULT_BAO_JWT_MOUNT is not a mount path (letters, digits, _, -, /)")
    }
    guard OpenBaoRecipient.isValidKey(role) else {
      throw OpenBaoFailure(.usage, "VAULT_BAO_ROLE is not a role name (letters, digits, _, -, .)")
    }
    return .jwt(file: jwt, role: role, mount: mount)
  }

  private func credentialHint() -> String {
    switch try? credential() {
    case .jwt: return "the role's tokens are revoked or short-lived; log in again with a fresh JWT"
    default: return "get a new token (VAULT_BAO_TOKEN or the agent's VAULT_BAO_TOKEN_FILE)"
    }
  }

  /// The token: given, read from the agent's file, or from a JWT login (once per process).
  private func login(nodes: [String]) throws -> String {
    if let token { return token }
    let result: String
    switch try credential() {
    case .token(let value):
      result = value
    case .tokenFile(let path):
      var bytes = try Self.credential(in: path, variable: "VAULT_BAO_TOKEN_FILE")
      defer { wipe(&bytes) }
      result = String(decoding: bytes, as: UTF8.self)
    case .jwt(let file, let role, let mount):
      var bytes = try Self.credential(in: file, variable: "VAULT_BAO_JWT_FILE")
      defer { wipe(&bytes) }
      let body: JSONValue = [
        "role": .string(role), "jwt": .string(String(decoding: bytes, as: UTF8.self)),
      ]
      let answer = try call("auth/\(mount)/login", body: body, token: nil, nodes: nodes)
      switch answer.status {
      case 200:
        guard let token = answer.json["auth"]?["client_token"]?.string, !token.isEmpty else {
          throw OpenBaoFailure(.unavailable, "OpenBao's login answer has no token")
        }
        result = token
      case 400 where answer.errors.contains { $0.contains("role") && $0.contains("not be found") }:
        throw OpenBaoFailure(
          .notFound, "OpenBao has no JWT role '\(role)' at auth/\(mount)",
          hint: "check VAULT_BAO_ROLE (and VAULT_BAO_JWT_MOUNT); the operator may have deleted it")
      default:
        throw OpenBaoFailure(
          .refused, "OpenBao refused the JWT login as role '\(role)' at auth/\(mount)",
          hint: "the JWT's issuer, audience or subject does not match the role, or it expired")
      }
    }
    guard !result.isEmpty, result.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else {
      throw OpenBaoFailure(
        .usage, "the OpenBao token is empty or holds spaces or control characters")
    }
    token = result
    return result
  }

  // MARK: Nodes

  /// `VAULT_BAO_ADDR`'s nodes, or the header's address.
  private func nodes(_ recipient: OpenBaoRecipient) throws -> [String] {
    guard let list = environment("VAULT_BAO_ADDR"), !list.isEmpty else {
      try Self.checkPlainHTTP(recipient.address)
      return [recipient.address]
    }
    var nodes: [String] = []
    for item in list.split(separator: ",", omittingEmptySubsequences: false) {
      var node = String(item)
      if node.hasSuffix("/") { node.removeLast() }
      guard OpenBaoRecipient.isValidAddress(node) else {
        throw OpenBaoFailure(
          .usage,
          "VAULT_BAO_ADDR holds something other than http(s)://host[:port] addresses",
          hint: "a comma-separated list of nodes, such as https://bao-1:8200,https://bao-2:8200")
      }
      try Self.checkPlainHTTP(node)
      if !nodes.contains(node) { nodes.append(node) }
    }
    return nodes
  }

  /// Refuses to send a token in the clear beyond this machine.
  static func checkPlainHTTP(_ node: String) throws {
    guard OpenBaoRecipient.isAllowedForToken(node) else {
      throw OpenBaoFailure(
        .usage,
        "OpenBao at \(node) is refused: plain http:// only to a loopback address",
        hint: "use https:// (and VAULT_BAO_CACERT for an internal CA)")
    }
  }

  private func client() throws -> CurlClient {
    if let http { return http }
    let ca = environment("VAULT_BAO_CACERT").flatMap { $0.isEmpty ? nil : $0 }
    do {
      let made = try CurlClient(extraCA: ca)
      http = made
      return made
    } catch {
      throw OpenBaoFailure(.usage, "VAULT_BAO_CACERT: \(error.description)")
    }
  }

  struct Answer {
    var status: Int
    var json: JSONValue
    /// OpenBao's `errors` strings: read to classify, never shown.
    var errors: [String] { json["errors"]?.array?.compactMap(\.string) ?? [] }
  }

  /// One request to the first node that settles it (see the type's comment).
  private func call(_ path: String, body: JSONValue?, token: String?, nodes: [String]) throws
    -> Answer
  {
    let http = try client()
    var headers: [(name: String, value: String)] = [("X-Vault-Request", "true")]
    if let token { headers.append(("X-Vault-Token", token)) }
    if body != nil { headers.append(("Content-Type", "application/json")) }
    let method = body == nil ? "GET" : "POST"
    var problems: [String] = []
    var sealed: [String] = []
    for round in 0...Self.pauses.count {
      if round > 0 { sleep(seconds: Self.pauses[round - 1]) }
      problems = []
      sealed = []
      for node in nodes {
        var url = "\(node)/v1/\(path)"
        var hops = 0
        while true {
          let response: HTTPResponse
          do {
            response = try http.send(
              HTTPRequest(
                method: method, url: url, headers: headers, body: body?.encoded(),
                timeout: 10))
          } catch {
            if !error.isTransient {
              throw OpenBaoFailure(
                .unavailable, "OpenBao at \(node): \(error.description)",
                hint: error.description.contains("TLS")
                  ? "set VAULT_BAO_CACERT to the CA that signed OpenBao's certificate" : nil)
            }
            problems.append("\(node): \(error.description)")
            break
          }
          let json = (try? JSONValue.parse(response.body)) ?? .null
          let answer = Answer(status: response.status, json: json)
          switch response.status {
          case 307, 308:
            // A standby points at the leader: followed only within the list.
            if hops < 2, let location = response.header("location"),
              let origin = Self.origin(of: location), nodes.contains(origin)
            {
              url = location
              hops += 1
              continue
            }
            problems.append("\(node): redirected to a node not in the list")
          case 503 where answer.errors.contains { $0.lowercased().contains("sealed") }:
            sealed.append(node)
            problems.append("\(node): sealed")
          case 429, 472, 473, 500...599:
            problems.append("\(node): HTTP \(response.status)")
          case 200...299, 400...499:
            if case .null = json, response.status != 204 {
              problems.append("\(node): an answer that is not OpenBao's JSON")
              break
            }
            return answer
          default:
            problems.append("\(node): HTTP \(response.status)")
          }
          break
        }
      }
    }
    if !sealed.isEmpty && sealed.count == nodes.count {
      throw OpenBaoFailure(
        .unavailable,
        nodes.count == 1
          ? "OpenBao at \(nodes[0]) is sealed"
          : "every OpenBao node is sealed (\(nodes.joined(separator: ", ")))",
        hint: "an operator unseals it (`bao operator unseal`)")
    }
    throw OpenBaoFailure(
      .unavailable,
      "OpenBao could not be reached: \(problems.suffix(3).joined(separator: "; "))",
      hint: nodes.count == 1
        ? "list the cluster's nodes in VAULT_BAO_ADDR (comma-separated) to try the others" : nil)
  }

  // MARK: Helpers

  /// `scheme://host[:port]` of an absolute URL.
  static func origin(of url: String) -> String? {
    let bytes = Array(url.utf8)
    let separator = Array("://".utf8)
    guard let start = bytes.indices.first(where: { bytes[$0...].starts(with: separator) })
    else { return nil }
    let rest = bytes[(start + separator.count)...]
    let hostEnd = rest.firstIndex(of: UInt8(ascii: "/")) ?? rest.endIndex
    return String(decoding: bytes[..<hostEnd], as: UTF8.self)
  }

  /// A token or JWT file's bytes without trailing whitespace (an agent's sink or a CI
  /// system's file ends with a newline, or not).
  static func credential(in path: String, variable: String) throws -> [UInt8] {
    guard var bytes = SmallFile.read(path, below: 1 << 20) else {
      throw OpenBaoFailure(.failed, "cannot read \(variable) '\(path)'")
    }
    while let last = bytes.last, last == 0x0A || last == 0x0D || last == 0x20 || last == 0x09 {
      bytes.removeLast()
    }
    return bytes
  }

  private func sleep(seconds: Double) {
    var request = timespec(
      tv_sec: Int(seconds), tv_nsec: Int((seconds - seconds.rounded(.down)) * 1e9))
    var remaining = timespec()
    while nanosleep(&request, &remaining) != 0 && errno == EINTR { request = remaining }
  }

  /// Standard base64 with padding (transit's form).
  static func base64(_ bytes: [UInt8]) -> String {
    var text = Base64URL.encodeBytes(bytes).map { byte -> UInt8 in
      byte == UInt8(ascii: "-")
        ? UInt8(ascii: "+") : byte == UInt8(ascii: "_") ? UInt8(ascii: "/") : byte
    }
    while text.count % 4 != 0 { text.append(UInt8(ascii: "=")) }
    return String(decoding: text, as: UTF8.self)
  }

  static func unbase64(_ text: String) -> [UInt8]? {
    var bytes = Array(text.utf8)
    while bytes.last == UInt8(ascii: "=") { bytes.removeLast() }
    for index in bytes.indices {
      if bytes[index] == UInt8(ascii: "+") {
        bytes[index] = UInt8(ascii: "-")
      } else if bytes[index] == UInt8(ascii: "/") {
        bytes[index] = UInt8(ascii: "_")
      } else if bytes[index] == UInt8(ascii: "-") || bytes[index] == UInt8(ascii: "_") {
        return nil
      }
    }
    return Base64URL.decode(bytes)
  }
}
