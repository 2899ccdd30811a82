import CSodium
import Glibc

/// A parsed vault file: the header in full, and each group as a block of raw lines that is
/// decoded (and verified) only when a command needs it. FileFormat.md is the grammar.
public struct VaultFile: Sendable {
  /// The format version `vault` writes. Version 1 files (no generation line) and version 2
  /// files (entry lines without a key id) keep opening; an owner's first header change
  /// writes them as version 3.
  public static let currentFormatVersion = 3

  /// Where the file was read from, for messages.
  public var path: String
  public var header: Header
  /// The header's bytes up to (not including) the `signed` line: what an owner signs.
  public var headerSignedText: [UInt8]
  /// The groups, sorted by (project, environment).
  public var blocks: [Block]
  /// Members this person saw removed from this vault earlier who are members again (a
  /// rolled-back file, most likely): nothing new may be sealed to them. Set by `TrustStore`.
  public var retired: [Member] = []
  /// Members this person saw in this vault who are gone from the header while an
  /// environment still has a key they held (a `git revert` of `members add`): an owner
  /// re-keys with `removeMember`. Set by `TrustStore`.
  public var departed: [DepartedMember] = []
  /// Signatures verified before (`VerifiedSignatures`): set by `VaultStore` for the readers of
  /// one group (`exec`, `get`); nil verifies every signature (every write does).
  public var verified: VerifiedSignatures?
  /// OpenBao's transit engine, for a re-key of an environment with an OpenBao recipient
  /// (set by `vault-net`'s membership commands); nil refuses such a re-key.
  public var transit: (any TransitService)?
  /// The version an owner's header change writes: always `currentFormatVersion`, except in
  /// the vector generator, which writes the version 2 vectors with today's code.
  var formatVersionToWrite = VaultFile.currentFormatVersion

  public init(path: String, header: Header, headerSignedText: [UInt8], blocks: [Block]) {
    self.path = path
    self.header = header
    self.headerSignedText = headerSignedText
    self.blocks = blocks
  }

  // MARK: Serializing

  /// The header lines up to (not including) `signed`.
  public static func headerText(_ header: Header) -> [UInt8] {
    var text = "vault \(header.formatVersion)\nid \(Base64URL.encode(header.vaultID))\n"
    if header.formatVersion >= 2 { text += "generation \(header.generation)\n" }
    if header.formatVersion >= 3, let limit = header.historyLimit { text += "history \(limit)\n" }
    for member in header.members { text += LineCodec.memberLine(member) + "\n" }
    for environment in header.environments { text += LineCodec.environmentLine(environment) + "\n" }
    for seal in header.seals { text += LineCodec.sealLine(seal) + "\n" }
    for recipient in header.openBao { text += LineCodec.openBaoLine(recipient) + "\n" }
    return Array(text.utf8)
  }

  /// The whole file's canonical bytes.
  public func serialized() -> [UInt8] {
    var output = headerSignedText
    output += Array(
      "signed \(Base64URL.encode(header.signer)) \(Base64URL.encode(header.signature))\n".utf8)
    for block in blocks { output += block.text }
    output += Array("end\n".utf8)
    return output
  }

  // MARK: Parsing

