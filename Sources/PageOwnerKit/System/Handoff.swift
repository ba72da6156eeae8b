/// A value handed to another thread under a hand-off protocol: the one way this library
/// moves a non-`Sendable` value (a worker's `RecordConsumer`, a vmcore walker, a result) to or
/// from the thread that works on it.
///
/// Why `@unchecked Sendable` is sound here: at any time only one thread uses the value. The
/// giver does not touch it after handing it over until the receiver says it is done through
/// a synchronising primitive (a semaphore signal, a condition under its lock, a thread that
/// ends before its result is read), which orders every access before the hand-back after it.
/// The type cannot check that protocol, so each use names where the hand-back happens.
final class Handoff<Value>: @unchecked Sendable {
    var value: Value
    init(_ value: Value) { self.value = value }
}
