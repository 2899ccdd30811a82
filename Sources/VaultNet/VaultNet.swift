/// vault-net's own module: what `vault` must never link. The loopback proxy for
/// `vault exec --proxy` and `vault proxy` (SwiftNIO), and an HTTP client over libcurl for
/// upstreams that need a CA of their own (the proxy's upstream, OpenBao).
public enum VaultNet {}
