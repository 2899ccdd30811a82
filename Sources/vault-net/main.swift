import VaultCLI
import VaultNet

// `vault` with an HTTP transport: `vault openai …` runs here (Sources/VaultCLI/Net).
// OpenBao's transit engine: `vault exec` for a reader without an identity, `vault env
// recipient`, and the re-key of an environment OpenBao holds.
VaultMain.run(transport: URLSessionTransport(), transit: OpenBaoClient())
