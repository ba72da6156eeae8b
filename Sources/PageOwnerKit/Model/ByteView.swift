// One of the places unsafe code lives (docs/layout.md, "Where unsafe code lives"): the byte view itself,
// the one type the parsers and formatters read bytes through.
import CShims

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Read-only bytes that something else owns (a parsed chunk, an interner's arena, a string's
/// UTF-8), seen through one small value: the start and the count. This is one of the few
/// types where unsafe code lives (with the input buffers and the arenas): everything else
/// reads bytes through its methods, handed out inside a closure scope (`Record.withBytes`,
/// `ByteView.with`), never as a pointer.
///
/// Access is checked by `assert` in debug builds and unchecked in release builds: every
/// accessor is `@inlinable` and compiles to the plain pointer access the parsers used to
/// write out (a view passed by value is the pointer and the count in two registers). A view
/// is valid only while its owner keeps the bytes alive and unchanged: the closure's scope.
@frozen
public struct ByteView {
    /// The first byte (a dangling, never-read address when `count` is 0).
    @usableFromInline let start: UnsafePointer<UInt8>
    /// How many bytes.
    public let count: Int

    @inlinable @inline(__always)
    init(start: UnsafePointer<UInt8>, count: Int) {
        assert(count >= 0)
        self.start = start
        self.count = count
    }

    /// The bytes of a raw buffer (the arenas and the input buffers make views this way).
    @inlinable @inline(__always)
    init(_ b: UnsafeRawBufferPointer) {
        start = b.baseAddress.map { $0.assumingMemoryBound(to: UInt8.self) } ?? UnsafePointer(bitPattern: 1)!
        count = b.count
    }

    @inlinable @inline(__always)
    init(_ b: UnsafeBufferPointer<UInt8>) {
        start = b.baseAddress ?? UnsafePointer(bitPattern: 1)!
        count = b.count
    }

    /// No bytes.
    @inlinable public static var empty: ByteView { ByteView(start: UnsafePointer(bitPattern: 1)!, count: 0) }

    @inlinable public var isEmpty: Bool { count == 0 }

    /// The byte at `i` (checked in debug builds only).
    @inlinable
    public subscript(i: Int) -> UInt8 {
        @inline(__always) get {
            assert(i >= 0 && i < count, "ByteView index out of range")
            return start[i]
        }
    }

    /// Bytes `[from, to)` as a view of their own (checked in debug builds only).
    @inlinable @inline(__always)
    public func slice(_ from: Int, _ to: Int) -> ByteView {
        assert(from >= 0 && from <= to && to <= count, "ByteView slice out of range")
        return ByteView(start: start + from, count: to - from)
    }

    /// The bytes from `from` to the end.
    @inlinable @inline(__always)
    public func dropFirst(_ from: Int) -> ByteView { slice(from, count) }

    /// The eight bytes at `i` as a little-endian word, unaligned.
    @inlinable @inline(__always)
    func loadWord(_ i: Int) -> UInt64 {
        assert(i >= 0 && i + 8 <= count)
        return UnsafeRawPointer(start + i).loadUnaligned(as: UInt64.self)
    }

    /// Position of the first `byte` in `[from, to)`, or `to` (`memchr`).
    @inlinable @inline(__always)
    func find(_ byte: UInt8, _ from: Int, _ to: Int) -> Int {
        if from >= to { return to }
        assert(from >= 0 && to <= count)
        guard let p = memchr(start + from, Int32(byte), to - from) else { return to }
        return start.distance(to: p.assumingMemoryBound(to: UInt8.self))
    }

    /// Position of the first occurrence of `needle` in `[from, to)`, or `nil` (`memmem`).
    @inlinable
    func find(_ needle: StaticString, _ from: Int, _ to: Int) -> Int? {
        let n = needle.utf8CodeUnitCount
        if to - from < n { return nil }
        assert(from >= 0 && to <= count)
        guard let p = po_memmem(start + from, to - from, needle.utf8Start, n) else { return nil }
        return start.distance(to: p.assumingMemoryBound(to: UInt8.self))
    }

    /// Position of the first occurrence of the bytes of `needle` in `[from, to)`, or `nil`.
    @inlinable
    func find(_ needle: ByteView, _ from: Int, _ to: Int) -> Int? {
        let n = needle.count
        if n == 0 { return from }
        if to - from < n { return nil }
        assert(from >= 0 && to <= count)
        guard let p = po_memmem(start + from, to - from, needle.start, n) else { return nil }
        return start.distance(to: p.assumingMemoryBound(to: UInt8.self))
    }

    /// Whether `[at, to)` starts with the bytes of `s` at `at` (`memcmp`).
    @inlinable @inline(__always)
    func matches(_ s: StaticString, at: Int, _ to: Int) -> Bool {
        let n = s.utf8CodeUnitCount
        guard to - at >= n else { return false }
        assert(at >= 0 && at + n <= count)
        return memcmp(start + at, s.utf8Start, n) == 0
    }

    /// Whether the bytes equal `s`.
    @inlinable
    public func equals(_ s: StaticString) -> Bool { count == s.utf8CodeUnitCount && matches(s, at: 0, count) }

    /// Whether the bytes start with `s`.
    @inlinable
    public func hasPrefix(_ s: StaticString) -> Bool { matches(s, at: 0, count) }

    /// The vector scan of `linescan.c` (`po_scan_lines`) over `[from, to)`: where the run of
    /// stack lines after the line at `from` ends, the first newline and how many it passed.
    @inlinable @inline(__always)
    func scanLines(_ from: Int, _ to: Int, _ firstNewline: inout Int, _ newlines: inout Int) -> Int {
        assert(from >= 0 && to <= count)
        return po_scan_lines(start, from, to, &firstNewline, &newlines)
    }

    /// The index of the first `byte`, or nil.
    @inlinable
    public func firstIndex(of byte: UInt8) -> Int? {
        let i = find(byte, 0, count)
        return i < count ? i : nil
    }

    /// Whether the view holds `byte`.
    @inlinable
    public func contains(_ byte: UInt8) -> Bool { find(byte, 0, count) < count }

    /// Whether `[from, to)` holds a NUL byte.
    @inlinable
    func containsNUL(_ from: Int, _ to: Int) -> Bool {
        guard to > from else { return false }
        assert(from >= 0 && to <= count)
        return memchr(start + from, 0, to - from) != nil
    }

    /// Lexicographic comparison on unsigned bytes, like `strcmp`: -1, 0 or 1.
    @inlinable
    public func compare(_ other: ByteView) -> Int {
        let n = Swift.min(count, other.count)
        if n > 0 {
            let c = memcmp(start, other.start, n)
            if c != 0 { return c < 0 ? -1 : 1 }
        }
        return count == other.count ? 0 : (count < other.count ? -1 : 1)
    }

    /// Whether two views hold the same bytes.
    @inlinable
    public func equals(_ other: ByteView) -> Bool {
        count == other.count && (count == 0 || memcmp(start, other.start, count) == 0)
    }

    /// Whether the bytes equal the UTF-8 of `s`.
    @inlinable
    public func equals(_ s: String) -> Bool { s.utf8.elementsEqual(UnsafeBufferPointer(start: start, count: count)) }

    /// The project's byte hash (`ByteHash`) of the bytes.
    @inlinable
    public func hash(seed: UInt64 = 0) -> UInt64 { ByteHash.hash(UnsafeRawPointer(start), count, seed: seed) }

    /// The bytes copied into an array.
    @inlinable
    public var array: [UInt8] { Array(UnsafeBufferPointer(start: start, count: count)) }

    /// The bytes decoded as UTF-8 (invalid sequences repaired).
    @inlinable
    public var string: String { String(decoding: UnsafeBufferPointer(start: start, count: count), as: UTF8.self) }

    /// The bytes as a raw buffer, for the arenas and C calls (the buffer is valid in `body` only).
    @inlinable @inline(__always)
    func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try body(UnsafeRawBufferPointer(start: UnsafeRawPointer(start), count: count))
    }

    /// Runs `body` on a view of an array's bytes.
    @inlinable @inline(__always)
    public static func with<R>(_ a: [UInt8], _ body: (ByteView) throws -> R) rethrows -> R {
        try a.withUnsafeBufferPointer { try body(ByteView($0)) }
    }

    /// Runs `body` on a view of a part of an array's bytes.
    @inlinable @inline(__always)
    public static func with<R>(_ a: [UInt8], _ range: Range<Int>, _ body: (ByteView) throws -> R) rethrows -> R {
        try a.withUnsafeBufferPointer { try body(ByteView($0).slice(range.lowerBound, range.upperBound)) }
    }

    /// Runs `body` on a view of an array's bytes, the array being the caller's scratch (no copy).
    @inlinable @inline(__always)
    public static func with<R>(_ a: inout [UInt8], _ body: (ByteView) throws -> R) rethrows -> R {
        try a.withUnsafeBufferPointer { try body(ByteView($0)) }
    }

    /// Runs `body` on a view of a string's UTF-8 bytes.
    @inlinable @inline(__always)
    public static func with<R>(_ s: String, _ body: (ByteView) throws -> R) rethrows -> R {
        var s = s
        return try s.withUTF8 { try body(ByteView($0)) }
    }

    /// A view of a static string's UTF-8 bytes (static strings live as long as the program).
    @inlinable @inline(__always)
    public init(_ s: StaticString) {
        start = s.utf8Start
        count = s.utf8CodeUnitCount
    }
}

