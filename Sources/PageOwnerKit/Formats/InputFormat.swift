/// The formats this tool reads, as detected from content (or forced by `--input-format`).
public enum InputFormat: String, Sendable, CaseIterable {
    case pageOwner = "page_owner"
    case swapPageOwner = "swap_page_owner"
    case showStacks = "show_stacks"
    case showHandles = "show_handles"
    case showStacksHandles = "show_stacks_handles"

    /// The format a record of this kind belongs to.
    public init(kind: RecordKind) {
        switch kind {
        case .pageOwner: self = .pageOwner
        case .swap: self = .swapPageOwner
        case .stackCount, .stackPages: self = .showStacks
        case .handlePages: self = .showHandles
        case .stackHandle: self = .showStacksHandles
        }
    }
}
