import Foundation
import Testing

/// The no-echo prompts, on a real pseudo-terminal driven by expect (Expect/converse.exp):
/// what the terminal shows, what it must never show, and the terminal's state afterwards.
@Suite struct PromptTests {
  static let passphrase = "correct horse battery staple"

  /// A sandbox whose identity is protected by `passphrase`, with nothing cached.
  func lockedSandbox() throws -> Sandbox {
    let box = try Sandbox()
    let file = try box.writeSandboxFile("pass", Self.passphrase + "\n")
    let result = try box.run(["init", "--passphrase-file", file, "--no-cache"])
    #expect(result.status == 0, "init failed: \(result.stderr)")
    return box
  }

  @Test func initAsksTwiceWithoutEcho() throws {
    let box = try Sandbox()
    let result = try box.converseVault(
      ["init", "--no-cache"],
      steps: [
        .type(Self.passphrase, after: "New passphrase: "),
        .type(Self.passphrase, after: "Repeat passphrase: "),
      ])
    #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
    #expect(result.stdout.hasPrefix("New passphrase: \nRepeat passphrase: \ncreated identity "))
    #expect(!result.stdout.contains(Self.passphrase), "the passphrase was echoed")
    #expect(!result.stdout.contains("correct"), "part of the passphrase was echoed")
    // The typed passphrase is the one that unlocks the identity.
    let file = try box.writeSandboxFile("pass", Self.passphrase)
    let set = try box.run(
      ["set", "--env", "dev", "--no-cache", "--passphrase-file", file], stdin: fakeKey())
    #expect(set.status == 0, "\(set.stderr)")
    let wrong = try box.writeSandboxFile("wrong", "correct horse battery stapler")
    let denied = try box.run(["get", "--no-cache", "--passphrase-file", wrong])
    expectOneError(denied, 3, mentioning: "wrong passphrase")
  }

  @Test func mismatchedPassphrasesCreateNothing() throws {
    let box = try Sandbox()
    let result = try box.converseVault(
      ["init", "--no-cache"],
      steps: [
        .type(Self.passphrase, after: "New passphrase: "),
        .type(Self.passphrase + "!", after: "Repeat passphrase: "),
      ])
    #expect(result.status == 64)
    #expect(result.stdout.contains("vault: error: passphrases do not match\n"))
    #expect(!result.stdout.contains(Self.passphrase))
    #expect(!FileManager.default.fileExists(atPath: box.identityPath))
    #expect(!FileManager.default.fileExists(atPath: box.vaultPath))
  }

  @Test func passphrasePromptUnlocksWhenNothingIsCached() throws {
    let box = try lockedSandbox()
    try box.set(
      fakeKey(), env: "prod", extra: ["--passphrase-file", box.root.path + "/pass", "--no-cache"])
    let result = try box.converseVault(
      ["get", "--env", "prod", "--no-cache"],
      steps: [.type(Self.passphrase, after: "Passphrase for \(box.identityPath): ")])
    #expect(result.status == 0, "\(result.stdout)")
    #expect(result.stdout == "Passphrase for \(box.identityPath): \n\(fakeKey())\n")
    #expect(!result.stdout.contains(Self.passphrase))
  }

