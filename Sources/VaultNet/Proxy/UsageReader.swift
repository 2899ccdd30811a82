import VaultCore

/// Reads the token `usage` of an answer as it streams past, for the access log and
/// `--max-tokens`: the last JSON object of a server-sent event that has one (chat's final
/// chunk with `include_usage`, the Responses API's `response.completed`), or the body of a
/// JSON answer. What it keeps is bounded (4 MiB of a JSON body, 1 MiB of one event line);
/// past that the usage is not read.
struct UsageReader {
  /// Tokens as the answer counted them (`input_tokens`/`prompt_tokens`, …).
  struct Usage: Equatable {
    var input: Int?
    var output: Int?
    var total: Int?
  }

  enum Mode { case none, json, events }
  var mode = Mode.none
  var buffer: [UInt8] = []
  var overflow = false
  var found: Usage?

  mutating func mode(contentType: String?) {
    let type = contentType?.lowercased() ?? ""
    if type.hasPrefix("text/event-stream") {
      mode = .events
    } else if type.contains("json") {
      mode = .json
    }
  }

  mutating func feed(_ bytes: [UInt8]) {
    switch mode {
    case .none: return
    case .json:
      guard !overflow else { return }
      if buffer.count + bytes.count > 4 << 20 {
        overflow = true
        buffer = []
      } else {
        buffer += bytes
      }
    case .events:
      var start = 0
      while let newline = bytes[start...].firstIndex(of: 0x0A) {
        if !overflow, buffer.count + newline - start <= 1 << 20 {
          buffer += bytes[start..<newline]
          line(buffer)
        }
        buffer = []
        overflow = false
        start = newline + 1
      }
      if buffer.count + bytes.count - start > 1 << 20 {
        overflow = true
        buffer = []
      } else if !overflow {
        buffer += bytes[start...]
      }
    }
  }

  mutating func line(_ line: [UInt8]) {
    let prefix = Array("data:".utf8)
    guard line.starts(with: prefix) else { return }
    var payload = line.dropFirst(prefix.count)
    while payload.first == 0x20 { payload = payload.dropFirst() }
    while payload.last == 0x0D { payload = payload.dropLast() }
    guard payload.first == 0x7B, Self.contains(payload, "total_tokens") else { return }
    if let usage = Self.usage(in: payload) { found = usage }
  }

  mutating func finish() -> Usage? {
    if mode == .json, !overflow, let usage = Self.usage(in: buffer[...]) { found = usage }
    buffer = []
    return found
  }

  static func contains(_ bytes: ArraySlice<UInt8>, _ text: String) -> Bool {
    let needle = Array(text.utf8)
    guard bytes.count >= needle.count else { return false }
    var index = bytes.startIndex
    while index <= bytes.endIndex - needle.count {
      if bytes[index] == needle[0], bytes[index..<(index + needle.count)].elementsEqual(needle) {
        return true
      }
      index += 1
    }
    return false
  }

  static func usage(in bytes: ArraySlice<UInt8>) -> Usage? {
    guard let value = try? JSONValue.parse(bytes) else { return nil }
    let object = value["usage"] ?? value["response"]?["usage"]
    guard let object, case .object = object else { return nil }
    func count(_ names: String...) -> Int? {
      for name in names { if let number = object[name]?.int64 { return Int(number) } }
      return nil
    }
    let usage = Usage(
      input: count("input_tokens", "prompt_tokens"),
      output: count("output_tokens", "completion_tokens"), total: count("total_tokens"))
    return usage == Usage() ? nil : usage
  }
}
