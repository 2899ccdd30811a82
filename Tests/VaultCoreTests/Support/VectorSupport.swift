import Foundation
import Testing
@testable import VaultCore

/// One test vector: `NAME.expect` and the files it names (FileFormat.md, "Test vectors").
struct Vector: CustomStringConvertible, Sendable {
  /// What reading the vector must give.
  enum Outcome: String, Sendable, CaseIterable {
    case success
    case formatError = "format error"
    case authenticationFailure = "authentication failure"
    case noAccess = "no access"
    case unsupportedVersion = "unsupported version"
    case kdfParameters = "kdf parameters"
    case retiredKey = "retired key"
  }

  /// One (project, environment) to read, the values it must give, in name order, and its
  /// exposure flags (`NAME MEMBER TIME`, or `NAME MEMBER TIME wrote`, in file order; none
  /// unless listed).
  struct Read: Equatable, Sendable {
    var project: String
    var environment: String
    var values: [String] = []
    var flags: [String] = []
    /// The group's older versions (format version 3, "History"), `NAME@VERSION=VALUE`, in
    /// file order: by name, then version descending.
    var older: [String] = []
    /// The group's OpenAI links (format version 3), each its line after `openai P E `, in
    /// file order; none unless listed.
    var links: [String] = []
    /// The group's pending rotations, each its line after `rotation P E `, in file order.
    var rotations: [String] = []
  }

  var name: String
  var directory: URL
  var expect: Outcome
  var vault: String
  var identity: String?
  var identityFile: String?
  var passphrase: String?
  var reads: [Read] = []

  var description: String { name }

  var vaultURL: URL { directory.appendingPathComponent(vault) }

  /// Parses `NAME.expect`: `key: value` lines, `#` comments, blank lines.
  init(name: String, directory: URL) throws {
    self.name = name
    self.directory = directory
    let text = try String(
      contentsOf: directory.appendingPathComponent("\(name).expect"), encoding: .utf8)
    var expect: Outcome?
    var vault = "\(name).vault"
    for line in text.split(separator: "\n", omittingEmptySubsequences: true) {
      if line.hasPrefix("#") { continue }
      guard let colon = line.firstIndex(of: ":") else {
        throw VectorError.malformed(name, String(line))
      }
      let key = String(line[..<colon])
      let value = String(line[line.index(after: colon)...].dropFirst())
      switch key {
      case "expect": expect = Outcome(rawValue: value)
      case "vault": vault = value
      case "identity": identity = value
      case "identity-file": identityFile = value
      case "passphrase": passphrase = value
      case "read":
        let parts = value.split(separator: " ")
        guard parts.count == 2 else { throw VectorError.malformed(name, String(line)) }
        reads.append(Read(project: String(parts[0]), environment: String(parts[1])))
      case "value":
        guard !reads.isEmpty else { throw VectorError.malformed(name, String(line)) }
        reads[reads.count - 1].values.append(value)
      case "older":
        guard !reads.isEmpty, value.contains("@"), value.contains("=") else {
          throw VectorError.malformed(name, String(line))
        }
        reads[reads.count - 1].older.append(value)
      case "openai":
        guard !reads.isEmpty, value.split(separator: " ").count == 6 else {
          throw VectorError.malformed(name, String(line))
        }
        reads[reads.count - 1].links.append(value)
      case "rotation":
        guard !reads.isEmpty, value.split(separator: " ").count == 8 else {
          throw VectorError.malformed(name, String(line))
        }
        reads[reads.count - 1].rotations.append(value)
      case "flag":
        let parts = value.split(separator: " ")
        guard !reads.isEmpty, parts.count == 3 || (parts.count == 4 && parts[3] == "wrote") else {
          throw VectorError.malformed(name, String(line))
        }
        reads[reads.count - 1].flags.append(value)
      default:
        throw VectorError.malformed(name, String(line))
      }
    }
    guard let expect else { throw VectorError.malformed(name, "no expect line") }
    self.expect = expect
    self.vault = vault
  }

  /// Every vector in the test bundle, sorted by name.
  static func all() throws -> [Vector] {
    guard let directory = Bundle.module.url(forResource: "Vectors", withExtension: nil) else {
      throw VectorError.missing("Vectors")
    }
    let names = try FileManager.default.contentsOfDirectory(atPath: directory.path)
      .filter { $0.hasSuffix(".expect") }
      .map { String($0.dropLast(".expect".count)) }
      .sorted()
    return try names.map { try Vector(name: $0, directory: directory) }
  }

