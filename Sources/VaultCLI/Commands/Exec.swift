import ArgumentParser
import VaultCore

extension VaultCommand {
  struct Exec: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Run a command with the environment's secrets in its environment.",
      discussion: """
        Replaces vault with the command (execve): same pid, and the exit status and signals \
        are the command's. Inherited variables of the same names are replaced, so the command \
        sees each once. Anything after `--` belongs to the command.

        With --redact, vault stays the command's parent: its stdout and stderr become pipes \
        (not the terminal) that vault copies to its own, with each injected value of 8 bytes \
        or more, exact or base64-, base64url- or percent-encoded, replaced by its redacted \
        form. Transformed values (split, hex, escaped) are not caught. Signals sent to vault \
        are forwarded; vault exits as the command did.

        With --proxy, the command never gets the OpenAI key: vault stays its parent and runs \
        a proxy on 127.0.0.1 (a free port) that holds the key. The command gets \
        OPENAI_BASE_URL=http://127.0.0.1:PORT/v1 and OPENAI_API_KEY=<a placeholder made for \
        this run>, plus the environment's other entries as usual. The proxy accepts only \
        that placeholder, forwards only inference paths (responses, chat/completions, \
        completions, embeddings, models, audio, images, moderations; more with \
        --allow-path; never /v1/organization) to the upstream over verified TLS with the \
        real key, and scrubs the key from what comes back. --max-requests and --max-tokens \
        cap the run (429). Each request is logged (`vault log`), never a header or a body. \
        --key-var and --base-url-var name other variables for other OpenAI-compatible \
        upstreams (--upstream). Signals are forwarded as with --redact.

        Examples:
          vault exec --env prod -- ./app
          vault exec --env dev --only OPENAI_API_KEY -- python3 main.py --verbose
          vault exec --env prod --map OPENAI_API_KEY=SHOP_BOT_KEY -- ./bot
          vault exec --redact --env dev -- ./agent
          vault exec --proxy --env prod -- python3 app.py
          vault exec --proxy --max-requests 100 --env dev -- ./agent
        """,
      aliases: ["run"])

    @OptionGroup var vault: VaultOptions
    @OptionGroup var label: LabelOptions
    @OptionGroup var unlock: UnlockOptions

    @Option(
      name: .customLong("only"),
      help: ArgumentHelp("Inject only this name (repeatable).", valueName: "name"))
    var only: [String] = []

    @Option(
      help: ArgumentHelp(
        "Inject the stored NAME as the variable TARGET instead of under its own name (repeatable).",
        valueName: "TARGET=NAME"))
    var map: [String] = []

    @Option(
      help: ArgumentHelp(
        "Allow injecting this name although it changes how programs start (repeatable).",
        valueName: "name"))
    var allowReserved: [String] = []

    @Flag(
      help: "Allow an Admin API key (sk-admin-) to be injected as OPENAI_API_KEY.")
    var allowAdminKey = false

    @Flag(
      help: "Redact injected values in the command's output (vault stays its parent).")
    var redact = false

    @Flag(
      help: "Keep the OpenAI key in a loopback proxy; the command gets a placeholder."
    )
    var proxy = false

    @OptionGroup(title: "Proxy options (with --proxy)") var proxyOptions: ProxyOptions

    @Argument(parsing: .postTerminator, help: "The command and its arguments, after --.")
    var command: [String] = []

    var commandLine: [String] {
      command.first == "--" ? Array(command.dropFirst()) : command
    }

    func validate() throws {
      guard !commandLine.isEmpty else {
        throw ValidationError(
          "no command to run; usage: vault exec [--env ENV] -- COMMAND [ARGS...]")
      }
      if proxyOptions.isGiven && !proxy {
        throw ValidationError("the proxy's options (--upstream, --allow-path, …) need --proxy")
      }
    }

    func run() throws {
      var request = ExecRequest(
        vaultPath: vault.vaultPath, project: label.project, environment: label.environmentFlag,
        passphraseFile: unlock.passphraseFile, noCache: unlock.noCache, cacheTTL: unlock.cacheTTL,
        only: only, allowReserved: allowReserved, map: map, command: commandLine)
      request.allowAdminKey = allowAdminKey
      request.redact = redact
      if proxy {
        // Checked first, then vault-net takes over (in `vault`) before anything is prompted.
        request.proxy = try proxyOptions.plan()
        _ = try NetworkHelper.requireProxy()
      }
      try request.run()
    }
  }
}