extension ByteView: RandomAccessCollection {
    public typealias Index = Int
    public typealias SubSequence = Slice<ByteView>
    public typealias Indices = Range<Int>
    @inlinable public var startIndex: Int { 0 }
    @inlinable public var endIndex: Int { count }
    @inlinable public func withContiguousStorageIfAvailable<R>(_ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R? {
        try body(UnsafeBufferPointer(start: start, count: count))
    }
}

extension Array where Element == UInt8 {
    /// Appends the bytes of a view.
    @inlinable @inline(__always)
    mutating func append(_ v: ByteView) {
        append(contentsOf: UnsafeBufferPointer(start: v.start, count: v.count))
    }

    /// Appends the bytes of a view in one copy (the generic `append(contentsOf:)` of a
    /// collection would copy byte by byte).
    @inlinable @inline(__always)
    public mutating func append(contentsOf v: ByteView) {
        append(contentsOf: UnsafeBufferPointer(start: v.start, count: v.count))
    }

    /// The bytes of a view, copied in one go.
    @inlinable
    public init(_ v: ByteView) { self.init(UnsafeBufferPointer(start: v.start, count: v.count)) }

    /// Appends a decimal rendering of `v` (digits made in a scratch of 24 bytes on the stack).
    @inlinable
    mutating func appendDecimal(_ v: UInt64) {
        var tmp: (UInt64, UInt64, UInt64) = (0, 0, 0)  // 24 bytes of scratch
        Swift.withUnsafeMutableBytes(of: &tmp) { t in
            var i = 24
            var x = v
            repeat {
                i -= 1
                t[i] = UInt8(48 + x % 10)
                x /= 10
            } while x != 0
            append(contentsOf: UnsafeRawBufferPointer(rebasing: t[i..<24]))
        }
    }
}
