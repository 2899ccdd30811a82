import Foundation
import Testing

/// Issue 7, point 10: help text that teaches no leak and reads as written.
@Suite struct HelpTextTests {
  /// `vault help` and `vault help PATH…` for every command, as a reader at 80 columns sees it.
  static func allHelp(_ box: Sandbox) throws -> [(path: [String], text: String)] {
    var result: [(path: [String], text: String)] = []
    var queue: [[String]] = [[]]
    while let path = queue.first {
      queue.removeFirst()
      let help = try box.run(["help"] + path, env: ["COLUMNS": "80"])
      #expect(help.status == 0, "vault help \(path): \(help.stderr)")
      result.append((path, help.stdout))
      var inSubcommands = false
      for line in outputLines(help.stdout) {
        if line == "SUBCOMMANDS:" { inSubcommands = true; continue }
        guard inSubcommands else { continue }
        if line.isEmpty || !line.hasPrefix("  ") { inSubcommands = false; continue }
        // "  exec, run   Run a command…": the name, without its aliases.
        guard let word = line.split(separator: " ").first?.split(separator: ",").first,
          !line.hasPrefix("   "), word != "help", path.count < 3,
          !result.contains(where: { $0.path == path + [String(word)] }),
          !queue.contains(path + [String(word)])
        else { continue }
        queue.append(path + [String(word)])
      }
    }
    return result
  }

  @Test func noHelpPutsAKeyInArgvOrTheWorkTree() throws {
    let box = try Sandbox()
    let all = try Self.allHelp(box)
    #expect(all.count > 15, "found \(all.map(\.path))")
    for (path, text) in all {
      #expect(!text.contains("$(vault get"), "vault help \(path.joined(separator: " "))")
      #expect(!text.contains("> ci"), "vault help \(path.joined(separator: " "))")
    }
    let get = try #require(all.first { $0.path == ["get"] }?.text)
    #expect(get.contains("curl -H @-"))
    let new = try #require(all.first { $0.path == ["identity", "new"] }?.text)
    #expect(new.contains("(umask 077; vault identity new --no-passphrase > ~/ci.secret)"))
  }

  /// A prose line cut early and continued on the next line ("…command line,\nand run\n
  /// programs…") is the mark of text wrapped twice: once in the source, once at 80 columns
  /// (ArgumentParser keeps lines under 80 characters).
  @Test func helpIsWrappedOnce() throws {
    let box = try Sandbox()
    for (path, text) in try Self.allHelp(box) {
      let lines = outputLines(text)
      for (line, next) in zip(lines, lines.dropFirst()) {
        guard !line.isEmpty, !line.hasPrefix(" "), !next.hasPrefix(" "),
          let first = next.split(separator: " ").first, let letter = first.first,
          letter.isLowercase
        else { continue }
        #expect(
          line.count + 1 + first.count >= 80,
          "vault help \(path.joined(separator: " ")): '\(line)' is cut before '\(first)'")
      }
    }
  }
}
