/// A JSON object: key/value pairs in the order they were read or added, each key once.
///
/// Lookups by key scan the pairs (the objects vault reads have a dozen keys); iteration gives
/// `(key, value)` in stored order, which is also the order `JSONValue.encoded()` writes.
/// Keys compare as Swift strings do (canonical equivalence): two keys that differ only in
/// Unicode normalization are the same key. Two objects are equal when they hold equal pairs
/// in the same order.
public struct JSONObject: Sendable, Equatable, RandomAccessCollection,
  ExpressibleByDictionaryLiteral
{
  /// One member of the object.
  public typealias Element = (key: String, value: JSONValue)

  private var pairs: [Element]

  /// An empty object.
  public init() { pairs = [] }

  /// Pairs whose keys are known to be distinct (the parser checks them).
  init(uniquePairs: [Element]) { pairs = uniquePairs }

  /// An object literal, in the order written. A key written twice is a programming error and
  /// stops the program, as it does in a `Dictionary` literal.
  public init(dictionaryLiteral elements: (String, JSONValue)...) {
    pairs = []
    pairs.reserveCapacity(elements.count)
    for (key, value) in elements {
      precondition(self[key] == nil, "a key written twice in a JSON object literal")
      pairs.append((key, value))
    }
  }

  /// The first position (0).
  public var startIndex: Int { 0 }

  /// One past the last pair.
  public var endIndex: Int { pairs.count }

  /// The pair at `position`, in stored order.
  public subscript(position: Int) -> Element { pairs[position] }

  /// The value for `key`, or nil when the object has no such key. Setting a value replaces
  /// the key's value in place, or appends the key at the end; setting nil removes the key
  /// (set `.null` for a JSON `null`).
  public subscript(key: String) -> JSONValue? {
    get { pairs.first(where: { $0.key == key })?.value }
    set {
      let position = pairs.firstIndex(where: { $0.key == key })
      switch (position, newValue) {
      case (let position?, let value?): pairs[position].value = value
      case (let position?, nil): pairs.remove(at: position)
      case (nil, let value?): pairs.append((key, value))
      case (nil, nil): break
      }
    }
  }

  /// The keys, in stored order.
  public var keys: [String] { pairs.map(\.key) }

  /// Equal pairs in the same order.
  public static func == (left: JSONObject, right: JSONObject) -> Bool {
    left.pairs.count == right.pairs.count
      && zip(left.pairs, right.pairs).allSatisfy { $0.key == $1.key && $0.value == $1.value }
  }
}
