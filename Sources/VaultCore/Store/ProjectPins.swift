import Glibc

/// Projects pinned to directory trees with `vault project pin`, kept in the state
/// directory's `projects` file, one `pin NAME DIRECTORY` line each (DIRECTORY a realpath).
/// The nearest pinned ancestor of the current directory names the project (README,
/// "Finding things"): a personal vault then needs no flag in a clone named otherwise.
public struct ProjectPins: Sendable {
  /// The `projects` file.
  public let path: String

  public init(stateDirectory: String) {
    path = stateDirectory + "/projects"
  }

  /// Each pin, in file order.
  public func all() throws -> [(project: String, directory: String)] {
    guard let contents = try FileSystem.read(path, maximumSize: 1 << 20) else { return [] }
    var result: [(project: String, directory: String)] = []
    for line in contents.bytes.split(separator: 0x0A) {
      let parts = line.split(separator: 0x20, maxSplits: 2, omittingEmptySubsequences: false)
      guard parts.count == 3, parts[0].elementsEqual("pin".utf8), Names.isValidProject(parts[1]),
        parts[2].first == 0x2F
      else { continue }
      result.append(
        (String(decoding: parts[1], as: UTF8.self), String(decoding: parts[2], as: UTF8.self)))
    }
    return result
  }

  /// The pin of `directory` (a realpath) or of its nearest ancestor.
  public func nearest(to directory: String) throws -> (project: String, directory: String)? {
    var best: (project: String, directory: String)?
    for pin in try all()
    where directory == pin.directory || pin.directory == "/"
      || directory.hasPrefix(pin.directory + "/")
    {
      if pin.directory.utf8.count >= (best?.directory.utf8.count ?? -1) { best = pin }
    }
    return best
  }

  /// Pins `project` to `directory` (a realpath), replacing its earlier pin.
  public func pin(_ project: String, to directory: String) throws {
    try Names.check(project, as: .project)
    guard !directory.utf8.contains(0x0A) else {
      throw VaultError.io(path: directory, operation: "pin (a newline in the path)", errno: EINVAL)
    }
    var pins = try all().filter { $0.directory != directory }
    pins.append((project, directory))
    try write(pins)
  }

  /// Removes the pin of `directory`; returns the project it named, nil when none.
  public func unpin(_ directory: String) throws -> String? {
    let pins = try all()
    guard let removed = pins.first(where: { $0.directory == directory }) else { return nil }
    try write(pins.filter { $0.directory != directory })
    return removed.project
  }

  private func write(_ pins: [(project: String, directory: String)]) throws {
    try FileSystem.makeDirectories(Paths.directory(of: path))
    let text = pins.map { "pin \($0.project) \($0.directory)\n" }.joined()
    try FileSystem.writeAtomically(path, Array(text.utf8))
  }

  /// The canonical absolute form of `path` (symlinks resolved), or `path` when it cannot be
  /// resolved.
  public static func realPath(_ path: String) -> String {
    guard let resolved = realpath(path, nil) else { return path }
    defer { free(resolved) }
    return String(cString: resolved)
  }
}
