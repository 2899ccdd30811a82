import Foundation
import Testing

/// SplitMix64: a small seeded generator, so a failing run can be replayed with its seed.
struct SeededGenerator: RandomNumberGenerator {
  var state: UInt64

  mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }
}

/// `vault export --format dotenv` as a property: for random values full of shell syntax,
/// sourcing the exported file in bash and in POSIX sh (`set -a; . FILE`) gives back the
/// stored bytes and runs nothing, and `vault import` of the same file stores the same bytes.
@Suite struct DotenvRoundTripTests {
  /// Pieces values are made of: quotes, escapes, expansions, line breaks, comments,
  /// multi-byte characters and the bytes bash uses internally (\u{1}, \u{7F}).
  static let fragments: [String] = [
    "'", "\"", "\\", "\\\\", "$", "$(", ")", "$(id)", "`", "`id`", "${HOME}", "$HOME", "$'x'",
    "\n", "\r", "\t", "\r\n", "\\n", "\\\n", "#", " #", "# c", "=", "==", " = ", "!", "!!",
    "*", "?", "~", ";", "&&", "|", "<", ">", "{", "}", "'\\''", "\"'\"", "é", "ü", "日本",
    "😀", "👩‍💻", "\u{1}", "\u{7F}", " ", "  ", "a", "Z", "0", "sk-proj-", "export ",
  ]

  static func randomValue(_ rng: inout SeededGenerator) -> String {
    var value = ""
    for _ in 0..<Int.random(in: 1...12, using: &rng) {
      value += fragments.randomElement(using: &rng) ?? "a"
    }
    // A value needs one non-blank character (empty and blank values are refused).
    if value.allSatisfy({ $0.isWhitespace }) { value += "x" }
    // Leading and trailing spaces, tabs and newlines, which a quoted import keeps.
    switch Int.random(in: 0..<4, using: &rng) {
    case 0: value = " " + value + "  "
    case 1: value = "\n\t" + value + "\n"
    default: break
    }
    return value
  }

  /// The input file, written independently of the exporter: double quotes with the escapes
  /// a person would type (`\n \r \t \" \\ \$` and backtick).
  static func handWritten(_ values: [(name: String, value: String)]) -> Data {
    var text = "# written by the test\n"
    for (name, value) in values {
      text += "export \(name)=\""
      for character in value.unicodeScalars {
        switch character {
        case "\n": text += "\\n"
        case "\r": text += "\\r"
        case "\t": text += "\\t"
        case "\"", "\\", "$", "`": text += "\\" + String(character)
        default: text.unicodeScalars.append(character)
        }
      }
      text += "\"  # value \(name)\n"
    }
    return Data(text.utf8)
  }

  /// A generator seeded from `DOTENV_SEED`, else at random, and the line that replays it.
  static func seeded() -> (SeededGenerator, replay: String) {
    let seed =
      ProcessInfo.processInfo.environment["DOTENV_SEED"].flatMap { UInt64($0) }
      ?? UInt64.random(in: 0...UInt64.max)
    return (SeededGenerator(state: seed), "seed \(seed) (replay with DOTENV_SEED=\(seed))")
  }

  /// The values as NUL-terminated strings, the way the shell prints them below.
  static func nulJoined(_ values: [String]) -> Data {
    Data(values.map { $0 + "\0" }.joined().utf8)
  }

  @Test func exportIsSafeToSourceAndImportsBack() throws {
    var (rng, replay) = Self.seeded()

    let box = try Sandbox()
    try box.initVault()
    let canaries = ["pwned-dollar", "pwned-backtick", "pwned-quoted", "pwned-its"].map {
      box.root.appendingPathComponent($0).path
    }
    var fixed = [
      "it's `id`", "$(touch \(canaries[0]))", "`touch \(canaries[1])`",
      "\"$(touch \(canaries[2]))\" '$(touch \(canaries[2]))'", "it's `touch \(canaries[3])`",
      "  leading and trailing  ",
      "\nnewlines around\n", "tab\there\r\nCRLF", "a\\\nb", "#not a comment", "é😀👩‍💻",
    ]
    let batches = 15
    let perBatch = 20
    let directory = box.root.appendingPathComponent("dotenv")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)

