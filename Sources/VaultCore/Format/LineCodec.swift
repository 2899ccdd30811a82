/// Encoding and strict decoding of single vault lines (FileFormat.md, "Lines"). Decoding
/// checks every field's character set and length, and that re-encoding gives the same bytes.
enum LineCodec {
  typealias Bytes = ArraySlice<UInt8>

  static func list(_ names: [String]) -> String {
    names.isEmpty ? "-" : names.joined(separator: ",")
  }

  static func memberLine(_ m: Member) -> String {
    "member \(m.name) \(m.identity.description) \(m.isOwner ? "owner" : "member")"
      + " read=\(list(m.read)) write=\(list(m.write))"
  }

  static func environmentLine(_ e: EnvironmentKey) -> String {
    "env \(e.name) \(Base64URL.encode(e.publicKey))"
  }

  static func sealLine(_ s: Seal) -> String {
    "seal \(s.environment) \(s.member) \(Base64URL.encode(s.box))"
  }

  /// The entry line without its trailing ` <signature>`: what the writer signs. The key id
  /// follows the writer when the entry has one (format version 3).
  static func entryUnsigned(_ e: Entry) -> String {
    "entry \(e.project) \(e.environment) \(e.name) \(e.version) \(e.created)"
      + " \(Base64URL.encode(e.writer))"
      + (e.keyID.map { " " + Base64URL.encode($0) } ?? "")
      + " \(Base64URL.encode(e.sealed.ephemeralPublicKey))"
      + " \(Base64URL.encode(e.sealed.nonce)) \(Base64URL.encode(e.sealed.ciphertext))"
  }

  static func entryLine(_ e: Entry) -> String {
    entryUnsigned(e) + " " + Base64URL.encode(e.signature)
  }

  static func groupUnsigned(project: String, environment: String, signer: [UInt8]) -> String {
    "group \(project) \(environment) \(Base64URL.encode(signer))"
  }

  static func flagLine(_ f: ExposureFlag, project: String, environment: String) -> String {
    "flag \(project) \(environment) \(f.name) \(f.member) \(f.time)" + (f.wrote ? " wrote" : "")
  }

  static func goneLine(_ t: Tombstone, project: String, environment: String) -> String {
    "gone \(project) \(environment) \(t.name) \(t.version) \(t.time)"
  }

  /// `openai P E NAME VERSION PROJECT KEY ACCOUNT SCOPES` (format version 3).
  static func openAILine(_ l: OpenAILink, project: String, environment: String) -> String {
    "openai \(project) \(environment) \(l.name) \(l.version) \(l.project) \(l.keyID)"
      + " \(l.account ?? "-") \(list(l.scopes))"
  }

  /// `rotation P E NAME STEP TIME PROJECT OLDKEY OLDACCOUNT NEWKEY NEWACCOUNT` (format
  /// version 3).
  static func rotationLine(_ r: PendingRotation, project: String, environment: String) -> String {
    "rotation \(project) \(environment) \(r.name) \(r.step.rawValue) \(r.time) \(r.project)"
      + " \(r.oldKey) \(r.oldAccount ?? "-") \(r.newKey ?? "-") \(r.newAccount ?? "-")"
  }

  /// An OpenAI id: `[A-Za-z0-9][A-Za-z0-9_-]{0,63}` (so `-`, which means none, is not one).
  static func isOpenAIID(_ s: Bytes) -> Bool {
    guard let first = s.first, Names.isAlnum(first), s.count <= OpenAILink.maximumIDLength
    else { return false }
    return s.allSatisfy { Names.isAlnum($0) || $0 == 0x5F || $0 == 0x2D }
  }

  /// A scope: `[a-z0-9][a-z0-9._-]{0,63}`.
  static func isScope(_ s: Bytes) -> Bool {
    guard let first = s.first, Names.isLowerAlnum(first), s.count <= OpenAILink.maximumIDLength
    else { return false }
    return s.allSatisfy { Names.isLowerAlnum($0) || $0 == 0x2E || $0 == 0x5F || $0 == 0x2D }
  }

  /// An account field: an OpenAI id, or `-` (nil). The outer nil is a malformed field.
  static func optionalID(_ s: Bytes) -> String?? {
    if s.elementsEqual("-".utf8) { return .some(nil) }
    return isOpenAIID(s) ? .some(text(s)) : nil
  }

  /// An `openai` line (format version 3): 9 fields; scopes strictly increasing.
  static func parseOpenAI(_ f: [Bytes], formatVersion: Int) -> OpenAILink? {
    guard formatVersion >= 3, f.count == 9, f[0].elementsEqual("openai".utf8),
      Names.isValidName(f[3]), let version = IdentityFile.parseDecimal(f[4]), version >= 1,
      version <= UInt64(Int64.max), isOpenAIID(f[5]), isOpenAIID(f[6]),
      let account = optionalID(f[7])
    else { return nil }
    var scopes: [String] = []
    if !f[8].elementsEqual("-".utf8) {
      for part in f[8].split(separator: 0x2C, omittingEmptySubsequences: false) {
        guard isScope(part), scopes.count < OpenAILink.maximumScopes else { return nil }
        let scope = text(part)
        if let last = scopes.last, !(last < scope) { return nil }
        scopes.append(scope)
      }
    }
    return OpenAILink(
      name: text(f[3]), version: version, project: text(f[5]), keyID: text(f[6]),
      account: account, scopes: scopes)
  }

