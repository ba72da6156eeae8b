#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// `report --format pprof -o DIR/`: one profile per snapshot, so that an archive of
/// snapshots (or several dumps given at once) becomes one profile each, as Pyroscope, Parca
/// and `pprof -diff_base` want them, instead of the latest one (or their sum).
///
/// Each file is `DIR/NAME.pb.gz`, NAME being the shortest tail of the snapshot's path (its
/// member path inside an archive, else the path given) that tells the snapshots apart, its
/// compression suffix dropped and every byte outside `A-Z a-z 0-9 . _ -` made `_`
/// (`s1-boot/page_owner.zst` -> `s1-boot_page_owner.pb.gz`); names still alike get `-2`, `-3`.
public enum SnapshotProfiles {
    /// One profile to write.
    public struct Planned: Equatable, Sendable {
        /// The aggregator's snapshot.
        public var snapshot: Int
        /// Which of the inputs given it comes from.
        public var input: Int
        /// Where its profile goes: `DIR/NAME.pb.gz`.
        public var path: String
    }

    /// Whether `-o` names a folder: it ends in `/`, or it is an existing directory.
    public static func isDirectory(_ output: String) -> Bool {
        if output == "-" { return false }
        if output.hasSuffix("/") { return true }
        var st = stat()
        return stat(output, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR
    }

    /// The profiles of `perInput` (the snapshots of each of `inputs`, as read): every
    /// snapshot that counts pages (page_owner, swap_page_owner, show_stacks, show_handles;
    /// not a show_stacks_handles map), in the order read.
    public static func plan(_ agg: Aggregator, inputs: [String], perInput: [[Int]], directory: String) -> [Planned] {
        var picked: [(snapshot: Int, input: Int, path: String)] = []
        for (i, group) in perInput.enumerated() {
            for s in group where SnapshotPlan.view(agg.totals[s].format) != nil {
                picked.append((s, i, memberPath(agg.totals[s].name, input: inputs[i])))
            }
        }
        let names = fileNames(picked.map(\.path))
        var dir = directory
        while dir.count > 1 && dir.hasSuffix("/") { dir.removeLast() }
        let prefix = dir == "/" ? "/" : dir + "/"
        return zip(picked, names).map { Planned(snapshot: $0.snapshot, input: $0.input, path: prefix + $1 + ".pb.gz") }
    }

    /// The path that names a snapshot: an archive member's path inside the archive, else
    /// the input as given (`-`: `stdin`).
    static func memberPath(_ name: String, input: String) -> String {
        if name.count > input.count + 1 && name.hasPrefix(input + ":") { return String(name.dropFirst(input.count + 1)) }
        return name == "-" ? "stdin" : name
    }

    /// File names (without `.pb.gz`) for `paths`: the shortest tail of path components that
    /// tells them apart, sanitized; equal names numbered `-2`, `-3`, … in order.
    public static func fileNames(_ paths: [String]) -> [String] {
        let parts: [[String]] = paths.map { p in
            var c = p.split(separator: "/").map(String.init).filter { $0 != "." && $0 != ".." }
            if c.isEmpty { c = ["profile"] }
            c[c.count - 1] = dropCompression(c[c.count - 1])
            return c
        }
        // Components per name: grow every name's tail until no two names are alike or no
        // name has more to give.
        var depth = [Int](repeating: 1, count: parts.count)
        func name(_ i: Int) -> String { sanitize(parts[i].suffix(depth[i]).joined(separator: "/")) }
        while true {
            var byName: [String: [Int]] = [:]
            for i in parts.indices { byName[name(i), default: []].append(i) }
            var grew = false
            for (_, list) in byName where list.count > 1 {
                for i in list where depth[i] < parts[i].count {
                    depth[i] += 1
                    grew = true
                }
            }
            if !grew { break }
        }
        var seen: [String: Int] = [:]
        var out: [String] = []
        let base = parts.indices.map(name)
        let taken = Set(base)
        for b in base {
            let n = (seen[b] ?? 0) + 1
            seen[b] = n
            if n == 1 {
                out.append(b)
                continue
            }
            var k = n
            while taken.contains("\(b)-\(k)") || out.contains("\(b)-\(k)") { k += 1 }
            out.append("\(b)-\(k)")
        }
        return out
    }

    /// `page_owner.zst` -> `page_owner` (zstd, gzip, xz, bzip2 suffixes).
    static func dropCompression(_ s: String) -> String {
        for suffix in [".zst", ".zstd", ".gz", ".xz", ".bz2"] where s.count > suffix.count && s.hasSuffix(suffix) {
            return String(s.dropLast(suffix.count))
        }
        return s
    }

    /// Path separators and every byte outside `A-Z a-z 0-9 . _ -` become `_`; a leading
    /// `.` too (no hidden files), and an empty name is `profile`.
    static func sanitize(_ s: String) -> String {
        var b = Array(s.utf8).map { c -> UInt8 in
            let ok = (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c == 46 || c == 95 || c == 45
            return ok ? c : 95
        }
        if b.first == 46 { b[0] = 95 }
        return b.isEmpty ? "profile" : String(decoding: b, as: UTF8.self)
    }
}
