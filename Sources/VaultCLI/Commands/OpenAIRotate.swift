import ArgumentParser
import Glibc
import VaultCore

extension VaultCommand.OpenAI {
  struct Rotate: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Replace an entry's OpenAI key: create, store, verify, then delete the old one.",
      discussion: """
        A new service account of the same name is created with the scopes recorded for the \
        entry (or --scopes) and its key is stored as a new version; one call made with the \
        new key (GET /v1/models) verifies it; then the old service account, and with it the \
        old key, is deleted at OpenAI. (OpenAI's API deletes a service account's key only \
        with its account; when the old account holds other keys, the old key must be \
        deleted in OpenAI's dashboard, and the rotation waits for that.)

        Each step is recorded in the vault file before it is taken. Interrupted anywhere, \
        `vault status` shows the rotation and running this command again finishes it: a \
        half-made account is deleted, a stored key is verified, the old one deleted.

        Examples:
          vault openai rotate --env prod
          vault openai rotate --env prod --name OPENAI_API_KEY_BATCH
        """)

    @OptionGroup var vault: VaultOptions
    @OptionGroup var label: LabelOptions
    @OptionGroup var unlock: UnlockOptions
    @OptionGroup var openAI: OpenAIOptions

    @Option(help: ArgumentHelp("Scopes for the new key (default: those recorded).", valueName: "scopes"))
    var scopes: String?

    @Option(help: ArgumentHelp("The entry (default OPENAI_API_KEY).", valueName: "name"))
    var name = "OPENAI_API_KEY"

    func run() throws {
      _ = try NetworkHelper.require()
      try Names.check(name, as: .name)
      let scopes = try ScopesArgument.parse(scopes)
      let context = try OpenAIContext.open(openAI, vault: vault, label: label, unlock: unlock)
      var rotation = Rotation(
        context: context, environment: label.environment, name: name, scopes: scopes)
      try rotation.run()
    }
  }
}

/// One run of `vault openai rotate`: a small state machine over the file's rotation line
/// (FileFormat.md, "OpenAI links and rotations").
struct Rotation {
  let context: OpenAIContext
  let environment: String
  let name: String
  let scopes: [String]?

  var client: AdminClient { context.client }
  var label: String { "\(context.project)/\(environment)/\(name)" }

  mutating func run() throws {
    let group = try currentGroup()
    guard let current = group.entries.first(where: { $0.name == name }) else {
      throw VaultError.entryNotFound(label: label)
    }
    let link = group.link(name, version: current.version)
    switch group.rotation(name) {
    case nil:
      guard let link else {
        throw VaultError.openAI(
          OpenAIFailure(
            .notFound, "\(label) is not linked to an OpenAI key",
            hint: "link it with `vault openai link --env \(environment) --openai-project proj_…`"))
      }
      guard link.account != nil else {
        throw VaultError.openAI(
          OpenAIFailure(
            .failed,
            "\(label) holds a user's key (\(link.keyID)), which OpenAI's Admin API cannot make",
            hint: "replace it with a service-account key: `vault openai create-key --env \(environment)"
              + " --openai-project \(link.project) --service-account NAME`"))
      }
      try start(from: link)
    case let pending? where pending.step == .started:
      // An earlier run stopped between recording the start and storing the new key: the
      // account it may have made holds a key nobody has. Delete it, then start again.
      let accountName = try deleteHalfMade(pending)
      let old = OpenAILink(
        name: name, version: current.version, project: pending.project, keyID: pending.oldKey,
        account: pending.oldAccount,
        scopes: link.flatMap { $0.keyID == pending.oldKey ? $0.scopes : nil } ?? [])
      try start(from: old, accountName: accountName)
    case let pending? where pending.step == .stored:
      Output.note("finishing the rotation of \(label) recorded at \(pending.time)")
      try finish(pending)
    case let pending?:
      try finishManual(pending)
    }
  }

  func currentGroup() throws -> Group {
    guard let group = try context.file.group(project: context.project, environment: environment) else {
      throw VaultError.entryNotFound(label: label)
    }
    return group
  }

  /// Step 1-2: record the start, create the new key, store it (with the record of the
  /// stored step, in the same write), then finish.
  func start(from old: OpenAILink, accountName known: String? = nil) throws {
    guard let oldAccount = old.account else { return }
    let accountName =
      try known ?? nameForNewAccount(oldAccount, among: client.serviceAccounts(project: old.project))
    let newScopes = scopes ?? old.scopes

    let started = PendingRotation(
      name: name, step: .started, time: Timestamp.now(), project: old.project,
      oldKey: old.keyID, oldAccount: oldAccount, newKey: nil, newAccount: nil)
    try context.store.update(warn: Output.warn) { file in
      try file.setRotation(
        started, name: name, project: context.project, environment: environment,
        identity: context.identity)
    }

    let created: CreatedKey
    do {
      created = try client.createServiceAccount(
        project: old.project, name: accountName, scopes: newScopes)
    } catch {
      throw VaultError.openAI(
        OpenAIFailure(
          error.kind, "could not create the new key: \(error.message)",
          hint: "run `vault openai rotate --env \(environment)` again: it deletes a half-made"
            + " account first; the old key \(old.keyID) is untouched"))
    }
    let link = try OpenAILink(
      name: name, version: 0, project: old.project, keyID: checkedID(created.id, "key id"),
      account: checkedID(created.account, "service account id"), scopes: newScopes)
    let stored = PendingRotation(
      name: name, step: .stored, time: Timestamp.now(), project: old.project, oldKey: old.keyID,
      oldAccount: oldAccount, newKey: created.id, newAccount: created.account)
    do {
      try context.store.update(warn: Output.warn) { file in
        _ = try file.set(
          [(name, created.value)], project: context.project, environment: environment,
          identity: context.identity, link: link, rotation: .some(stored))
      }
    } catch {
      let deleted =
        (try? client.deleteServiceAccount(project: old.project, account: created.account)) ?? false
      Output.warning(
        deleted
          ? "the new key \(created.id) could not be stored, so its account was deleted at OpenAI"
          : "the new key \(created.id) could not be stored; the next rotate deletes its account")
      throw error
    }
    try finish(stored)
  }