  /// Parses the header fully and frames every group (labels, order, duplicates) without
  /// decoding entries. Used by every command that writes or lists.
  public static func parse(_ bytes: [UInt8], path: String) throws -> VaultFile {
    var reader = LineReader(bytes: bytes, path: path)
    let (header, signedText) = try parseHeader(&reader)
    var blocks: [Block] = []
    var current:
      (
        project: String, environment: String, start: Int, line: Int, lastName: String,
        lastWasEntry: Bool, phase: Int
      )?
    func close(at end: Int) {
      if let c = current {
        blocks.append(
          Block(
            project: c.project, environment: c.environment, text: bytes[c.start..<end], line: c.line
          ))
      }
      current = nil
    }
    while true {
      guard let line = reader.next() else { throw reader.error(.missingEnd) }
      try reader.checkCharacters(line)
      if line.elementsEqual("end".utf8) {
        close(at: reader.lineStart)
        guard reader.isAtEnd else { throw reader.error(.dataAfterEnd, line: reader.lineNumber + 1) }
        break
      }
      let parts = line.split(separator: 0x20, maxSplits: 4, omittingEmptySubsequences: false)
      guard parts.count >= 4 else {
        throw reader.error(.unexpectedLine(expected: "group, entry or end"))
      }
      let project = LineCodec.text(parts[1])
      let environment = LineCodec.text(parts[2])
      guard Names.isValidProject(parts[1]) else { throw reader.error(.badField("project")) }
      guard Names.isValidEnvironment(parts[2]) else { throw reader.error(.badField("environment")) }
      if parts[0].elementsEqual("group".utf8) {
        close(at: reader.lineStart)
        if let previous = blocks.last {
          if previous.project == project && previous.environment == environment {
            throw reader.error(.duplicate("group \(project)/\(environment)"))
          }
          guard (previous.project, previous.environment) < (project, environment) else {
            throw reader.error(.outOfOrder)
          }
        }
        current = (project, environment, reader.lineStart, reader.lineNumber, "", false, 0)
      } else if parts[0].elementsEqual("entry".utf8) || parts[0].elementsEqual("gone".utf8) {
        // Entries and tombstones share one name order; decode() checks them in full.
        guard let c = current, c.project == project, c.environment == environment else {
          throw reader.error(.unexpectedLine(expected: "group \(project) \(environment)"))
        }
        guard Names.isValidName(parts[3]) else { throw reader.error(.badField("name")) }
        let name = LineCodec.text(parts[3])
        let isEntry = parts[0].elementsEqual("entry".utf8)
        // Older versions of a name follow its current entry line (format version 3, "History");
        // decode() checks that their versions decrease.
        if name == c.lastName, !(isEntry && c.lastWasEntry && header.formatVersion >= 3) {
          throw reader.error(.duplicate("entry \(project)/\(environment)/\(name)"))
        }
        guard c.lastName <= name, c.phase == 0 else { throw reader.error(.outOfOrder) }
        current?.lastName = name
        current?.lastWasEntry = isEntry
      } else if let phase = Self.trailingPhase(parts[0]) {
        // OpenAI links, then pending rotations, then exposure flags follow their group's
        // entries, in that order; decode() checks them in full.
        guard let c = current, c.project == project, c.environment == environment else {
          throw reader.error(.unexpectedLine(expected: "group \(project) \(environment)"))
        }
        guard c.phase <= phase else { throw reader.error(.outOfOrder) }
        current?.phase = phase
      } else {
        throw reader.error(.unexpectedLine(expected: "group, entry or end"))
      }
    }
    // A group holds at least one entry or tombstone line.
    for block in blocks
    where block.text.firstIndex(of: 0x0A) == block.text.index(before: block.text.endIndex) {
      throw VaultError.malformed(path: path, line: block.line, problem: .badField("empty group"))
    }
    return VaultFile(path: path, header: header, headerSignedText: signedText, blocks: blocks)
  }

  /// Where a group's trailing line kind sits after its entry and gone lines (phase 0):
  /// `openai` lines (1), then `rotation` lines (2), then `flag` lines (3); nil for another
  /// keyword.
  static func trailingPhase(_ keyword: ArraySlice<UInt8>) -> Int? {
    if keyword.elementsEqual("flag".utf8) { return 3 }
    if keyword.elementsEqual("openai".utf8) { return 1 }
    if keyword.elementsEqual("rotation".utf8) { return 2 }
    return nil
  }

  /// Parses the header and finds only the block of (`project`, `environment`), so the cost
  /// of `exec` does not grow with other projects' entries. Other groups are not checked.
  public static func parse(
    _ bytes: [UInt8], path: String, onlyProject project: String, environment: String
  ) throws -> VaultFile {
    try bytes.withUnsafeBytes {
      try parse($0, path: path, onlyProject: project, environment: environment)
    }
  }

