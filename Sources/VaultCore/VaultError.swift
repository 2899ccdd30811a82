/// What went wrong, with the path or label concerned and never a secret. The executable
/// maps each case to one line on stderr and an exit code (README, "Exit codes").
public enum VaultError: Error, Equatable, Sendable {
  // Finding things.
  case vaultNotFound(path: String)
  case identityNotFound(path: String)
  case entryNotFound(label: String)
  /// `get --at-version`, `rollback --to`: the entry keeps no such version; `kept` are the
  /// versions it keeps, newest first.
  case versionNotFound(label: String, version: UInt64, kept: [UInt64])
  /// `rollback --to` the version that is already the current one: nothing to do.
  case rollbackToCurrent(label: String, version: UInt64)
  /// `--at-version`, `--to` or `--keep` given something other than a decimal number in range;
  /// `shown` is escaped or redacted at capture (it may be a pasted key).
  case invalidNumber(option: String, shown: String)
  /// `history --keep N` outside 1…`Header.maximumHistoryLimit`.
  case historyLimitOutOfRange(given: String)
  /// Nothing stored for the label; `holdings` is what the vault does hold.
  case noEntries(project: String, environment: String, holdings: [ProjectHolding])
  /// `available`: the environments the vault has, for the message.
  case environmentNotFound(String, available: [String] = [])
  case alreadyExists(path: String)

  // Input the user gave.
  /// A name, project, environment or member name that breaks its rule. `shown` is what a
  /// message may print: redacted when the input looked like a secret, escaped otherwise;
  /// the raw input is never kept.
  case invalidName(kind: NameKind, shown: String, looksLikeSecret: Bool)
  /// `NAME=VALUE` given where a name goes. `shown` is the part before `=`, escaped or
  /// redacted, followed by `=…`; `name` is that part when it is a valid variable name (for
  /// the hint). Nothing after the `=` is kept.
  case valueInName(kind: NameKind, shown: String, name: String?)
  case reservedName(String)
  case emptyValue
  /// A value typed or imported with a NUL byte: no environment variable can hold it.
  case nulInValue(label: String)
  case valueTooLong(label: String, limit: Int)
  /// A pasted value of a shape that cannot be stored safely (`PastedValue`); nothing of the
  /// value is kept.
  case pastedShape(name: String, problem: PasteProblem)
  case emptyPassphrase
  case passphraseMismatch
  case invalidIdentityString
  case dotenv(line: Int, problem: String)
  case noTerminal(purpose: String)
  case cancelled
  /// What was typed or pasted at the no-echo prompt for `purpose` ("value", "passphrase")
  /// cannot be taken as it is; nothing of it is kept.
  case promptInput(purpose: String, problem: PromptProblem)
  /// More than `limit` bytes on stdin where a value (or a .env file) is read.
  case stdinTooLarge(limit: Int)
  /// Stdin is a terminal where `command` reads a file from a pipe or a redirect: typed, it
  /// would be echoed.
  case stdinIsTerminal(command: String)

  // cp, mv, exec --map, rm of prod, export --format docker (issue 7, point 9).
  /// `cp`/`mv` would replace an entry that exists at the destination (no `--force`).
  case entryExists(label: String)
  /// A value the export format cannot carry: a line break for docker's `--env-file`.
  case lineBreakInValue(label: String, format: String)
  /// Removing a `prod` entry with neither a terminal to confirm at nor `--yes`.
  case confirmationNeeded(label: String)
  /// An `exec --map` argument without `=`; `shown` is a name already checked to be valid.
  case invalidMapping(shown: String)
  /// Two `exec --map` arguments give the same target variable.
  case duplicateMapping(target: String)

  // Unlocking and access.
  case wrongPassphrase(path: String)
  case notAMember(path: String)
  case cannotRead(member: String, project: String, environment: String)
  case cannotWrite(member: String, environment: String)
  case notOwner(member: String)