  /// Steps 3-4: verify the stored key with one call, delete the old one, drop the record.
  func finish(_ pending: PendingRotation) throws {
    guard let newKey = pending.newKey else { return }
    let file = try context.store.load(warn: Output.warn)
    guard let group = try file.group(project: context.project, environment: environment),
      let version = group.links.first(where: { $0.name == name && $0.keyID == newKey })?.version
    else {
      throw VaultError.openAI(
        OpenAIFailure(
          .failed, "the rotation of \(label) stored \(newKey), which the vault no longer holds",
          hint: "check `vault history --env \(environment)`; the old key \(pending.oldKey) is untouched"))
    }
    let value = try file.value(
      of: name, version: version, project: context.project, environment: environment,
      identity: context.identity
    ).value
    do {
      try client.verify(key: value)
    } catch {
      throw VaultError.openAI(
        OpenAIFailure(
          error.kind,
          "\(newKey) is stored as \(label) v\(version), but OpenAI did not accept it: \(error.message)",
          hint: "the old key \(pending.oldKey) stays active; run `vault openai rotate --env \(environment)`"
            + " again to verify and finish"))
    }
    if try !deleteOld(pending) {
      let manual = PendingRotation(
        name: name, step: .manual, time: Timestamp.now(), project: pending.project,
        oldKey: pending.oldKey, oldAccount: pending.oldAccount, newKey: pending.newKey,
        newAccount: pending.newAccount)
      try context.store.update(warn: Output.warn) { file in
        try file.setRotation(
          manual, name: name, project: context.project, environment: environment,
          identity: context.identity)
      }
      throw manualDeletion(manual)
    }
    try clear()
    Output.line(
      "rotated \(label): \(newKey) (v\(version)) replaces \(pending.oldKey), deleted at OpenAI")
  }

  /// The old key gone at OpenAI: its account when that holds no other key, else the key
  /// alone. False when OpenAI refuses to delete the key alone (a service account's key).
  func deleteOld(_ pending: PendingRotation) throws -> Bool {
    guard let account = pending.oldAccount else {
      return try client.deleteKey(project: pending.project, id: pending.oldKey)
    }
    let others = try client.keys(project: pending.project).filter {
      $0.ownerType == "service_account" && $0.ownerID == account && $0.id != pending.oldKey
    }
    if others.isEmpty {
      try client.deleteServiceAccount(project: pending.project, account: account)
      return true
    }
    return try client.deleteKey(project: pending.project, id: pending.oldKey)
  }

  /// The old key had to be deleted by hand: done once OpenAI no longer has it.
  func finishManual(_ pending: PendingRotation) throws {
    guard try client.key(project: pending.project, id: pending.oldKey) == nil else {
      throw manualDeletion(pending)
    }
    try clear()
    Output.line("rotated \(label): \(pending.oldKey) is gone at OpenAI; the rotation is finished")
  }

  func manualDeletion(_ pending: PendingRotation) -> VaultError {
    .openAI(
      OpenAIFailure(
        .failed,
        "\(label) now holds \(pending.newKey ?? "the new key"), but OpenAI's API cannot delete the old key"
          + " \(pending.oldKey) alone: its service account \(pending.oldAccount ?? "") holds other keys",
        hint: "delete \(pending.oldKey) in OpenAI's dashboard (project \(pending.project), API keys),"
          + " then run `vault openai rotate --env \(environment)` to finish"))
  }

  func clear() throws {
    try context.store.update(warn: Output.warn) { file in
      try file.setRotation(
        nil, name: name, project: context.project, environment: environment,
        identity: context.identity)
    }
  }

  /// Deletes the service accounts an interrupted run may have made: named like the old one,
  /// created within 15 minutes of the recorded start, and holding no key any entry links.
  /// The name a new account takes: the old account's, or, when OpenAI no longer has it,
  /// `vault-PROJECT-ENV`.
  func nameForNewAccount(_ old: String?, among accounts: [ServiceAccount]) -> String {
    accounts.first { $0.id == old }?.name ?? "vault-\(context.project)-\(environment)"
  }

  /// Returns the name the new account takes (the old account's).
  func deleteHalfMade(_ pending: PendingRotation) throws -> String {
    let accounts = try client.serviceAccounts(project: pending.project)
    let accountName = nameForNewAccount(pending.oldAccount, among: accounts)
    let linked = Set(try context.file.allGroups().flatMap { $0.links.compactMap(\.account) })
    let start = Int64(Timestamp.seconds(pending.time) ?? 0)
    for account in accounts
    where account.name == accountName && account.id != pending.oldAccount
      && !linked.contains(account.id) && account.createdAt >= start - 300
      && account.createdAt <= start + 900
    {
      try client.deleteServiceAccount(project: pending.project, account: account.id)
      Output.note(
        "deleted service account \(account.id), half-made by the rotation started at \(pending.time)")
    }
    return accountName
  }
}
