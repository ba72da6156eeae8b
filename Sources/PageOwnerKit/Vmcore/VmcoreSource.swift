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
    let files: [MappedFile]

    public init(name: String, vmcore: MappedFile, vmlinux: MappedFile) throws {
        self.name = name
        reader = try VmcorePageOwner(vmcore: vmcore, vmlinux: vmlinux)
        ranges = reader.pfnRanges
        pfn = ranges.first?.0 ?? 0
        files = [vmcore, vmlinux]
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
