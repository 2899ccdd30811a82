import VaultCLI

// Everything lives in VaultCLI, shared with `vault-net`; this program links no networking
// library, so `vault exec` starts fast (README, "Performance").
VaultMain.run()