    for batch in 0..<batches {
      var values: [(name: String, value: String)] = []
      for index in 0..<perBatch {
        let value = fixed.isEmpty ? Self.randomValue(&rng) : fixed.removeFirst()
        values.append((String(format: "V%02d_%02d", batch, index), value))
      }
      let project = "p\(batch)"
      let input = directory.appendingPathComponent("in-\(batch).env").path
      try box.writeFile(input, Self.handWritten(values))
      let stored = try box.run(["import", "--project", project, "--env", "dev", input])
      #expect(stored.status == 0, "\(replay): import: \(stored.stderr)")

      // The real binary's export, stdout redirected to a file (not a terminal).
      let export = try box.run(["export", "--project", project, "--env", "dev"])
      #expect(export.status == 0, "\(replay): export: \(export.stderr)")
      let exported = directory.appendingPathComponent("out-\(batch).env").path
      try box.writeFile(exported, export.stdoutBytes)

      // Sourcing it in bash and in POSIX sh prints every value back, byte for byte.
      let names = values.map(\.name)
      let expected = Self.nulJoined(values.map(\.value))
      let shells: [(String, String)] = [
        ("/bin/bash", "set -a; . \"$1\"; shift; for n; do printf '%s\\0' \"${!n}\"; done"),
        (
          "/bin/sh",
          "set -a; . \"$1\"; shift; for n; do eval \"v=\\$$n\"; printf '%s\\000' \"$v\"; done"
        ),
      ]
      for (shell, script) in shells {
        let sourced = try box.execute(
          shell, ["-c", script, "sh", exported] + names, directory: directory)
        #expect(
          sourced.status == 0 && sourced.stderr == "", "\(replay): \(shell): \(sourced.stderr)")
        if sourced.stdoutBytes != expected {
          let got = sourced.stdoutBytes.split(separator: 0, omittingEmptySubsequences: false)
          for (index, (name, value)) in values.enumerated()
          where index >= got.count || Data(got[index]) != Data(value.utf8) {
            let shown =
              index < got.count ? String(decoding: got[index], as: UTF8.self) : "<missing>"
            Issue.record(
              "\(replay): \(shell) read \(name) as \(shown.debugDescription), stored \(value.debugDescription)"
            )
          }
        }
      }

