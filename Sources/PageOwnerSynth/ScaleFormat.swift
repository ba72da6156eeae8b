/// What the scale generator writes: a 6.12-style page_owner dump (hex PFN, no free_ts), or
/// one of the page_owner_stacks files.
public enum ScaleFormat: String, CaseIterable, Sendable {
    case pageOwner = "page_owner"
    case showStacks = "show_stacks"
    case showHandles = "show_handles"
}
