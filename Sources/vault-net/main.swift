import VaultCLI
import VaultNet

// `vault` with an HTTP transport, the loopback proxy and OpenBao's transit engine:
// `vault openai …`, `vault exec --proxy`, `vault proxy`, `vault exec` for a reader without an
// identity, `vault env recipient`, and the re-key of an environment OpenBao holds
// (Sources/VaultCLI/Net).
VaultMain.run(transport: URLSessionTransport(), proxy: ProxyServer(), transit: OpenBaoClient())
