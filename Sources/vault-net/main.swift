import VaultCLI
import VaultNet

// `vault` with an HTTP transport and the loopback proxy: `vault openai …`, `vault exec --proxy`
// and `vault proxy` run here (Sources/VaultCLI/Net).
VaultMain.run(transport: URLSessionTransport(), proxy: ProxyServer())
