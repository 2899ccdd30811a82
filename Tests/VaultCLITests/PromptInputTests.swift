import Foundation
import Testing

/// What reaches `set`'s no-echo prompt from a real terminal (issue 8, points 8 to 11): a
/// multi-line paste read whole, nothing left for the shell to run or save in its history,
/// nothing over 64 KiB cut and stored, keys the prompt does not handle refused rather than
/// stored, Ctrl-Z and `fg`, and the terminal restored when a signal kills vault. Shell
/// cases run an interactive bash with a history file in tmux (`ShellTerminal`); the others
/// run on a pseudo-terminal through expect (`converse`).
@Suite struct PromptInputTests {
  static let prompt = "OPENAI_API_KEY for shop/dev: "

  /// A certificate chain of four PEM blocks, about 11 KiB, every line distinct.
  static let chain: String = {
    var generator = SeededGenerator(state: 8)
    let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")
    var lines: [String] = []
    for _ in 0..<4 {
      lines.append("-----BEGIN CERTIFICATE-----")
      for _ in 0..<42 {
        lines.append(String((0..<64).map { _ in alphabet[Int(generator.next() % 64)] }))
      }
      lines.append("-----END CERTIFICATE-----")
    }
    return lines.joined(separator: "\n")
  }()

  /// The lines of the chain that are base64, each unique enough to find anywhere.
  /// Checks that no line of `value` is on the screen or in the shell's history.
  func expectNothingReachedTheShell(
    _ value: String, _ shell: ShellTerminal, sourceLocation: SourceLocation = #_sourceLocation
  ) throws {
    let screen = try shell.screen()
    let history = shell.history()
    let lines = value.split(separator: "\n").filter { $0.count >= 12 && !$0.hasPrefix("-") }
    let shown = lines.filter { screen.contains($0) }.count
    let saved = lines.filter { history.contains($0) }.count
    #expect(shown == 0, "\(shown) lines on the screen: \(screen)", sourceLocation: sourceLocation)
    #expect(saved == 0, "\(saved) lines in history: \(history)", sourceLocation: sourceLocation)
    #expect(!screen.contains("command not found"), "\(screen)", sourceLocation: sourceLocation)
    #expect(!history.contains("BEGIN"), "\(history)", sourceLocation: sourceLocation)
  }

  // MARK: - Point 8: a multi-line paste

  /// An 11 KiB certificate chain pasted at the prompt of a bash with history, as tmux pastes
  /// (bracketed when vault asks for it, `TERM=screen`; plain when `TERM` is unset, read until
  /// input stops): stored whole, byte for byte, and no line of it reached bash.
  @Test(arguments: ["screen", nil] as [String?])
  func aPastedCertificateChainIsStoredWhole(term: String?) throws {
    let box = try Sandbox()
    try box.initVault()
    let shell = try ShellTerminal(box, term: term)
    try shell.run("vault set --env dev TLS_CHAIN; echo \"status=$?\"")
    try shell.waitFor("TLS_CHAIN for shop/dev: ")
    try shell.paste(Self.chain + "\n")
    try shell.waitFor("status=0")
    #expect(try box.run(["get", "--env", "dev", "TLS_CHAIN"]).stdout == Self.chain + "\n")
    try expectNothingReachedTheShell(Self.chain, shell)
  }

  /// The same chain arriving in pieces, as a terminal sends a long paste (the start and end
  /// of the bracketed paste around it): the line break at the end of a piece, with nothing
  /// behind it yet, does not end the value.
  @Test func aPasteInPiecesIsReadWhole() throws {
    let box = try Sandbox()
    try box.initVault()
    let shell = try ShellTerminal(box)
    try shell.run("vault set --env dev TLS_CHAIN; echo \"status=$?\"")
    try shell.waitFor("TLS_CHAIN for shop/dev: ")
    let lines = Self.chain.split(separator: "\n")
    try shell.type("\u{1B}[200~")
    for start in stride(from: 0, to: lines.count, by: 40) {
      let piece = lines[start..<min(start + 40, lines.count)].joined(separator: "\r") + "\r"
      try shell.type(piece)
    }
    try shell.type("\u{1B}[201~")
    try shell.waitFor("status=0")
    #expect(try box.run(["get", "--env", "dev", "TLS_CHAIN"]).stdout == Self.chain + "\n")
    try expectNothingReachedTheShell(Self.chain, shell)
  }

