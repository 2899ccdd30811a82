import Foundation
import Testing
@testable import VaultCore

/// Writes the files in Vectors/ when run with VAULT_REGENERATE_VECTORS=1:
///
///     VAULT_REGENERATE_VECTORS=1 swift test --filter VectorGenerator
///
/// Vectors are committed; normally this test is skipped and VectorTests only reads them.
/// The frozen vault (`frozen-v1.*`) is written once and never again: it is the vault the first
/// release wrote, and it must keep opening forever. Forgeries use the owner's own keys where a
/// check other than the signature is what must catch them (the associated data, the member
/// list), so each failure vector shows one check working on its own.
@Suite struct VectorGenerator {
  static let enabled = ProcessInfo.processInfo.environment["VAULT_REGENERATE_VECTORS"] == "1"
  static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .appendingPathComponent("Vectors")
  static let now = "2026-01-15T09:30:00Z"

  let alice = TestIdentities.alice
  let bob = TestIdentities.bob
  let mallory = TestIdentities.mallory

  @Test(.enabled(if: enabled)) func regenerate() throws {
    try FileManager.default.createDirectory(at: Self.directory, withIntermediateDirectories: true)
    try frozen()
    try team()
    try identityFiles()
    try openAILines()
  }

  /// Only the `openai-*` and `rotation-*` vectors, leaving the others as committed:
  ///
  ///     VAULT_REGENERATE_OPENAI_VECTORS=1 swift test --filter VectorGenerator
  static let openAIEnabled =
    ProcessInfo.processInfo.environment["VAULT_REGENERATE_OPENAI_VECTORS"] == "1"

  @Test(.enabled(if: openAIEnabled)) func regenerateOpenAILines() throws {
    try openAILines()
  }

  // MARK: Writing files

  func write(_ name: String, _ bytes: [UInt8]) throws {
    try Data(bytes).write(to: Self.directory.appendingPathComponent(name))
  }

  func expect(
    _ name: String, _ comment: String, _ outcome: Vector.Outcome, vault: String? = nil,
    identity: Identity? = nil, identityFile: String? = nil, passphrase: String? = nil,
    reads: [(String, String, [(String, String)])], flags: [String: [String]] = [:],
    older: [String: [String]] = [:], links: [String: [String]] = [:],
    rotations: [String: [String]] = [:]
  ) throws {
    var lines = ["# \(comment)", "expect: \(outcome.rawValue)"]
    if let vault { lines.append("vault: \(vault)") }
    if let identity { lines.append("identity: \(TestIdentities.secretString(identity))") }
    if let identityFile { lines.append("identity-file: \(identityFile)") }
    if let passphrase { lines.append("passphrase: \(passphrase)") }
    for (project, environment, values) in reads {
      lines.append("read: \(project) \(environment)")
      for (name, value) in values { lines.append("value: \(name)=\(value)") }
      for flag in flags["\(project) \(environment)"] ?? [] { lines.append("flag: \(flag)") }
      for old in older["\(project) \(environment)"] ?? [] { lines.append("older: \(old)") }
      for link in links["\(project) \(environment)"] ?? [] { lines.append("openai: \(link)") }
      for rotation in rotations["\(project) \(environment)"] ?? [] {
        lines.append("rotation: \(rotation)")
      }
    }
    try write("\(name).expect", Array((lines.joined(separator: "\n") + "\n").utf8))
  }

  // MARK: Building vaults

  func set(
    _ file: inout VaultFile, _ project: String, _ environment: String,
    _ values: [(String, String)], as identity: Identity
  ) throws {
    try file.set(
      values.map { ($0.0, secret($0.1)) }, project: project, environment: environment,
      identity: identity, now: Self.now)
  }

  /// Adds `identity` as a non-owner member and seals it the keys of `read`, as `owner`.
  func addMember(
    _ file: inout VaultFile, _ name: String, _ identity: Identity, read: [String],
    write: [String], owner: Identity
  ) throws {
    file.header.members.append(
      Member(name: name, identity: identity.publicIdentity, isOwner: false, read: read, write: write))
    file.header.members.sort { $0.name < $1.name }
    for environment in read {
      let pair = try file.environmentKeyPair(environment, project: "-", identity: owner)
      file.header.seals.append(
        Seal(
          environment: environment, member: name,
          box: try SealedBox.seal(pair.secretKey, to: identity.boxKeyPair.publicKey)))
    }
    file.header.seals.sort { ($0.environment, $0.member) < ($1.environment, $1.member) }
    file.signHeader(with: owner)
  }

  /// Signs `entry` as `identity` (its writer).
  func sign(_ entry: Entry, in file: VaultFile, as identity: Identity) -> Entry {
    var entry = entry
    entry.writer = identity.signingKeyPair.publicKey
    entry.signature = identity.signingKeyPair.sign(
      Signatures.entry(vaultID: file.header.vaultID, unsignedLine: LineCodec.entryUnsigned(entry)))
    return entry
  }

  /// Replaces (or adds) the group of (`project`, `environment`) with `entries`, the group
  /// signed by `signer`: a forgery anyone holding `signer`'s key can make.
  func forge(
    _ file: inout VaultFile, _ project: String, _ environment: String, _ entries: [Entry],
    gone: [Tombstone] = [], flags: [ExposureFlag] = [], signer: Identity
  ) {
    var group = Group(
      project: project, environment: environment, signer: signer.signingKeyPair.publicKey,
      signature: [], entries: entries, gone: gone, flags: flags)
    group.signature = signer.signingKeyPair.sign(
      Signatures.group(vaultID: file.header.vaultID, signedText: LineCodec.groupSignedText(group)))
    let block = Block(
      project: project, environment: environment, text: LineCodec.groupText(group)[...], line: 0)
    file.blocks.removeAll { $0.project == project && $0.environment == environment }
    file.blocks.append(block)
    file.blocks.sort { ($0.project, $0.environment) < ($1.project, $1.environment) }
  }

  // MARK: The frozen vault

  func frozen() throws {
    let vaultURL = Self.directory.appendingPathComponent("frozen-v1.vault")
    if FileManager.default.fileExists(atPath: vaultURL.path) { return }
    var file = try VaultFile.create(identity: alice, memberName: "alice", path: "frozen-v1.vault")
    let dev = [("OPENAI_API_KEY", "sk-proj-frozenDevKeyT3BlbkFJabcdefghijklmnop"), ("OPENAI_ORG_ID", "org-frozen0000000000000000")]
    let prod = [("OPENAI_API_KEY", "sk-proj-frozenProdKeyT3BlbkFJqrstuvwxyz012345")]
    try set(&file, "web", "dev", dev, as: alice)
    try set(&file, "web", "prod", prod, as: alice)
    try write("frozen-v1.vault", file.serialized())
    try expect(
      "frozen-v1",
      "The vault of the first release, written once and never regenerated: it must open forever.",
      .success, identity: alice, reads: [("web", "dev", dev), ("web", "prod", prod)])
  }

  // MARK: A team vault and its forgeries

