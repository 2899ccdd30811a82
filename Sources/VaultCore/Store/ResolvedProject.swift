/// The project a command acts on, and why it is that one (`vault status` says).
public struct ResolvedProject: Equatable, Sendable {
  /// Where the name came from, in the order `Paths.resolveProject` tries them.
  public enum Source: Equatable, Sendable {
    /// `--project`.
    case flag
    /// `$VAULT_PROJECT`.
    case variable
    /// `vault project pin` at this directory (a realpath).
    case pinned(directory: String)
    /// The vault holds this project only, and nothing under the `guessed` name.
    case onlyProject(guessed: String)
    /// The basename of this git work tree root.
    case gitWorkTree(root: String)
    /// The basename of the current directory.
    case directory(path: String)
  }

  public let name: String
  public let source: Source

  public init(name: String, source: Source) {
    self.name = name
    self.source = source
  }

  /// Whether the name was guessed from a directory (the lookup error then lists what the
  /// vault holds).
  public var isGuessed: Bool {
    switch source {
    case .flag, .variable, .pinned: return false
    case .onlyProject, .gitWorkTree, .directory: return true
    }
  }
}
