import Glibc

/// The local access log (README, "Access log"): which entries were used, when, by which vault
/// command and which program, one JSON line per entry, in
/// `${XDG_STATE_HOME:-~/.local/state}/vault/access.log` (mode 0600). Never a value.
///
/// It is this person's record, not an audit trail: anyone with their account can edit it.
/// Only their own configuration turns it off (`access-log off` in
/// `${XDG_CONFIG_HOME:-~/.config}/vault/config`); nothing in a vault file, a repository or a
/// `VAULT_*` variable does. At `maximumSize` the file moves to `access.log.1` (one older
/// file kept), so it never grows without bound.
public struct AccessLog: Sendable {
  /// One use of one entry.
  public struct Record: Equatable, Sendable {
    /// `YYYY-MM-DDTHH:MM:SSZ`, UTC.
    public var time: String
    /// `exec`, `get` or `export`.
    public var command: String
    public var project: String
    public var environment: String
    public var name: String
    public var version: UInt64
    /// The basename of the program `exec` ran; nil for `get` and `export`.
    public var program: String?
    /// Whether stdin or stdout was a terminal.
    public var terminal: Bool

    public init(
      time: String, command: String, project: String, environment: String, name: String,
      version: UInt64, program: String?, terminal: Bool
    ) {
      self.time = time
      self.command = command
      self.project = project
      self.environment = environment
      self.name = name
      self.version = version
      self.program = program
      self.terminal = terminal
    }

    /// The record's JSON line, without the LF; keys always in this order.
    public var json: String {
      "{\"time\":\(JSON.quote(time)),\"command\":\(JSON.quote(command)),"
        + "\"project\":\(JSON.quote(project)),\"environment\":\(JSON.quote(environment)),"
        + "\"name\":\(JSON.quote(name)),\"version\":\(version),"
        + "\"program\":\(program.map { JSON.quote($0) } ?? "null"),\"terminal\":\(terminal)}"
    }
  }

  /// The log file.
  public let path: String
  /// The configuration file that may turn the log off.
  public let configFile: String
  /// The size at which the log moves to `access.log.1`: 1 MiB, about 5,000 records.
  public static let maximumSize = 1 << 20

  public init(paths: Paths) {
    path = paths.stateDirectory + "/access.log"
    configFile = UserConfig.path(paths)
  }

  /// Whether the user's configuration (`UserConfig`) leaves the log on (the default).
  public func isEnabled() throws -> Bool {
    try UserConfig.load(path: configFile).accessLog
  }

  /// Appends `records`, one line each, in one write. Creates the file 0600 (and its
  /// directory 0700); refuses a symlink or a file that is not regular or not ours.
  public func append(_ records: [Record]) throws {
    try appendLines(records.map(\.json))
  }

  /// Appends one proxied request (`vault exec --proxy`, `vault proxy`).
  public func append(request: ProxyRequestRecord) throws {
    try appendLines([request.json])
  }

