import Glibc
import VaultCore

/// Everything `vault exec` needs, parsed either by ArgumentParser (`Exec`) or by the fast
/// path in `ExecRequest.parseFast`, which skips ArgumentParser's start-up cost (its first
/// protocol-conformance lookups scan the whole static binary: about 2 ms per launch).
struct ExecRequest {
  var vaultPath: String?
  var project: String?
  /// `--env`; nil means `$VAULT_ENV`, else `dev`.
  var environment: String?
  var passphraseFile: String?
  var noCache = false
  /// `--allow-admin-key`: an Admin API key may be injected as `OPENAI_API_KEY`.
  var allowAdminKey = false
  /// `--redact`: vault stays the command's parent and redacts its output (`Supervisor`).
  /// `parseFast` declines it (an unknown flag), so the plain path does not change.
  var redact = false
  /// `--proxy` and its options: the key stays in a loopback proxy (vault-net only).
  /// `parseFast` declines `--proxy` too.
  var proxy: ProxyPlan?
  var cacheTTL = "15m"
  var only: [String] = []
  var allowReserved: [String] = []
  /// `--map TARGET=NAME` as given: inject the stored NAME as the variable TARGET.
  var map: [String] = []
  var command: [String] = []

  /// Parses `exec` arguments (after the word `exec`) when they use only the options `Exec`
  /// declares, in `--name value` or `--name=value` form, followed by `--` and a command.
  /// Returns nil for anything else (help, unknown or malformed options, no `--`), so that
  /// ArgumentParser handles it and reports errors in its usual way.
  static func parseFast(_ arguments: ArraySlice<String>) -> ExecRequest? {
    var request = ExecRequest()
    var index = arguments.startIndex
    while index < arguments.endIndex {
      let argument = arguments[index]
      if argument == "--" {
        request.command = Array(arguments[(index + 1)...])
        // Invalid values go to ArgumentParser too, which reports them like any other command.
        guard !request.command.isEmpty,
          request.environment.map({ Names.isValidEnvironment(Array($0.utf8)) }) ?? true,
          UnlockOptions.seconds(request.cacheTTL) != nil
        else { return nil }
        return request
      }
      if argument == "--no-cache" || argument == "--allow-admin-key" {
        if argument == "--no-cache" { request.noCache = true } else { request.allowAdminKey = true }
        index += 1
        continue
      }
      var name = argument
      var value: String?
      if let equals = argument.firstIndex(of: "=") {
        name = String(argument[..<equals])
        value = String(argument[argument.index(after: equals)...])
      } else if index + 1 < arguments.endIndex {
        value = arguments[index + 1]
        index += 1
      }
      guard let value, !value.hasPrefix("-") || argument.contains("=") else { return nil }
      switch name {
      case "--vault": request.vaultPath = value
      case "--project": request.project = value
      case "--env": request.environment = value
      case "--passphrase-file": request.passphraseFile = value
      case "--cache-ttl": request.cacheTTL = value
      case "--only": request.only.append(value)
      case "--allow-reserved": request.allowReserved.append(value)
      case "--map": request.map.append(value)
      default: return nil
      }
      index += 1
    }
    return nil
  }