  static let webDev = [
    ("OPENAI_API_KEY", "sk-proj-devKeyT3BlbkFJ0123456789abcdefghij"),
    ("OPENAI_ORG_ID", "org-teamdev000000000000000"),
  ]
  static let webProd = [
    ("OPENAI_API_KEY", "sk-proj-prodKeyT3BlbkFJklmnopqrstuvwxyz0123"),
    ("OPENAI_BASE_URL", "https://api.openai.com/v1"),
    ("OPENAI_PROJECT_ID", "proj_prod0000000000000000"),
  ]
  static let apiStaging = [
    ("CERT_PEM", String(repeating: "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA", count: 7)),
    ("QUOTED", #"a value with spaces, 'quotes', "double", = and # and \ backslash"#),
  ]
  static let workerProd = [("OPENAI_ADMIN_KEY", "sk-admin-workerT3BlbkFJ9876543210zyxwvu")]

  /// alice (owner) and bob (read=dev,staging write=dev), four groups. The vectors made before
  /// format version 3 are version 2 files (entry lines without key ids): `formatVersion` 2
  /// writes them so with today's code, and every change to the file keeps that version.
  func makeTeam(formatVersion: Int) throws -> VaultFile {
    var file = try VaultFile.create(identity: alice, memberName: "alice", path: "team.vault")
    file.formatVersionToWrite = formatVersion
    file.signHeader(with: alice)
    try addMember(&file, "bob", bob, read: ["dev", "staging"], write: ["dev"], owner: alice)
    try set(&file, "web", "dev", [Self.webDev[0]], as: alice)
    try set(&file, "web", "dev", [Self.webDev[1]], as: bob)
    try set(&file, "web", "prod", Self.webProd, as: alice)
    try set(&file, "api", "staging", Self.apiStaging, as: alice)
    try set(&file, "worker", "prod", Self.workerProd, as: alice)
    return file
  }

  func team() throws {
    let file = try makeTeam(formatVersion: 2)
    let team = file.serialized()
    let name = "several-projects.vault"
    try write(name, team)
    try expect(
      "several-projects", "Three projects, three environments, two members; read by the owner.",
      .success, identity: alice,
      reads: [
        ("api", "staging", Self.apiStaging), ("web", "dev", Self.webDev),
        ("web", "prod", Self.webProd), ("worker", "prod", Self.workerProd),
      ])
    try expect(
      "several-projects-bob", "A member with read=dev,staging reads entries both members wrote.",
      .success, vault: name, identity: bob,
      reads: [("web", "dev", Self.webDev), ("api", "staging", Self.apiStaging)])
    try expect(
      "no-read-access", "bob is a member but holds no sealed copy of the prod key.",
      .noAccess, vault: name, identity: bob, reads: [("web", "prod", [])])
    try expect(
      "not-a-member", "mallory is not in the member list.", .noAccess, vault: name,
      identity: mallory, reads: [("web", "dev", [])])

    try textForgeries(text(team))
    try keyForgeries(file)
    let removed = try membership(file)
    try versionTwo(file, removed: removed)
    try tombstones(file, removed: removed)
    try writeWithoutRead(file)
    try valueLength(file)
    try versionThree(legacy: file)
    try history()
  }

  /// Failure vectors made by editing the text of the team vault; alice reads web/prod.
  func textForgeries(_ team: String) throws {
    var lines = team.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    lines.removeLast()  // after the final newline
    let prodEntries = lines.indices.filter { lines[$0].hasPrefix("entry web prod ") }
    let first = prodEntries[0]
    func joined(_ lines: [String]) -> String { lines.joined(separator: "\n") + "\n" }
    func failure(_ name: String, _ comment: String, _ outcome: Vector.Outcome, _ content: String)
      throws
    {
      try write("\(name).vault", Array(content.utf8))
      try expect(name, comment, outcome, identity: alice, reads: [("web", "prod", [])])
    }
    // The field of an entry line: 0 "entry", …, 9 ciphertext, 10 signature.
    func editField(_ line: String, _ index: Int, _ change: (String) -> String) -> String {
      var fields = line.split(separator: " ").map(String.init)
      fields[index] = change(fields[index])
      return fields.joined(separator: " ")
    }

    try failure(
      "truncated-at-entry-boundary", "The file cut right after a web/prod entry line.",
      .formatError, joined(Array(lines[...first])))
    try failure(
      "truncated-mid-line", "The file cut in the middle of a web/prod entry line.", .formatError,
      joined(Array(lines[..<first])) + String(lines[first].prefix(120)))
    var deleted = lines
    deleted.remove(at: first)
    try failure(
      "entry-deleted", "A web/prod entry line removed; the group signature no longer verifies.",
      .authenticationFailure, joined(deleted))
    var duplicated = lines
    duplicated.insert(lines[first], at: first)
    try failure("duplicated-entry", "A web/prod entry line repeated.", .formatError, joined(duplicated))
    var reordered = lines
    reordered.swapAt(first, first + 1)
    try failure("entries-reordered", "Two web/prod entry lines swapped.", .formatError, joined(reordered))
    var flipped = lines
    flipped[first] = editField(lines[first], 9) { field in
      var chars = Array(field)
      chars[100] = chars[100] == "A" ? "B" : "A"
      return String(chars)
    }
    try failure(
      "flipped-ciphertext-byte", "One base64url character changed inside a web/prod ciphertext.",
      .authenticationFailure, joined(flipped))
    var noncanonical = lines
    noncanonical[first] = editField(lines[first], 9) { field in
      // 272 bytes take 363 characters; the last one carries 2 unused bits, here set.
      let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
      var chars = Array(field)
      let value = alphabet.firstIndex(of: chars[chars.count - 1])!
      chars[chars.count - 1] = alphabet[value | 1]
      return String(chars)
    }
    try failure(
      "noncanonical-base64",
      "A web/prod ciphertext whose last base64url character has non-zero unused bits.",
      .formatError, joined(noncanonical))
    try failure(
      "trailing-garbage", "A line after the end line.", .formatError, team + "garbage\n")
    try failure(
      "crlf-line-endings", "Every LF replaced by CRLF.", .formatError,
      team.replacingOccurrences(of: "\n", with: "\r\n"))
    var version = lines
    version[0] = "vault 4"
    try failure(
      "unknown-version", "The first line says format version 4.", .unsupportedVersion,
      joined(version))
    var added = lines
    let memberLine = LineCodec.memberLine(
      Member(
        name: "mallory", identity: mallory.publicIdentity, isOwner: true, read: [],
        write: ["prod"]))
    let lastMember = lines.lastIndex { $0.hasPrefix("member ") }!
    added.insert(memberLine, at: lastMember + 1)
    try failure(
      "header-member-added-unsigned",
      "A member line added to the header without an owner's new signature.",
      .authenticationFailure, joined(added))
  }

  /// Failure vectors that need keys: re-signed so that only the check under test catches them.
  func keyForgeries(_ team: VaultFile) throws {
    let prod = try #require(try team.group(project: "web", environment: "prod")).entries
    func failure(
      _ name: String, _ comment: String, read: (String, String) = ("web", "prod"),
      _ file: VaultFile
    ) throws {
      try write("\(name).vault", file.serialized())
      try expect(
        name, comment, .authenticationFailure, identity: alice, reads: [(read.0, read.1, [])])
    }

    // A ciphertext moved to another project, entry and group re-signed by the owner.
    var moved = team
    var movedEntry = prod[0]
    movedEntry.project = "api"
    forge(&moved, "api", "prod", [sign(movedEntry, in: moved, as: alice)], signer: alice)
    try failure(
      "entry-moved-project",
      "web/prod/OPENAI_API_KEY's ciphertext as api/prod/OPENAI_API_KEY, every signature valid "
        + "(made with the owner's key): only the associated data catches it.",
      read: ("api", "prod"), moved)

    var renamed = team
    var swapped = prod
    swapped[0].sealed = prod[1].sealed
    swapped[0] = sign(swapped[0], in: renamed, as: alice)
    forge(&renamed, "web", "prod", swapped, signer: alice)
    try failure(
      "entry-moved-name",
      "OPENAI_BASE_URL's ciphertext stored as OPENAI_API_KEY in the same group, re-signed by the "
        + "owner: only the associated data catches it.", renamed)

    var bumped = team
    var newer = prod
    newer[0].version += 1
    newer[0] = sign(newer[0], in: bumped, as: alice)
    forge(&bumped, "web", "prod", newer, signer: alice)
    try failure(
      "entry-version-changed",
      "An entry's version raised and re-signed by the owner: the associated data binds the version.",
      bumped)

    var retired = team
    var stale = prod
    let retiredKey = BoxKeyPair.generate()
    let ad = Signatures.associatedData(
      vaultID: team.header.vaultID, project: "web", environment: "prod", name: stale[0].name,
      version: stale[0].version)
    stale[0].sealed = try EntryCipher.seal(
      secret("sk-proj-retiredKeyT3BlbkFJ"), to: retiredKey.publicKey, associatedData: ad)
    stale[0] = sign(stale[0], in: retired, as: alice)
    forge(&retired, "web", "prod", stale, signer: alice)
    try failure(
      "retired-environment-key",
      "An entry encrypted to another (retired) prod key, correctly labelled and signed.", retired)

    var outsider = team
    var planted = prod
    planted[0] = sign(planted[0], in: outsider, as: mallory)
    forge(&outsider, "web", "prod", planted, signer: alice)
    try failure(
      "signer-not-member",
      "An entry validly signed by a key that is not a member (the group signed by the owner).",
      outsider)

    var outsiderGroup = team
    forge(&outsiderGroup, "web", "prod", prod, signer: mallory)
    try failure(
      "group-signer-not-member", "The web/prod group validly signed by a non-member key.",
      outsiderGroup)

    var noWrite = team
    var byBob = prod
    byBob[0] = sign(byBob[0], in: noWrite, as: bob)
    forge(&noWrite, "web", "prod", byBob, signer: alice)
    try failure(
      "signer-cannot-write", "A prod entry validly signed by bob, a member without write=prod.",
      noWrite)

    var header = team
    header.signHeader(with: bob)
    try failure(
      "header-signed-by-non-owner", "The header validly signed by bob, a member but not an owner.",
      header)
  }

  // MARK: Membership changes and exposure flags

  /// bob removed from the team vault by alice (dev and staging re-keyed, their entries
  /// flagged), one flagged name rewritten since; and forgeries of flags and membership.
  func membership(_ team: VaultFile) throws -> VaultFile {
    var removed = team
    try removed.removeMember("bob", by: alice, now: Self.removedAt)
    let rotated = ("OPENAI_API_KEY", "sk-proj-rotatedAfterBobT3BlbkFJ0123456789")
    try set(&removed, "web", "dev", [rotated], as: alice)
    let name = "member-removed.vault"
    try write(name, removed.serialized())
    let webDev = [rotated, Self.webDev[1]]
    try expect(
      "member-removed",
      "bob removed by alice: dev and staging re-keyed, their entries re-encrypted and flagged "
        + "exposed to bob (web/dev/OPENAI_ORG_ID, which bob wrote, flagged 'wrote'); "
        + "web/dev/OPENAI_API_KEY rewritten since, so only its flag is gone.",
      .success, identity: alice,
      reads: [
        ("web", "dev", webDev), ("api", "staging", Self.apiStaging), ("web", "prod", Self.webProd),
      ],
      flags: [
        // bob wrote OPENAI_ORG_ID himself: `wrote`.
        "web dev": ["OPENAI_ORG_ID bob \(Self.removedAt) wrote"],
        "api staging": ["CERT_PEM bob \(Self.removedAt)", "QUOTED bob \(Self.removedAt)"],
      ])
    try expect(
      "member-removed-bob", "bob's identity after his removal: not a member any more.",
      .noAccess, vault: name, identity: bob, reads: [("web", "dev", [])])

    func failure(
      _ name: String, _ comment: String, _ outcome: Vector.Outcome,
      read: (String, String), _ content: [UInt8]
    ) throws {
      try write("\(name).vault", content)
      try expect(name, comment, outcome, identity: alice, reads: [(read.0, read.1, [])])
    }

    // Flags the group signer signed, but that break the format rules.
    let dev = try #require(try removed.group(project: "web", environment: "dev"))
    var missing = removed
    forge(
      &missing, "web", "dev", dev.entries,
      flags: dev.flags + [ExposureFlag(name: "ZZZ_NOT_STORED", member: "bob", time: Self.removedAt)],
      signer: alice)
    try failure(
      "flag-for-missing-name",
      "A flag naming a variable the group does not hold, the group re-signed by the owner.",
      .formatError, read: ("web", "dev"), missing.serialized())

    let staging = try #require(try removed.group(project: "api", environment: "staging"))
    var unordered = removed
    forge(
      &unordered, "api", "staging", staging.entries, flags: staging.flags.reversed(), signer: alice)
    try failure(
      "flags-out-of-order",
      "Two flag lines swapped (QUOTED before CERT_PEM), the group re-signed by the owner.",
      .formatError, read: ("api", "staging"), unordered.serialized())

    var lines = text(removed.serialized()).split(separator: "\n").map(String.init)
    let flagIndex = try #require(lines.firstIndex { $0.hasPrefix("flag api staging ") })
    lines.insert(lines.remove(at: flagIndex), at: flagIndex - 1)
    try failure(
      "flag-before-entry", "A flag line moved above the last entry line of its group.",
      .formatError, read: ("api", "staging"), Array((lines.joined(separator: "\n") + "\n").utf8))

    // Flags are covered by the group signature: adding or dropping one without a new
    // signature is caught.
    lines = text(removed.serialized()).split(separator: "\n").map(String.init)
    let lastProd = try #require(lines.lastIndex { $0.hasPrefix("entry web prod ") })
    lines.insert("flag web prod OPENAI_API_KEY mallory \(Self.removedAt)", at: lastProd + 1)
    try failure(
      "flag-added-unsigned", "A flag line added to web/prod without re-signing the group.",
      .authenticationFailure, read: ("web", "prod"),
      Array((lines.joined(separator: "\n") + "\n").utf8))
    lines = text(removed.serialized()).split(separator: "\n").map(String.init)
    lines.removeAll { $0.hasPrefix("flag web dev ") }
    try failure(
      "flag-dropped-unsigned",
      "The exposure flag of web/dev deleted (hiding that bob could read it), group not re-signed.",
      .authenticationFailure, read: ("web", "dev"),
      Array((lines.joined(separator: "\n") + "\n").utf8))

    // bob, a member but not an owner, adds mallory (with a sealed copy of the dev key, which
    // bob can open) and signs the header himself.
    var byBob = team
    let devKey = try byBob.environmentKeyPair("dev", project: "-", identity: bob)
    byBob.header.members.append(
      Member(name: "mallory", identity: mallory.publicIdentity, isOwner: false, read: ["dev"], write: ["dev"]))
    byBob.header.members.sort { $0.name < $1.name }
    byBob.header.seals.append(
      Seal(
        environment: "dev", member: "mallory",
        box: try SealedBox.seal(devKey.secretKey, to: mallory.boxKeyPair.publicKey)))
    byBob.header.seals.sort { ($0.environment, $0.member) < ($1.environment, $1.member) }
    byBob.signHeader(with: bob)
    try failure(
      "member-added-by-non-owner",
      "bob, not an owner, adds mallory with a seal of the dev key and signs the header himself.",
      .authenticationFailure, read: ("web", "dev"), byBob.serialized())

    // A re-key done halfway: the prod key replaced in the header (sealed anew to alice, the
    // header signed by alice), the web/prod entries left encrypted to the old key and
    // re-signed. Every signature verifies; decryption fails.
    var halfway = team
    let newProd = BoxKeyPair.generate()
    let prodIndex = try #require(halfway.header.environments.firstIndex { $0.name == "prod" })
    halfway.header.environments[prodIndex].publicKey = newProd.publicKey
    halfway.header.seals.removeAll { $0.environment == "prod" }
    for member in halfway.header.members where member.read.contains("prod") {
      halfway.header.seals.append(
        Seal(
          environment: "prod", member: member.name,
          box: try SealedBox.seal(newProd.secretKey, to: member.identity.boxKey)))
    }
    halfway.header.seals.sort { ($0.environment, $0.member) < ($1.environment, $1.member) }
    halfway.signHeader(with: alice)
    let prod = try #require(try team.group(project: "web", environment: "prod")).entries
    forge(&halfway, "web", "prod", prod.map { sign($0, in: halfway, as: alice) }, signer: alice)
    try failure(
      "entry-under-old-key-after-rekey",
      "prod re-keyed in the header (signed by the owner), the web/prod entries left encrypted to "
        + "the retired key and re-signed: decryption fails.",
      .authenticationFailure, read: ("web", "prod"), halfway.serialized())

    // bob may read staging but not write it.
    var readerOnly = team
    let apiStaging = try #require(try team.group(project: "api", environment: "staging")).entries
    var byReader = apiStaging
    byReader[0] = sign(byReader[0], in: readerOnly, as: bob)
    forge(&readerOnly, "api", "staging", byReader, signer: alice)
    try failure(
      "signer-reads-but-cannot-write",
      "An api/staging entry validly signed by bob, who may read staging but not write it.",
      .authenticationFailure, read: ("api", "staging"), readerOnly.serialized())
    return removed
  }

  static let removedAt = "2026-03-01T12:00:00Z"

  // MARK: Format version 2: the generation line and `wrote` flags

  /// The lines of a file, without the empty one after the final LF.
  func lines(_ bytes: [UInt8]) -> [String] {
    var lines = text(bytes).split(separator: "\n", omittingEmptySubsequences: false)
      .map(String.init)
    lines.removeLast()
    return lines
  }

  func joined(_ lines: [String]) -> [UInt8] {
    Array((lines.joined(separator: "\n") + "\n").utf8)
  }

  /// Signs the header of `lines` (every line before `signed`) again as `identity`, whatever
  /// those lines say: a header an owner really signed.
  func resignHeader(_ lines: [String], vaultID: [UInt8], as identity: Identity) throws
    -> [String]
  {
    var lines = lines
    let index = try #require(lines.firstIndex { $0.hasPrefix("signed ") })
    let signedText = Array(lines[..<index].map { $0 + "\n" }.joined().utf8)
    let signature = identity.signingKeyPair.sign(
      Signatures.header(vaultID: vaultID, signedText: signedText))
    lines[index] =
      "signed \(Base64URL.encode(identity.signingKeyPair.publicKey)) "
      + Base64URL.encode(signature)
    return lines
  }

  /// Signs the group (`project`, `environment`) of `lines` again as `identity`, over the entry,
  /// gone and flag lines that follow its group line, whatever they say.
  func resignGroup(
    _ lines: [String], _ project: String, _ environment: String, vaultID: [UInt8],
    as identity: Identity
  ) throws -> [String] {
    var lines = lines
    let start = try #require(lines.firstIndex { $0.hasPrefix("group \(project) \(environment) ") })
    var end = start + 1
    while end < lines.count,
      ["entry ", "gone ", "openai ", "rotation ", "flag "].contains(where: {
        lines[end].hasPrefix($0)
      })
    {
      end += 1
    }
    let key = Base64URL.encode(identity.signingKeyPair.publicKey)
    let head = "group \(project) \(environment) \(key)"
    let signedText = Array(([head] + lines[(start + 1)..<end]).map { $0 + "\n" }.joined().utf8)
    let signature = identity.signingKeyPair.sign(
      Signatures.group(vaultID: vaultID, signedText: signedText))
    lines[start] = head + " " + Base64URL.encode(signature)
    return lines
  }

  /// The header's `vault N` and `generation` lines: each broken rule re-signed by the owner, so
  /// that only the rule under test catches it; and `wrote` flags, valid and not.
  func versionTwo(_ team: VaultFile, removed: VaultFile) throws {
    let id = team.header.vaultID
    let lines = self.lines(team.serialized())
    #expect(lines[0] == "vault 2" && lines[2] == "generation 1")
    // Ed25519 is deterministic: signing unchanged lines again gives the same file, so the two
    // helpers sign exactly what readers verify.
    #expect(try resignHeader(lines, vaultID: id, as: alice) == lines)
    func failure(
      _ name: String, _ comment: String, _ outcome: Vector.Outcome,
      read: (String, String) = ("web", "prod"), _ lines: [String]
    ) throws {
      try write("\(name).vault", joined(lines))
      try expect(name, comment, outcome, identity: alice, reads: [(read.0, read.1, [])])
    }

    var missing = lines
    missing.remove(at: 2)
    try failure(
      "generation-missing",
      "A version 2 header without its generation line, re-signed by the owner.", .formatError,
      try resignHeader(missing, vaultID: id, as: alice))
    var oldVersion = lines
    oldVersion[0] = "vault 1"
    try failure(
      "generation-in-version-1",
      "A version 1 header with a generation line, re-signed by the owner.", .formatError,
      try resignHeader(oldVersion, vaultID: id, as: alice))
    for (name, value, comment) in [
      ("generation-zero", "0", "generation 0 (the first generation is 1)"),
      ("generation-leading-zero", "01", "generation 01, not canonical decimal"),
      ("generation-too-large", "9223372036854775808", "generation 2^63, over the maximum"),
    ] {
      var edited = lines
      edited[2] = "generation \(value)"
      try failure(
        name, "A header saying \(comment), re-signed by the owner.", .formatError,
        try resignHeader(edited, vaultID: id, as: alice))
    }
    var raised = lines
    raised[2] = "generation 2"
    try failure(
      "header-generation-changed-unsigned",
      "The generation line changed (1 to 2) without an owner's new signature: the header "
        + "signature covers it.", .authenticationFailure, raised)

    // bob's removal wrote `OPENAI_ORG_ID bob TIME wrote` in web/dev.
    let removedLines = self.lines(removed.serialized())
    let wrote = try #require(removedLines.firstIndex { $0.hasPrefix("flag web dev ") })
    #expect(removedLines[wrote].hasSuffix(" wrote"))
    #expect(
      try resignGroup(removedLines, "web", "dev", vaultID: removed.header.vaultID, as: alice)
        == removedLines)
    var version1 = removedLines
    version1[0] = "vault 1"
    version1.remove(at: 2)
    try failure(
      "flag-wrote-in-version-1",
      "A 'wrote' flag in a version 1 file (the header made version 1 and re-signed by the "
        + "owner; the group signature does not cover the version).", .formatError,
      read: ("web", "dev"), try resignHeader(version1, vaultID: removed.header.vaultID, as: alice))
    var unknown = removedLines
    unknown[wrote] = String(unknown[wrote].dropLast(" wrote".count)) + " read"
    try failure(
      "flag-unknown-kind",
      "A flag line ending in 'read' instead of 'wrote', the group re-signed by the owner.",
      .formatError, read: ("web", "dev"),
      try resignGroup(unknown, "web", "dev", vaultID: removed.header.vaultID, as: alice))
    var extra = removedLines
    extra[wrote] += " wrote"
    try failure(
      "flag-wrote-twice",
      "A flag line ending in 'wrote wrote', the group re-signed by the owner.", .formatError,
      read: ("web", "dev"),
      try resignGroup(extra, "web", "dev", vaultID: removed.header.vaultID, as: alice))
  }