  /// The same, over a buffer (a memory-mapped file): only the header and the one block are
  /// copied; the rest is searched with memmem and never decoded.
  public static func parse(
    _ buffer: UnsafeRawBufferPointer, path: String, onlyProject project: String,
    environment: String
  ) throws -> VaultFile {
    func find(_ needle: [UInt8], from start: Int) -> Int? {
      guard start < buffer.count, let base = buffer.baseAddress else { return nil }
      // A line's start (a needle beginning with a newline): memchr from newline to newline,
      // comparing each line's first bytes. The same hits as memmem, in about a quarter of
      // its instructions over a 6 MB file whose lines are hundreds of bytes long.
      if needle.count > 1 && needle[0] == 0x0A {
        var offset = start
        while offset < buffer.count {
          guard let newline = memchr(base + offset, 0x0A, buffer.count - offset) else {
            return nil
          }
          let at = base.distance(to: UnsafeRawPointer(newline))
          if buffer.count - at >= needle.count
            && needle.withUnsafeBytes({ memcmp(base + at, $0.baseAddress!, needle.count) }) == 0
          {
            return at
          }
          offset = at + 1
        }
        return nil
      }
      let hit = needle.withUnsafeBytes { n in
        vault_memmem(base + start, buffer.count - start, n.baseAddress, n.count)
      }
      guard let hit else { return nil }
      return base.distance(to: UnsafeRawPointer(hit))
    }
    func lineEnd(from offset: Int) -> Int {
      find([0x0A], from: offset).map { $0 + 1 } ?? buffer.count
    }
    // The header runs through the `signed` line; parse it in full (it is small).
    let headerEnd =
      find(Array("\nsigned ".utf8), from: 0).map { lineEnd(from: $0 + 1) } ?? buffer.count
    var reader = LineReader(bytes: Array(buffer[0..<headerEnd]), path: path)
    let (header, signedText) = try parseHeader(&reader)
    let end = Array("\nend\n".utf8)
    guard buffer.count >= headerEnd + 4,
      buffer[(buffer.count - end.count)...].elementsEqual(end)
        || (buffer.count == headerEnd + 4 && buffer[headerEnd...].elementsEqual("end\n".utf8))
    else {
      throw VaultError.malformed(path: path, line: 0, problem: .missingEnd)
    }
    var blocks: [Block] = []
    let needle = Array("\ngroup \(project) \(environment) ".utf8)
    if let match = find(needle, from: headerEnd - 1) {
      guard find(needle, from: match + 1) == nil else {
        throw VaultError.malformed(
          path: path, line: 0, problem: .duplicate("group \(project)/\(environment)"))
      }
      // The block runs until the first line that is not an entry of this group.
      let start = match + 1
      let entryPrefix = Array("entry \(project) \(environment) ".utf8)
      let gonePrefix = Array("gone \(project) \(environment) ".utf8)
      let flagPrefix = Array("flag \(project) \(environment) ".utf8)
      let openAIPrefix = Array("openai \(project) \(environment) ".utf8)
      let rotationPrefix = Array("rotation \(project) \(environment) ".utf8)
      var cursor = lineEnd(from: start)
      // Entry lines first: nearly every line of a block is one.
      while cursor < buffer.count,
        buffer[cursor...].starts(with: entryPrefix) || buffer[cursor...].starts(with: gonePrefix)
          || buffer[cursor...].starts(with: flagPrefix)
          || buffer[cursor...].starts(with: openAIPrefix)
          || buffer[cursor...].starts(with: rotationPrefix)
      {
        cursor = lineEnd(from: cursor)
      }
      // What follows the block begins the next group or is `end`: a group's line under
      // another label (an `openai web dev` line in web/prod) is a format error here as it is
      // for the full parser, not a shorter block whose signature fails.
      guard cursor < buffer.count,
        buffer[cursor...].starts(with: "group ".utf8)
          || buffer[cursor...].starts(with: "end\n".utf8)
      else {
        throw VaultError.malformed(
          path: path, line: 0,
          problem: .unexpectedLine(expected: "group \(project) \(environment)"))
      }
      // Counting lines up to the block would cost a pass over the whole file, so a block
      // found this way has no line number (0); error messages then name the file only.
      blocks.append(
        Block(
          project: project, environment: environment, text: Array(buffer[start..<cursor])[...],
          line: 0))
    } else if find(Array("\nentry \(project) \(environment) ".utf8), from: headerEnd - 1) != nil {
      // No group line, yet an entry of this label: the group line is damaged. That is a
      // corrupt file, not an absent group ("no entry").
      throw VaultError.malformed(
        path: path, line: 0, problem: .unexpectedLine(expected: "group \(project) \(environment)"))
    }
    return VaultFile(path: path, header: header, headerSignedText: signedText, blocks: blocks)
  }