  /// Resolves the command, unlocks, decrypts and `execve`s. Returns only by throwing.
  func run() throws -> Never {
    // A reader without an identity: OpenBao unwraps the key, in vault-net (OpenBaoExec).
    let openBao = try OpenBaoExec.transitIfRequested()
    let mappings = try parsedMappings()
    let session = Session()
    // Before anything is read: `--only NAME=VALUE` must not reach a message.
    for name in only { try Names.check(name, as: .name) }
    let environment = try session.paths.environment(explicit: environment).name
    let path = try session.paths.vaultFile(explicit: vaultPath)
    let executable = try Launcher.resolve(command[0], path: session.paths.environment["PATH"])
    let store = VaultStore(path: path, trust: try session.trust)
    // The project comes from the groups of the file as mapped for the load: one mapping.
    let (file, project) = try store.load(environment: environment, warn: Output.warn) {
      holds, holdings in
      try session.paths.resolveProject(explicit: self.project, vaultFile: path, holds: holds) {
        holdings()
      }.name
    }
    let (stored, flags): ([(entry: Entry, value: SecretBytes)], [ExposureFlag])
    if let openBao {
      let keyPair = try file.openBaoKeyPair(environment: environment, transit: openBao)
      (stored, flags) = try file.read(project: project, environment: environment, keyPair: keyPair)
    } else {
      let cache = IdentitySource.CachePolicy(
        enabled: !noCache, timeout: UnlockOptions.seconds(cacheTTL) ?? UnlockCache.defaultTimeout)
      let identity = try session.unlock(cache: cache, passphraseFile: passphraseFile)
      (stored, flags) = try file.read(
        project: project, environment: environment, identity: identity)
    }
    for name in only + mappings.map(\.name)
    where !stored.contains(where: { $0.entry.name == name }) {
      throw VaultError.entryNotFound(label: "\(project)/\(environment)/\(name)")
    }
    // Each entry under its own name (all, or those --only lists; an entry --map renames is
    // not also injected under its own name unless --only lists it), then each --map target,
    // which replaces a stored entry of the same name.
    var secrets = stored.map { (name: $0.entry.name, entry: $0.entry, value: $0.value) }
    // With --proxy the key stays with the proxy: the command never gets it, under any name.
    var held: (entry: Entry, value: SecretBytes)?
    if let proxy {
      held = try proxy.heldKey(in: stored, project: project, environment: environment)
    }
    if only.isEmpty {
      secrets.removeAll { secret in mappings.contains { $0.name == secret.name } }
    } else {
      secrets.removeAll { !only.contains($0.name) }
    }
    secrets.removeAll { secret in mappings.contains { $0.target == secret.name } }
    for mapping in mappings {
      for secret in stored where secret.entry.name == mapping.name {
        secrets.append((mapping.target, secret.entry, secret.value))
      }
    }
    if let proxy, let held {
      secrets.removeAll {
        $0.name == proxy.keyVar || $0.name == proxy.baseURLVar
          || $0.value.constantTimeEquals(held.value)
      }
    }
    if !secrets.isEmpty {
      // With --proxy the held key is what the run is for: other entries that are all Admin
      // keys are withheld (with a note), not an error.
      try withholdAdminKeys(
        &secrets, named: only + mappings.map(\.name), allowingNone: held != nil)
    }
    guard !secrets.isEmpty || held != nil else {
      // The error path alone reads the other groups' labels, to say what was meant.
      throw VaultError.noEntries(
        project: project, environment: environment, holdings: try store.holdings())
    }
    try Launcher.checkNames(secrets.map(\.name), allowed: allowReserved)
    // With full labels in the message; Launcher.exec checks again, by name, for other callers.
    try Launcher.checkValues(secrets.map { ($0.entry.label, $0.value) })
    // A value a removed member chose is injected, but never silently.
    for flag in flags where flag.wrote && secrets.contains(where: { $0.entry.name == flag.name }) {
      Output.warning(
        "\(project)/\(environment)/\(flag.name) was written by \(flag.member)"
          + " (\(file.header.departure(of: flag.member)) \(flag.time)); store a new version")
    }
    // A member who left without a re-key (a `git revert` of `members add`) holds this key.
    for gone in file.departed where gone.environments.contains(environment) {
      Output.warning(
        "\(gone.name) left the members without a re-key of \(environment) and still holds its"
          + " key; an owner runs `vault members rm \(gone.name)`")
    }
    VaultCommand.Log.record(
      secrets.map(\.entry) + (held.map { [$0.entry] } ?? []), command: "exec",
      program: Paths.baseName(of: command[0]), paths: session.paths)
    let injected = secrets.map { (name: $0.name, value: $0.value) }
    if let proxy, let held {
      try runProxied(
        executable, plan: proxy, held: held, injected: injected, paths: session.paths)
    }
    guard redact else { try Launcher.exec(executable, arguments: command, injecting: injected) }
    let supervisor = Supervisor()
    try supervisor.spawn(
      executable, arguments: command, injecting: injected,
      redactor: Redactor(values: injected.map(\.value)))
    Self.finish(supervisor.wait())
  }