  /// A `rotation` line (format version 3): 11 fields; `started` has no new key or account,
  /// `stored` and `manual` have a new key.
  static func parseRotation(_ f: [Bytes], formatVersion: Int) -> PendingRotation? {
    guard formatVersion >= 3, f.count == 11, f[0].elementsEqual("rotation".utf8),
      Names.isValidName(f[3]), let step = PendingRotation.Step(rawValue: text(f[4])),
      Timestamp.isValid(f[5]), isOpenAIID(f[6]), isOpenAIID(f[7]),
      let oldAccount = optionalID(f[8]), let newKey = optionalID(f[9]),
      let newAccount = optionalID(f[10])
    else { return nil }
    switch step {
    case .started: guard newKey == nil, newAccount == nil else { return nil }
    case .stored, .manual: guard newKey != nil else { return nil }
    }
    return PendingRotation(
      name: text(f[3]), step: step, time: text(f[5]), project: text(f[6]), oldKey: text(f[7]),
      oldAccount: oldAccount, newKey: newKey, newAccount: newAccount)
  }

  /// A tombstone line (format version 2).
  static func parseGone(_ f: [Bytes], formatVersion: Int) -> Tombstone? {
    guard formatVersion >= 2, f.count == 6, f[0].elementsEqual("gone".utf8),
      Names.isValidName(f[3]), let version = IdentityFile.parseDecimal(f[4]), version >= 1,
      version <= UInt64(Int64.max), Timestamp.isValid(f[5])
    else { return nil }
    return Tombstone(name: text(f[3]), version: version, time: text(f[5]))
  }

  /// The entry, tombstone and flag lines of a group, each with its newline: entries (each
  /// followed by its older versions) and tombstones together in name order, then the flags.
  static func groupBody(_ g: Group) -> [UInt8] {
    var text: [UInt8] = []
    // Each name's current entry line is followed by its older versions (already in version
    // descending order); a name has an entry or a tombstone, never both.
    var lines = g.entries.map { ($0.name, entryLine($0)) }
    lines += g.gone.map { ($0.name, goneLine($0, project: g.project, environment: g.environment)) }
    var older = g.history[...]
    for (name, line) in lines.sorted(by: { $0.0 < $1.0 }) {
      text += Array(line.utf8)
      text.append(0x0A)
      while let next = older.first, next.name == name {
        text += Array(entryLine(next).utf8)
        text.append(0x0A)
        older = older.dropFirst()
      }
    }
    for link in g.links {
      text += Array(openAILine(link, project: g.project, environment: g.environment).utf8)
      text.append(0x0A)
    }
    for rotation in g.rotations {
      text += Array(rotationLine(rotation, project: g.project, environment: g.environment).utf8)
      text.append(0x0A)
    }
    for flag in g.flags {
      text += Array(flagLine(flag, project: g.project, environment: g.environment).utf8)
      text.append(0x0A)
    }
    return text
  }

  /// The bytes a group signature covers: the unsigned group line, then every entry, gone,
  /// openai, rotation and flag line.
  static func groupSignedText(_ g: Group) -> [UInt8] {
    var text = Array(
      groupUnsigned(project: g.project, environment: g.environment, signer: g.signer).utf8)
    text.append(0x0A)
    return text + groupBody(g)
  }

  static func groupText(_ g: Group) -> [UInt8] {
    var text = Array(
      groupUnsigned(project: g.project, environment: g.environment, signer: g.signer).utf8)
    text += Array(" \(Base64URL.encode(g.signature))\n".utf8)
    return text + groupBody(g)
  }

  /// A flag line; the `wrote` field exists from format version 2 on.
  static func parseFlag(_ f: [Bytes], formatVersion: Int) -> ExposureFlag? {
    guard f.count == 6 || (f.count == 7 && formatVersion >= 2 && f[6].elementsEqual("wrote".utf8)),
      f[0].elementsEqual("flag".utf8), Names.isValidName(f[3]), Names.isValidMember(f[4]),
      Timestamp.isValid(f[5])
    else { return nil }
    return ExposureFlag(name: text(f[3]), member: text(f[4]), time: text(f[5]), wrote: f.count == 7)
  }

  // MARK: Decoding

  /// Splits a line into fields separated by single spaces; empty fields are refused.
  static func fields(_ line: Bytes) -> [Bytes]? {
    let parts = line.split(separator: 0x20, omittingEmptySubsequences: false)
    for part in parts where part.isEmpty { return nil }
    return parts
  }