  private static func parseHeader(_ reader: inout LineReader) throws -> (Header, [UInt8]) {
    guard let first = reader.next() else { throw reader.error(.empty, line: 1) }
    let magic = Array("vault ".utf8)
    guard first.starts(with: magic) else { throw reader.error(.wrongMagic) }
    try reader.checkCharacters(first)
    let version = LineCodec.text(first.dropFirst(magic.count))
    let formatVersion: Int
    switch version {
    case "1": formatVersion = 1
    case "2": formatVersion = 2
    case "3": formatVersion = 3
    default: throw VaultError.unsupportedVersion(path: reader.path, version: version)
    }
    guard let idLine = reader.next() else { throw reader.error(.missingEnd) }
    try reader.checkCharacters(idLine)
    guard let idFields = LineCodec.fields(idLine), idFields.count == 2,
      idFields[0].elementsEqual("id".utf8), let vaultID = Base64URL.decode(idFields[1], length: 16)
    else { throw reader.error(.unexpectedLine(expected: "id")) }
    // Version 2 and 3: the membership generation, at least 1 (version 1's is an implicit 0).
    var generation: UInt64 = 0
    if formatVersion >= 2 {
      guard let line = reader.next() else { throw reader.error(.missingEnd) }
      try reader.checkCharacters(line)
      guard let f = LineCodec.fields(line), f.count == 2, f[0].elementsEqual("generation".utf8),
        let value = IdentityFile.parseDecimal(f[1]), value >= 1, value <= UInt64(Int64.max)
      else { throw reader.error(.unexpectedLine(expected: "generation")) }
      generation = value
    }

    var members: [Member] = []
    var environments: [EnvironmentKey] = []
    var seals: [Seal] = []
    var openBao: [OpenBaoRecipient] = []
    var historyLimit: UInt64?
    var afterGeneration = true
    while true {
      defer { afterGeneration = false }
      guard let line = reader.next() else { throw reader.error(.missingEnd) }
      try reader.checkCharacters(line)
      guard let f = LineCodec.fields(line), let keyword = f.first else {
        throw reader.error(.nonCanonical("spaces"))
      }
      func canonical(_ encoded: String) throws {
        guard line.elementsEqual(encoded.utf8) else {
          throw reader.error(.nonCanonical(LineCodec.text(keyword)))
        }
      }
      if keyword.elementsEqual("history".utf8) {
        // Version 3: how many versions of each entry writers keep, right after generation.
        guard formatVersion >= 3, afterGeneration else {
          throw reader.error(.unexpectedLine(expected: "member, env, seal or signed"))
        }
        guard f.count == 2, let value = IdentityFile.parseDecimal(f[1]), value >= 1,
          value <= Header.maximumHistoryLimit
        else { throw reader.error(.badField("history")) }
        historyLimit = value
      } else if keyword.elementsEqual("member".utf8) {
        guard environments.isEmpty, seals.isEmpty, openBao.isEmpty else {
          throw reader.error(.outOfOrder)
        }
        guard let member = LineCodec.parseMember(f) else { throw reader.error(.badField("member")) }
        try canonical(LineCodec.memberLine(member))
        if let last = members.last {
          if last.name == member.name { throw reader.error(.duplicate("member \(member.name)")) }
          guard last.name < member.name else { throw reader.error(.outOfOrder) }
        }
        members.append(member)
      } else if keyword.elementsEqual("env".utf8) {
        guard seals.isEmpty, openBao.isEmpty else { throw reader.error(.outOfOrder) }
        guard let environment = LineCodec.parseEnvironment(f) else {
          throw reader.error(.badField("env"))
        }
        try canonical(LineCodec.environmentLine(environment))
        if let last = environments.last {
          if last.name == environment.name {
            throw reader.error(.duplicate("env \(environment.name)"))
          }
          guard last.name < environment.name else { throw reader.error(.outOfOrder) }
        }
        environments.append(environment)
      } else if keyword.elementsEqual("seal".utf8) {
        guard openBao.isEmpty else { throw reader.error(.outOfOrder) }
        guard let seal = LineCodec.parseSeal(f) else { throw reader.error(.badField("seal")) }
        try canonical(LineCodec.sealLine(seal))
        if let last = seals.last {
          if (last.environment, last.member) == (seal.environment, seal.member) {
            throw reader.error(.duplicate("seal \(seal.environment) \(seal.member)"))
          }
          guard (last.environment, last.member) < (seal.environment, seal.member) else {
            throw reader.error(.outOfOrder)
          }
        }
        seals.append(seal)
      } else if keyword.elementsEqual("openbao".utf8) {
        // Version 3: an OpenBao transit key holding one environment's key, after the seals.
        guard formatVersion >= 3 else {
          throw reader.error(.unexpectedLine(expected: "member, env, seal or signed"))
        }
        guard let recipient = LineCodec.parseOpenBao(f) else {
          throw reader.error(.badField("openbao"))
        }
        try canonical(LineCodec.openBaoLine(recipient))
        if let last = openBao.last {
          if last.environment == recipient.environment {
            throw reader.error(.duplicate("openbao \(recipient.environment)"))
          }
          guard last.environment < recipient.environment else { throw reader.error(.outOfOrder) }
        }
        openBao.append(recipient)
      } else if keyword.elementsEqual("signed".utf8) {
        guard f.count == 3, let signer = Base64URL.decode(f[1], length: 32),
          let signature = Base64URL.decode(f[2], length: 64)
        else { throw reader.error(.badField("signed")) }
        let signedText = Array(reader.bytes[0..<reader.lineStart])
        let header = Header(
          formatVersion: formatVersion, vaultID: vaultID, generation: generation,
          historyLimit: historyLimit, members: members, environments: environments,
          seals: seals, openBao: openBao, signer: signer, signature: signature)
        return (header, signedText)
      } else {
        throw reader.error(.unexpectedLine(expected: "member, env, seal or signed"))
      }
    }
  }
}

