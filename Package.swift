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
    .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    // The loopback proxy's server (vault-net only; `vault exec` never loads it).
    .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
  ],
  targets: [
    .systemLibrary(
      name: "CSodium",
      pkgConfig: "libsodium",
      providers: [.apt(["libsodium-dev"])]
    ),
    // libcurl, already linked by vault-net through FoundationNetworking: the HTTP client
    // for upstreams that need a CA of their own (the proxy, OpenBao).
    .systemLibrary(
      name: "CCurl",
      pkgConfig: "libcurl",
      providers: [.apt(["libcurl4-openssl-dev"])]
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
    .executableTarget(name: "vault-net", dependencies: ["VaultCLI", "VaultNet"]),
    // What only vault-net links: the loopback proxy (SwiftNIO) and the libcurl client.
    .target(
      name: "VaultNet",
      dependencies: [
        "VaultCore", "CCurl",
        .product(name: "NIOCore", package: "swift-nio"),
        .product(name: "NIOPosix", package: "swift-nio"),
        .product(name: "NIOHTTP1", package: "swift-nio"),
      ]
    ),
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
