import Glibc

/// Times in vault files: UTC, to the second, as `YYYY-MM-DDTHH:MM:SSZ` (20 bytes).
public enum Timestamp {
  /// The current time in the file's form.
  public static func now() -> String {
    format(Int(time(nil)))
  }

  /// Seconds since the epoch in the file's form.
  public static func format(_ seconds: Int) -> String {
    var t = time_t(seconds)
    var parts = tm()
    gmtime_r(&t, &parts)
    func two(_ v: Int32) -> String { v < 10 ? "0\(v)" : "\(v)" }
    let year = Int(parts.tm_year) + 1900
    var yearText = String(year)
    while yearText.count < 4 { yearText = "0" + yearText }
    return "\(yearText)-\(two(parts.tm_mon + 1))-\(two(parts.tm_mday))T"
      + "\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec))Z"
  }

  /// Seconds since the epoch of a valid timestamp; nil for anything else.
  public static func seconds(_ text: String) -> Int? {
    seconds(Array(text.utf8))
  }

  /// Whether `text` is a valid timestamp in canonical form (a real date, years 1970-9999).
  public static func isValid<C: Collection<UInt8>>(_ text: C) -> Bool {
    seconds(Array(text)) != nil
  }

  /// The seconds of a canonical timestamp: parsed, converted, and formatted back to the same
  /// bytes (so February 30 or hour 24, which `timegm` would carry over, are refused).
  private static func seconds(_ b: [UInt8]) -> Int? {
    guard b.count == 20, b[4] == 0x2D, b[7] == 0x2D, b[10] == 0x54, b[13] == 0x3A,
      b[16] == 0x3A, b[19] == 0x5A
    else { return nil }
    func number(_ range: Range<Int>) -> Int32? {
      var value: Int32 = 0
      for i in range {
        guard b[i] >= 0x30 && b[i] <= 0x39 else { return nil }
        value = value * 10 + Int32(b[i] - 0x30)
      }
      return value
    }
    guard let year = number(0..<4), let month = number(5..<7), let day = number(8..<10),
      let hour = number(11..<13), let minute = number(14..<16), let second = number(17..<19),
      year >= 1970
    else { return nil }
    var parts = tm()
    parts.tm_year = year - 1900
    parts.tm_mon = month - 1
    parts.tm_mday = day
    parts.tm_hour = hour
    parts.tm_min = minute
    parts.tm_sec = second
    let seconds = Int(timegm(&parts))
    return format(seconds).utf8.elementsEqual(b) ? seconds : nil
  }
}
