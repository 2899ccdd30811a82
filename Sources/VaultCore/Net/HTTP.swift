/// One HTTP exchange, as the commands that talk to a server (`vault openai …`) see it. The
/// transport that carries it lives outside this module (`vault-net`), so that `vault` itself,
/// and with it `vault exec`, never links a networking library.
public struct HTTPRequest: Sendable {
  /// `GET`, `POST`, `DELETE`.
  public var method: String
  /// The absolute URL, already checked by ``BaseURL``.
  public var url: String
  /// Header names and values, in order. A bearer token is one of them: a transport never
  /// logs or echoes a header value.
  public var headers: [(name: String, value: String)]
  /// The body, if any.
  public var body: [UInt8]?
  /// Seconds before the request is abandoned as a network failure.
  public var timeout: Double

  /// A request.
  public init(
    method: String, url: String, headers: [(name: String, value: String)] = [],
    body: [UInt8]? = nil, timeout: Double = 30
  ) {
    self.method = method
    self.url = url
    self.headers = headers
    self.body = body
    self.timeout = timeout
  }
}

/// The answer to an ``HTTPRequest``.
public struct HTTPResponse: Sendable {
  /// The status code.
  public var status: Int
  /// Header names (lower case) and values.
  public var headers: [(name: String, value: String)]
  /// The body.
  public var body: [UInt8]

  /// A response.
  public init(status: Int, headers: [(name: String, value: String)], body: [UInt8]) {
    self.status = status
    self.headers = headers
    self.body = body
  }

  /// The first value of header `name` (compared without case).
  public func header(_ name: String) -> String? {
    let wanted = name.lowercased()
    return headers.first { $0.name.lowercased() == wanted }?.value
  }
}

/// What a transport reports when no answer came back. `description` never holds a header
/// value or a body: only what failed (a refused connection, a timeout, a TLS failure).
public struct HTTPTransportError: Error, Sendable {
  /// A short description, such as "connection refused" or "timed out after 30 s".
  public var description: String
  /// Whether a retry may succeed (a timeout or a reset, not a TLS verification failure).
  public var isTransient: Bool

  /// A transport failure.
  public init(_ description: String, isTransient: Bool) {
    self.description = description
    self.isTransient = isTransient
  }
}

/// Something that performs one HTTP request and returns the whole answer: FoundationNetworking's
/// URLSession in `vault-net`. Synchronous, like the rest of the command line.
public protocol HTTPTransport: Sendable {
  /// Performs `request` once, on a connection of its own: no retries (``AdminClient`` decides
  /// those, and a transport that reused connections could resend a POST), no redirects.
  func send(_ request: HTTPRequest) throws(HTTPTransportError) -> HTTPResponse
}
