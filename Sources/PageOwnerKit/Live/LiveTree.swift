#if canImport(Glibc)
import Glibc
#endif

/// What `record` samples.
public enum LiveSource: String, CaseIterable, Sendable {
    case auto, showHandles = "show_handles", showStacks = "show_stacks", pageOwner = "page_owner"
}

/// Why a live recording could not start or go on (exit status 2, no archive).
public struct LiveError: Error, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// The page_owner files of a debugfs tree (a live `/sys/kernel/debug`, or any folder laid
/// out like it), read whole with large reads: debugfs files report size 0 and the
/// page_owner file formats one record per read(2), failing with ENOMEM on a small buffer.
public struct LiveTree {
    public let root: String
    public var pageOwner: String { root + "/page_owner" }
    public var showHandles: String { root + "/page_owner_stacks/show_handles" }
    public var showStacks: String { root + "/page_owner_stacks/show_stacks" }
    public var showStacksHandles: String { root + "/page_owner_stacks/show_stacks_handles" }

    public init(root: String) { self.root = root }

    static func exists(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0
    }

    /// The cheapest source the tree has for `wanted` (`auto`: show_handles, show_stacks,
    /// page_owner), or a clear error.
    public func choose(_ wanted: LiveSource) throws -> LiveSource {
        var st = stat()
        guard stat(root, &st) == 0, (st.st_mode & S_IFMT) == S_IFDIR else {
            throw LiveError("\(root): no such folder; is debugfs mounted? (mount -t debugfs none /sys/kernel/debug)")
        }
        let any = Self.exists(pageOwner) || Self.exists(showStacks) || Self.exists(showHandles)
        if !any {
            let empty = Self.isEmptyDir(root)
            if empty { throw LiveError("\(root) is empty: debugfs is not mounted there (mount -t debugfs none \(root))") }
            throw LiveError(
                "\(root) has no page_owner: the kernel needs CONFIG_PAGE_OWNER=y and the page_owner=on boot option")
        }
        let pick: LiveSource
        switch wanted {
        case .auto:
            pick = Self.exists(showHandles) && Self.exists(showStacksHandles)
                ? .showHandles : Self.exists(showStacks) ? .showStacks : .pageOwner
        case .showHandles:
            guard Self.exists(showHandles), Self.exists(showStacksHandles) else {
                throw LiveError("\(showHandles): not there (show_handles and show_stacks_handles need Linux 6.19 or later)")
            }
            pick = .showHandles
        case .showStacks:
            guard Self.exists(showStacks) else { throw LiveError("\(showStacks): not there (show_stacks needs Linux 6.8 or later)") }
            pick = .showStacks
        case .pageOwner:
            guard Self.exists(pageOwner) else { throw LiveError("\(pageOwner): not there") }
            pick = .pageOwner
        }
        // Fail now, before any archive exists, when the files cannot be read.
        for f in files(pick) {
            let fd = open(f, O_RDONLY | O_CLOEXEC)
            if fd < 0 {
                let e = errno
                if e == EACCES || e == EPERM {
                    throw LiveError("\(f): permission denied; debugfs files are readable by root only (run as root, e.g. with sudo)")
                }
                throw LiveError(SystemError(.open, errno: e, path: f, role: .input).description)
            }
            close(fd)
        }
        return pick
    }

    /// The files a source reads.
    public func files(_ s: LiveSource) -> [String] {
        switch s {
        case .showHandles: return [showHandles, showStacksHandles]
        case .showStacks: return [showStacks]
        case .pageOwner, .auto: return [pageOwner]
        }
    }

    static func isEmptyDir(_ path: String) -> Bool {
        guard let d = opendir(path) else { return false }
        defer { closedir(d) }
        while let e = readdir(d) {
            let name = withUnsafeBytes(of: e.pointee.d_name) { String(cString: $0.bindMemory(to: CChar.self).baseAddress!) }
            if name != "." && name != ".." { return false }
        }
        return true
    }

    /// Reads a whole file with 1 MiB reads. With `printMode`, the file is opened for
    /// writing too and `mode=…` is written first (the 2026 page_owner print modes apply
    /// to the open file only); returns nil in `mode` when the kernel refused it.
    public static func read(_ path: String, printMode: String? = nil) throws -> (bytes: [UInt8], modeApplied: Bool) {
        var fd: Int32 = -1
        var applied = false
        // Only the live file (debugfs reports size 0) takes a print mode: writing to a
        // copy would overwrite its first bytes.
        var st = stat()
        if let m = printMode, stat(path, &st) == 0, st.st_size == 0 {
            fd = open(path, O_RDWR | O_CLOEXEC)
            if fd >= 0 {
                let w = m.withCString { Glibc.write(fd, $0, strlen($0)) }
                if w > 0 {
                    applied = true
                } else {
                    close(fd)
                    fd = -1
                }
            }
        }
        do {
            if fd < 0 { fd = try Syscall.open(path, O_RDONLY | O_CLOEXEC, role: .input) }
        } catch let e as SystemError {
            throw LiveError(e.description)
        }
        defer { close(fd) }
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            let n: Int
            do {
                n = try chunk.withUnsafeMutableBytes { try Syscall.read(fd, into: $0, name: path, role: .input) }
            } catch let e as SystemError {
                throw LiveError(e.description)
            }
            if n == 0 { break }
            out.append(contentsOf: chunk[0..<n])
        }
        return (out, applied)
    }
}
