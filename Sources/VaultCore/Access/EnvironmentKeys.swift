/// The environment key pairs one identity has opened in one vault, each seal opened once:
/// for commands that decrypt across groups (`list --redacted`, `scan`). A handful at most,
/// so an array, not a dictionary.
public struct EnvironmentKeys {
  public let file: VaultFile
  public let identity: Identity
  private var opened: [(environment: String, pair: BoxKeyPair)] = []

  public init(file: VaultFile, identity: Identity) {
    self.file = file
    self.identity = identity
  }

  /// `environment`'s key pair, opened from this identity's seal the first time it is asked
  /// for (`project` names the label in errors).
  public mutating func pair(_ environment: String, project: String) throws -> BoxKeyPair {
    if let known = opened.first(where: { $0.environment == environment }) { return known.pair }
    let pair = try file.environmentKeyPair(environment, project: project, identity: identity)
    opened.append((environment, pair))
    return pair
  }
}
