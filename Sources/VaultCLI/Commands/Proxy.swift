import ArgumentParser
import Glibc
import VaultCore

extension VaultCommand {
  struct Proxy: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Run the loopback OpenAI proxy until stopped, for tools configured by hand.",
      discussion: """
        The proxy of `vault exec --proxy`, long-running: it holds the environment's \
        OPENAI_API_KEY (--key-var) and prints two lines on stdout, the base URL to give a \
        tool (http://127.0.0.1:PORT/v1) and the placeholder key it accepts, made for this \
        run. Requests with the placeholder, on the allowed paths, go to the upstream with \
        the real key; the key is scrubbed from the answers; each request is logged \
        (`vault log`). It listens on loopback only (--listen 127.0.0.1:PORT; the default \
        port 0 is a free one). INT, TERM or HUP stop it; it then exits 0.

        Examples:
          vault proxy --env dev
          vault proxy --env dev --listen 127.0.0.1:8787 --max-requests 500
        """)

    @OptionGroup var vault: VaultOptions
    @OptionGroup var label: LabelOptions
    @OptionGroup var unlock: UnlockOptions
    @OptionGroup(title: "Proxy options") var proxyOptions: ProxyOptions

    @Option(
      help: ArgumentHelp(
        "The loopback address and port to listen on (default 127.0.0.1:0, a free port).",
        valueName: "host:port"))
    var listen: String?

    func run() throws {
      // No program is started, so no variable gets the base URL: refused, not ignored.
      if proxyOptions.baseURLVar != nil {
        throw VaultError.invalidProxyOption(
          option: "--base-url-var",
          problem: "vault proxy starts no program: it prints the base URL"
            + " (the option is for exec --proxy)")
      }
      let plan = try proxyOptions.plan(listen: listen)
      // In `vault`, vault-net takes over here, before anything is prompted or decrypted.
      _ = try NetworkHelper.requireProxy()
      let session = Session()
      let environment = try session.paths.environment(explicit: label.environmentFlag).name
      let path = try session.paths.vaultFile(explicit: vault.vaultPath)
      let store = VaultStore(path: path, trust: try session.trust)
      let (file, project) = try store.load(environment: environment, warn: Output.warn) {
        holds, holdings in
        try session.paths.resolveProject(explicit: label.project, vaultFile: path, holds: holds) {
          holdings()
        }.name
      }
      let identity = try session.unlock(unlock)
      let (stored, _) = try file.read(
        project: project, environment: environment, identity: identity)
      let key = try plan.heldKey(in: stored, project: project, environment: environment)
      try Launcher.checkValues([(key.entry.label, key.value)])
      VaultCommand.Log.record([key.entry], command: "proxy", program: nil, paths: session.paths)
      // Blocked before the proxy's threads start, which inherit the mask: they reach sigwait.
      var stops = sigset_t()
      sigemptyset(&stops)
      for signal in [SIGINT, SIGTERM, SIGHUP] { sigaddset(&stops, signal) }
      var pipe = sigset_t()
      sigemptyset(&pipe)
      sigaddset(&pipe, SIGPIPE)
      pthread_sigmask(SIG_BLOCK, &stops, nil)
      pthread_sigmask(SIG_BLOCK, &pipe, nil)
      let placeholder = ProxyConfiguration.makePlaceholder()
      let running = try plan.start(
        key: key.value, entry: key.entry, placeholder: placeholder, paths: session.paths)
      Output.line(plan.baseURL(port: running.port))
      var line = placeholder.withUnsafeBytes { Array($0) } + [0x0A]
      Output.bytes(line)
      wipe(&line)
      Output.note(
        "proxying \(key.entry.label) to \(plan.upstream.text); INT or TERM stops it")
      var received: Int32 = 0
      while sigwait(&stops, &received) != 0 {}
      running.stop()
    }
  }
}
