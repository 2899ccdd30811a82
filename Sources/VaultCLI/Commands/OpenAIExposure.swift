import ArgumentParser
import VaultCore

extension VaultCommand.OpenAI {
  struct Exposure: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "For entries flagged exposed to a removed member: was the key used since?",
      discussion: """
        For each entry of the environment flagged "exposed to NAME" and linked to an OpenAI \
        key, asks OpenAI when the key was last used and how many requests it served since \
        NAME's removal (the usage API, by key). Used since (a last use after the removal, or \
        requests counted since): exit 1, rotate it. Not used: \
        exit 0; rotate it anyway, since NAME may still hold it. A flagged entry that is not \
        linked is reported (exit 1): link it to check.

        Examples:
          vault openai exposure --env prod
          vault openai rotate --env prod
        """)

    @OptionGroup var vault: VaultOptions
    @OptionGroup var label: LabelOptions
    @OptionGroup var unlock: UnlockOptions
    @OptionGroup var openAI: OpenAIOptions

    @Argument(help: "Only this entry (default: every flagged entry).")
    var name: String?

    func run() throws {
      _ = try NetworkHelper.require()
      if let name { try Names.check(name, as: .name) }
      let context = try OpenAIContext.open(openAI, vault: vault, label: label, unlock: unlock)
      let environment = label.environment
      let file = context.file
      let group = try file.group(project: context.project, environment: environment)
      let flags = (group?.flags ?? []).filter { name == nil || $0.name == name }
      guard let group, !flags.isEmpty else {
        Output.line(
          "no entry of \(context.project)/\(environment)"
            + (name.map { " named \($0)" } ?? "") + " is flagged exposed")
        return
      }
      var needsAction = false
      for flag in flags {
        let entryLabel = "\(context.project)/\(environment)/\(flag.name)"
        guard let link = group.currentLink(flag.name) else {
          Output.line(
            "unlinked: \(entryLabel) is exposed to \(flag.member) but not linked to an OpenAI key:"
              + " link it to check (`vault openai link --env \(environment) --openai-project proj_…`)")
          needsAction = true
          continue
        }
        let removed = Int64(Timestamp.seconds(flag.time) ?? 0)
        guard let key = try context.client.key(project: link.project, id: link.keyID) else {
          Output.line("deleted: \(entryLabel)'s key \(link.keyID) no longer exists at OpenAI")
          continue
        }
        let usage = try context.client.usage(keyID: link.keyID, since: removed)
        // Either says so: `last_used_at` also counts calls the usage API does not (listing
        // models), and the usage API may count requests before `last_used_at` is updated.
        let lastUse = key.lastUsedAt.flatMap { $0 > removed ? $0 : nil }
        if lastUse != nil || usage.requests > 0 {
          needsAction = true
          Output.line(
            "used: \(entryLabel) (\(link.keyID)) was used after \(flag.member)'s removal at \(flag.time):"
              + (lastUse.map { " last at \(Timestamp.format(Int($0))), " } ?? " ")
              + "\(usage.requests) requests, \(usage.tokens) tokens since;"
              + " rotate it: `vault openai rotate --env \(environment)`")
        } else {
          Output.line(
            "not used: \(entryLabel) (\(link.keyID)) has not been used since \(flag.member)'s removal"
              + " at \(flag.time); rotate it anyway: `vault openai rotate --env \(environment)`")
        }
      }
      if needsAction { throw ExitCode(1) }
    }
  }
}
