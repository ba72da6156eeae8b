// FuzzVmcore target (FUZZ_TARGET=kdump): makedumpfile's kdump format (KdumpFile: header, sub-header, VMCOREINFO,
// bitmaps, descriptors, pages of every codec) and its flattened stream (unflatten), over any
// bytes. An input starting with "makedumpfile" is unflattened first, as VmcoreSource does.
#if canImport(Glibc)
import Glibc
#endif


func fuzzKdump(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let raw = UnsafeRawBufferPointer(start: data, count: size)
    var file: MappedFile?
    if raw.starts(with: Array("makedumpfile".utf8)) {
        guard let fd = try? MappedFile.temporaryFile(for: "fuzz") else { return 0 }
        defer { close(fd) }
        do {
            try KdumpFile.unflatten(raw, name: "fuzz", to: fd, output: "a temporary file")
            file = try MappedFile(fd: fd, name: "fuzz")
        } catch is InputError {
            return 0
        } catch {
            fatalError("unexpected error \(error)")
        }
    } else {
        file = try? MappedFile(copying: raw, name: "fuzz")
    }
    guard let f = file else { return 0 }
    do {
        let k = try KdumpFile(f, name: "fuzz")
        var pages = 0
        for s in k.info.segments {
            var p = s.paddr
            while p < s.paddr &+ s.size && pages < 64 {
                _ = k.physical(p, 8)
                _ = k.physical(p &+ 4090, 16)  // across a page end
                p &+= 4096
                pages += 1
            }
        }
        _ = k.lossSummary()
        let m = VmcoreMemory(kdump: k)
        _ = m.read(0xffff_ffff_ffff_fff4, 8)
    } catch is InputError {
    } catch {
        fatalError("unexpected error \(error)")
    }
    return 0
}