      // `vault import` of the exported file stores the same bytes in another project.
      let copy = "copy\(batch)"
      let imported = try box.run(["import", "--project", copy, "--env", "dev", exported])
      #expect(imported.status == 0, "\(replay): import of the export: \(imported.stderr)")
      let original = try box.run([
        "export", "--project", project, "--env", "dev", "--format", "json",
      ])
      let again = try box.run(["export", "--project", copy, "--env", "dev", "--format", "json"])
      #expect(
        original.status == 0 && again.status == 0, "\(replay): \(original.stderr)\(again.stderr)")
      #expect(original.stdoutBytes == again.stdoutBytes, "\(replay): json exports differ")
      let decoded = try JSONSerialization.jsonObject(with: again.stdoutBytes) as? [String: String]
      for (name, value) in values where decoded?[name].map({ Data($0.utf8) }) != Data(value.utf8) {
        Issue.record(
          "\(replay): import of the export gave \(name) \(String(describing: decoded?[name]?.debugDescription)), stored \(value.debugDescription)"
        )
      }
    }
    for canary in canaries {
      #expect(!FileManager.default.fileExists(atPath: canary), "\(replay): sourcing ran \(canary)")
    }
  }

  /// Literal text as a shell's double quotes and `vault import` both read it: a backslash
  /// before `\`, `"`, `$` and backtick, every other byte (newlines too) as it is.
  static func shellQuoted(_ text: String) -> String {
    var result = ""
    for character in text.unicodeScalars {
      if "\\\"$`".unicodeScalars.contains(character) { result += "\\" }
      result.unicodeScalars.append(character)
    }
    return result
  }

  /// Values that refer to earlier lines, `${NAME}` and `$NAME` in double quotes and in bare
  /// values (issue 8, item 13), read the same in bash, in POSIX sh and in `vault import`;
  /// and `vault export` of what was imported reads back to the same bytes in all three.
  @Test func substitutionReadsAsAShellReadsIt() throws {
    var (rng, replay) = Self.seeded()
    let box = try Sandbox()
    try box.initVault()
    let directory = box.root.appendingPathComponent("subst")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    let shells: [(String, String)] = [
      ("/bin/bash", "set -a; . \"$1\"; shift; for n; do printf '%s\\0' \"${!n}\"; done"),
      (
        "/bin/sh",
        "set -a; . \"$1\"; shift; for n; do eval \"v=\\$$n\"; printf '%s\\000' \"$v\"; done"
      ),
    ]
    for batch in 0..<6 {
      var text = "# substitutions\n"
      var names: [String] = []
      for index in 0..<12 {
        let name = String(format: "S%02d_%02d", batch, index)
        let bare = index % 4 == 3
        var value = bare ? "x" : Self.shellQuoted("x" + Self.randomValue(&rng))
        for _ in 0..<Int.random(in: 0...3, using: &rng) {
          guard let reference = names.randomElement(using: &rng) else { break }
          // `$NAME` needs a byte after it that cannot continue the name.
          value += Bool.random(using: &rng) ? "${\(reference)}" : "$\(reference)-"
          value += bare ? "y" : Self.shellQuoted(Self.randomValue(&rng))
        }
        text += bare ? "\(name)=\(value)\n" : "export \(name)=\"\(value)\"\n"
        names.append(name)
      }
      let input = directory.appendingPathComponent("in-\(batch).env").path
      try box.writeFile(input, Data(text.utf8))
      var read: [Data] = []
      for (shell, script) in shells {
        let sourced = try box.execute(shell, ["-c", script, "sh", input] + names)
        #expect(
          sourced.status == 0 && sourced.stderr == "", "\(replay): \(shell): \(sourced.stderr)")
        read.append(sourced.stdoutBytes)
      }
      #expect(read[0] == read[1], "\(replay): bash and sh differ")
      let project = "s\(batch)"
      let imported = try box.run(["import", "--project", project, input])
      #expect(imported.status == 0, "\(replay): import: \(imported.stderr)")
      let json = try box.run(["export", "--project", project, "--format", "json"])
      let decoded = try JSONSerialization.jsonObject(with: json.stdoutBytes) as? [String: String]
      let shell = read[0].split(separator: 0, omittingEmptySubsequences: false)
      for (index, name) in names.enumerated() {
        let expected = index < shell.count ? Data(shell[index]) : Data()
        let stored = decoded?[name].map { Data($0.utf8) }
        #expect(
          stored == expected,
          """
          \(replay): \(name): bash \(String(decoding: expected, as: UTF8.self).debugDescription), \
          vault \(String(describing: decoded?[name]?.debugDescription))
          """
        )
      }
      // The export of what was imported reads back the same in the shells and in vault.
      let export = try box.run(["export", "--project", project])
      let exported = directory.appendingPathComponent("out-\(batch).env").path
      try box.writeFile(exported, export.stdoutBytes)
      for (shell, script) in shells {
        let sourced = try box.execute(shell, ["-c", script, "sh", exported] + names)
        #expect(sourced.stdoutBytes == read[0], "\(replay): \(shell) reads the export differently")
      }
      let again = try box.run(["import", "--project", "again\(batch)", exported])
      #expect(again.status == 0, "\(replay): \(again.stderr)")
      let json2 = try box.run(["export", "--project", "again\(batch)", "--format", "json"])
      #expect(json2.stdoutBytes == json.stdoutBytes, "\(replay): re-import differs")
    }
  }
}
