/// One stack frame as `%pS` would print it: `symbol+0xOFFSET/0xSIZE [module]`, or a bare
/// address when the symbol is unknown (an empty `symbol`).
public struct SynthFrame: Hashable, Sendable {
    public var symbol: String
    public var offset: UInt64
    public var size: UInt64
    public var module: String?
    /// The frame's (synthetic) kernel text address.
    public var address: UInt64

    public init(_ symbol: String, _ offset: UInt64, _ size: UInt64, module: String? = nil, address: UInt64? = nil) {
        self.symbol = symbol
        self.offset = offset
        self.size = size
        self.module = module
        if let address {
            self.address = address
        } else {
            // A stable fake address: a hash of the name placed in kernel (or module) text.
            var h: UInt64 = 0xcbf2_9ce4_8422_2325
            for b in symbol.utf8 {
                h = (h ^ UInt64(b)) &* 0x100_0000_01b3
            }
            let base: UInt64 = module == nil ? 0xffff_ffff_8100_0000 : 0xffff_ffff_c000_0000
            self.address = base + (h & 0x00ff_fff0) + offset
        }
    }
}
