import ArgumentParser
import VaultCore

extension VaultCommand {
  struct Lock: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Forget the cached unlock now.",
      discussion: """
        Examples:
          vault lock
        """)

    func run() throws {
      let identity = try Session().identitySource().publicIdentity()
      if UnlockCache.clear(identity) {
        Output.line("locked: the cached unlock is gone")
      } else {
        Output.line("nothing was cached")
      }
    }
  }
}