  /// A bracketed paste without a final line break waits for Enter; a key pasted with the
  /// bracket sequences is stored without them, with or without `TERM`.
  @Test(arguments: ["xterm", nil] as [String?])
  func bracketedPasteMarkersAreNotStored(term: String?) throws {
    let box = try Sandbox()
    try box.initVault()
    let result = try box.converseVault(
      ["set", "--env", "dev"],
      steps: [
        PromptStep(prompt: Self.prompt, answer: "\u{1B}[200~" + fakeKey() + "\u{1B}[201~\r")
      ],
      env: term.map { ["TERM": $0] } ?? [:])
    #expect(result.status == 0, "\(result.stdout)")
    #expect(try box.run(["get"]).stdout == fakeKey() + "\n")
    #expect(!result.stdout.contains(fakeKey()))
  }

  // MARK: - Point 10: over 64 KiB

  /// 70 KiB pasted at the prompt (one line, and many lines): refused with one error line
  /// (exit 64), nothing stored, nothing of it left for bash.
  @Test(arguments: [("screen", 1), (nil, 1), ("screen", 1100), (nil, 1100)] as [(String?, Int)])
  func overSixtyFourKiBAtThePromptIsRefused(term: String?, lines: Int) throws {
    let box = try Sandbox()
    try box.initVault()
    let before = box.fileBytes()
    let shell = try ShellTerminal(box, term: term)
    let line = String(repeating: "Qw3rTy9x", count: 70 * 1024 / 8 / lines)
    let value = (0..<lines).map { "\($0)" + line }.joined(separator: "\n")
    #expect(value.utf8.count > 70_000)
    try shell.run("vault set --env dev BIG; echo \"status=$?\"")
    try shell.waitFor("BIG for shop/dev: ")
    try shell.paste(value + "\n")
    try shell.waitFor("an exit status") {
      $0.range(of: "status=[0-9]", options: .regularExpression) != nil
    }
    let screen = try shell.screen()
    #expect(screen.contains("status=64"), "\(screen)")
    #expect(
      screen.contains(
        "vault: error: the value typed or pasted at the prompt is over 65536 bytes;"
          + " nothing stored"),
      "\(screen)")
    #expect(box.fileBytes() == before)
    try expectNothingReachedTheShell(value, shell)
  }

  /// Over 64 KiB on stdin: the same refusal, exit 64 (it was exit 1, "read").
  @Test func overSixtyFourKiBOnStdinIsRefused() throws {
    let box = try Sandbox()
    try box.initVault()
    let before = box.fileBytes()
    let result = try box.run(
      ["set", "--env", "dev", "BIG"], stdin: String(repeating: "Qw3rTy9x", count: 9000))
    expectOneError(result, 64, mentioning: "stdin holds more than 65536 bytes; nothing stored")
    #expect(box.fileBytes() == before)
  }

  // MARK: - Point 9: import - at a terminal

  /// `vault import -` with stdin a terminal is refused at once, before anything is typed
  /// (echoed and cut at the terminal's line limit otherwise), with the way to do it.
  @Test func importFromATerminalIsRefused() throws {
    let box = try Sandbox()
    try box.initVault()
    let before = box.fileBytes()
    let result = try box.converseVault(["import", "--env", "dev", "-"])
    #expect(result.status == 64, "\(result.stdout)")
    #expect(
      result.stdout
        == "vault: error: stdin is a terminal: `vault import -` reads a file from a pipe or a"
        + " redirect, not typing\n"
        + "vault: hint: pass the file, `vault import FILE`, or `vault import - < FILE`\n",
      "\(result.stdout)")
    #expect(box.fileBytes() == before)
    // From a pipe it still imports.
    let piped = try box.run(["import", "--env", "dev", "-"], stdin: "A_KEY=abc\n")
    #expect(piped.status == 0, "\(piped.stderr)")
  }

  // MARK: - Point 11: keys the prompt does not handle

  /// Ctrl-Z at the prompt stops vault as it would any program, with the terminal handed
  /// back to bash (echo on); `fg` shows the prompt again and the value typed before and
  /// after is stored, without the Ctrl-Z or `fg` in it and with nothing in the history.
  @Test func ctrlZThenFgResumesThePrompt() throws {
    let box = try Sandbox()
    try box.initVault()
    let shell = try ShellTerminal(box)
    let key = fakeKey()
    try shell.run("vault set --env dev")
    try shell.waitFor(Self.prompt)
    try shell.type(String(key.prefix(40)))
    try shell.press("C-z")
    try shell.waitFor("Stopped")
    try shell.run(
      "stty -a | tr ' ' '\\n' | grep -x -e echo -e -echo -e icanon -e -icanon | tr '\\n' ,; echo")
    try shell.waitFor("icanon,echo,")
    try shell.run("fg")
    try shell.waitFor(Self.prompt, count: 2)
    try shell.type(String(key.dropFirst(40)))
    try shell.press("Enter")
    try shell.waitFor("stored shop/dev/OPENAI_API_KEY")
    #expect(try box.run(["get"]).stdout == key + "\n")
    try expectNothingReachedTheShell(key, shell)
    #expect(!shell.history().contains(String(key.dropFirst(40))))
  }

  /// SIGTSTP sent to vault from outside while it prompts (`kill -TSTP`): the same as
  /// Ctrl-Z, the terminal handed back before it stops, the prompt's mode and the prompt
  /// again after `fg`.
  @Test func aStopSignalHandsTheTerminalBack() throws {
    let box = try Sandbox()
    try box.initVault()
    let shell = try ShellTerminal(box)
    try shell.run("sh -c 'echo \"pid=$$\"; exec vault set --env dev'")
    try shell.waitFor(Self.prompt)
    let screen = try shell.screen()
    let match = try #require(screen.range(of: "pid=[0-9]+", options: .regularExpression))
    let pid = try #require(Int32(screen[match].dropFirst(4)))
    #expect(kill(pid, SIGTSTP) == 0)
    try shell.waitFor("Stopped")
    try shell.run(
      "stty -a | tr ' ' '\\n' | grep -x -e echo -e -echo -e icanon -e -icanon | tr '\\n' ,; echo")
    try shell.waitFor("icanon,echo,")
    try shell.run("fg")
    try shell.waitFor(Self.prompt, count: 2)
    try shell.type(fakeKey())
    try shell.press("Enter")
    try shell.waitFor("stored shop/dev/OPENAI_API_KEY")
    #expect(try box.run(["get"]).stdout == fakeKey() + "\n")
    try expectNothingReachedTheShell(fakeKey(), shell)
  }

  /// What is typed, and what must be stored (nil: refused, exit 64, naming `message`).
  static let typing: [(String, String?, String)] = [
    // Backspace removes a character, whatever its length in bytes.
    ("cafés\u{7F}\u{7F}e\r", "cafe", ""),
    ("pässwörd\u{7F}\u{7F}\u{7F}ord\r", "pässword", ""),
    // Ctrl-W removes the word before the cursor.
    ("first second\u{17}third\r", "first third", ""),
    ("one two   \u{17}\u{17}three\r", "three", ""),
    // Arrows, Delete, Home and Alt with a key would reorder what follows: refused.
    ("abcd\u{1B}[DX\r", nil, "was typed with arrow or other editing keys the prompt cannot apply"),
    ("abcd\u{1B}OHX\r", nil, "was typed with arrow or other editing keys the prompt cannot apply"),
    ("abcd\u{1B}[3~\r", nil, "was typed with arrow or other editing keys the prompt cannot apply"),
    ("abcd\u{1B}b\r", nil, "was typed with arrow or other editing keys the prompt cannot apply"),
    // Control characters are keys, not part of a typed value.
    ("abc\u{01}def\r", nil, "holds a control character"),
    ("abc\tdef\r", nil, "holds a control character"),
    ("abc\u{16}\u{07}def\r", nil, "holds a control character"),
    // Ctrl-U clears the line and what made it refused.
    ("abc\u{1B}[A\u{01}\u{15}fresh-value\r", "fresh-value", ""),
  ]

  @Test(arguments: 0..<12) func keysAtThePrompt(_ index: Int) throws {
    let (typed, stored, message) = Self.typing[index]
    let box = try Sandbox()
    try box.initVault()
    let before = box.fileBytes()
    let result = try box.converseVault(
      ["set", "--env", "dev", "DB_PASSWORD"],
      steps: [PromptStep(prompt: "DB_PASSWORD for shop/dev: ", answer: typed)])
    if let stored {
      #expect(result.status == 0, "\(result.stdout)")
      let get = try box.run(["get", "--env", "dev", "DB_PASSWORD"])
      #expect(get.stdoutBytes == Data((stored + "\n").utf8), "\(get.stdout)")
    } else {
      #expect(result.status == 64, "\(result.stdout)")
      #expect(result.stdout.contains("vault: error: the value "), "\(result.stdout)")
      #expect(result.stdout.contains(message + "; nothing stored\n"), "\(result.stdout)")
      #expect(box.fileBytes() == before)
    }
  }

  /// Ctrl-\ (the key for SIGQUIT) cancels like Ctrl-C: exit 130, nothing stored.
  @Test func ctrlBackslashCancels() throws {
    let box = try Sandbox()
    try box.initVault()
    let before = box.fileBytes()
    let result = try box.converseVault(
      ["set", "--env", "dev"], steps: [PromptStep(prompt: Self.prompt, answer: "sk-part\u{1C}")])
    #expect(result.status == 130, "\(result.stdout)")
    #expect(result.stdout == Self.prompt + "\nvault: error: cancelled\n")
    #expect(box.fileBytes() == before)
  }

  /// SIGINT, SIGTERM, SIGHUP or SIGQUIT sent to vault while it prompts: it dies of the
  /// signal (the parent sees 128+N) with the terminal as it found it (`stty -a` on the same
  /// terminal: echo, canonical mode, signals back on), and nothing stored. A helper waits
  /// for the prompt's mode (`-echo`), then sends the signal.
  @Test(arguments: [("INT", 2), ("TERM", 15), ("HUP", 1), ("QUIT", 3)])
  func aSignalRestoresTheTerminal(signal: String, number: Int32) throws {
    let box = try Sandbox()
    try box.initVault()
    let before = box.fileBytes()
    let inner = """
      (until stty -a </dev/tty | grep -qw -- -echo; do sleep 0.05; done; kill -\(signal) $$) &
      exec "$@" set --env dev
      """
    let outer = "sh -c '\(inner)' sh \"$@\"; echo \"status=$?\"; stty -a"
    let result = try box.converse(
      ["sh", "-c", outer, "sh", "/usr/bin/env", "--default-signal"] + unblockSignals
        + [Sandbox.binary])
    #expect(result.status == 0, "\(result.stdout)")
    #expect(result.stdout.contains("status=\(128 + number)\n"), "\(result.stdout)")
    let settings = Set(
      result.stdout.split(whereSeparator: { $0 == " " || $0 == ";" || $0 == "\n" }))
    for flag in ["echo", "icanon", "isig", "iexten"] {
      #expect(settings.contains(Substring(flag)), "\(flag) not restored: \(result.stdout)")
      #expect(!settings.contains(Substring("-" + flag)), "\(flag) left off: \(result.stdout)")
    }
    #expect(box.fileBytes() == before)
  }
}
