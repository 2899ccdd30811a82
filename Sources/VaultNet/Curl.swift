import CCurl
import Glibc
import VaultCore

/// An HTTP client over libcurl's easy interface: the proxy's upstream and OpenBao.
///
/// Why libcurl and not URLSession: FoundationNetworking on Linux offers no way to trust an
/// extra CA (its `URLSessionCertificateAuthorityInfoFile` is read on Android only), and
/// `--upstream-ca` / `VAULT_BAO_CACERT` need one. libcurl is already linked into `vault-net`
/// (FoundationNetworking is built on it), so this adds no library; AsyncHTTPClient with
/// NIOSSL would add BoringSSL's build (README, "Design decisions").
///
/// - TLS is verified against libcurl's default bundle (the system store); an extra CA file is
///   added to it, never substituted.
/// - Redirects are never followed: the caller sees the 3xx and decides.
/// - Only `http` and `https` URLs.
/// - Easy handles are pooled, so connections are reused between requests.
public final class CurlClient: HTTPTransport, @unchecked Sendable {
  /// The system bundle plus the extra CA, in PEM; nil to use libcurl's default alone.
  /// How TLS peers are verified (see `init`).
  let trust: Trust
  let lock = Mutex()
  var idle: [UnsafeMutableRawPointer] = []
  /// Handles in use, and whether a handle was closed since the last `malloc_trim`.
  var active = 0
  var closedSinceTrim = false

  enum Trust {
    /// The system's hashed certificate directory, looked up per peer, plus the extra CA
    /// file if any.
    case directory(String, extra: String?)
    /// libcurl's default bundle, plus the extra CA (one in-memory bundle) if any.
    case bundle([UInt8]?)
  }

  /// `extraCA`: a PEM file of CA certificates trusted besides the system store.
  ///
  /// The system store is used as a hashed directory (`/etc/ssl/certs`, `c_rehash` links)
  /// when it is one: OpenSSL then loads only the certificates a peer's chain names, where the
  /// bundle file (`ca-certificates.crt`) is parsed whole for every connection, about 1 MiB
  /// each (200 concurrent streams through the proxy peaked near 300 MiB that way; `make
  /// bench`). Without a hashed directory, the bundle file it is.
  public init(extraCA: String? = nil) throws(HTTPTransportError) {
    _ = Self.initialized
    // The largest bundle file read (the extra CA, and the system bundle when it is read).
    let limit = (16 << 20) + 1
    var extra: [UInt8]?
    if let extraCA {
      guard let bytes = SmallFile.read(extraCA, below: limit), !bytes.isEmpty,
        bytes.count < 4 << 20,
        String(decoding: bytes, as: UTF8.self).contains("-----BEGIN CERTIFICATE-----")
      else {
        throw HTTPTransportError(
          "\(extraCA) is not a readable PEM file of certificates", isTransient: false)
      }
      extra = bytes
    }
    var bundlePath: String?
    var directory: String?
    if let handle = curl_easy_init() {
      var path: UnsafeMutablePointer<CChar>?
      if vault_curl_getinfo_string(handle, CURLINFO_CAINFO, &path) == CURLE_OK, let path {
        bundlePath = String(cString: path)
      }
      path = nil
      if vault_curl_getinfo_string(handle, CURLINFO_CAPATH, &path) == CURLE_OK, let path {
        directory = String(cString: path)
      }
      curl_easy_cleanup(handle)
    }
    if let directory, Self.isHashedDirectory(directory) {
      trust = .directory(directory, extra: extraCA)
    } else if let extra {
      let system =
        bundlePath.flatMap { SmallFile.read($0, below: limit) }.map { $0 + [0x0A] } ?? []
      trust = .bundle(system + extra)
    } else {
      trust = .bundle(nil)
    }
  }

