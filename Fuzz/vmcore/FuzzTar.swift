// FuzzVmcore target (FUZZ_TARGET=tar): the tar reader (ustar, pax, GNU long names, base-256 sizes) over a
// MemorySource; every member is read to its end.

func fuzzTar(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let reader = TarReader(source: MemorySource(Array(UnsafeBufferPointer(start: data, count: size)), name: "fuzz.tar"))
    var buf = [UInt8](repeating: 0, count: 4096)
    do {
        var members = 0
        while let m = try reader.next(), members < 10_000 {
            members += 1
            while try buf.withUnsafeMutableBytes({ try m.read(into: $0) }) > 0 {}
        }
    } catch is InputError {
    } catch {
        fatalError("unexpected error \(error)")
    }
    return 0
}