  // MARK: Tombstones

  static let goneAt = "2026-02-01T08:00:00Z"

  /// `gone` lines (format version 2): a removed name's tombstone, read as nothing; and gone
  /// lines that break the format rules, each group re-signed by the owner so that only the
  /// rule under test catches it.
  func tombstones(_ team: VaultFile, removed: VaultFile) throws {
    // alice removes web/prod/OPENAI_BASE_URL, and the only entry of worker/prod.
    var file = team
    try file.remove(
      "OPENAI_BASE_URL", project: "web", environment: "prod", identity: alice, now: Self.goneAt)
    try file.remove(
      "OPENAI_ADMIN_KEY", project: "worker", environment: "prod", identity: alice,
      now: Self.goneAt)
    let id = file.header.vaultID
    let lines = self.lines(file.serialized())
    let goneLine = "gone web prod OPENAI_BASE_URL 1 \(Self.goneAt)"
    let gone = try #require(lines.firstIndex(of: goneLine))
    #expect(lines.contains("gone worker prod OPENAI_ADMIN_KEY 1 \(Self.goneAt)"))
    #expect(try resignGroup(lines, "web", "prod", vaultID: id, as: alice) == lines)
    try write("gone-line.vault", joined(lines))
    try expect(
      "gone-line",
      "web/prod/OPENAI_BASE_URL removed by alice: a gone line keeps its last version (1) "
        + "between the other two entries; the name gives no value.",
      .success, identity: alice,
      reads: [("web", "prod", Self.webProd.filter { $0.0 != "OPENAI_BASE_URL" })])
    try expect(
      "gone-lines-only",
      "worker/prod after its only entry was removed: a group of one gone line, read as empty.",
      .success, vault: "gone-line.vault", identity: alice, reads: [("worker", "prod", [])])

    func failure(
      _ name: String, _ comment: String, _ outcome: Vector.Outcome,
      read: (String, String) = ("web", "prod"), _ lines: [String]
    ) throws {
      try write("\(name).vault", joined(lines))
      try expect(name, comment, outcome, identity: alice, reads: [(read.0, read.1, [])])
    }
    func resigned(_ lines: [String], _ project: String = "web", _ environment: String = "prod")
      throws -> [String]
    {
      try resignGroup(lines, project, environment, vaultID: id, as: alice)
    }

    var version1 = lines
    version1[0] = "vault 1"
    version1.remove(at: 2)
    try failure(
      "gone-in-version-1",
      "A gone line in a version 1 file (the header made version 1 and re-signed by the owner; "
        + "the group signature does not cover the version).", .formatError,
      try resignHeader(version1, vaultID: id, as: alice))

    // OPENAI_API_KEY has an entry line (version 1): a gone line for it too.
    var both = lines
    both.insert("gone web prod OPENAI_API_KEY 1 \(Self.goneAt)", at: gone)
    try failure(
      "gone-and-entry-same-name",
      "web/prod/OPENAI_API_KEY with both its entry line and a gone line, the group re-signed by "
        + "the owner.", .formatError, try resigned(both))

    var unordered = lines
    unordered.swapAt(gone, gone - 1)
    try failure(
      "gone-out-of-order",
      "The gone line of OPENAI_BASE_URL moved above the entry line of OPENAI_API_KEY, the group "
        + "re-signed by the owner.", .formatError, try resigned(unordered))

    var zero = lines
    zero[gone] = "gone web prod OPENAI_BASE_URL 0 \(Self.goneAt)"
    try failure(
      "gone-version-zero",
      "A gone line with version 0 (versions start at 1), the group re-signed by the owner.",
      .formatError, try resigned(zero))

    var added = lines
    added.insert("gone web prod OPENAI_ORG_ID 3 \(Self.goneAt)", at: gone + 1)
    try failure(
      "gone-added-unsigned",
      "A gone line added to web/prod in name order without re-signing the group: the group "
        + "signature covers gone lines.", .authenticationFailure, added)

    // In the vault bob was removed from, web/dev ends with `flag … OPENAI_ORG_ID bob … wrote`;
    // a gone line for OPENAI_PROJECT_ID (after OPENAI_ORG_ID in name order) below that flag.
    var flagged = self.lines(removed.serialized())
    let flag = try #require(flagged.firstIndex { $0.hasPrefix("flag web dev ") })
    flagged.insert("gone web dev OPENAI_PROJECT_ID 1 \(Self.goneAt)", at: flag + 1)
    try failure(
      "gone-after-flag",
      "A gone line after the flag line of web/dev (in name order otherwise), the group "
        + "re-signed by the owner.", .formatError, read: ("web", "dev"),
      try resignGroup(flagged, "web", "dev", vaultID: removed.header.vaultID, as: alice))
  }