  static func text(_ bytes: Bytes) -> String {
    String(decoding: bytes, as: UTF8.self)
  }

  static func envList(_ field: Bytes, key: String) -> [String]? {
    guard field.starts(with: key.utf8) else { return nil }
    let body = field.dropFirst(key.utf8.count)
    if body.elementsEqual("-".utf8) { return [] }
    var result: [String] = []
    for part in body.split(separator: 0x2C, omittingEmptySubsequences: false) {
      guard Names.isValidEnvironment(part) else { return nil }
      let name = text(part)
      // Strictly increasing: sorted, no duplicates, one encoding.
      if let last = result.last, !(last < name) { return nil }
      result.append(name)
    }
    return result
  }

  static func parseMember(_ f: [Bytes]) -> Member? {
    guard f.count == 6, Names.isValidMember(f[1]), let identity = PublicIdentity(utf8: f[2]),
      let read = envList(f[4], key: "read="), let write = envList(f[5], key: "write=")
    else { return nil }
    let isOwner: Bool
    if f[3].elementsEqual("owner".utf8) {
      isOwner = true
    } else if f[3].elementsEqual("member".utf8) {
      isOwner = false
    } else {
      return nil
    }
    return Member(name: text(f[1]), identity: identity, isOwner: isOwner, read: read, write: write)
  }

  static func parseEnvironment(_ f: [Bytes]) -> EnvironmentKey? {
    guard f.count == 3, Names.isValidEnvironment(f[1]),
      let key = Base64URL.decode(f[2], length: 32)
    else { return nil }
    return EnvironmentKey(name: text(f[1]), publicKey: key)
  }

  static func parseSeal(_ f: [Bytes]) -> Seal? {
    guard f.count == 4, Names.isValidEnvironment(f[1]), Names.isValidMember(f[2]),
      let box = Base64URL.decode(f[3], length: SealedBox.sealedKeyLength)
    else { return nil }
    return Seal(environment: text(f[1]), member: text(f[2]), box: box)
  }

  /// `openbao ENV ADDRESS MOUNT KEY CIPHERTEXT` (format version 3).
  static func openBaoLine(_ r: OpenBaoRecipient) -> String {
    "openbao \(r.environment) \(r.address) \(r.mount) \(r.key) \(r.ciphertext)"
  }

  static func parseOpenBao(_ f: [Bytes]) -> OpenBaoRecipient? {
    guard f.count == 6, Names.isValidEnvironment(f[1]) else { return nil }
    let recipient = OpenBaoRecipient(
      environment: text(f[1]), address: text(f[2]), mount: text(f[3]), key: text(f[4]),
      ciphertext: text(f[5]))
    guard OpenBaoRecipient.isValidAddress(recipient.address),
      OpenBaoRecipient.isValidMount(recipient.mount), OpenBaoRecipient.isValidKey(recipient.key),
      OpenBaoRecipient.isValidCiphertext(recipient.ciphertext)
    else { return nil }
    return recipient
  }

  /// The largest ciphertext accepted: a 64 KiB value padded, plus the tag.
  static let maximumCiphertext =
    EntryCipher.maximumValueLength + EntryCipher.paddingBlock + AEAD.tagLength

  /// An entry line: the version 2 form (11 fields), or in a format version 3 file either
  /// form, the version 3 one carrying the key id after the writer (12 fields).
  static func parseEntry(_ f: [Bytes], formatVersion: Int) -> Entry? {
    guard f.count == 11 || (f.count == 12 && formatVersion >= 3) else { return nil }
    // The fields after the writer move one place right when a key id is present.
    let k = f.count - 11
    var keyID: [UInt8]?
    if k == 1 {
      guard let id = Base64URL.decode(f[7], length: EntryCipher.keyIDLength) else { return nil }
      keyID = id
    }
    guard Names.isValidProject(f[1]), Names.isValidEnvironment(f[2]),
      Names.isValidName(f[3]), let version = IdentityFile.parseDecimal(f[4]), version >= 1,
      version <= UInt64(Int64.max), Timestamp.isValid(f[5]),
      let writer = Base64URL.decode(f[6], length: 32),
      let ephemeral = Base64URL.decode(f[7 + k], length: 32),
      let nonce = Base64URL.decode(f[8 + k], length: AEAD.nonceLength),
      f[9 + k].count <= maximumCiphertext * 4 / 3 + 4,
      let ciphertext = Base64URL.decode(f[9 + k]),
      ciphertext.count > AEAD.tagLength,
      (ciphertext.count - AEAD.tagLength) % EntryCipher.paddingBlock == 0,
      let signature = Base64URL.decode(f[10 + k], length: 64)
    else { return nil }
    return Entry(
      project: text(f[1]), environment: text(f[2]), name: text(f[3]), version: version,
      created: text(f[5]), writer: writer,
      sealed: EntryCipher.Sealed(
        ephemeralPublicKey: ephemeral, nonce: nonce, ciphertext: ciphertext),
      signature: signature, keyID: keyID)
  }
}
