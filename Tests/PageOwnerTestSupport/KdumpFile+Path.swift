import Foundation
import PageOwnerKit

extension KdumpFile {
    /// `unflatten` into a new file at `output` (tests keep the plain kdump file to read it).
    public static func unflatten(_ flat: UnsafeRawBufferPointer, name: String, to output: String) throws {
        guard flat.count >= 4096, flat.starts(with: Array("makedumpfile".utf8)) else {
            throw InputError(.format, input: name, "not a flattened kdump file")
        }
        guard FileManager.default.createFile(atPath: output, contents: nil, attributes: [.posixPermissions: 0o600]),
            let handle = FileHandle(forWritingAtPath: output)
        else { throw InputError(.unreadable, input: output, "cannot create it") }
        defer { try? handle.close() }
        try unflatten(flat, name: name, to: handle.fileDescriptor, output: output)
    }
}