/// Walks a file line by line, keeping line numbers for messages.
struct LineReader {
  let bytes: [UInt8]
  let path: String
  /// The offset of the next unread line.
  private(set) var offset = 0
  /// The offset and 1-based number of the line last returned.
  private(set) var lineStart = 0
  private(set) var lineNumber = 0

  init(bytes: [UInt8], path: String) {
    self.bytes = bytes
    self.path = path
  }

  var isAtEnd: Bool { offset >= bytes.count }

  /// The next line without its newline; nil at the end or when the last line has no newline
  /// (a truncated file).
  mutating func next() -> ArraySlice<UInt8>? {
    guard offset < bytes.count, let newline = bytes[offset...].firstIndex(of: 0x0A) else {
      lineNumber += 1
      return nil
    }
    lineStart = offset
    lineNumber += 1
    offset = newline + 1
    return bytes[lineStart..<newline]
  }

  /// Refuses bytes outside printable ASCII (no CR, tab, NUL or UTF-8).
  func checkCharacters(_ line: ArraySlice<UInt8>) throws {
    for byte in line where byte < 0x20 || byte > 0x7E {
      throw error(.invalidCharacter)
    }
  }

  func error(_ problem: FormatProblem, line: Int? = nil) -> VaultError {
    .malformed(path: path, line: line ?? lineNumber, problem: problem)
  }
}
