import Glibc
import NIOCore
import NIOHTTP1
import NIOPosix
import VaultCore

/// The loopback proxy of `vault exec --proxy` and `vault proxy` (README, "Keep keys away from
/// programs and agents"): an HTTP/1.1 server on a loopback address (SwiftNIO, one event-loop
/// thread) that accepts a request only with this run's placeholder, checks its normalised
/// path against the policy and the limits, and forwards it to the upstream with the real key
/// (``CurlClient``, one thread per request in flight), streaming the answer back with the
/// key scrubbed from it.
public struct ProxyServer: ProxyStarter {
  /// A request body is buffered (to read its `model`, and because libcurl sends it whole):
  /// over this, 413 and nothing is forwarded.
  public static let maximumBody = 32 << 20

  public init() {}

  public func start(_ configuration: ProxyConfiguration) throws -> any RunningProxy {
    let client: CurlClient
    do {
      client = try CurlClient(extraCA: configuration.upstreamCA)
    } catch {
      throw VaultError.invalidProxyOption(
        option: "--upstream-ca", problem: "it is not a readable PEM file of certificates")
    }
    let state = ProxyState(configuration, client: client)
    let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    let bootstrap = ServerBootstrap(group: group)
      .serverChannelOption(ChannelOptions.backlog, value: 512)
      .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
      .childChannelOption(ChannelOptions.socketOption(.tcp_nodelay), value: 1)
      .childChannelInitializer { channel in
        channel.eventLoop.makeCompletedFuture {
          try channel.pipeline.syncOperations.configureHTTPServerPipeline(
            withErrorHandling: true)
          try channel.pipeline.syncOperations.addHandler(ProxyHandler(state))
        }
      }
    let channel: Channel
    do {
      channel = try bootstrap.bind(host: configuration.host, port: configuration.port).wait()
    } catch {
      try? group.syncShutdownGracefully()
      let problem = (error as? IOError).map { String(cString: strerror($0.errnoCode)) }
      throw VaultError.proxyCannotListen(
        address: "\(configuration.host):\(configuration.port)", problem: problem ?? "\(error)")
    }
    return Listening(group: group, channel: channel, port: channel.localAddress?.port ?? 0)
  }
}

/// A listening proxy.
final class Listening: RunningProxy {
  let group: MultiThreadedEventLoopGroup
  let channel: Channel
  let port: Int

  init(group: MultiThreadedEventLoopGroup, channel: Channel, port: Int) {
    self.group = group
    self.channel = channel
    self.port = port
  }

  func stop() {
    try? channel.close().wait()
    try? group.syncShutdownGracefully()
  }
}

/// What every connection shares: the configuration, the client, and the counters.
final class ProxyState: @unchecked Sendable {
  let configuration: ProxyConfiguration
  let client: CurlClient
  let policy: ProxyPolicy
  /// Scrubs the real key (and its base64 and percent-encoded forms) from answers.
  let scrubber: Redactor
  let lock = Mutex()
  var forwarded = 0
  var tokens = 0
  var inFlight = 0

  /// Requests forwarded at once, each on a thread of its own (README, "Keep keys away from
  /// programs and agents"): enough for 200 concurrent streams (`make bench`).
  static let maximumInFlight = 256

  /// Takes a place among the requests in flight; false when all are taken.
  func enter() -> Bool {
    lock.withLock {
      guard inFlight < Self.maximumInFlight else { return false }
      inFlight += 1
      return true
    }
  }

  func leave() {
    lock.withLock { inFlight -= 1 }
  }

  init(_ configuration: ProxyConfiguration, client: CurlClient) {
    self.configuration = configuration
    self.client = client
    policy = ProxyPolicy(extra: configuration.allowPaths)
    scrubber = Redactor(values: [configuration.key])
  }

  /// Whether `header` (an `Authorization` value) is `Bearer <placeholder>`, compared in
  /// constant time.
  func authorizes(_ header: String?) -> Bool {
    guard let header else { return false }
    let bytes = Array(header.utf8)
    let prefix = Array("Bearer ".utf8)
    guard bytes.count > prefix.count,
      bytes[..<prefix.count].map(ProxyPath.lower) == prefix.map(ProxyPath.lower)
    else { return false }
    let token = Array(bytes[prefix.count...])
    return configuration.placeholder.withUnsafeBytes { placeholder in
      Sodium.constantTimeEquals(token, Array(placeholder))
    }
  }

  /// Counts a request against `--max-requests`, or says which limit it is over.
  func admit() -> String? {
    lock.withLock {
      if let maximum = configuration.maxTokens, tokens >= maximum {
        return "this run's token budget (--max-tokens \(maximum)) is spent"
      }
      if let maximum = configuration.maxRequests, forwarded >= maximum {
        return "this run's request limit (--max-requests \(maximum)) is reached"
      }
      forwarded += 1
      return nil
    }
  }

  func spend(_ count: Int) {
    lock.withLock { tokens += count }
  }
}

/// One connection's HTTP/1.1 requests, one at a time (NIO's pipelining handler holds the
/// next until this one is answered).
final class ProxyHandler: ChannelInboundHandler {
  typealias InboundIn = HTTPServerRequestPart
  typealias OutboundOut = HTTPServerResponsePart

  let state: ProxyState
  var head: HTTPRequestHead?
  var body: [UInt8] = []
  var tooLarge = false

  init(_ state: ProxyState) {
    self.state = state
  }

  func channelRead(context: ChannelHandlerContext, data: NIOAny) {
    switch unwrapInboundIn(data) {
    case .head(let head):
      self.head = head
      body = []
      tooLarge = false
      // A client that waits for `100 Continue` before its body (curl, for a body over
      // 1 MiB) gets it at once when it bears the placeholder; others get their refusal
      // after the body, as without the header.
      let expects = head.headers.first(name: "expect")?.lowercased() == "100-continue"
      if expects, state.authorizes(head.headers.first(name: "authorization")) {
        let interim = HTTPResponseHead(version: head.version, status: .continue)
        context.writeAndFlush(wrapOutboundOut(.head(interim)), promise: nil)
      }
    case .body(var buffer):
      guard !tooLarge else { return }
      if body.count + buffer.readableBytes > ProxyServer.maximumBody {
        tooLarge = true
        body = []
      } else if let bytes = buffer.readBytes(length: buffer.readableBytes) {
        body += bytes
      }
    case .end:
      guard let head else { return }
      self.head = nil
      let exchange = ProxyExchange(
        state: state, head: head, body: body, tooLarge: tooLarge, channel: context.channel)
      body = []
      exchange.begin()
    }
  }
}
