import VaultCLI

// `vault` with an HTTP transport: `vault openai …` runs here (Sources/VaultCLI/Net).
VaultMain.run(transport: URLSessionTransport())