  /// Whether `path` is a directory of OpenSSL's hashed links (`xxxxxxxx.0`).
  static func isHashedDirectory(_ path: String) -> Bool {
    guard let directory = opendir(path) else { return false }
    defer { closedir(directory) }
    while let entry = readdir(directory) {
      let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
        String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
      }
      if name.utf8.count == 10, name.hasSuffix(".0"), name.prefix(8).allSatisfy(\.isHexDigit) {
        return true
      }
    }
    return false
  }

  deinit {
    for handle in idle { curl_easy_cleanup(handle) }
  }

  static let initialized: Bool = curl_global_init(Int(CURL_GLOBAL_DEFAULT)) == CURLE_OK

  /// The whole answer, collected.
  public func send(_ request: HTTPRequest) throws(HTTPTransportError) -> HTTPResponse {
    var response = HTTPResponse(status: 0, headers: [], body: [])
    try perform(request, totalTimeout: request.timeout) { status, headers in
      response.status = status
      response.headers = headers
      return true
    } body: { chunk in
      response.body.append(contentsOf: chunk)
      return true
    }
    return response
  }

  /// Performs `request`, calling `head` once with the final status and headers (names in
  /// lower case) and `body` with each piece of the body as it arrives. Either returning false
  /// abandons the exchange (no error is thrown for that). `totalTimeout` bounds the whole
  /// exchange; nil bounds only connecting (10 s) and silence (`idleTimeout`), for streams.
  public func perform(
    _ request: HTTPRequest, totalTimeout: Double?, idleTimeout: Double = 300,
    head: (Int, [(name: String, value: String)]) -> Bool,
    body: (UnsafeRawBufferPointer) -> Bool
  ) throws(HTTPTransportError) {
    guard let handle = take() else {
      throw HTTPTransportError("libcurl could not start", isTransient: false)
    }
    var headerList: UnsafeMutablePointer<curl_slist>?
    // What the callbacks see, through CURLOPT_*DATA.
    var failed: HTTPTransportError?
    withoutActuallyEscaping(head) { head in
      withoutActuallyEscaping(body) { body in
        let exchange = Exchange(head: head, body: body)
        withExtendedLifetime(exchange) {
          defer {
            curl_slist_free_all(headerList)
            give(handle)
          }
          let context = Unmanaged.passUnretained(exchange).toOpaque()
          var ok = vault_curl_setopt_string(handle, CURLOPT_URL, request.url) == CURLE_OK
          ok =
            ok && vault_curl_setopt_string(handle, CURLOPT_PROTOCOLS_STR, "http,https") == CURLE_OK
          ok = ok && vault_curl_setopt_long(handle, CURLOPT_NOSIGNAL, 1) == CURLE_OK
          ok = ok && vault_curl_setopt_long(handle, CURLOPT_FOLLOWLOCATION, 0) == CURLE_OK
          ok = ok && vault_curl_setopt_long(handle, CURLOPT_CONNECTTIMEOUT_MS, 10_000) == CURLE_OK
          if let totalTimeout {
            ok =
              ok
              && vault_curl_setopt_long(handle, CURLOPT_TIMEOUT_MS, Int(totalTimeout * 1000))
                == CURLE_OK
          }
          // Silence: less than 1 byte a second for idleTimeout seconds ends the exchange.
          ok = ok && vault_curl_setopt_long(handle, CURLOPT_LOW_SPEED_LIMIT, 1) == CURLE_OK
          ok =
            ok
            && vault_curl_setopt_long(handle, CURLOPT_LOW_SPEED_TIME, Int(idleTimeout)) == CURLE_OK
          switch trust {
          case .directory(let directory, let extra):
            // The extra CA file, or no bundle file at all; the directory for the system store.
            if let extra {
              ok = ok && vault_curl_setopt_string(handle, CURLOPT_CAINFO, extra) == CURLE_OK
            } else {
              ok = ok && vault_curl_setopt_pointer(handle, CURLOPT_CAINFO, nil) == CURLE_OK
            }
            ok = ok && vault_curl_setopt_string(handle, CURLOPT_CAPATH, directory) == CURLE_OK
          case .bundle(var bundle?):
            bundle.withUnsafeMutableBytes { bytes in
              var blob = curl_blob(
                data: bytes.baseAddress, len: bytes.count, flags: UInt32(CURL_BLOB_COPY))
              ok = ok && vault_curl_setopt_blob(handle, CURLOPT_CAINFO_BLOB, &blob) == CURLE_OK
            }
          case .bundle(nil):
            break
          }
          ok =
            ok && vault_curl_setopt_callback(handle, CURLOPT_HEADERFUNCTION, curlHeader) == CURLE_OK
          ok = ok && vault_curl_setopt_pointer(handle, CURLOPT_HEADERDATA, context) == CURLE_OK
          ok =
            ok && vault_curl_setopt_callback(handle, CURLOPT_WRITEFUNCTION, curlWrite) == CURLE_OK
          ok = ok && vault_curl_setopt_pointer(handle, CURLOPT_WRITEDATA, context) == CURLE_OK
          // No `Expect: 100-continue` round trip; the caller's headers as given.
          headerList = curl_slist_append(headerList, "Expect:")
          for (name, value) in request.headers {
            headerList = curl_slist_append(headerList, "\(name): \(value)")
          }
          ok = ok && vault_curl_setopt_slist(handle, CURLOPT_HTTPHEADER, headerList) == CURLE_OK
          switch request.method {
          case "GET" where request.body == nil:
            ok = ok && vault_curl_setopt_long(handle, CURLOPT_HTTPGET, 1) == CURLE_OK
          case "HEAD":
            ok = ok && vault_curl_setopt_long(handle, CURLOPT_NOBODY, 1) == CURLE_OK
          default:
            ok =
              ok
              && vault_curl_setopt_string(handle, CURLOPT_CUSTOMREQUEST, request.method) == CURLE_OK
          }
          guard ok else {
            failed = HTTPTransportError("libcurl refused an option", isTransient: false)
            return
          }
          let code: CURLcode
          if let requestBody = request.body, request.method != "HEAD" {
            code = requestBody.withUnsafeBytes { bytes -> CURLcode in
              // POSTFIELDS makes libcurl send the body (its method stays CUSTOMREQUEST's).
              vault_curl_setopt_long(handle, CURLOPT_POSTFIELDSIZE, bytes.count)
              vault_curl_setopt_pointer(
                handle, CURLOPT_POSTFIELDS, UnsafeMutableRawPointer(mutating: bytes.baseAddress))
              return curl_easy_perform(handle)
            }
            vault_curl_setopt_pointer(handle, CURLOPT_POSTFIELDS, nil)
          } else {
            code = curl_easy_perform(handle)
          }
          if code == CURLE_OK {
            exchange.deliverHead()
          } else if !exchange.abandoned {
            failed = Self.describe(code, timeout: totalTimeout ?? idleTimeout)
          }
        }
      }
    }
    if let failed { throw failed }
  }

  /// What failed, in words that name no header or body.
  static func describe(_ code: CURLcode, timeout: Double) -> HTTPTransportError {
    switch code {
    case CURLE_COULDNT_CONNECT: return HTTPTransportError("connection refused", isTransient: true)
    case CURLE_COULDNT_RESOLVE_HOST: return HTTPTransportError("host not found", isTransient: true)
    case CURLE_OPERATION_TIMEDOUT:
      return HTTPTransportError("no answer within \(Int(timeout)) s", isTransient: true)
    case CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CACERT_BADFILE, CURLE_SSL_CERTPROBLEM:
      return HTTPTransportError(
        "TLS failed: the server's certificate is not trusted", isTransient: false)
    case CURLE_SSL_CONNECT_ERROR:
      return HTTPTransportError("TLS failed: the handshake did not complete", isTransient: true)
    case CURLE_GOT_NOTHING, CURLE_RECV_ERROR, CURLE_SEND_ERROR, CURLE_PARTIAL_FILE:
      return HTTPTransportError("connection closed before the answer", isTransient: true)
    case CURLE_UNSUPPORTED_PROTOCOL, CURLE_URL_MALFORMAT:
      return HTTPTransportError("not an http or https URL", isTransient: false)
    default:
      return HTTPTransportError("the request failed (libcurl \(code.rawValue))", isTransient: true)
    }
  }

  func take() -> UnsafeMutableRawPointer? {
    let handle = lock.withLock {
      active += 1
      return idle.popLast()
    }
    if let handle {
      // Forgets the options, keeps the connection cache.
      curl_easy_reset(handle)
      return handle
    }
    if let fresh = curl_easy_init() { return fresh }
    lock.withLock { active -= 1 }
    return nil
  }

  /// Idle handles kept for their connections: enough for a client's usual parallelism. A
  /// burst beyond it (200 streams at once) closes the extra connections when it ends instead
  /// of keeping each one's TLS state (about 1 MiB with its CA store) for good.
  static let idleLimit = 8

  func give(_ handle: UnsafeMutableRawPointer) {
    let (kept, quiet) = lock.withLock {
      active -= 1
      let kept = idle.count < Self.idleLimit
      if kept { idle.append(handle) } else { closedSinceTrim = true }
      let quiet = active == 0 && closedSinceTrim
      if quiet { closedSinceTrim = false }
      return (kept, quiet)
    }
    if !kept { curl_easy_cleanup(handle) }
    // The burst is over: hand what its connections freed back to the system, or glibc keeps
    // it in its heaps for good.
    if quiet { vault_malloc_trim() }
  }
}