  // Membership.
  case memberExists(String)
  case memberNotFound(String)
  case identityAlreadyMember(existing: String)
  case lastOwner(String)
  case cannotRemoveSelf(String)
  case secretIdentityGiven
  case writeWithoutRead(environments: [String])
  /// `members set` refused: it would leave no owner, or narrow the signer's own access.
  case memberChangeRefused(member: String, reason: MemberChangeRefusal)
  /// `members add` of an identity this person saw removed from this vault (`member` is the
  /// name it had): removed identities are never trusted again.
  case identityRemoved(member: String)
  case invalidPublicIdentity
  case environmentExists(String)
  case vaultReplaced(path: String)
  case untrustedOwners(path: String, trustFile: String)
  case sealsToRemovedMember(member: String, environment: String)
  /// A header older than the highest generation seen (or than `VAULT_PIN`'s).
  case rollback(path: String, generation: UInt64, seen: UInt64, pinned: Bool)
  /// A rollback (as `rollback`) that also took members out of the header while an
  /// environment kept a key they held: `departed` names them (a `git revert` of
  /// `members add`).
  case rollbackWithoutRekey(
    path: String, generation: UInt64, seen: UInt64, departed: [DepartedMember])
  /// A new value for `environment`, whose key a member who left without a re-key still
  /// holds (`VaultFile.departed`): they could read it.
  case departedReader(member: String, environment: String)
  /// A header signed by an identity this person saw removed.
  case removedSigner(path: String, member: String)
  /// `VAULT_PIN` names another vault.
  case pinMismatch(path: String)
  case invalidPin

  // Merging with git.
  /// `vault git resolve` found no conflicted merge of the vault at `path` in git's index
  /// (not in a merge, or already marked resolved with `git add`).
  case notMerging(path: String)
  /// `vault git resolve` was named an entry that does not conflict; `conflicted` lists those
  /// that do.
  case noConflict(label: String, conflicted: [String])

  // File contents.
  case malformed(path: String, line: Int, problem: FormatProblem)
  case unsupportedVersion(path: String, version: String)
  case kdfParametersOutOfRange(path: String, opsLimit: UInt64, memLimit: UInt64)
  case integrity(path: String, what: String, problem: IntegrityProblem)
  /// `vault doctor --drop` of a group that verifies: `vault rm` removes its entries.
  case groupNotDamaged(label: String)
  /// `vault doctor` found damage (`count` problems) and reported it.
  case damaged(path: String, count: Int)
  /// An entry whose key id names a retired key of its environment (format version 3): it
  /// was encrypted before a re-key and reached the file without being re-encrypted (git's
  /// text merge without the vault merge driver). `writer` is the member who wrote it (who
  /// has the value), or `?`.
  case retiredKey(label: String, environment: String, writer: String)
  /// A stored value with a NUL byte met by `exec`: injecting it would cut it short.
  case nulInStoredValue(label: String)
  /// `exec` would put an Admin API key (`sk-admin-`) in `OPENAI_API_KEY` without
  /// `--allow-admin-key`: an app's key must not manage the organization.
  case adminKeyAsAPIKey(label: String)
  /// Everything `exec` would inject is an Admin API key nobody asked for by name.
  case onlyAdminKeys(labels: [String])
  /// An OpenAI id (project, key, service account) or scope that a vault line cannot hold
  /// (FileFormat.md, "OpenAI links and rotations"), given or returned by OpenAI: refused,
  /// never written. `field` says which ("key id", "scope", …); `shown` is the printable (or,
  /// when it looks like a key, redacted) form.
  case invalidOpenAIField(field: String, shown: String)
  /// An OpenAI link or pending rotation asked of a vault of format version 1 or 2, which
  /// has no such lines (an owner's next header change makes it version 3).
  case openAILinesNeedVersion3(path: String)
  /// A line of the user's configuration file that is not a known setting.
  case badConfig(path: String, line: Int)

  // The operating system.
  case io(path: String, operation: String, errno: Int32)
  case symlink(path: String)
  /// A FIFO, directory, socket or device where a vault, identity or passphrase file was
  /// expected; never read (a FIFO would block).
  case notRegularFile(path: String)
  /// A file larger than a reader accepts (256 MiB for a vault), refused on its size alone.
  case fileTooLarge(path: String, limit: Int)
  /// A `.vault` found by walking up from the current directory that another local user may
  /// control; naming it with `--vault` or `$VAULT_FILE` is the override.
  case unsafeVault(path: String, problem: DiscoveryProblem)
  case commandNotFound(String)
  case notExecutable(String, errno: Int32)
  /// A write to standard output failed (a full disk, a closed pipe with SIGPIPE ignored).
  /// `unsavedIdentity`: what failed was the only copy of a new secret identity.
  case cannotWriteOutput(errno: Int32, unsavedIdentity: Bool)
  /// A value `export` cannot write in `format` (JSON, docker's env file) because its bytes
  /// are not UTF-8.
  case invalidUTF8InValue(label: String, format: String)
  /// `exec`: the environment with the injected values is too large for `execve` (E2BIG).
  case environmentTooLarge(command: String)
  /// The current directory's path is not UTF-8, so a path derived from it (a discovered
  /// `.vault`, `init --here`, the project's name) cannot be named exactly; `shown` is its
  /// lossy form.
  case currentDirectoryNotUTF8(shown: String)

