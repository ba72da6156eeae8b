/// A page_owner text format, era by era (formats.md §1.2–§1.4, §3, §4): which header,
/// PFN-line, stack and trailer forms a synthetic dump uses.
public enum SyntheticEra: String, CaseIterable, Sendable {
    /// -mm 2.6.11: `Page allocated via order %d`, `[0x%lx] sym+dec` frames, no PFN line.
    case mm2005
    /// -mm 2.6.12+: `Page allocated via order %d, mask 0x%x`, same frames.
    case mm2005mask
    /// v3.19–v4.5: `mask 0x%x`, `PFN %lu Block %lu type %d %s Flags <12 columns>`, ` [<addr>] sym` frames.
    case v3_19
    /// v4.6–v5.10: `mask %#x(%pGg)`, `PFN %lu type %s Block %lu type %s Flags %#lx(names)`.
    case v4_6
    /// v5.11–v5.12: adds `, pid %d, ts %llu ns`.
    case v5_11
    /// v5.13–v5.17: adds `, free_ts %llu ns`; flags gain `node=`/`zone=`/`lastcpupid=`.
    case v5_13
    /// The v5.18 merge-window form `pid %d (%s)` (no tgid).
    case v5_18transient
    /// v5.18–v6.4: `pid %d, tgid %d (%s)`, memcg trailer lines.
    case v5_18
    /// v6.5–v6.6: `PFN 0x%lx`.
    case v6_5
    /// v6.7+: `free_ts` dropped.
    case v6_7
    /// 2026 `mode=stack_handle`: `handle: %u` after the stack.
    case v7_3handle
    /// 2026 `mode=handle`: `handle: %u` instead of the stack.
    case v7_3handleOnly
    /// swap RFC `swap_page_owner`: `Page allocated via pid P, tgid G (comm), ts T ns`, `SWP entry 0x…`, stack.
    case swap
    /// v6.8.0 `show_stacks`: stack, then `stack_count: %d`.
    case showStacksCount = "show_stacks_count"
    /// v6.9+ `show_stacks`: stack, then `nr_base_pages: %d`.
    case showStacks = "show_stacks"
    /// v6.19 `show_handles`: `handle: %d`, `nr_base_pages: %d`.
    case showHandles = "show_handles"
    /// v6.19 `show_stacks_handles`: stack, then `handle: %d`.
    case showStacksHandles = "show_stacks_handles"

    /// How the PFN line looks.
    public enum PFNStyle: Sendable {
        /// No PFN line (-mm 2005, swap, show_* files).
        case none
        /// `PFN %lu Block %lu type %d %s Flags <12 columns>`.
        case columns
        /// `PFN %lu type %s Block %lu type %s Flags %#lx(names)`.
        case decimalNames
        /// Decimal PFN, flags with `node=`/`zone=`/`lastcpupid=` fields.
        case decimalFields
        /// `PFN 0x%lx …`, flags with fields.
        case hex
    }

    /// How a stack frame looks.
    public enum FrameStyle: Sendable {
        /// `[0x%lx] sym+dec`, no leading space.
        case mm2005
        /// ` [<%p>] sym+0xoff/0xsize`.
        case bracketed
        /// ` sym+0xoff/0xsize`.
        case plain
    }

    /// Whether this is a `/sys/kernel/debug/page_owner` record (with order and mask).
    public var isPageOwner: Bool {
        switch self {
        case .swap, .showStacksCount, .showStacks, .showHandles, .showStacksHandles: return false
        default: return true
        }
    }

    /// Whether records are stack-file blocks (`page_owner_stacks/…`).
    public var isStackFile: Bool {
        switch self {
        case .showStacksCount, .showStacks, .showHandles, .showStacksHandles: return true
        default: return false
        }
    }

    /// The header carries `, mask …` (all page_owner eras but the first).
    public var hasMask: Bool { isPageOwner && self != .mm2005 }

    /// The mask is followed by `(%pGg)` names.
    public var hasGfpNames: Bool { hasMask && self != .mm2005mask && self != .v3_19 }

    /// The header carries `, pid %d`.
    public var hasPid: Bool {
        switch self {
        case .mm2005, .mm2005mask, .v3_19, .v4_6: return false
        default: return isPageOwner || self == .swap
        }
    }

    /// The header carries `, tgid %d (%s)`.
    public var hasTgid: Bool {
        switch self {
        case .v5_18, .v6_5, .v6_7, .v7_3handle, .v7_3handleOnly, .swap: return true
        default: return false
        }
    }

    /// The header carries `, free_ts %llu ns`.
    public var hasFreeTs: Bool {
        switch self {
        case .v5_13, .v5_18transient, .v5_18, .v6_5: return true
        default: return false
        }
    }

    /// The header may end with ` (swapped)` (the swap RFC sits on top of the v6.7+ header).
    public var canBeSwapped: Bool {
        switch self {
        case .v6_7, .v7_3handle, .v7_3handleOnly: return true
        default: return false
        }
    }

    /// Records may carry `Page has been migrated, last migrate reason: …` (v4.6+).
    public var hasMigrateReason: Bool {
        switch self {
        case .v4_6, .v5_11, .v5_13, .v5_18transient, .v5_18, .v6_5, .v6_7, .v7_3handle, .v7_3handleOnly: return true
        default: return false
        }
    }

    /// Records may carry `Slab cache page` / `Charged … memcg …` (v5.18+).
    public var hasMemcg: Bool {
        switch self {
        case .v5_18, .v6_5, .v6_7, .v7_3handle, .v7_3handleOnly: return true
        default: return false
        }
    }

    /// Placeholder stacks (`register_early_stack` …) exist (about v4.14+).
    public var hasPlaceholderStacks: Bool {
        switch self {
        case .mm2005, .mm2005mask, .v3_19, .swap: return false
        default: return true
        }
    }

    /// The PFN line's form.
    public var pfnStyle: PFNStyle {
        switch self {
        case .mm2005, .mm2005mask, .swap, .showStacksCount, .showStacks, .showHandles, .showStacksHandles: return .none
        case .v3_19: return .columns
        case .v4_6, .v5_11: return .decimalNames
        case .v5_13, .v5_18transient, .v5_18: return .decimalFields
        case .v6_5, .v6_7, .v7_3handle, .v7_3handleOnly: return .hex
        }
    }

    /// The stack frames' form.
    public var frameStyle: FrameStyle {
        switch self {
        case .mm2005, .mm2005mask: return .mm2005
        case .v3_19: return .bracketed
        default: return .plain
        }
    }

    /// Most frames a stack holds (8 before the stack depot, 16 after).
    public var maxDepth: Int {
        switch frameStyle {
        case .mm2005, .bracketed: return 8
        case .plain: return 16
        }
    }

    /// Whether records print stack lines at all.
    public var hasStack: Bool { self != .v7_3handleOnly && self != .showHandles }

    /// Whether records print a `handle: N` line.
    public var hasHandle: Bool {
        switch self {
        case .v7_3handle, .v7_3handleOnly, .showHandles, .showStacksHandles: return true
        default: return false
        }
    }
}