/// One exchange's callbacks and the head being read.
final class Exchange {
  let head: (Int, [(name: String, value: String)]) -> Bool
  let body: (UnsafeRawBufferPointer) -> Bool
  var status = 0
  var headers: [(name: String, value: String)] = []
  var delivered = false
  var abandoned = false

  init(
    head: @escaping (Int, [(name: String, value: String)]) -> Bool,
    body: @escaping (UnsafeRawBufferPointer) -> Bool
  ) {
    self.head = head
    self.body = body
  }

  /// Hands the head over once, when the first body byte or the end arrives.
  func deliverHead() {
    guard !delivered else { return }
    delivered = true
    if !head(status, headers) { abandoned = true }
  }

  func headerLine(_ line: UnsafeRawBufferPointer) {
    // Trimmed as bytes: in a String, "\r\n" is one Character, which neither "\r" nor "\n"
    // ends, so the line ending stayed in every value.
    var end = line.count
    while end > 0, line[end - 1] == 0x0A || line[end - 1] == 0x0D { end -= 1 }
    let text = String(decoding: UnsafeRawBufferPointer(rebasing: line[0..<end]), as: UTF8.self)
    if text.hasPrefix("HTTP/") {
      // A new response (after a 100 Continue, say): its head replaces the last.
      let parts = text.split(separator: " ", maxSplits: 2)
      status = parts.count > 1 ? Int(parts[1]) ?? 0 : 0
      headers = []
    } else if let colon = text.firstIndex(of: ":") {
      let name = text[..<colon].lowercased()
      let value = text[text.index(after: colon)...].trimmingSpaces()
      headers.append((name, value))
    } else if text.isEmpty, status >= 200 {
      deliverHead()
    }
  }
}