  // MARK: Write needs read

  /// The team vault with bob given write=dev,prod but still read=dev,staging (a header from
  /// before the rule, signed by the owner): what he signs in prod is refused.
  func writeWithoutRead(_ team: VaultFile) throws {
    var file = team
    let index = try #require(file.header.members.firstIndex { $0.name == "bob" })
    file.header.members[index].write = ["dev", "prod"]
    file.signHeader(with: alice)
    let prod = try #require(try team.group(project: "web", environment: "prod")).entries
    func failure(_ name: String, _ comment: String, _ file: VaultFile) throws {
      try write("\(name).vault", file.serialized())
      try expect(
        name, comment, .authenticationFailure, identity: alice, reads: [("web", "prod", [])])
    }

    var entry = file
    var planted = prod
    planted[0] = sign(planted[0], in: entry, as: bob)
    forge(&entry, "web", "prod", planted, signer: alice)
    try failure(
      "signer-writes-but-cannot-read",
      "A web/prod entry validly signed by bob, who has write=dev,prod but read=dev,staging "
        + "(write needs read), the group signed by the owner.", entry)

    var group = file
    forge(&group, "web", "prod", prod, signer: bob)
    try failure(
      "group-signer-writes-but-cannot-read",
      "The web/prod group validly signed by bob, who has write=dev,prod but read=dev,staging "
        + "(write needs read); its entries are the owner's.", group)

    // bob, write-only in prod, wrote web/prod/OPENAI_BASE_URL (refused by readers), then is
    // removed: prod is not re-keyed, and his entry is dropped rather than re-signed by the
    // owner (FileFormat.md, "Removing a member", step 3); the rest of the group reads again.
    var legacy = file
    var byBob = prod
    byBob[1] = sign(byBob[1], in: legacy, as: bob)
    forge(&legacy, "web", "prod", byBob, signer: bob)
    let removal = try legacy.removeMember("bob", by: alice, now: Self.removedAt)
    #expect(removal.dropped == ["web/prod/OPENAI_BASE_URL"])
    #expect(
      text(legacy.serialized()).contains(
        "\ngone web prod OPENAI_BASE_URL 1 \(Self.removedAt)\n"))
    try write("member-removed-write-only.vault", legacy.serialized())
    try expect(
      "member-removed-write-only",
      "bob (write=dev,prod, read=dev,staging) wrote web/prod/OPENAI_BASE_URL and was removed: "
        + "his entry is dropped, never re-signed by the owner, and replaced by a gone line with "
        + "its version (1); prod keeps its key and no flag.",
      .success, identity: alice,
      reads: [("web", "prod", Self.webProd.filter { $0.0 != "OPENAI_BASE_URL" })])
  }

  // MARK: Value length

  /// A value one byte over the limit, and one at the limit.
  func valueLength(_ team: VaultFile) throws {
    let prod = try #require(try team.group(project: "web", environment: "prod")).entries
    let environmentKey = try #require(team.header.environment("prod")).publicKey
    for (name, length, outcome) in [
      ("value-over-limit", 65_537, Vector.Outcome.authenticationFailure),
      ("value-at-limit", 65_536, .success),
    ] {
      var file = team
      var entries = prod
      let value = String(repeating: "v", count: length)
      let ad = Signatures.associatedData(
        vaultID: team.header.vaultID, project: "web", environment: "prod",
        name: entries[0].name, version: entries[0].version)
      entries[0].sealed = try EntryCipher.seal(
        secret(value), to: environmentKey, associatedData: ad)
      #expect(entries[0].sealed.ciphertext.count == 16 + 257 * 256)
      entries[0] = sign(entries[0], in: file, as: alice)
      forge(&file, "web", "prod", entries, signer: alice)
      try write("\(name).vault", file.serialized())
      let values = [(entries[0].name, value)] + Self.webProd.dropFirst()
      try expect(
        name,
        outcome == .success
          ? "web/prod/OPENAI_API_KEY holds 65,536 bytes, the longest value (257 blocks)."
          : "web/prod/OPENAI_API_KEY holds 65,537 bytes in 257 blocks, validly encrypted and "
            + "signed by the owner: over the limit, refused as a decryption failure.",
        outcome, identity: alice,
        reads: [("web", "prod", outcome == .success ? values : [])])
    }
  }


  // MARK: Format version 3: key ids

  /// Version 3 files: every entry line names the environment key it was encrypted to. A
  /// version 3 team vault; a version 2 vault upgraded by a header change, holding entry lines
  /// of both forms; an entry a text merge left under a retired key; a key id changed without
  /// re-signing; and a key id in a version 2 file.
  func versionThree(legacy: VaultFile) throws {
    let team = try makeTeam(formatVersion: 3)
    #expect(text(team.serialized()).hasPrefix("vault 3\n"))
    try write("version-3.vault", team.serialized())
    try expect(
      "version-3",
      "The team vault in format version 3: every entry line carries the key id of the "
        + "environment key it was encrypted to, after the writer.",
      .success, identity: alice,
      reads: [
        ("api", "staging", Self.apiStaging), ("web", "dev", Self.webDev),
        ("web", "prod", Self.webProd), ("worker", "prod", Self.workerProd),
      ])
    try expect(
      "version-3-bob", "bob reads dev and staging of the version 3 team vault.", .success,
      vault: "version-3.vault", identity: bob,
      reads: [("web", "dev", Self.webDev), ("api", "staging", Self.apiStaging)])

    // The version 2 team vault after alice adds the environment qa (a header change: the file
    // becomes version 3) and stores a new web/dev/OPENAI_ORG_ID: that line has a key id, the
    // others keep the version 2 form.
    var upgraded = legacy
    upgraded.formatVersionToWrite = VaultFile.currentFormatVersion
    try upgraded.addEnvironment("qa", by: alice)
    let orgID = ("OPENAI_ORG_ID", "org-afterupgrade0000000000")
    try set(&upgraded, "web", "dev", [orgID], as: alice)
    let upgradedLines = lines(upgraded.serialized())
    #expect(upgradedLines[0] == "vault 3")
    #expect(
      upgradedLines.filter { $0.hasPrefix("entry ") }.map { $0.split(separator: " ").count }
        .sorted() == [11, 11, 11, 11, 11, 11, 11, 11, 12])
    // Since history (FileFormat.md, "History") the version replaced stays, in the version 2
    // form. The committed vector predates history and has no such line; a regenerated one
    // has it, and its expect file lists it (`older:`).
    try write("version-3-legacy-entries.vault", upgraded.serialized())
    try expect(
      "version-3-legacy-entries",
      "A version 2 vault made version 3 by a header change (environment qa added): the entry "
        + "stored since (web/dev/OPENAI_ORG_ID) has a key id, the others keep the version 2 form.",
      .success, identity: alice,
      reads: [
        ("web", "dev", [Self.webDev[0], orgID]), ("web", "prod", Self.webProd),
        ("api", "staging", Self.apiStaging),
      ],
      older: ["web dev": ["OPENAI_ORG_ID@1=\(Self.webDev[1].1)"]])

    // A text merge without the driver: on a branch alice stores zeta/dev/NEW_KEY (a new
    // group); on main bob is removed, so dev is re-keyed. git merges the two as text: the
    // header and web/dev come from main, zeta/dev from the branch, encrypted to the old key.
    var branch = team
    let newKey = ("NEW_KEY", "value-from-the-branch")
    try set(&branch, "zeta", "dev", [newKey], as: alice)
    var main = team
    try main.removeMember("bob", by: alice, now: Self.removedAt)
    var mergedLines = lines(main.serialized())
    let branchLines = lines(branch.serialized())
    let zeta = branchLines.filter { $0.hasPrefix("group zeta dev ") || $0.hasPrefix("entry zeta dev ") }
    #expect(zeta.count == 2)
    mergedLines.insert(contentsOf: zeta, at: mergedLines.count - 1)
    try write("retired-key-entry.vault", joined(mergedLines))
    try expect(
      "retired-key-entry",
      "zeta/dev/NEW_KEY, written on a branch, merged as text next to the re-key of dev on "
        + "main (bob removed): its key id names the retired dev key, every signature verifies.",
      .retiredKey, identity: alice, reads: [("zeta", "dev", [])])
    try expect(
      "retired-key-entry-other-groups",
      "The same file: web/dev, re-keyed on main, reads under the current dev key.", .success,
      vault: "retired-key-entry.vault", identity: alice,
      reads: [("web", "dev", Self.webDev)],
      flags: ["web dev": ["OPENAI_API_KEY bob \(Self.removedAt)", "OPENAI_ORG_ID bob \(Self.removedAt) wrote"]])

    // The key id field of a web/prod entry replaced by the id of another key: the entry and
    // group signatures cover it.
    var altered = lines(team.serialized())
    let prodEntry = try #require(altered.firstIndex { $0.hasPrefix("entry web prod ") })
    var fields = altered[prodEntry].split(separator: " ").map(String.init)
    #expect(fields.count == 12)
    fields[7] = Base64URL.encode(EntryCipher.keyID(of: BoxKeyPair.generate().publicKey))
    altered[prodEntry] = fields.joined(separator: " ")
    try write("key-id-altered.vault", joined(altered))
    try expect(
      "key-id-altered",
      "The key id of a web/prod entry replaced by another key's, nothing re-signed: the "
        + "signatures cover it.", .authenticationFailure, identity: alice,
      reads: [("web", "prod", [])])

    // A version 2 file whose web/prod entries carry key ids, entries and group validly signed
    // by the owner: the version 3 form is not allowed there.
    var early = legacy
    let prod = try #require(try legacy.group(project: "web", environment: "prod")).entries
    let prodKey = try #require(legacy.header.environment("prod")).publicKey
    let withIDs = prod.map { entry -> Entry in
      var copy = entry
      copy.keyID = EntryCipher.keyID(of: prodKey)
      return sign(copy, in: legacy, as: alice)
    }
    forge(&early, "web", "prod", withIDs, signer: alice)
    #expect(lines(early.serialized())[0] == "vault 2")
    try write("key-id-in-version-2.vault", early.serialized())
    try expect(
      "key-id-in-version-2",
      "A version 2 file whose web/prod entry lines carry key ids, validly signed by the owner: "
        + "only version 3 files have them.", .formatError, identity: alice,
      reads: [("web", "prod", [])])
  }

  // MARK: Format version 3: history

  static let prodRotations = [
    ("OPENAI_API_KEY", "sk-proj-prodKeyT3BlbkFJrotation2222222222"),
    ("OPENAI_API_KEY", "sk-proj-prodKeyT3BlbkFJrotation3333333333"),
  ]

  /// Older versions (FileFormat.md, "History"): web/prod/OPENAI_API_KEY of the version 3
  /// team vault stored three times, web/dev/OPENAI_ORG_ID twice (bob, then alice); a vault
  /// that keeps two versions; and every way an older version line can be broken.
  func history() throws {
    var team = try makeTeam(formatVersion: 3)
    for rotation in Self.prodRotations { try set(&team, "web", "prod", [rotation], as: alice) }
    let orgID = ("OPENAI_ORG_ID", "org-teamdev-rotated-by-alice")
    try set(&team, "web", "dev", [orgID], as: alice)
    let id = team.header.vaultID
    let base = lines(team.serialized())
    #expect(base.filter { $0.hasPrefix("entry web prod OPENAI_API_KEY ") }.count == 3)
    try write("history.vault", team.serialized())
    let prodOlder = [
      "OPENAI_API_KEY@2=\(Self.prodRotations[0].1)", "OPENAI_API_KEY@1=\(Self.webProd[0].1)",
    ]
    try expect(
      "history",
      "The version 3 team vault after web/prod/OPENAI_API_KEY was stored twice more and "
        + "web/dev/OPENAI_ORG_ID once more (by alice; bob wrote version 1): each older version "
        + "is an entry line of the same name after the current one, versions descending.",
      .success, identity: alice,
      reads: [
        ("web", "prod", [Self.prodRotations[1]] + Array(Self.webProd.dropFirst())),
        ("web", "dev", [Self.webDev[0], orgID]),
      ],
      older: ["web prod": prodOlder, "web dev": ["OPENAI_ORG_ID@1=\(Self.webDev[1].1)"]])
    try expect(
      "history-bob", "bob reads web/dev of the same file: the older version he wrote too.",
      .success, vault: "history.vault", identity: bob,
      reads: [("web", "dev", [Self.webDev[0], orgID])],
      older: ["web dev": ["OPENAI_ORG_ID@1=\(Self.webDev[1].1)"]])

    // An owner keeps two versions (`history 2`, a header change), then stores once more.
    var limited = try makeTeam(formatVersion: 3)
    #expect(try limited.setHistoryLimit(2, by: alice))
    for rotation in Self.prodRotations { try set(&limited, "web", "prod", [rotation], as: alice) }
    #expect(lines(limited.serialized())[3] == "history 2")
    try write("history-limit.vault", limited.serialized())
    try expect(
      "history-limit",
      "A header with `history 2` (set by the owner): web/prod/OPENAI_API_KEY stored three "
        + "times keeps versions 3 and 2.",
      .success, identity: alice,
      reads: [("web", "prod", [Self.prodRotations[1]] + Array(Self.webProd.dropFirst()))],
      older: ["web prod": [prodOlder[0]]])

    let prod = base.indices.filter { base[$0].hasPrefix("entry web prod OPENAI_API_KEY ") }
    func failure(
      _ name: String, _ comment: String, _ outcome: Vector.Outcome, _ lines: [String],
      read: (String, String) = ("web", "prod")
    ) throws {
      try write("\(name).vault", joined(lines))
      try expect(name, comment, outcome, identity: alice, reads: [(read.0, read.1, [])])
    }
    func resigned(_ lines: [String]) throws -> [String] {
      try resignGroup(lines, "web", "prod", vaultID: id, as: alice)
    }

    var altered = base
    var fields = altered[prod[1]].split(separator: " ").map(String.init)
    var ciphertext = Array(fields[10])
    ciphertext[4] = ciphertext[4] == "A" ? "B" : "A"
    fields[10] = String(ciphertext)
    altered[prod[1]] = fields.joined(separator: " ")
    try failure(
      "history-older-altered-unsigned",
      "A character of an older version's ciphertext changed, nothing re-signed.",
      .authenticationFailure, altered)

    var dropped = base
    dropped.remove(at: prod[2])
    try failure(
      "history-older-dropped-unsigned",
      "The oldest version's line deleted without re-signing the group.",
      .authenticationFailure, dropped)

    var reordered = base
    reordered.swapAt(prod[1], prod[2])
    try failure(
      "history-older-reordered",
      "Versions 2 and 1 swapped (ascending), the group re-signed by the owner.",
      .formatError, try resigned(reordered))

    var duplicated = base
    duplicated.insert(base[prod[1]], at: prod[1])
    try failure(
      "history-older-duplicated", "Version 2's line twice, the group re-signed by the owner.",
      .formatError, try resigned(duplicated))

    var above = base
    above.swapAt(prod[0], prod[1])
    try failure(
      "history-older-above-current",
      "Version 3 after version 2 (an older version above the current one), the group "
        + "re-signed by the owner.", .formatError, try resigned(above))

    // Version 2's line renumbered as version 1: re-signed as the writer and the group, but
    // its ciphertext is bound to version 2 by the associated data.
    let old = try #require(try team.group(project: "web", environment: "prod")).history[0]
    var renumbered = old
    renumbered.version = 1
    var swapped = base
    swapped[prod[2]] = LineCodec.entryLine(sign(renumbered, in: team, as: alice))
    swapped.remove(at: prod[1])
    try failure(
      "history-older-version-changed",
      "Version 2's line renumbered as version 1 (version 1 deleted), entry and group re-signed "
        + "by the owner: the value is bound to version 2.",
      .authenticationFailure, try resigned(swapped))

    // The history header line: only in version 3, right after generation, 1 to 100.
    var header = lines(limited.serialized())
    for (name, comment, change) in [
      ("history-limit-zero", "`history 0`, the header re-signed by the owner.", "history 0"),
      (
        "history-limit-too-large", "`history 101`, the header re-signed by the owner.",
        "history 101"
      ),
      (
        "history-limit-leading-zero", "`history 02`, the header re-signed by the owner.",
        "history 02"
      ),
    ] {
      header[3] = change
      try failure(name, comment, .formatError, try resignHeader(header, vaultID: id, as: alice))
    }
    header = lines(limited.serialized())
    let misplaced = header.remove(at: 3)
    header.insert(misplaced, at: 4)
    try failure(
      "history-line-misplaced", "`history 2` after the first member line, header re-signed.",
      .formatError, try resignHeader(header, vaultID: id, as: alice))

    // A version 2 file with an older version line, validly signed: history is version 3's.
    var early = try makeTeam(formatVersion: 2)
    let current = try #require(try early.group(project: "web", environment: "prod"))
    let older = current.entries[0]
    var newer = current.entries[0]
    newer.version = 2
    newer = try early.sealed(
      newer, value: secret(Self.prodRotations[0].1),
      to: try #require(early.header.environment("prod")).publicKey, by: alice)
    var group = current
    group.entries[0] = newer
    group.history = [older]
    forgeGroup(&early, group, signer: alice)
    #expect(lines(early.serialized())[0] == "vault 2")
    try failure(
      "history-in-version-2",
      "A version 2 file whose web/prod/OPENAI_API_KEY has an older version line, validly "
        + "signed by the owner: only version 3 files keep history.",
      .formatError, lines(early.serialized()))
  }

  // MARK: Format version 3: OpenAI links and pending rotations

  /// The `openai` and `rotation` lines (FileFormat.md, "OpenAI links and rotations"): a
  /// version 3 team vault whose web/prod/OPENAI_API_KEY was stored three times, each
  /// version linked to its OpenAI key, with a rotation pending; web/dev's OPENAI_API_KEY
  /// linked and a rotation just started. Then every rule a reader enforces, broken.
  func openAILines() throws {
    var team = try makeTeam(formatVersion: 3)
    func link(_ key: String, _ account: String?, _ scopes: [String]) -> OpenAILink {
      OpenAILink(
        name: "OPENAI_API_KEY", version: 0, project: "proj_prod", keyID: key, account: account,
        scopes: scopes)
    }
    let scopes = ["api.model.read", "api.responses.write"]
    try team.set(
      [("OPENAI_API_KEY", secret(Self.prodRotations[0].1))], project: "web", environment: "prod",
      identity: alice, now: Self.now, link: link("key_two", "svc_acct_deploy", scopes))
    let stored = PendingRotation(
      name: "OPENAI_API_KEY", step: .stored, time: Self.now, project: "proj_prod",
      oldKey: "key_two", oldAccount: "svc_acct_deploy", newKey: "key_three",
      newAccount: "svc_acct_deploy")
    try team.set(
      [("OPENAI_API_KEY", secret(Self.prodRotations[1].1))], project: "web", environment: "prod",
      identity: alice, now: Self.now, link: link("key_three", "svc_acct_deploy", scopes),
      rotation: .some(stored))
    var first = link("key_one", nil, [])
    first.version = 1
    try team.setLink(first, project: "web", environment: "prod", identity: alice)
    var dev = link("key_dev", nil, [])
    dev.project = "proj_dev"
    dev.version = 1
    try team.setLink(dev, project: "web", environment: "dev", identity: alice)
    let started = PendingRotation(
      name: "OPENAI_API_KEY", step: .started, time: Self.now, project: "proj_dev",
      oldKey: "key_dev", oldAccount: nil, newKey: nil, newAccount: nil)
    try team.setRotation(
      started, name: "OPENAI_API_KEY", project: "web", environment: "dev", identity: alice)
    try write("openai-links.vault", team.serialized())
    let prodValues = [Self.prodRotations[1]] + Array(Self.webProd.dropFirst())
    let prodOlder = [
      "OPENAI_API_KEY@2=\(Self.prodRotations[0].1)", "OPENAI_API_KEY@1=\(Self.webProd[0].1)",
    ]
    let prodLinks = [
      "OPENAI_API_KEY 3 proj_prod key_three svc_acct_deploy api.model.read,api.responses.write",
      "OPENAI_API_KEY 2 proj_prod key_two svc_acct_deploy api.model.read,api.responses.write",
      "OPENAI_API_KEY 1 proj_prod key_one - -",
    ]
    let prodRotation = [
      "OPENAI_API_KEY stored \(Self.now) proj_prod key_two svc_acct_deploy key_three"
        + " svc_acct_deploy"
    ]
    let devLinks = ["OPENAI_API_KEY 1 proj_dev key_dev - -"]
    let devRotation = ["OPENAI_API_KEY started \(Self.now) proj_dev key_dev - - -"]
    try expect(
      "openai-links",
      "web/prod/OPENAI_API_KEY stored three times, each version linked to its OpenAI key "
        + "(versions 3 and 2 service-account keys with scopes, version 1 a user's key), a "
        + "rotation stored and not finished; web/dev/OPENAI_API_KEY linked, a rotation started.",
      .success, identity: alice,
      reads: [("web", "prod", prodValues), ("web", "dev", Self.webDev)],
      older: ["web prod": prodOlder],
      links: ["web prod": prodLinks, "web dev": devLinks],
      rotations: ["web prod": prodRotation, "web dev": devRotation])
    try expect(
      "openai-links-bob", "bob reads web/dev of the same file, with its link and rotation.",
      .success, vault: "openai-links.vault", identity: bob,
      reads: [("web", "dev", Self.webDev)],
      links: ["web dev": devLinks], rotations: ["web dev": devRotation])

    let id = team.header.vaultID
    let base = lines(team.serialized())
    func failure(
      _ name: String, _ comment: String, _ outcome: Vector.Outcome, _ lines: [String]
    ) throws {
      #expect(lines != base, "\(name)")
      try write("\(name).vault", joined(lines))
      try expect(name, comment, outcome, identity: alice, reads: [("web", "prod", [])])
    }
    func resigned(_ lines: [String]) throws -> [String] {
      try resignGroup(lines, "web", "prod", vaultID: id, as: alice)
    }
    func index(_ prefix: String, in lines: [String] = base) throws -> Int {
      try #require(lines.firstIndex { $0.hasPrefix(prefix) })
    }
    let links = try index("openai web prod OPENAI_API_KEY 3 ")
    let rotation = try index("rotation web prod ")
    let lastEntry = try index("entry web prod OPENAI_PROJECT_ID ")
    #expect(base[links + 1].hasPrefix("openai web prod OPENAI_API_KEY 2 "))
    #expect(rotation == links + 3)

    func edit(_ change: (inout [String]) throws -> Void) rethrows -> [String] {
      var lines = base
      try change(&lines)
      return lines
    }

    // Placement: after every entry line, openai before rotation before flag.
    try failure(
      "openai-before-entry",
      "An openai line before the group's last entry line, the group re-signed by the owner.",
      .formatError,
      try resigned(edit { $0.insert($0.remove(at: links + 2), at: lastEntry) }))
    try failure(
      "openai-after-rotation",
      "The rotation line before the openai lines, the group re-signed by the owner.",
      .formatError, try resigned(edit { $0.insert($0.remove(at: rotation), at: links) }))
    try failure(
      "rotation-after-flag",
      "A flag line between the openai lines and the rotation line, the group re-signed.",
      .formatError,
      try resigned(
        edit { $0.insert("flag web prod OPENAI_API_KEY bob \(Self.removedAt)", at: rotation) }))
    try failure(
      "openai-other-environment",
      "An openai line labelled web dev inside the web/prod group, the group re-signed.",
      .formatError,
      try resigned(
        edit {
          $0[links + 2] = $0[links + 2].replacingOccurrences(
            of: "openai web prod ", with: "openai web dev ")
        }))
    // Order and uniqueness.
    try failure(
      "openai-out-of-order",
      "Versions 3 and 2's openai lines swapped (ascending), the group re-signed.",
      .formatError, try resigned(edit { $0.swapAt(links, links + 1) }))
    try failure(
      "openai-duplicated", "Version 2's openai line twice, the group re-signed.",
      .formatError, try resigned(edit { $0.insert($0[links + 1], at: links + 1) }))
    // Each names an entry line of that name and version.
    try failure(
      "openai-for-missing-version",
      "An openai line for OPENAI_BASE_URL version 2 (the group holds version 1 only), the "
        + "group re-signed.", .formatError,
      try resigned(
        edit { $0.insert("openai web prod OPENAI_BASE_URL 2 proj_prod key_x - -", at: rotation) }))
    try failure(
      "openai-for-missing-name",
      "An openai line for a name the group does not hold, the group re-signed.", .formatError,
      try resigned(edit { $0.insert("openai web prod ZZZ 1 proj_prod key_x - -", at: rotation) }))
    // A rotation needs a current entry: a gone line is not one.
    var removed = team
    try removed.remove(
      "OPENAI_BASE_URL", project: "web", environment: "prod", identity: alice, now: Self.now)
    var goneLines = lines(removed.serialized())
    #expect(goneLines.contains { $0.hasPrefix("gone web prod OPENAI_BASE_URL 1 ") })
    let goneRotation = try index("rotation web prod ", in: goneLines)
    goneLines.insert(
      "rotation web prod OPENAI_BASE_URL started \(Self.now) proj_prod key_x - - -",
      at: goneRotation + 1)
    try failure(
      "rotation-for-gone-name",
      "A rotation line for OPENAI_BASE_URL, which the group holds as a gone line only, the "
        + "group re-signed.", .formatError, try resigned(goneLines))
    goneLines = lines(removed.serialized())
    goneLines.insert("openai web prod OPENAI_BASE_URL 1 proj_prod key_x - -", at: goneRotation)
    try failure(
      "openai-for-gone-name",
      "An openai line for OPENAI_BASE_URL version 1, which the group holds as a gone line "
        + "only, the group re-signed.", .formatError, try resigned(goneLines))
    try failure(
      "rotation-out-of-order",
      "A rotation line for OPENAI_PROJECT_ID before OPENAI_API_KEY's, the group re-signed.",
      .formatError,
      try resigned(
        edit {
          $0.insert(
            "rotation web prod OPENAI_PROJECT_ID started \(Self.now) proj_prod key_x - - -",
            at: rotation)
        }))
    try failure(
      "rotation-duplicated", "The rotation line twice, the group re-signed.", .formatError,
      try resigned(edit { $0.insert($0[rotation], at: rotation) }))
    // Steps and fields.
    func field(_ name: String, _ comment: String, _ line: Int, _ old: String, _ new: String)
      throws
    {
      try failure(
        name, comment + ", the group re-signed.", .formatError,
        try resigned(
          edit {
            #expect($0[line].contains(old), "\(name)")
            $0[line] = $0[line].replacingOccurrences(of: old, with: new)
          }))
    }
    try field(
      "rotation-started-with-new-key", "A started rotation naming a new key", rotation,
      " stored ", " started ")
    try field(
      "rotation-stored-without-new-key", "A stored rotation without a new key", rotation,
      " key_three svc_acct_deploy", " - -")
    try field(
      "rotation-unknown-step", "A rotation whose step is `deleted`", rotation, " stored ",
      " deleted ")
    try field("openai-bad-id", "A key id with a `.`", links, " key_three ", " key.three ")
    try field("openai-dash-id", "A key id `-`", links, " key_three ", " - ")
    try field(
      "openai-scopes-unsorted", "Scopes out of order", links,
      "api.model.read,api.responses.write", "api.responses.write,api.model.read")
    try field(
      "openai-scopes-upper-case", "A scope with upper-case letters", links,
      "api.model.read,", "api.Model.read,")
    // Versions 1 and 2 have neither line.
    for (name, what) in [
      ("openai-in-version-2", "an openai"), ("rotation-in-version-2", "a rotation"),
    ] {
      var early = try makeTeam(formatVersion: 2)
      var group = try #require(try early.group(project: "web", environment: "prod"))
      if name.hasPrefix("openai") {
        var old = first
        old.version = 1
        group.links = [old]
      } else {
        group.rotations = [stored]
      }
      forgeGroup(&early, group, signer: alice)
      #expect(lines(early.serialized())[0] == "vault 2")
      try failure(
        name,
        "A version 2 file whose web/prod group holds \(what) line, validly signed by the "
          + "owner: only version 3 files have them.", .formatError, lines(early.serialized()))
    }
    // The group signature covers them.
    try failure(
      "openai-added-unsigned",
      "An openai line for OPENAI_BASE_URL version 1 added without re-signing the group.",
      .authenticationFailure,
      edit { $0.insert("openai web prod OPENAI_BASE_URL 1 proj_prod key_x - -", at: rotation) })
    try failure(
      "openai-changed-unsigned", "Version 3's key id changed without re-signing the group.",
      .authenticationFailure,
      edit { $0[links] = $0[links].replacingOccurrences(of: "key_three", with: "key_evil") })
    try failure(
      "openai-dropped-unsigned", "Version 3's openai line deleted without re-signing the group.",
      .authenticationFailure, edit { $0.remove(at: links) })
    try failure(
      "rotation-changed-unsigned", "The rotation's step changed to manual without re-signing.",
      .authenticationFailure,
      edit { $0[rotation] = $0[rotation].replacingOccurrences(of: " stored ", with: " manual ") })
    try failure(
      "rotation-dropped-unsigned", "The rotation line deleted without re-signing the group.",
      .authenticationFailure, edit { $0.remove(at: rotation) })
  }

  /// Replaces the group of `group`'s label with `group`, signed by `signer`.
  func forgeGroup(_ file: inout VaultFile, _ group: Group, signer: Identity) {
    var group = group
    group.signer = signer.signingKeyPair.publicKey
    group.signature = signer.signingKeyPair.sign(
      Signatures.group(vaultID: file.header.vaultID, signedText: LineCodec.groupSignedText(group)))
    let block = Block(
      project: group.project, environment: group.environment,
      text: LineCodec.groupText(group)[...], line: 0)
    file.blocks.removeAll { $0.project == group.project && $0.environment == group.environment }
    file.blocks.append(block)
    file.blocks.sort { ($0.project, $0.environment) < ($1.project, $1.environment) }
  }

  // MARK: Identity files

  func identityFiles() throws {
    var file = try VaultFile.create(identity: alice, memberName: "alice", path: "identity.vault")
    let prod = [("OPENAI_API_KEY", "sk-proj-passphraseT3BlbkFJabcdefghijklmnop")]
    try set(&file, "web", "prod", prod, as: alice)
    try write("passphrase-identity.vault", file.serialized())
    let passphrase = "correct horse battery staple"
    let protected = try IdentityFile(
      identity: alice, passphrase: secret(passphrase), path: "passphrase-identity.identity")
    try write("passphrase-identity.identity", protected.serialized())
    try expect(
      "passphrase-identity", "An identity file protected by a passphrase at MODERATE cost.",
      .success, identityFile: "passphrase-identity.identity", passphrase: passphrase,
      reads: [("web", "prod", prod)])

    let plain = try IdentityFile(identity: alice, passphrase: nil, path: "unprotected.identity")
    try write("unprotected-identity.identity", plain.serialized())
    try expect(
      "unprotected-identity", "An identity file made with --no-passphrase (kdf none).", .success,
      vault: "passphrase-identity.vault", identityFile: "unprotected-identity.identity",
      reads: [("web", "prod", prod)])

    for (name, ops, mem, comment) in [
      ("kdf-below-floor", 1 as UInt64, 268_435_456 as UInt64, "ops=1, under the floor of 2"),
      ("kdf-above-ceiling", 3, 4_398_046_511_104, "mem=4 TiB, over the ceiling of 1 GiB"),
    ] {
      let kdf = IdentityFile.kdfLine(
        parameters: .init(opsLimit: ops, memLimit: mem), salt: Sodium.randomBytes(16))
      let content =
        IdentityFile.headerText(alice.publicIdentity, kdfLine: kdf)
        + "nonce \(Base64URL.encode(Sodium.randomBytes(24)))\n"
        + "secret \(Base64URL.encode(Sodium.randomBytes(80)))\n"
      try write("\(name).identity", Array(content.utf8))
      try expect(
        name, "An identity file asking for Argon2id \(comment): refused before the KDF runs.",
        .kdfParameters, vault: "passphrase-identity.vault", identityFile: "\(name).identity",
        passphrase: passphrase, reads: [("web", "prod", [])])
    }
  }
}
