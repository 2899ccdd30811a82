import ArgumentParser
import VaultCore

/// Mistakes ArgumentParser would report misleadingly, caught before it parses: a mistyped
/// command, and `exec` without `--`. Words that may be values are never echoed.
enum UsageCheck {
  /// The options of `exec` that take a value, and its flags.
  static let execOptions = [
    "--vault", "--project", "--env", "--passphrase-file", "--cache-ttl", "--only",
    "--allow-reserved",
  ]

  static func check(_ arguments: [String]) {
    guard arguments.count > 1 else { return }
    let first = arguments[1]
    if !first.hasPrefix("-") { checkCommand(first) }
    if first == "exec" || first == "run" { checkTerminator(Array(arguments.dropFirst(2)), first) }
  }

  /// `vault exce` → "unknown command 'exce'; did you mean exec?".
  static func checkCommand(_ word: String) {
    var names = ["help"]
    for command in VaultCommand.configuration.subcommands {
      names.append(command._commandName)
      names += command.configuration.aliases
    }
    guard !names.contains(word) else { return }
    let guess = Failure.closest(to: word, in: names).map { "; did you mean \($0)?" } ?? ""
    Failure.exit(
      message: "unknown command '\(shown(word))'\(guess)",
      hint: "`vault help` lists the commands", code: Failure.usage)
  }

  /// `vault exec --env prod python3 app.py` → `--` is missing, with the corrected line.
  static func checkTerminator(_ arguments: [String], _ verb: String) {
    guard !arguments.contains("--"),
      !arguments.contains(where: { $0 == "-h" || $0 == "--help" })
    else { return }
    var index = 0
    while index < arguments.count {
      let word = arguments[index]
      if word == "--no-cache" {
        index += 1
      } else if execOptions.contains(word) {
        index += 2
      } else if word.hasPrefix("--"), word.contains("=") {
        index += 1
      } else {
        break
      }
    }
    guard index < arguments.count, !arguments[index].hasPrefix("-") else { return }
    let options = arguments[..<index].map(shown)
    let command = arguments[index...].map(shown)
    let line = (["vault", verb] + options + ["--"] + command).joined(separator: " ")
    Failure.exit(
      message: "`--` is missing before the command \(shown(arguments[index]))",
      hint: "run: \(line)", code: Failure.usage)
  }

  /// A word as a message may show it: a key redacted, nothing after an `=`, escaped.
  static func shown(_ word: String) -> String {
    if Failure.looksLikeKey(word) || Names.looksLikeSecret(word) { return Failure.redacted(word) }
    if let equals = word.firstIndex(of: "=") {
      return shown(String(word[..<equals])) + "=…"
    }
    return Failure.printable(word)
  }

  /// The edit distance between two short words.
  static func distance(_ a: String, _ b: String) -> Int {
    let a = Array(a.utf8)
    let b = Array(b.utf8)
    var previous = Array(0...b.count)
    for i in 1...max(a.count, 1) where !a.isEmpty {
      var current = [i] + Array(repeating: 0, count: b.count)
      for j in stride(from: 1, through: b.count, by: 1) {
        let cost = a[i - 1] == b[j - 1] ? 0 : 1
        current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
      }
      previous = current
    }
    return a.isEmpty ? b.count : previous[b.count]
  }
}
