import Dispatch
import Foundation
import VaultCore

#if canImport(FoundationNetworking)
  import FoundationNetworking
#endif

/// ``HTTPTransport`` over FoundationNetworking's URLSession (libcurl on Linux): TLS verified
/// against the system's trust store, no redirects followed (an Authorization header must never
/// be carried to another host), no cookies, no cache. Chosen over AsyncHTTPClient by
/// measurement (README, "Design decisions").
///
/// Each request gets a session, and so a connection, of its own: libcurl resends a request
/// on its own when a reused connection dies before any answer (HTTP/1.1 and HTTP/2 alike),
/// and a POST that creates a key must go out once. A CLI makes a handful of requests; one
/// handshake each is the price.
final class URLSessionTransport: NSObject, HTTPTransport, URLSessionTaskDelegate,
  @unchecked Sendable
{
  private func makeSession() -> URLSession {
    let configuration = URLSessionConfiguration.ephemeral
    configuration.urlCache = nil
    configuration.httpCookieStorage = nil
    configuration.httpShouldSetCookies = false
    configuration.urlCredentialStorage = nil
    configuration.httpMaximumConnectionsPerHost = 1
    return URLSession(configuration: configuration, delegate: self, delegateQueue: nil)
  }

  func send(_ request: HTTPRequest) throws(HTTPTransportError) -> HTTPResponse {
    guard let url = URL(string: request.url) else {
      throw HTTPTransportError("not a URL", isTransient: false)
    }
    var urlRequest = URLRequest(url: url, timeoutInterval: request.timeout)
    urlRequest.httpMethod = request.method
    urlRequest.httpShouldHandleCookies = false
    for (name, value) in request.headers { urlRequest.setValue(value, forHTTPHeaderField: name) }
    if let body = request.body { urlRequest.httpBody = Data(body) }

    let session = makeSession()
    defer { session.finishTasksAndInvalidate() }
    let done = DispatchSemaphore(value: 0)
    nonisolated(unsafe) var result: Result<HTTPResponse, HTTPTransportError> =
      .failure(HTTPTransportError("no answer", isTransient: true))
    let task = session.dataTask(with: urlRequest) { data, response, error in
      if let error {
        result = .failure(Self.describe(error, timeout: request.timeout))
      } else if let http = response as? HTTPURLResponse {
        var headers: [(name: String, value: String)] = []
        for (name, value) in http.allHeaderFields {
          headers.append(("\(name)".lowercased(), "\(value)"))
        }
        result = .success(
          HTTPResponse(status: http.statusCode, headers: headers, body: Array(data ?? Data())))
      }
      done.signal()
    }
    task.resume()
    // Our own deadline for the whole exchange: URLSession's timeoutInterval on Linux is an
    // idle timeout that a slow trickle of bytes keeps resetting.
    if done.wait(timeout: .now() + request.timeout) == .timedOut {
      task.cancel()
      done.wait()
      throw HTTPTransportError("no answer within \(Self.seconds(request.timeout))", isTransient: true)
    }
    return try result.get()
  }

  /// Redirects are answered as they are: the caller sees a 3xx and says so.
  func urlSession(
    _ session: URLSession, task: URLSessionTask, willPerformHTTPRedirection response: HTTPURLResponse,
    newRequest request: URLRequest, completionHandler: @escaping (URLRequest?) -> Void
  ) {
    completionHandler(nil)
  }

  static func seconds(_ value: Double) -> String {
    value == value.rounded() ? "\(Int(value)) s" : "\(value) s"
  }

  /// What failed, in words that name no header or body.
  static func describe(_ error: any Error, timeout: Double) -> HTTPTransportError {
    guard let urlError = error as? URLError else {
      return HTTPTransportError("the request failed", isTransient: true)
    }
    switch urlError.code {
    case .timedOut:
      return HTTPTransportError("no answer within \(seconds(timeout))", isTransient: true)
    case .cannotConnectToHost: return HTTPTransportError("connection refused", isTransient: true)
    case .cannotFindHost, .dnsLookupFailed:
      return HTTPTransportError("host not found", isTransient: true)
    case .notConnectedToInternet: return HTTPTransportError("network is down", isTransient: true)
    case .networkConnectionLost:
      return HTTPTransportError("connection closed before the answer", isTransient: true)
    case .secureConnectionFailed, .serverCertificateUntrusted, .serverCertificateHasBadDate,
      .serverCertificateHasUnknownRoot, .serverCertificateNotYetValid,
      .clientCertificateRejected, .clientCertificateRequired:
      return HTTPTransportError("TLS failed: the server's certificate is not trusted", isTransient: false)
    case .badServerResponse, .cannotParseResponse:
      return HTTPTransportError(
        "no HTTP answer (the connection closed, or the answer was not HTTP)", isTransient: true)
    default:
      return HTTPTransportError("the request failed (URLError \(urlError.code.rawValue))", isTransient: true)
    }
  }
}
