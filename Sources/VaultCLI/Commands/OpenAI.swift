import ArgumentParser
import Glibc
import VaultCore

/// Options every `vault openai` subcommand takes.
struct OpenAIOptions: ParsableArguments {
  @Option(
    help: ArgumentHelp(
      "OpenAI's API (default: $VAULT_OPENAI_BASE_URL, else https://api.openai.com/v1); https://, or http:// to loopback only.",
      valueName: "url"))
  var baseURL: String?

  @Option(
    help: ArgumentHelp(
      "The environment whose OPENAI_ADMIN_KEY entry is the Admin key (default: --env).",
      valueName: "env"))
  var adminEnv: String?

  @Option(help: ArgumentHelp("Seconds before one request is abandoned (default 30).", valueName: "s"))
  var timeout: String?

  /// `--base-url`, else the user's own `VAULT_OPENAI_BASE_URL`, else OpenAI's. Never a vault
  /// entry: a stored `OPENAI_BASE_URL` must not send the Admin key elsewhere.
  func base() throws -> BaseURL {
    let text = baseURL ?? getenv("VAULT_OPENAI_BASE_URL").map { String(cString: $0) } ?? BaseURL.openAI
    do {
      return try BaseURL(text)
    } catch {
      throw VaultError.openAI(error)
    }
  }

  func seconds() throws -> Double {
    guard let timeout else { return 30 }
    guard let value = Double(timeout), value > 0, value <= 600 else {
      throw VaultError.invalidNumber(option: "--timeout", shown: UsageCheck.shown(timeout))
    }
    return value
  }
}

/// What every subcommand works with: the vault, the project, the identity and a client that
/// holds the Admin key.
struct OpenAIContext {
  /// The vault, the project and the file as the command found it (read once).
  struct Loaded {
    let store: VaultStore
    let project: String
    let file: VaultFile

    init(vault: VaultOptions, label: LabelOptions) throws {
      let session = Session()
      project = try session.project(label, vault: vault).name
      store = try session.existingStore(vault)
      file = try store.load(warn: Output.warn)
    }
  }

  let store: VaultStore
  let project: String
  /// The file as it was when the command started; a step that wrote since reads it again.
  let file: VaultFile
  let identity: Identity
  let client: AdminClient

  /// Unlocks, reads the Admin key from (`project`, `adminEnvironment`) and makes the client.
  /// `vault` never gets here: ``NetworkHelper/require()`` hands the process to `vault-net`
  /// first, before anything is prompted for. `loaded` is what the command already read.
  static func open(
    _ options: OpenAIOptions, vault: VaultOptions, label: LabelOptions, unlock: UnlockOptions,
    adminEnvironment: String? = nil, loaded: Loaded? = nil
  ) throws -> OpenAIContext {
    let transport = try NetworkHelper.require()
    let base = try options.base()
    let timeout = try options.seconds()
    let session = Session()
    let loaded = try loaded ?? Loaded(vault: vault, label: label)
    let (store, project, file) = (loaded.store, loaded.project, loaded.file)
    let environment = options.adminEnv ?? adminEnvironment ?? label.environment
    try Names.check(environment, as: .environment)
    let identity = try session.unlock(unlock)
    let admin = try adminKey(file, project: project, environment: environment, identity: identity)
    let client = AdminClient(transport: transport, base: base, adminKey: admin, timeout: timeout)
    return OpenAIContext(
      store: store, project: project, file: file, identity: identity, client: client)
  }

  /// The entry `OPENAI_ADMIN_KEY` of (`project`, `environment`): an `sk-admin-` value.
  static func adminKey(
    _ file: VaultFile, project: String, environment: String, identity: Identity
  ) throws -> SecretBytes {
    let label = "\(project)/\(environment)/OPENAI_ADMIN_KEY"
    guard file.header.environment(environment) != nil else {
      throw file.environmentNotFound(environment)
    }
    let secrets = try file.secrets(project: project, environment: environment, identity: identity)
    guard let admin = secrets.first(where: { $0.entry.name == "OPENAI_ADMIN_KEY" })?.value else {
      throw VaultError.openAI(
        OpenAIFailure(
          .notFound, "no Admin key: \(label) does not exist",
          hint: "store it once with `vault set --env \(environment) OPENAI_ADMIN_KEY`"
            + " (or name another environment with --admin-env)"))
    }
    guard OpenAIKeys.isAdminKey(admin) else {
      throw VaultError.openAI(
        OpenAIFailure(.failed, "\(label) is not an Admin key (sk-admin-…)"))
    }
    return admin
  }
}

extension VaultCommand {
  struct OpenAI: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "openai",
      abstract: "Manage the OpenAI keys the vault holds through OpenAI's Admin API.",
      discussion: """
        Each subcommand reads the Admin key from the entry OPENAI_ADMIN_KEY (in --admin-env, \
        default --env) and talks to OpenAI; nothing else in vault uses the network. Keys are \
        linked to entries by OpenAI's key id, kept in the vault file beside the version it \
        describes (`vault history` shows it).

        Examples:
          vault openai link --env prod --openai-project proj_abc
          vault openai check
          vault openai create-key --env prod --openai-project proj_abc --service-account deploy-bot
          vault openai rotate --env prod
          vault openai exposure --env prod
        """,
      subcommands: [Link.self, Check.self, CreateKey.self, Rotate.self, Exposure.self])
  }
}

/// A comma-separated `--scopes` list: sorted, without duplicates, each in the file's scope
/// grammar.
enum ScopesArgument {
  static func parse(_ text: String?) throws -> [String]? {
    guard let text else { return nil }
    let scopes = text.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
    guard !scopes.isEmpty, scopes.allSatisfy(OpenAILink.isValidScope) else {
      throw VaultError.openAI(
        OpenAIFailure(
          .usage, "--scopes takes names such as api.responses.write, separated by commas"))
    }
    return Array(Set(scopes)).sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
  }
}

/// Checks an id OpenAI sent before it is written into the file.
func checkedID(_ id: String, _ what: String) throws -> String {
  guard OpenAILink.isValidID(id) else {
    throw VaultError.openAI(
      OpenAIFailure(.unavailable, "OpenAI sent a \(what) that is not a valid id"))
  }
  return id
}

/// An OpenAI id given as `option` (`--openai-project proj_abc`, `--key-id key_abc`). The
/// word is not echoed: it may be a key pasted in the wrong place.
func checkedOption(_ id: String, _ option: String, example: String) throws -> String {
  guard OpenAILink.isValidID(id) else {
    throw VaultError.openAI(OpenAIFailure(.usage, "\(option) takes an id such as \(example)"))
  }
  return id
}