  func appendLines(_ lines: [String]) throws {
    guard !lines.isEmpty, try isEnabled() else { return }
    try FileSystem.makeDirectories(Paths.directory(of: path))
    var fd = try openLog()
    defer { close(fd) }
    var info = stat()
    if fstat(fd, &info) == 0, Int(info.st_size) >= Self.maximumSize {
      // Rotate under a lock, so two processes do not both move the file.
      while flock(fd, LOCK_EX) != 0 && errno == EINTR {}
      var current = stat()
      if stat(path, &current) == 0, current.st_ino == info.st_ino,
        rename(path, path + ".1") == 0
      {
        close(fd)
        fd = try openLog()
      }
    }
    var bytes = Array(lines.map { $0 + "\n" }.joined().utf8)
    var written = 0
    while written < bytes.count {
      let count = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + written, $0.count - written) }
      if count < 0 {
        if errno == EINTR { continue }
        throw VaultError.io(path: path, operation: "write", errno: errno)
      }
      written += count
    }
    bytes.removeAll()
  }

  private func openLog() throws -> Int32 {
    let fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK, 0o600)
    guard fd >= 0 else {
      let error = errno
      if error == ELOOP { throw VaultError.symlink(path: path) }
      throw VaultError.io(path: path, operation: "open", errno: error)
    }
    var info = stat()
    guard fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG, info.st_uid == getuid()
    else {
      close(fd)
      throw VaultError.notRegularFile(path: path)
    }
    // Exact mode whatever the umask, and narrowed if someone widened it.
    if info.st_mode & 0o777 != 0o600 { fchmod(fd, 0o600) }
    return fd
  }

  /// The records of `access.log.1` and `access.log`, oldest first, and the proxied requests
  /// apart. Lines that are neither are skipped and counted.
  public func records() throws -> (
    records: [Record], skipped: Int, requests: [ProxyRequestRecord]
  ) {
    var records: [Record] = []
    var requests: [ProxyRequestRecord] = []
    var skipped = 0
    for file in [path + ".1", path] {
      guard let contents = try FileSystem.read(file, maximumSize: 4 * Self.maximumSize) else {
        continue
      }
      for line in contents.bytes.split(separator: 0x0A) {
        if let record = Self.parse(Array(line)) {
          records.append(record)
        } else if let request = ProxyRequestRecord.parse(Array(line)) {
          requests.append(request)
        } else {
          skipped += 1
        }
      }
    }
    return (records, skipped, requests)
  }

  /// Parses a line `Record.json` writes: the same keys in the same order.
  static func parse(_ line: [UInt8]) -> Record? {
    var cursor = 0
    func expect(_ text: String) -> Bool {
      let bytes = Array(text.utf8)
      guard line.count - cursor >= bytes.count,
        line[cursor..<(cursor + bytes.count)].elementsEqual(bytes)
      else { return false }
      cursor += bytes.count
      return true
    }
    func string() -> String? {
      guard cursor < line.count, line[cursor] == 0x22 else { return nil }
      cursor += 1
      var bytes: [UInt8] = []
      while cursor < line.count {
        let byte = line[cursor]
        cursor += 1
        if byte == 0x22 { return String(validating: bytes, as: UTF8.self) }
        guard byte == 0x5C else {
          bytes.append(byte)
          continue
        }
        guard cursor < line.count else { return nil }
        let escaped = line[cursor]
        cursor += 1
        switch escaped {
        case 0x22, 0x5C: bytes.append(escaped)
        case 0x6E: bytes.append(0x0A)
        case 0x72: bytes.append(0x0D)
        case 0x74: bytes.append(0x09)
        case 0x75:
          guard line.count - cursor >= 4, line[cursor] == 0x30, line[cursor + 1] == 0x30,
            let high = hexValue(line[cursor + 2]), let low = hexValue(line[cursor + 3])
          else { return nil }
          bytes.append(high << 4 | low)
          cursor += 4
        default: return nil
        }
      }
      return nil
    }
    func hexValue(_ byte: UInt8) -> UInt8? {
      switch byte {
      case 0x30...0x39: return byte - 0x30
      case 0x61...0x66: return byte - 0x61 + 10
      default: return nil
      }
    }
    func number() -> UInt64? {
      let start = cursor
      while cursor < line.count, line[cursor] >= 0x30, line[cursor] <= 0x39 { cursor += 1 }
      return IdentityFile.parseDecimal(line[start..<cursor])
    }
    guard expect("{\"time\":"), let time = string(), Timestamp.isValid(time.utf8),
      expect(",\"command\":"), let command = string(),
      expect(",\"project\":"), let project = string(), Names.isValidProject(project.utf8),
      expect(",\"environment\":"), let environment = string(),
      Names.isValidEnvironment(environment.utf8),
      expect(",\"name\":"), let name = string(), Names.isValidName(name.utf8),
      expect(",\"version\":"), let version = number(), expect(",\"program\":")
    else { return nil }
    var program: String?
    if !expect("null") {
      guard let text = string() else { return nil }
      program = text
    }
    let terminal: Bool
    if expect(",\"terminal\":true}") {
      terminal = true
    } else if expect(",\"terminal\":false}") {
      terminal = false
    } else {
      return nil
    }
    guard cursor == line.count else { return nil }
    return Record(
      time: time, command: command, project: project, environment: environment, name: name,
      version: version, program: program, terminal: terminal)
  }
}