  /// Three wrong passphrases at the prompt: each of the first two says so and asks again;
  /// the third is exit 3. Nothing typed is echoed and nothing changes.
  @Test func wrongPassphraseAtThePromptIsExitThree() throws {
    let box = try lockedSandbox()
    let before = box.fileBytes()
    let prompt = "Passphrase for \(box.identityPath): "
    let result = try box.converseVault(
      ["get", "--env", "prod", "--no-cache"],
      steps: [
        .type("not the passphrase", after: prompt), .type("not the passphrase", after: prompt),
        .type("not the passphrase", after: prompt),
      ])
    #expect(result.status == 3)
    #expect(
      result.stdout
        == prompt + "\nvault: wrong passphrase; try again (attempt 2 of 3)\n" + prompt
        + "\nvault: wrong passphrase; try again (attempt 3 of 3)\n" + prompt
        + "\nvault: error: wrong passphrase for '\(box.identityPath)'\n", "\(result.stdout)")
    #expect(!result.stdout.contains("not the passphrase"))
    #expect(box.fileBytes() == before)
  }

  /// A wrong passphrase, then the right one: the command goes on as if the first had been
  /// right.
  @Test func aSecondAttemptAtThePromptUnlocks() throws {
    let box = try lockedSandbox()
    try box.set(
      fakeKey(), env: "prod", extra: ["--passphrase-file", box.root.path + "/pass", "--no-cache"])
    let prompt = "Passphrase for \(box.identityPath): "
    let result = try box.converseVault(
      ["get", "--env", "prod", "--no-cache"],
      steps: [.type("a typo", after: prompt), .type(Self.passphrase, after: prompt)])
    #expect(result.status == 0, "\(result.stdout)")
    #expect(
      result.stdout
        == prompt + "\nvault: wrong passphrase; try again (attempt 2 of 3)\n" + prompt + "\n"
        + fakeKey() + "\n", "\(result.stdout)")
    #expect(!result.stdout.contains(Self.passphrase) && !result.stdout.contains("a typo"))
  }

  /// A passphrase file gets one attempt, even at a terminal: no prompt follows a wrong one.
  @Test func aWrongPassphraseFileIsOneAttempt() throws {
    let box = try lockedSandbox()
    let wrong = try box.writeSandboxFile("wrong", "not the passphrase\n")
    let result = try box.converseVault(
      ["get", "--env", "prod", "--no-cache", "--passphrase-file", wrong])
    #expect(result.status == 3, "\(result.stdout)")
    #expect(result.stdout == "vault: error: wrong passphrase for '\(box.identityPath)'\n")
  }

  /// With no controlling terminal (a new session) and no passphrase file, a locked identity
  /// is a usage error that says how to pass the passphrase, never a hang.
  @Test func noTerminalForThePassphrase() throws {
    let box = try lockedSandbox()
    let before = box.fileBytes()
    let result = try box.execute(
      "/usr/bin/setsid", ["-w", Sandbox.binary, "set", "--env", "dev", "--no-cache"],
      stdin: Data(fakeKey().utf8))
    expectOneError(result, 64, mentioning: "no terminal to ask for the passphrase")
    #expect(result.stderr.contains("vault: hint: use --passphrase-file or VAULT_PASSPHRASE_FILE"))
    expectNoLeak(fakeKey(), in: result)
    #expect(box.fileBytes() == before)
  }

  /// Ctrl-C at the value prompt cancels (130), stores nothing, and leaves the terminal as it
  /// found it: echo, canonical mode and signals back on (`stty -a` on the same terminal).
  @Test func ctrlCRestoresTheTerminal() throws {
    let box = try Sandbox()
    try box.initVault()
    let before = box.fileBytes()
    let result = try box.converse(
      ["sh", "-c", "\"$0\" set --env dev; echo \"status=$?\"; stty -a", Sandbox.binary],
      steps: [PromptStep(prompt: "OPENAI_API_KEY for shop/dev: ", answer: "sk-partial\u{03}")])
    #expect(result.status == 0, "\(result.stdout)")
    let transcript = result.stdout
    #expect(!transcript.contains("sk-partial"), "the partial value was echoed")
    #expect(
      transcript.hasPrefix("OPENAI_API_KEY for shop/dev: \nvault: error: cancelled\nstatus=130\n"),
      "\(transcript)")
    let settings = Set(transcript.split(whereSeparator: { $0 == " " || $0 == ";" || $0 == "\n" }))
    for flag in ["echo", "icanon", "isig", "iexten"] {
      #expect(settings.contains(Substring(flag)), "\(flag) not restored: \(transcript)")
      #expect(!settings.contains(Substring("-" + flag)), "\(flag) left off: \(transcript)")
    }
    #expect(box.fileBytes() == before)
  }

  @Test func ctrlDAtAnEmptyPromptCancels() throws {
    let box = try Sandbox()
    try box.initVault()
    let before = box.fileBytes()
    let result = try box.converseVault(
      ["set", "--env", "dev"],
      steps: [PromptStep(prompt: "OPENAI_API_KEY for shop/dev: ", answer: "\u{04}")])
    #expect(result.status == 130)
    #expect(result.stdout == "OPENAI_API_KEY for shop/dev: \nvault: error: cancelled\n")
    #expect(box.fileBytes() == before)
  }

  /// Backspace and Ctrl-U edit the hidden line as they would a visible one.
  @Test func backspaceAndCtrlUEdit() throws {
    let box = try Sandbox()
    try box.initVault()
    let typed = "oops-wrong-paste\u{15}" + fakeKey() + "Q\u{7f}\r"
    let result = try box.converseVault(
      ["set", "--env", "dev"],
      steps: [PromptStep(prompt: "OPENAI_API_KEY for shop/dev: ", answer: typed)])
    #expect(result.status == 0, "\(result.stdout)")
    #expect(
      result.stdout
        == "OPENAI_API_KEY for shop/dev: \nstored shop/dev/OPENAI_API_KEY  sk-proj-…wxyz (version 1)\n"
    )
    let get = try box.run(["get"])
    #expect(get.stdout == fakeKey() + "\n")
  }
}

extension PromptTests {
  /// `identity passwd` gives the current passphrase three attempts at a terminal, as every
  /// unlock does; the identity file changes only after the right one and a new one twice.
  @Test func passwdGivesThreeAttemptsAtTheCurrentPassphrase() throws {
    let box = try lockedSandbox()
    let identityBefore = try box.readFile(box.identityPath)
    let failed = try box.converseVault(
      ["identity", "passwd"],
      steps: [
        .type("wrong one", after: "Current passphrase: "),
        .type("wrong two", after: "Current passphrase: "),
        .type("wrong three", after: "Current passphrase: "),
      ])
    #expect(failed.status == 3, "\(failed.stdout)")
    #expect(failed.stdout.contains("wrong passphrase; try again (attempt 3 of 3)"))
    #expect(try box.readFile(box.identityPath) == identityBefore)
    let changed = try box.converseVault(
      ["identity", "passwd"],
      steps: [
        .type("a typo", after: "Current passphrase: "),
        .type(Self.passphrase, after: "Current passphrase: "),
        .type("a new passphrase of some length", after: "New passphrase: "),
        .type("a new passphrase of some length", after: "Repeat passphrase: "),
      ])
    #expect(changed.status == 0, "\(changed.stdout)")
    #expect(changed.stdout.contains("wrong passphrase; try again (attempt 2 of 3)"))
    #expect(try box.readFile(box.identityPath) != identityBefore)
  }
}
