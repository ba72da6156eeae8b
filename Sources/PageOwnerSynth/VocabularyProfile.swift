/// One real record's shape, minus what the generator varies (PFN, Block, ts, stack): the
/// scale generator samples these so orders, masks, tasks, page types and trailer lines keep
/// the joint distribution of the dump they were harvested from.
public struct VocabularyProfile: Hashable, Sendable {
    /// The allocation order.
    public var order: Int
    /// The header up to and including `, ts ` (order, mask, pid, tgid, comm).
    public var head: [UInt8]
    /// The page's and the pageblock's migratetype words.
    public var pageType: [UInt8]
    public var blockType: [UInt8]
    /// The `Flags` text, e.g. `0x0(section=0|node=0|zone=0)`.
    public var flags: [UInt8]
    /// Lines after the stack (migrate reason, memcg), each with its newline.
    public var trailer: [UInt8]

    public init(order: Int, head: [UInt8], pageType: [UInt8], blockType: [UInt8], flags: [UInt8], trailer: [UInt8]) {
        self.order = order
        self.head = head
        self.pageType = pageType
        self.blockType = blockType
        self.flags = flags
        self.trailer = trailer
    }
}
