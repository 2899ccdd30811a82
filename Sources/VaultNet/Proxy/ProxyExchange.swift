import Glibc
import NIOCore
import NIOHTTP1
import VaultCore

/// One request through the proxy: the checks (on the event loop), then the forwarding on a
/// thread of its own, since ``CurlClient`` blocks; the answer's parts are written to the
/// channel one by one, each waited for, so a slow client slows the upstream read instead of
/// filling memory.
final class ProxyExchange: @unchecked Sendable {
  let state: ProxyState
  let head: HTTPRequestHead
  let body: [UInt8]
  let tooLarge: Bool
  let channel: Channel
  let started = ProxyExchange.now()
  var path = ""
  var model: String?

  init(state: ProxyState, head: HTTPRequestHead, body: [UInt8], tooLarge: Bool, channel: Channel) {
    self.state = state
    self.head = head
    self.body = body
    self.tooLarge = tooLarge
    self.channel = channel
  }

  /// Request headers never forwarded: hop-by-hop (RFC 9110 7.6.1), `Host` (libcurl writes
  /// the upstream's), the length (libcurl sets it), and the two the proxy sets itself.
  static let dropped: Set<String> = [
    "connection", "keep-alive", "proxy-connection", "proxy-authorization", "proxy-authenticate",
    "te", "trailer", "transfer-encoding", "upgrade", "host", "content-length", "expect",
    "authorization", "accept-encoding",
  ]

  func begin() {
    guard state.authorizes(head.headers.first(name: "authorization")) else {
      path = Self.shown(head.uri)
      return refuse(
        .unauthorized, "this proxy accepts only the placeholder key of its run",
        code: "invalid_api_key")
    }
    let target: ProxyPath
    do {
      target = try ProxyPath(target: head.uri)
    } catch {
      path = Self.shown(head.uri)
      return refuse(
        .badRequest, "the path is refused: \(Self.describe(error))", code: "invalid_path")
    }
    path = target.encoded
    switch state.policy.decide(target) {
    case .administration:
      return refuse(
        .forbidden,
        "vault's proxy never forwards \(ProxyPolicy.refused[0]): an API key does not need it",
        code: "path_refused")
    case .notAllowed:
      return refuse(
        .forbidden,
        "vault's proxy does not forward \(path); start it with --allow-path to allow it",
        code: "path_not_allowed")
    case .allow:
      break
    }
    guard !tooLarge else {
      return refuse(
        .payloadTooLarge,
        "the request body is over vault's proxy limit of \(ProxyServer.maximumBody >> 20) MiB",
        code: "request_too_large")
    }
    model = Self.model(of: body, headers: head.headers)
    // A thread per request in flight, so a bound on them: a program that opens thousands of
    // requests at once gets 503s, not a proxy out of threads or memory.
    guard state.enter() else {
      return refuse(
        .serviceUnavailable,
        "more than \(ProxyState.maximumInFlight) requests are in flight through vault's proxy",
        code: "proxy_busy")
    }
    if let limit = state.admit() {
      state.leave()
      return refuse(.tooManyRequests, limit, code: "vault_proxy_limit")
    }
    // /v1/X goes to upstream/X.
    let rest = target.segments.count > 1 ? target.encoded.dropFirst(3) : ""
    let url = state.configuration.upstream.text + rest + (target.query.map { "?" + $0 } ?? "")
    let started = Worker.start { [self] in
      forward(url: url)
      state.leave()
    }
    if !started {
      state.leave()
      refuse(.badGateway, "vault's proxy could not start a thread", code: "proxy")
    }
  }

