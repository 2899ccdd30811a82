import Testing
@testable import VaultCore

@Suite struct TimestampTests {
  @Test func formatsUTCToTheSecond() {
    #expect(Timestamp.format(0) == "1970-01-01T00:00:00Z")
    #expect(Timestamp.format(1_767_225_600) == "2026-01-01T00:00:00Z")
    #expect(Timestamp.isValid(Array(Timestamp.now().utf8)))
  }

  @Test func acceptsOnlyTheCanonicalForm() {
    for good in ["2026-01-15T09:30:00Z", "2024-02-29T23:59:59Z", "1970-01-01T00:00:00Z", "9999-12-31T23:59:59Z"] {
      #expect(Timestamp.isValid(Array(good.utf8)), "\(good)")
    }
    for bad in [
      "2026-01-15 09:30:00Z", "2026-01-15T09:30:00", "2026-01-15T09:30:00+00:00",
      "2026-1-15T09:30:00Z", "2026-01-15T09:30:00.0Z", "2025-02-29T00:00:00Z",
      "2026-13-01T00:00:00Z", "2026-01-32T00:00:00Z", "2026-01-15T24:00:00Z",
      "2026-01-15T09:60:00Z", "2016-12-31T23:59:60Z", "1969-12-31T23:59:59Z",
      "2026-01-15t09:30:00z", "+026-01-15T09:30:00Z", "",
    ] {
      #expect(!Timestamp.isValid(Array(bad.utf8)), "\(bad)")
    }
  }
}
