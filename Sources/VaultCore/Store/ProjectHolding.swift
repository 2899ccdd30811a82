import CSodium

/// One project a vault holds groups for, and its environments, as the clear `group` lines
/// name them (README, "Finding things"). Read without verifying anything: it only chooses
/// which label to load (the load then verifies that group) and names what an empty lookup
/// could have meant.
public struct ProjectHolding: Equatable, Sendable {
  public let project: String
  public var environments: [String]

  public init(project: String, environments: [String]) {
    self.project = project
    self.environments = environments
  }

  /// The projects and environments of the `group` lines in `buffer`, in file order (the
  /// format sorts groups by project, then environment). Lines that are not well-formed
  /// labels are skipped: a reader that verifies the file refuses them anyway.
  public static func scan(_ buffer: UnsafeRawBufferPointer) -> [ProjectHolding] {
    guard let base = buffer.baseAddress else { return [] }
    let needle = Array("\ngroup ".utf8)
    var result: [ProjectHolding] = []
    var offset = 0
    while offset < buffer.count {
      let hit = needle.withUnsafeBytes { n in
        vault_memmem(base + offset, buffer.count - offset, n.baseAddress, n.count)
      }
      guard let hit else { break }
      var cursor = base.distance(to: UnsafeRawPointer(hit)) + needle.count
      var fields: [[UInt8]] = []
      var field: [UInt8] = []
      while cursor < buffer.count, fields.count < 2 {
        let byte = buffer[cursor]
        cursor += 1
        if byte == 0x20 || byte == 0x0A {
          fields.append(field)
          field = []
          if byte == 0x0A { break }
        } else {
          field.append(byte)
        }
      }
      offset = cursor
      guard fields.count == 2, Names.isValidProject(fields[0]),
        Names.isValidEnvironment(fields[1])
      else { continue }
      let project = String(decoding: fields[0], as: UTF8.self)
      let environment = String(decoding: fields[1], as: UTF8.self)
      if result.last?.project == project {
        result[result.count - 1].environments.append(environment)
      } else {
        result.append(ProjectHolding(project: project, environments: [environment]))
      }
    }
    return result
  }
}

extension VaultStore {
  /// The projects and environments this vault holds groups for (empty when it does not
  /// exist); see `ProjectHolding.scan`.
  public func holdings() throws -> [ProjectHolding] {
    try FileSystem.withMapped(path) { buffer, _ in ProjectHolding.scan(buffer) } ?? []
  }
}
