/// Why a crash dump could not be read as page_owner text: the one error type of the vmcore
/// layer (it replaces `VmcorePageOwner.Failure`, `DWARF.Failure` and `ELFFile.Error`, which
/// shadowed `Swift.Error`). `Inputs.forEach` makes it an `InputError` (exit status 2) that
/// names the dump for `.walk` and the vmlinux for the others; messages are unchanged.
public enum VmcoreError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The page_owner walk cannot start: a symbol or VMCOREINFO entry is missing, no vmlinux.
    case walk(String)
    /// The vmlinux's debug info lacks a type, member, variable or size the walk needs.
    case missingDebugInfo(String)
    /// The vmlinux's debug info cannot be read.
    case malformedDebugInfo(String)
    /// An ELF file (vmlinux, module, core) is not one this tool reads, or is cut short.
    case elf(String)

    public var description: String {
        switch self {
        case .walk(let s), .elf(let s): return s
        case .missingDebugInfo(let s): return "the vmlinux's debug info has no \(s)"
        case .malformedDebugInfo(let s): return "malformed DWARF: \(s)"
        }
    }
}
