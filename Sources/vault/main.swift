import ArgumentParser
import VaultCore

// Core dumps and ptrace off before anything can touch key material.
ProcessEnvironment.harden()

do {
  var command = try VaultCommand.parseAsRoot()
  try command.run()
} catch let error as VaultError {
  Failure.exit(error)
} catch {
  VaultCommand.exit(withError: error)
}
