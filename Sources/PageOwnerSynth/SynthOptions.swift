/// What a synthetic era dump may contain beyond plain records. Each option that adds a
/// feature puts it in roughly one record in three (and always in record 1 when the era
/// allows it, so a short dump still shows it).
public struct SynthOptions: Sendable, Equatable {
    /// End lines with `\r\n`.
    public var crlf = false
    /// End the file with the record terminator (a blank line); false drops it.
    public var finalBlankLine = true
    /// Use comm values with spaces, parentheses, `), ts ` inside, an empty one and non-ASCII bytes.
    public var trickyComms = false
    /// Add `Page has been migrated, last migrate reason: …` lines (v4.6+ eras), `(null)` included.
    public var migrateReasons = false
    /// Add `Slab cache page` and `Charged [(via objcg) ]to [offline ]memcg …` lines (v5.18+ eras).
    public var memcg = false
    /// End some headers with ` (swapped)` (v6.7+ eras).
    public var swapped = false
    /// Give some records the `register_early_stack` / `register_dummy_stack` / `register_failure_stack` stacks.
    public var placeholderStacks = false
    /// Print every plain frame with a vendor `[<%016lx>] ` prefix.
    public var addressFrames = false
    /// Put some unresolved frames (a bare `0x…` address) in stacks.
    public var bareAddresses = false

    public init(
        crlf: Bool = false, finalBlankLine: Bool = true, trickyComms: Bool = false,
        migrateReasons: Bool = false, memcg: Bool = false, swapped: Bool = false,
        placeholderStacks: Bool = false, addressFrames: Bool = false, bareAddresses: Bool = false
    ) {
        self.crlf = crlf
        self.finalBlankLine = finalBlankLine
        self.trickyComms = trickyComms
        self.migrateReasons = migrateReasons
        self.memcg = memcg
        self.swapped = swapped
        self.placeholderStacks = placeholderStacks
        self.addressFrames = addressFrames
        self.bareAddresses = bareAddresses
    }

    /// Every feature on (CRLF and the final blank line left as they are).
    public static var everything: SynthOptions {
        SynthOptions(
            trickyComms: true, migrateReasons: true, memcg: true, swapped: true,
            placeholderStacks: true, bareAddresses: true)
    }
}