  // Leak scan and git hooks (issue 9).
  /// `vault scan PATH` of a path that does not exist.
  case pathNotFound(path: String)
  /// `--staged`, `--history` or `git hook install` outside a git work tree.
  case notAGitWorkTree(path: String)
  /// `git hook install` found a different hook at `path`; `line` is what to add to it.
  case hookExists(path: String, line: String)

  // OpenAI's Admin API (issue 9).
  /// `vault-net`, which carries the commands that use the network, is missing or cannot run.
  case helperUnavailable(path: String, problem: String)
  /// A `vault openai` command failed; the failure's kind decides the exit code.
  case openAI(OpenAIFailure)

  // The loopback proxy (issue 10).
  /// A proxy option that cannot be used (`--listen` off loopback, an `--allow-path` under
  /// `/v1/organization`, an unreadable `--upstream-ca`, a proxy option without `--proxy`).
  /// `problem` never holds what was typed when it may be a secret.
  case invalidProxyOption(option: String, problem: String)
  /// The proxy's listener could not be opened (the port is taken).
  case proxyCannotListen(address: String, problem: String)
  /// The entry the proxy would hold is an Admin API key: never forwarded.
  case proxyAdminKey(label: String)

  // OpenBao recipients (issue 12).
  /// `env recipient add` for an environment that already has an OpenBao recipient.
  case openBaoRecipientExists(environment: String)
  /// The environment has no OpenBao recipient (`env recipient rm`, or a CI `exec`).
  case noOpenBaoRecipient(environment: String)
  /// A re-key of an environment with an OpenBao recipient, with no way to reach OpenBao.
  case openBaoNeeded(environment: String)
  /// OpenBao refused or could not be reached; the failure's kind decides the exit code.
  case openBao(OpenBaoFailure)

  /// Which kind of name was invalid.
  public enum NameKind: String, Sendable {
    case project, environment, name, member
  }
}

/// Why what was typed or pasted at a prompt is refused (README "Typing and pasting at the
/// prompt").
public enum PromptProblem: Equatable, Sendable {
  /// More than `limit` bytes: refused whole rather than cut.
  case tooLong(limit: Int)
  /// A control character typed (Tab, Ctrl-A, …) or pasted (anything but a line break or a
  /// Tab): it may be a key the prompt does not handle, not part of the value.
  case controlCharacter
  /// An arrow, Home, Delete, a function key or Alt with a key: the prompt cannot move in
  /// the hidden line, so what was typed after it would be stored in the wrong order.
  case editingKey
}

/// Why a pasted value is refused (README "Values").
public enum PasteProblem: Equatable, Sendable {
  /// `NAME=VALUE` for another name than the one being set; `shown` is that name, or
  /// "another name" when it looks like a key itself.
  case assignsOtherName(String)
  /// Several lines of which at least one is `NAME=VALUE`: a .env file.
  case dotenvLines(Int)
  /// Several lines that each start like a key.
  case severalKeys(Int)
}

/// Why `members set` refused a change.
public enum MemberChangeRefusal: Equatable, Sendable {
  /// Demoting the only owner: a vault needs one.
  case lastOwner
  /// Demoting yourself, or taking away your own read or write access: the change must be
  /// signed by an owner who keeps that access.
  case narrowsSelf
}

/// Why a `.vault` found by discovery is refused (README, "Finding things").
public enum DiscoveryProblem: Equatable, Sendable {
  /// A FIFO, directory, socket or device: reading it could block or mislead.
  case notRegularFile
  /// Not owned by the effective user.
  case ownedByAnotherUser(uid: UInt32)
  /// The directory holding it is writable by group or others (sticky or not).
  case directoryWritableByOthers
}

/// How a vault or identity file broke its grammar (FileFormat.md).
public enum FormatProblem: Equatable, Sendable {
  case empty
  case wrongMagic
  case missingEnd
  case dataAfterEnd
  case invalidCharacter
  case unexpectedLine(expected: String)
  case badField(String)
  case nonCanonical(String)
  case outOfOrder
  case duplicate(String)
}

/// How a file failed authentication.
public enum IntegrityProblem: Equatable, Sendable {
  case badSignature
  case unknownSigner
  case signerCannotWrite
  /// A member with write access but no read access to the environment signed it.
  case signerCannotRead
  /// Signed by an identity this person saw removed from the vault.
  case signerRemoved
  case decryptionFailed
  case headerNotSignedByOwner
  case keyMismatch
}
