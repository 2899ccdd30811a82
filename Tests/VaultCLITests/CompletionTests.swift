import Foundation
import Testing

/// completions/ is generated from the parser (`make completions`); these tests fail when a
/// command or flag changes and the scripts were not regenerated.
@Suite struct CompletionTests {
  static let repository = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

  @Test(arguments: [("bash", "vault.bash"), ("zsh", "_vault"), ("fish", "vault.fish")])
  func completionScriptIsInSync(shell: String, file: String) throws {
    let box = try Sandbox()
    let result = try box.run(["--generate-completion-script", shell])
    #expect(result.status == 0)
    let committed = try String(
      contentsOf: Self.repository.appendingPathComponent("completions/\(file)"), encoding: .utf8)
    #expect(
      result.stdout == committed,
      "completions/\(file) is out of date: run `make completions` and commit it")
  }

  @Test func completionsNameEverySubcommand() throws {
    let bash = try String(
      contentsOf: Self.repository.appendingPathComponent("completions/vault.bash"), encoding: .utf8)
    for command in ["init", "set", "get", "list", "rm", "exec", "import", "export", "lock", "status", "identity", "members", "env", "trust", "git"] {
      #expect(bash.contains(command), "\(command) missing from the bash completions")
    }
  }
}