  /// `exec --proxy` in vault-net: the supervisor first (it blocks the forwarded signals, and
  /// the proxy's threads inherit the mask), then the proxy, then the command with the base
  /// URL and the placeholder; when the command ends, the proxy stops and vault exits as the
  /// command did.
  func runProxied(
    _ executable: String, plan: ProxyPlan, held: (entry: Entry, value: SecretBytes),
    injected: [(name: String, value: SecretBytes)], paths: Paths
  ) throws -> Never {
    let supervisor = Supervisor()
    let placeholder = ProxyConfiguration.makePlaceholder()
    let running = try plan.start(
      key: held.value, entry: held.entry, placeholder: placeholder, paths: paths)
    let base = SecretBytes(copying: Array(plan.baseURL(port: running.port).utf8))
    do {
      try supervisor.spawn(
        executable, arguments: command,
        injecting: injected + [(plan.baseURLVar, base), (plan.keyVar, placeholder)],
        redactor: redact ? Redactor(values: injected.map(\.value)) : nil)
    } catch {
      running.stop()
      throw error
    }
    let ended = supervisor.wait()
    running.stop()
    Self.finish(ended)
  }

  /// Ends vault the way the supervised child ended: with its exit status, or by its signal,
  /// re-raised on vault at its default action so a shell sees what it would have seen without
  /// vault (128+N, and bash's reaction to SIGINT). Exit 128+N if the signal does not end vault.
  static func finish(_ termination: Supervisor.Termination) -> Never {
    switch termination {
    case .exited(let code):
      Glibc.exit(code)
    case .signaled(let signal):
      Glibc.signal(signal, SIG_DFL)
      var mask = sigset_t()
      sigemptyset(&mask)
      sigaddset(&mask, signal)
      pthread_sigmask(SIG_UNBLOCK, &mask, nil)
      raise(signal)
      Glibc.exit(128 + signal)
    }
  }

  /// Admin API keys (`sk-admin-`) manage the organization: `exec` injects one only under a
  /// name it was asked for (`--only`, `--map`), and never as `OPENAI_API_KEY` without
  /// `--allow-admin-key` (README, "OpenAI keys").
  func withholdAdminKeys(
    _ secrets: inout [(name: String, entry: Entry, value: SecretBytes)], named: [String],
    allowingNone: Bool = false
  ) throws {
    var withheld: [String] = []
    for secret in secrets where OpenAIKeys.isAdminKey(secret.value) {
      if secret.name == "OPENAI_API_KEY" {
        // Allowed explicitly, it counts as asked for.
        guard allowAdminKey else { throw VaultError.adminKeyAsAPIKey(label: secret.entry.label) }
        continue
      }
      if !named.contains(secret.entry.name) { withheld.append(secret.entry.label) }
    }
    guard !withheld.isEmpty else { return }
    secrets.removeAll { withheld.contains($0.entry.label) }
    guard !secrets.isEmpty || allowingNone else {
      throw VaultError.onlyAdminKeys(labels: withheld)
    }
    for label in withheld {
      Output.note(
        "\(label) is an Admin API key and was not injected; name it to inject it (--only \(Paths.baseName(of: label)))"
      )
    }
  }


  /// `--map TARGET=NAME` split and checked before anything is read: both must be valid
  /// names (a value pasted there is shown redacted), and a target may be given once. Whether
  /// TARGET is reserved is checked with every injected name (`--allow-reserved TARGET`).
  func parsedMappings() throws -> [(target: String, name: String)] {
    var mappings: [(target: String, name: String)] = []
    for text in map {
      guard let equals = text.firstIndex(of: "=") else {
        try Names.check(text, as: .name)
        throw VaultError.invalidMapping(shown: text)
      }
      let target = String(text[..<equals])
      let name = String(text[text.index(after: equals)...])
      try Names.check(target, as: .name)
      try Names.check(name, as: .name)
      guard !mappings.contains(where: { $0.target == target }) else {
        throw VaultError.duplicateMapping(target: target)
      }
      mappings.append((target, name))
    }
    return mappings
  }
}
