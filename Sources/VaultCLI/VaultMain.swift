import ArgumentParser
import Glibc
import VaultCore

/// The subcommand path the arguments name (`set`, `identity passwd`), for the usage hint.
func commandPath(_ arguments: [String]) -> String {
  var path = ["vault"]
  var command: ParsableCommand.Type = VaultCommand.self
  for argument in arguments {
    guard
      let next = command.configuration.subcommands.first(where: {
        $0._commandName == argument || $0.configuration.aliases.contains(argument)
      })
    else { break }
    path.append(argument)
    command = next
  }
  return path.joined(separator: " ")
}

/// The command line's entry point, shared by the two programs: `vault`, and `vault-net`, which
/// is `vault` plus an HTTP transport for the commands that talk to a server (`vault openai`).
public enum VaultMain {
  /// Runs the command line and exits. `transport` is nil in `vault`: a command that needs the
  /// network then executes `vault-net` with the same arguments (``NetworkHelper``).
  /// `proxy` likewise: `exec --proxy` and `vault proxy` execute `vault-net` when it is nil.
  /// `transit` is OpenBao's transit engine, also `vault-net`'s alone.
  public static func run(
    transport: (any HTTPTransport)? = nil, proxy: (any ProxyStarter)? = nil,
    transit: (any TransitService)? = nil
  ) -> Never {
    // Core dumps and ptrace off before anything can touch key material.
    ProcessEnvironment.harden()
    // The last check of stdout at exit: a failed flush or close is exit 1 (Output.finish).
    atexit(Output.finish)
    NetworkHelper.transport = transport
    NetworkHelper.proxy = proxy
    NetworkHelper.transit = transit
    do {
      // `vault exec` (or its alias `run`) is the hot path: parse it by hand when it is
      // well-formed (ExecRequest).
      let arguments = CommandLine.arguments
      if arguments.count > 2, arguments[1] == "exec" || arguments[1] == "run",
        let request = ExecRequest.parseFast(arguments[2...])
      {
        try request.run()
      }
      UsageCheck.check(arguments)
      var command = try VaultCommand.parseAsRoot()
      try command.run()
    } catch let error as VaultError {
      Failure.exit(error)
    } catch let error as OpenAIFailure {
      Failure.exit(.openAI(error))
    } catch let error as OpenBaoFailure {
      Failure.exit(.openBao(error))
    } catch let error as CryptoError {
      // VaultCore wraps crypto failures it can name; these are the ones left: Argon2id out of
      // memory, or key material libsodium refuses (a low-order environment key, say).
      switch error {
      case .keyDerivationFailed:
        Failure.exit(
          message: "Argon2id could not run: not enough memory", hint: nil, code: Failure.general)
      case .invalidKey, .authenticationFailed:
        Failure.exit(
          message: "the vault holds key material libsodium refuses", hint: nil, code: Failure.integrity)
      }
    } catch {
      let code = VaultCommand.exitCode(for: error)
      // --help, --version and completion scripts print and exit 0 the parser's way.
      if code == .success { VaultCommand.exit(withError: error) }
      // Usage errors read like every other error: one `vault: error:` line, then a hint.
      let message = VaultCommand.message(for: error)
        .split(whereSeparator: \.isNewline).joined(separator: "; ")
      if message.isEmpty { VaultCommand.exit(withError: error) }
      let path = commandPath(Array(CommandLine.arguments.dropFirst()))
      Failure.exit(message: message, hint: "`\(path) --help` shows the usage", code: code.rawValue)
    }
    Glibc.exit(0)
  }
}
