/// Recognises crash dumps and kernel images by their first bytes, so that a vmcore handed
/// to a text command gets a message that says what it is, not a list of malformed lines.
public enum CrashDumpSniffer {
    public enum Kind: String, Sendable {
        case elfCore = "an ELF core dump (kdump /proc/vmcore or QEMU dump-guest-memory)"
        case elfOther = "an ELF object (a vmlinux or a module?), not a dump"
        case kdumpCompressed = "a makedumpfile compressed kdump file"
        case kdumpFlattened = "a makedumpfile flattened kdump file"
    }

    /// The kind of `head` (the first bytes of an input), or nil for anything else.
    public static func kind(_ head: [UInt8]) -> Kind? {
        if head.count >= 18, head[0] == 0x7f, head[1] == 0x45, head[2] == 0x4c, head[3] == 0x46 {
            // e_type (little or big endian by EI_DATA): ET_CORE is 4.
            let type = head[5] == 2 ? UInt16(head[16]) << 8 | UInt16(head[17]) : UInt16(head[17]) << 8 | UInt16(head[16])
            return type == 4 ? .elfCore : .elfOther
        }
        if head.starts(with: Array("KDUMP   ".utf8)) { return .kdumpCompressed }
        if head.starts(with: Array("makedumpfile".utf8)) { return .kdumpFlattened }
        return nil
    }

    /// The error for such an input.
    public static func error(_ kind: Kind, input: String, vmlinuxGiven: Bool = false, spelling: OptionSpelling) -> InputError {
        switch kind {
        case .elfOther:
            return InputError(.format, input: input, "this is \(kind.rawValue)")
        default:
            return InputError(
                .format, input: input,
                "this is \(kind.rawValue): give the matching vmlinux (with debug info) with \(spelling[.vmlinux]) to read page_owner from it")
        }
    }
}
