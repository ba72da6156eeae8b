#if canImport(Glibc)
import Glibc
#endif

/// A vmcore read as page_owner text: every parser, report and format reads it like a
/// debugfs dump. Records are made a few thousand PFNs at a time into one reused buffer,
/// so memory stays bounded by the mapping of the dump, never by the records.
///
/// Nothing is lost silently: at the end of the stream, dumped pages that could not be read
/// (a truncated or corrupt kdump file) and PFNs whose records could not be read are listed
/// (`problems`, printed by `Inputs.forEach`); with `strict`, or when the dump yields no record
/// at all, the end of the stream is an error instead.
public final class VmcoreSource: ByteSource {
    public let name: String
    let reader: VmcorePageOwner
    let kdump: KdumpFile?
    let ranges: [(UInt64, UInt64)]
    var range = 0
    var pfn: UInt64
    var pending: [UInt8] = []
    var offset = 0
    /// What the setup took from the vmlinux (recorded from it, or from the cache).
    public let facts: VmlinuxFacts
    /// Keeps the mappings alive while the source is read.
    let files: [AnyObject]
    /// Records written so far.
    public private(set) var records = 0
    /// Stop with an error at the end when anything was lost.
    public var strict = false
    var finished = false

    /// Reads an ELF core, a compressed kdump file or a flattened one (unpacked first).
    public convenience init(name: String, vmcore: MappedFile, vmlinux: MappedFile, moduleFiles: String? = nil) throws {
        try self.init(name: name, vmcore: vmcore, vmlinux: vmlinux, facts: nil, moduleFiles: moduleFiles)
    }

    /// Reads the dump with what `facts` (recorded from `vmlinux`, or cached) say about its
    /// kernel; with `facts` nil, they are read from `vmlinux`, which is then required.
    public init(name: String, vmcore: MappedFile, vmlinux: MappedFile?, facts: VmlinuxFacts?, moduleFiles: String? = nil) throws {
        self.name = name
        var keep: [AnyObject] = [vmcore]
        if let vmlinux { keep.append(vmlinux) }
        let memory: VmcoreMemory
        if vmcore.bytes.starts(with: Array("makedumpfile".utf8)) {
            // Unpacked into an unlinked temporary file: nothing is left behind, and every
            // message names the flattened dump.
            let fd = try MappedFile.temporaryFile(for: name)
            defer { close(fd) }
            try KdumpFile.unflatten(vmcore.bytes, name: name, to: fd, output: "a temporary file")
            let file = try MappedFile(fd: fd, name: name)
            let k = try KdumpFile(file, name: name)
            keep += [file, k]
            kdump = k
            memory = VmcoreMemory(kdump: k)
        } else if vmcore.bytes.starts(with: Array("KDUMP   ".utf8)) {
            let k = try KdumpFile(vmcore)
            keep.append(k)
            kdump = k
            memory = VmcoreMemory(kdump: k)
        } else {
            kdump = nil
            memory = try VmcoreMemory(vmcore)
        }
        guard let f = try facts ?? vmlinux.map({ try VmlinuxFacts(recording: $0) }) else {
            throw VmcorePageOwner.Failure(description: "no vmlinux given")
        }
        reader = try VmcorePageOwner(memory: memory, facts: f, moduleFiles: moduleFiles)
        self.facts = f
        ranges = reader.pfnRanges
        pfn = ranges.first?.0 ?? 0
        files = keep
        pending.reserveCapacity(1 << 20)
    }

    /// What could not be read, one line each (file, PFN ranges, reason); empty when nothing was lost.
    public var problems: [String] { (kdump?.lossSummary() ?? []) + reader.lossSummary(name) }

    public func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        while offset >= pending.count {
            guard range < ranges.count else {
                try finish()
                return 0
            }
            pending.removeAll(keepingCapacity: true)
            offset = 0
            while pending.count < 1 << 20 && range < ranges.count {
                if pfn >= ranges[range].1 {
                    range += 1
                    if range < ranges.count { pfn = ranges[range].0 }
                    continue
                }
                let before = pending.count
                pfn += reader.appendRecord(pfn: pfn, to: &pending)
                if pending.count != before { records += 1 }
            }
        }
        let n = min(buffer.count, pending.count - offset)
        pending.withUnsafeBytes { buffer.baseAddress!.copyMemory(from: $0.baseAddress! + offset, byteCount: n) }
        offset += n
        return n
    }

    /// The end of the stream: an error when no record could be read, or under `strict` when
    /// anything was lost.
    func finish() throws {
        guard !finished else { return }
        finished = true
        let lines = problems
        if records == 0 {
            throw InputError(
                .corrupt, input: name,
                "no page_owner record could be read from the dump"
                    + (lines.isEmpty ? " (is page_owner enabled: page_owner=on on the kernel command line?)" : ": " + lines.joined(separator: "; ")))
        }
        if strict && !lines.isEmpty {
            throw InputError(.corrupt, input: name, "parts of the dump could not be read (--strict): " + lines.joined(separator: "; "))
        }
    }
}