  /// The `model` of a JSON body, printable and at most 128 bytes; nil otherwise.
  static func model(of body: [UInt8], headers: HTTPHeaders) -> String? {
    guard !body.isEmpty, headers.first(name: "content-type")?.contains("json") ?? false,
      let model = (try? JSONValue.parse(body))?["model"]?.string,
      model.utf8.count <= 128, model.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7F })
    else { return nil }
    return model
  }

  /// A path for the log when it could not be normalised: printable ASCII, without the query.
  static func shown(_ target: String) -> String {
    let path = target.utf8.prefix { $0 != 0x3F }.prefix(256)
    return String(decoding: path.map { $0 > 0x20 && $0 < 0x7F ? $0 : 0x3F }, as: UTF8.self)
  }

  static func describe(_ problem: ProxyPath.Problem) -> String {
    switch problem {
    case .notOriginForm: return "it must start with /"
    case .badEscape: return "it has an invalid percent-escape"
    case .encodedSeparator: return "it has an encoded / or a \\"
    case .controlByte: return "it has a NUL or a control character"
    case .aboveRoot: return "its .. segments climb above /"
    case .badQuery: return "its query has a space or a byte outside printable ASCII"
    }
  }

  var keepAlive: Bool { head.isKeepAlive }

  /// Answers with OpenAI's error shape, `x-should-retry: false` (the SDKs do not retry it).
  func refuse(_ status: HTTPResponseStatus, _ message: String, code: String) {
    let body = Array(
      ("{\"error\":{\"message\":\(JSON.quote("vault proxy: " + message)),"
        + "\"type\":\"vault_proxy_error\",\"param\":null,\"code\":\(JSON.quote(code))}}").utf8)
    var headers = HTTPHeaders()
    headers.add(name: "content-type", value: "application/json")
    headers.add(name: "content-length", value: String(body.count))
    headers.add(name: "x-should-retry", value: "false")
    if !keepAlive { headers.add(name: "connection", value: "close") }
    // Logged before the answer leaves: the client's next request is logged after this one.
    audit(status: Int(status.code), usage: nil)
    let response = HTTPResponseHead(version: head.version, status: status, headers: headers)
    let buffer = channel.allocator.buffer(bytes: body)
    channel.write(HTTPServerResponsePart.head(response), promise: nil)
    channel.write(HTTPServerResponsePart.body(.byteBuffer(buffer)), promise: nil)
    let done = channel.writeAndFlush(HTTPServerResponsePart.end(nil))
    if !keepAlive {
      let channel = self.channel
      done.whenComplete { _ in channel.close(promise: nil) }
    }
  }

  func audit(status: Int, usage: UsageReader.Usage?) {
    let configuration = state.configuration
    configuration.audit(
      ProxyRequestRecord(
        time: Timestamp.now(), project: "", environment: "", name: "",
        method: String(head.method.rawValue.prefix(16)), path: String(path.prefix(256)),
        model: model, status: status, milliseconds: (Self.now() - started) / 1_000_000,
        inputTokens: usage?.input, outputTokens: usage?.output, totalTokens: usage?.total))
  }

  static func now() -> Int {
    var time = timespec()
    clock_gettime(CLOCK_MONOTONIC, &time)
    return time.tv_sec * 1_000_000_000 + time.tv_nsec
  }

  /// On its own thread: sends the request upstream and streams the answer back, scrubbed.
  func forward(url: String) {
    var headers: [(name: String, value: String)] = []
    let connection = Self.connectionOptions(head.headers.first(name: "connection"))
    for (name, value) in head.headers {
      let lower = name.lowercased()
      guard !Self.dropped.contains(lower), !connection.contains(lower) else { continue }
      headers.append((name, value))
    }
    var authorization = state.configuration.key.withUnsafeBytes {
      "Bearer " + String(decoding: $0, as: UTF8.self)
    }
    headers.append(("Authorization", authorization))
    headers.append(("Accept-Encoding", "identity"))
    let method = head.method.rawValue
    let hasBody = !body.isEmpty || !["GET", "HEAD", "DELETE", "OPTIONS"].contains(method)
    let request = HTTPRequest(
      method: method, url: url, headers: headers, body: hasBody ? body : nil)
    authorization = ""
    headers.removeAll()
    var sentHead = false
    var status = 0
    var held: [UInt8] = []
    var usage = UsageReader()
    var failed = false
    let scrubber = state.scrubber
    do {
      try state.client.perform(request, totalTimeout: nil) { code, upstreamHeaders in
        status = code
        if let encoding = upstreamHeaders.first(where: { $0.name == "content-encoding" })?.value,
          encoding.lowercased() != "identity"
        {
          failed = true
          return false
        }
        var response = HTTPHeaders()
        let named = Self.connectionOptions(
          upstreamHeaders.first { $0.name == "connection" }?.value)
        for (name, value) in upstreamHeaders
        where !Self.dropped.contains(name) && !named.contains(name) {
          response.add(name: name, value: Self.scrub(value, with: scrubber))
        }
        usage.mode(contentType: upstreamHeaders.first { $0.name == "content-type" }?.value)
        if !keepAlive { response.add(name: "connection", value: "close") }
        let part = HTTPServerResponsePart.head(
          HTTPResponseHead(
            version: head.version, status: HTTPResponseStatus(statusCode: code),
            headers: response))
        sentHead = (try? channel.writeAndFlush(part).wait()) != nil
        return sentHead
      } body: { chunk in
        var work = held
        work.append(contentsOf: chunk)
        var shown: [UInt8] = []
        shown.reserveCapacity(work.count)
        let keep = work.withUnsafeBytes {
          scrubber.redact($0, count: $0.count, final: false, into: &shown)
        }
        held = Array(work.suffix(keep))
        wipe(&work)
        return send(shown, usage: &usage)
      }
    } catch {
      if !sentHead {
        return refuse(
          .badGateway, "the upstream could not be reached: \(error.description)",
          code: "upstream_unreachable")
      }
      channel.close(promise: nil)
      return audit(status: status, usage: nil)
    }
    if failed {
      return refuse(
        .badGateway, "the upstream sent a compressed answer, which the proxy cannot scrub",
        code: "upstream_encoding")
    }
    guard sentHead else {
      channel.close(promise: nil)
      return audit(status: status, usage: nil)
    }
    var shown: [UInt8] = []
    _ = held.withUnsafeBytes { scrubber.redact($0, count: $0.count, final: true, into: &shown) }
    wipe(&held)
    guard send(shown, usage: &usage) else {
      channel.close(promise: nil)
      return audit(status: status, usage: nil)
    }
    // Spent and logged before the end leaves: the client's next request sees both.
    let result = usage.finish()
    if let total = result?.total ?? result.map({ ($0.input ?? 0) + ($0.output ?? 0) }) {
      state.spend(total)
    }
    audit(status: status, usage: result)
    let ended = (try? channel.writeAndFlush(HTTPServerResponsePart.end(nil)).wait()) != nil
    if !ended || !keepAlive { channel.close(promise: nil) }
  }

  /// The header names a `Connection` value lists (RFC 9110 7.6.1), in lower case: hop-by-hop
  /// for this message, so neither forwarded upstream nor passed back.
  static func connectionOptions(_ value: String?) -> Set<String> {
    Set((value ?? "").split(separator: ",").map { $0.trimmingSpaces().lowercased() })
  }

  /// Writes `bytes` as one body part and waits for it; false when the client is gone.
  func send(_ bytes: [UInt8], usage: inout UsageReader) -> Bool {
    guard !bytes.isEmpty else { return true }
    usage.feed(bytes)
    let part = HTTPServerResponsePart.body(.byteBuffer(channel.allocator.buffer(bytes: bytes)))
    return (try? channel.writeAndFlush(part).wait()) != nil
  }

  static func scrub(_ value: String, with scrubber: Redactor) -> String {
    var bytes = Array(value.utf8)
    var shown: [UInt8] = []
    _ = bytes.withUnsafeBytes { scrubber.redact($0, count: $0.count, final: true, into: &shown) }
    wipe(&bytes)
    return String(decoding: shown, as: UTF8.self)
  }
}



/// A detached thread for one blocking job (Foundation-free).
enum Worker {
  final class Job {
    let body: () -> Void
    init(_ body: @escaping () -> Void) { self.body = body }
  }

  /// Starts `body` on a new detached thread; false when none could be made.
  static func start(_ body: @escaping @Sendable () -> Void) -> Bool {
    let job = Unmanaged.passRetained(Job(body)).toOpaque()
    var thread = pthread_t()
    let result = pthread_create(
      &thread, nil,
      { raw in
        guard let raw else { return nil }
        Unmanaged<Job>.fromOpaque(raw).takeRetainedValue().body()
        return nil
      }, job)
    guard result == 0 else {
      Unmanaged<Job>.fromOpaque(job).release()
      return false
    }
    pthread_detach(thread)
    return true
  }
}
