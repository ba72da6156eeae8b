#if canImport(Glibc)
import Glibc
#endif

/// A vmcore read as page_owner text: every parser, report and format reads it like a
/// debugfs dump. Records are made a few thousand PFNs at a time into one reused buffer,
/// so memory stays bounded by the mapping of the dump, never by the records.
public final class VmcoreSource: ByteSource {
    public let name: String
    let reader: VmcorePageOwner
    let ranges: [(UInt64, UInt64)]
    var range = 0
    var pfn: UInt64
    var pending: [UInt8] = []
    var offset = 0
    /// Keeps the mappings alive while the source is read.
    let files: [AnyObject]

    /// Reads an ELF core, a compressed kdump file or a flattened one (unpacked first).
    public init(name: String, vmcore: MappedFile, vmlinux: MappedFile, moduleFiles: String? = nil) throws {
        self.name = name
        var keep: [AnyObject] = [vmcore, vmlinux]
        let memory: VmcoreMemory
        if vmcore.bytes.starts(with: Array("makedumpfile".utf8)) {
            let tmp = try MappedFile.temporaryPath()
            defer { unlink(tmp) }
            try KdumpFile.unflatten(vmcore.bytes, name: name, to: tmp)
            let file = try MappedFile(path: tmp)
            let k = try KdumpFile(file)
            keep += [file, k]
            memory = VmcoreMemory(kdump: k)
        } else if vmcore.bytes.starts(with: Array("KDUMP   ".utf8)) {
            let k = try KdumpFile(vmcore)
            keep.append(k)
            memory = VmcoreMemory(kdump: k)
        } else {
            memory = try VmcoreMemory(vmcore)
        }
        reader = try VmcorePageOwner(memory: memory, vmlinux: vmlinux, moduleFiles: moduleFiles)
        ranges = reader.pfnRanges
        pfn = ranges.first?.0 ?? 0
        files = keep
        pending.reserveCapacity(1 << 20)
    }

    public func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        while offset >= pending.count {
            guard range < ranges.count else { return 0 }
            pending.removeAll(keepingCapacity: true)
            offset = 0
            while pending.count < 1 << 20 && range < ranges.count {
                if pfn >= ranges[range].1 {
                    range += 1
                    if range < ranges.count { pfn = ranges[range].0 }
                    continue
                }
                pfn += reader.appendRecord(pfn: pfn, to: &pending)
            }
        }
        let n = min(buffer.count, pending.count - offset)
        pending.withUnsafeBytes { buffer.baseAddress!.copyMemory(from: $0.baseAddress! + offset, byteCount: n) }
        offset += n
        return n
    }
}