  /// The identity the vector reads as; throws what unlocking it throws.
  func unlock() throws -> Identity {
    if let identity {
      return try Identity(secretString: SecretBytes(copying: Array(identity.utf8)))
    }
    guard let identityFile else { throw VectorError.malformed(name, "no identity") }
    let url = directory.appendingPathComponent(identityFile)
    let file = try IdentityFile.parse(Array(try Data(contentsOf: url)), path: url.path)
    return try file.unlock(passphrase: passphrase.map { SecretBytes(copying: Array($0.utf8)) })
  }

  /// Reads every `read` of the vector through the full parser, or through the parser that
  /// looks only at the header and the one group `exec` needs when `fast` is set.
  func run(fast: Bool) throws -> [Read] {
    let identity = try unlock()
    let bytes = Array(try Data(contentsOf: vaultURL))
    var results: [Read] = []
    for read in reads {
      let file =
        fast
        ? try VaultFile.parse(
          bytes, path: vault, onlyProject: read.project, environment: read.environment)
        : try VaultFile.parse(bytes, path: vault)
      try file.verifyHeader()
      let secrets = try file.secrets(
        project: read.project, environment: read.environment, identity: identity)
      var result = Read(project: read.project, environment: read.environment)
      for (entry, value) in secrets {
        let text = value.withUnsafeBytes { String(decoding: $0, as: UTF8.self) }
        result.values.append("\(entry.name)=\(text)")
      }
      // Only a group that verified and decrypted above gets here.
      let group = try file.group(project: read.project, environment: read.environment)
      for entry in group?.history ?? [] {
        let old = try file.value(
          of: entry.name, version: entry.version, project: read.project,
          environment: read.environment, identity: identity)
        let text = old.value.withUnsafeBytes { String(decoding: $0, as: UTF8.self) }
        result.older.append("\(entry.name)@\(entry.version)=\(text)")
      }
      let prefix = "\(read.project) \(read.environment) "
      result.links = (group?.links ?? []).map {
        String(
          LineCodec.openAILine($0, project: read.project, environment: read.environment)
            .dropFirst("openai ".count + prefix.count))
      }
      result.rotations = (group?.rotations ?? []).map {
        String(
          LineCodec.rotationLine($0, project: read.project, environment: read.environment)
            .dropFirst("rotation ".count + prefix.count))
      }
      let flags = group?.flags ?? []
      result.flags = flags.map { "\($0.name) \($0.member) \($0.time)" + ($0.wrote ? " wrote" : "") }
      results.append(result)
    }
    return results
  }
}

enum VectorError: Error, CustomStringConvertible {
  case malformed(String, String)
  case missing(String)

  var description: String {
    switch self {
    case .malformed(let name, let line): return "\(name).expect: cannot parse '\(line)'"
    case .missing(let what): return "missing \(what) in the test bundle"
    }
  }
}

/// The outcome class of an error, as vectors state it.
func outcome(of error: any Error) -> Vector.Outcome? {
  switch error {
  case VaultError.malformed, VaultError.invalidIdentityString: return .formatError
  case VaultError.unsupportedVersion: return .unsupportedVersion
  case VaultError.kdfParametersOutOfRange: return .kdfParameters
  case VaultError.integrity, VaultError.wrongPassphrase: return .authenticationFailure
  case VaultError.notAMember, VaultError.cannotRead: return .noAccess
  case VaultError.retiredKey: return .retiredKey
  default: return nil
  }
}

/// Fixed identities, so regenerated vectors keep the same members.
enum TestIdentities {
  static func make(_ name: String) -> Identity {
    let seed = Sodium.blake2b(Array("vault test vector identity \(name)".utf8), length: 64)
    return (try? Identity(secret: SecretBytes(copying: seed)))!
  }

  static let alice = make("alice")
  static let bob = make("bob")
  static let mallory = make("mallory")

  static func secretString(_ identity: Identity) -> String {
    identity.secretString.withUnsafeBytes { String(decoding: $0, as: UTF8.self) }
  }
}

func secret(_ text: String) -> SecretBytes {
  SecretBytes(copying: Array(text.utf8))
}

func text(_ bytes: [UInt8]) -> String {
  String(decoding: bytes, as: UTF8.self)
}
