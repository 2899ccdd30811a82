import Foundation
import Testing

/// Two `vault` processes that need the passphrase at once, on ONE pseudo-terminal (what
/// `make -j2` of two `vault exec` targets does): only one prompts at a time, the other waits
/// for it and then uses the unlock it cached; the passphrase is never echoed, and the
/// terminal is left with echo on.
@Suite struct PromptLockTests {
  static let passphrase = "correct horse battery staple"

  /// Two `vault exec --env prod` started together from one shell on one terminal, then
  /// `stty -a` on the same terminal.
  func twoExecs(_ box: CacheBox, extra: String = "") -> [String] {
    let child = "test -n \"$OPENAI_API_KEY\" && echo \"exec-$1-ok\""
    let script =
      "\"$0\" exec --env prod \(extra) -- sh -c '\(child)' sh one & "
      + "\"$0\" exec --env prod \(extra) -- sh -c '\(child)' sh two; wait; stty -a"
    return ["sh", "-c", script, Sandbox.binary]
  }

  func expectTerminalRestored(
    _ transcript: String, sourceLocation: SourceLocation = #_sourceLocation
  ) {
    let settings = Set(transcript.split(whereSeparator: { $0 == " " || $0 == ";" || $0 == "\n" }))
    for flag in ["echo", "icanon", "isig", "iexten"] {
      #expect(
        settings.contains(Substring(flag)), "\(flag) not restored: \(transcript)",
        sourceLocation: sourceLocation)
      #expect(
        !settings.contains(Substring("-" + flag)), "\(flag) left off: \(transcript)",
        sourceLocation: sourceLocation)
    }
  }

  func occurrences(of needle: String, in text: String) -> Int {
    text.components(separatedBy: needle).count - 1
  }

  /// With the cache on: one prompt, one typing, both programs run.
  @Test func twoProcessesPromptOnceAndShareTheUnlock() throws {
    let box = try CacheBox()
    defer { box.lock() }
    let prompt = "Passphrase for \(box.box.identityPath): "
    let result = try box.box.converse(
      twoExecs(box), steps: [.type(Self.passphrase, after: prompt)])
    let transcript = result.stdout
    #expect(result.status == 0, "\(transcript)\(result.stderr)")
    #expect(occurrences(of: prompt, in: transcript) == 1, "\(transcript)")
    #expect(transcript.contains("exec-one-ok\n"), "\(transcript)")
    #expect(transcript.contains("exec-two-ok\n"), "\(transcript)")
    #expect(!transcript.contains(Self.passphrase), "the passphrase was echoed")
    #expect(!transcript.contains("correct"), "part of the passphrase was echoed")
    #expect(!transcript.contains("error"), "\(transcript)")
    expectTerminalRestored(transcript)
  }

  /// With `--no-cache` each process asks in turn, never both at once: two prompts, two
  /// typings, each read whole by the process that asked.
  @Test func withoutTheCacheTheyPromptInTurn() throws {
    let box = try CacheBox()
    defer { box.lock() }
    let prompt = "Passphrase for \(box.box.identityPath): "
    let result = try box.box.converse(
      twoExecs(box, extra: "--no-cache"),
      steps: [.type(Self.passphrase, after: prompt), .type(Self.passphrase, after: prompt)])
    let transcript = result.stdout
    #expect(result.status == 0, "\(transcript)\(result.stderr)")
    #expect(occurrences(of: prompt, in: transcript) == 2, "\(transcript)")
    // Never two prompts on one line: the second comes after the first one's line ended.
    #expect(!transcript.contains(prompt + prompt), "\(transcript)")
    #expect(transcript.contains("exec-one-ok\n") && transcript.contains("exec-two-ok\n"))
    #expect(!transcript.contains(Self.passphrase), "the passphrase was echoed")
    #expect(!transcript.contains("correct"), "part of the passphrase was echoed")
    #expect(try box.status().contains("cache:    locked"))
    expectTerminalRestored(transcript)
  }

  /// The lock is a 0600 file in a 0700 directory of the user's own.
  @Test func theLockFileIsPrivate() throws {
    let box = try CacheBox()
    defer { box.lock() }
    let runtime = box.box.root.appendingPathComponent("run")
    try FileManager.default.createDirectory(
      at: runtime, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
    let prompt = "Passphrase for \(box.box.identityPath): "
    let result = try box.box.converseVault(
      ["get", "--env", "prod", "--no-cache"], steps: [.type(Self.passphrase, after: prompt)],
      env: ["XDG_RUNTIME_DIR": runtime.path])
    #expect(result.status == 0, "\(result.stdout)")
    let directory = runtime.appendingPathComponent("vault").path
    let file = directory + "/prompt.lock"
    let directoryMode = try FileManager.default.attributesOfItem(atPath: directory)[
      .posixPermissions]
    let fileMode = try FileManager.default.attributesOfItem(atPath: file)[.posixPermissions]
    #expect((directoryMode as? Int) == 0o700)
    #expect((fileMode as? Int) == 0o600)
    let bytes = try Data(contentsOf: URL(fileURLWithPath: file))
    #expect(bytes.isEmpty, "the lock file holds nothing")
  }
}
