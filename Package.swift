// swift-tools-version:6.0
import PackageDescription

let package = Package(
  name: "vault",
  platforms: [.macOS(.v13)],
  products: [
    .executable(name: "vault", targets: ["vault"]),
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
    .executableTarget(
      name: "vault",
      dependencies: [
        "VaultCore",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
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
