// swift-tools-version:6.0
import PackageDescription

let package = Package(
  name: "vault",
  platforms: [.macOS(.v13)],
  products: [
    .executable(name: "vault", targets: ["vault"]),
    .executable(name: "vault-net", targets: ["vault-net"]),
    .library(name: "VaultCore", targets: ["VaultCore"]),
  ],
  dependencies: [
    .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2")
  ],
  targets: [
    .systemLibrary(
      name: "CSodium",
      pkgConfig: "libsodium",
      providers: [.apt(["libsodium-dev"])]
    ),
    .target(
      name: "VaultCore",
      dependencies: ["CSodium"]
    ),
    .target(
      name: "VaultCLI",
      dependencies: [
        "VaultCore",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ]
    ),
    // The command line, without a networking library: `vault exec` starts as fast as it can.
    .executableTarget(name: "vault", dependencies: ["VaultCLI"]),
    // The same command line plus an HTTP transport (FoundationNetworking), for `vault openai`:
    // `vault` executes it for those commands only (Sources/VaultCLI/Net/NetworkHelper.swift).
    .executableTarget(name: "vault-net", dependencies: ["VaultCLI"]),
    .testTarget(
      name: "VaultCoreTests",
      dependencies: ["VaultCore"],
      resources: [.copy("Vectors")]
    ),
    .testTarget(
      name: "VaultCLITests",
      dependencies: ["VaultCore"],
      exclude: ["Expect", "Fixtures"]
    ),
  ],
  swiftLanguageModes: [.v6]
)