extension Substring {
  func trimmingSpaces() -> String {
    var slice = self[...]
    while slice.first == " " || slice.first == "\t" { slice.removeFirst() }
    while slice.last == " " || slice.last == "\t" { slice.removeLast() }
    return String(slice)
  }
}

private func curlHeader(
  _ data: UnsafeMutablePointer<CChar>?, _ size: Int, _ count: Int,
  _ context: UnsafeMutableRawPointer?
) -> Int {
  guard let context else { return 0 }
  let exchange = Unmanaged<Exchange>.fromOpaque(context).takeUnretainedValue()
  exchange.headerLine(UnsafeRawBufferPointer(start: data, count: size * count))
  return exchange.abandoned ? 0 : size * count
}

private func curlWrite(
  _ data: UnsafeMutablePointer<CChar>?, _ size: Int, _ count: Int,
  _ context: UnsafeMutableRawPointer?
) -> Int {
  guard let context else { return 0 }
  let exchange = Unmanaged<Exchange>.fromOpaque(context).takeUnretainedValue()
  exchange.deliverHead()
  guard !exchange.abandoned else { return 0 }
  if !exchange.body(UnsafeRawBufferPointer(start: data, count: size * count)) {
    exchange.abandoned = true
    return 0
  }
  return size * count
}

/// A pthread mutex (Foundation-free).
final class Mutex: @unchecked Sendable {
  private var mutex = pthread_mutex_t()
  init() { pthread_mutex_init(&mutex, nil) }
  deinit { pthread_mutex_destroy(&mutex) }
  func withLock<T>(_ body: () throws -> T) rethrows -> T {
    pthread_mutex_lock(&mutex)
    defer { pthread_mutex_unlock(&mutex) }
    return try body()
  }
}
