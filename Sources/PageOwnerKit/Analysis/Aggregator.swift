/// Groups records by any combination of keys, for one or more snapshots at once, in one
/// pass and in memory bounded by the number of groups. A group is the packed tuple of its
/// key values (small integers: stack handles, pids, interned comms…) interned like a stack;
/// each snapshot has its own metrics for the same groups, which is what diff and series use.
/// The compatible mode is one more grouping of it (`init(keys: [], compat:)`, see
/// `CompatGrouping`): the kernel tool's cull key in the same key table, its stacktraces in
/// the same stack table, its comms in the same interner, merged the same way.
public final class Aggregator: RecordConsumer {
    public struct Metrics: Sendable, Equatable {
        public var records: Int64 = 0
        public var pages: Int64 = 0
        public var firstTs: UInt64 = .max
        public var lastTs: UInt64 = 0
        public init() {}

        /// Adds another group's (or snapshot's) counts and widens the time span.
        public mutating func add(_ o: Metrics) {
            records &+= o.records
            pages +|= o.pages
            firstTs = min(firstTs, o.firstTs)
            lastTs = max(lastTs, o.lastTs)
        }
    }

    /// Per-snapshot totals before and after the filters.
    public struct SnapshotTotals: Sendable {
        public var name: String
        public var format: InputFormat?
        public var recordsRead: Int64 = 0
        public var pagesRead: Int64 = 0
        public var records: Int64 = 0
        public var pages: Int64 = 0
        public var fields: RecordFields = []
        public var distinctStacks: Set<Int32> = []
        /// Pages (after filters) that page_owner found allocated when it started: the
        /// early-boot placeholder stack, or its handle in a handle-only dump.
        public var earlyBootPages: Int64 = 0
        /// The latest allocation `ts` of any record read (0 when none carried one): the
        /// snapshot's capture time, near enough, for ordering snapshots.
        public var maxTs: UInt64 = 0
        /// One past the highest page a PFN line named (PFN + 2^order): the least memory
        /// the machine had.
        public var pfnEnd: UInt64 = 0
        /// Runs of records read one after another, for counting PFNs that go back.
        var pfnRuns: [PFNRun] = []
    }

    /// Records one worker read back to back: the PFNs of their first and last record and
    /// how often the PFN went back (or repeated) inside. A page_owner file lists pages in
    /// ascending PFN order, so a step back means a second dump starts there.
    struct PFNRun: Sendable {
        var start: Int64
        var first: UInt64
        var last: UInt64
        var backs: Int
    }

    /// Everything the aggregator holds, in one struct: the per-record work (`add`, `consume`,
    /// `prepare`, `addCompat`) runs as mutating methods on it, so the record loop pays one
    /// dynamic exclusivity check a record (on `core`) instead of one per class property it
    /// touches (~20, which cost ~25% of a report once `-enforce-exclusivity=unchecked` was
    /// gone). The class properties below forward to it for everything else.
    struct Core {
        typealias Metrics = Aggregator.Metrics
        typealias SnapshotTotals = Aggregator.SnapshotTotals
        typealias PFNRun = Aggregator.PFNRun

        let keys: [GroupKey]
        /// The filters, behind a reference: `Filters` holds `Regex`es, whose size is known
        /// only at run time, and stored here they would make `Core`'s layout dynamic (every
        /// method a record calls would look its fields' offsets up in type metadata).
        let filterBox: FilterBox
        var filters: Filters { filterBox.filters }
        var stacks: StackTable
        var comms = ByteInterner(capacity: 512)
        var memcgs = ByteInterner(capacity: 64)
        var gfpNames = ByteInterner(capacity: 64)
        var gfpNameOf: [UInt64: Int32] = [:]
        /// Stacks of kernel handles, from show_stacks_handles or `handle:` lines with stacks.
        var handleStacks: [UInt32: Int32] = [:]
        /// The early-boot handle of a handle-only dump, recognised by its records (`isEarlyBoot`).
        var earlyBootHandles: [UInt32: Int32] = [:]
        /// Unresolved-handle stack entries and the handle each stands for.
        var unresolvedHandle: [Int32: UInt32] = [:]
        /// Group keys, packed: `keys.count` UInt64 values each, and while records are being
        /// added one more, hidden, when a key or filter needs the stack but `.stack` is not a
        /// key (see `stackColumn`).
        var groups: PackedKeyTable
        var metrics: [SnapshotMetrics] = []
        var totals: [SnapshotTotals] = []
        var cache = FilterCache()
        var packed: [UInt64]
        let needStack: Bool
        var countDistinctStacks = false
        /// Match stacks by symbol names alone (`--ignore-offsets`).
        var ignoreOffsets = false
        var current = -1
        /// The snapshot of the aggregator this one is a worker of (`makeWorker`) that this
        /// one's first snapshot counts in; 0 otherwise.
        var snapshotBase = 0
        /// `filters.needsRecord` and `filters.needsStack`, looked up once: the getters cost
        /// ~15% of a one-thread run when called per record (commit 5f167b2: 0.62 s against 0.73 s on 1 GB).
        let hasRecordFilters: Bool
        let filtersNeedStack: Bool
        /// Whether the group keys are all functions of the stack (stack, caller), and then
        /// each stack handle's group, or -1 when not seen yet.
        let groupIsStackFunction: Bool
        /// Whether the one key is the stack: a new stack's group is then a new group, appended
        /// to `groups` without a lookup, and `groupOfStack` finds every group (`merge` too), so
        /// `groups` needs no index (`PackedKeyTable.append(new:)`).
        let stackKeyed: Bool
        var groupOfStack = HandleMap()
        /// When the keys hold the stack and keys that depend on the record too, the record's
        /// own keys (`restKeys`, at `restPositions` of the full key) are interned apart in a
        /// small table, and (stack, rest) leads to the group through `groupOfPair`: a lookup
        /// in a table of two words a slot instead of one as wide as every key. Only a cache:
        /// `groups` stays the one place groups live, and the cache is dropped when it is rebuilt.
        let restKeys: [GroupKey]
        let restPositions: [Int]
        /// The rest values of the record `internRest` files, held inline: no array, so filling
        /// them takes no uniqueness check and no reference counting (two workers releasing a
        /// shared empty array a record fought over its count).
        var restWords = InlineArray<16, UInt64>(repeating: 0)
        /// Most keys besides the stack (`restWords`).
        static let maxRestKeys = 16
        var rests: PackedKeyTable
        /// The rest keys' handles by the records' raw values, in front of `rests`.
        var restMemo: RestMemo
        /// Whether two different (stack, rest) pairs make different groups: no rest key is
        /// mapped through the stack (`keyValue`) but `.module`, which maps only the records
        /// without a module line (see `internRest`).
        let pairsAreGroups: Bool
        /// Whether every group so far was made by `pairGroup` of this aggregator (none merged
        /// in, none rebuilt): a pair `groupOfPair` does not know is then a new group, appended
        /// without a lookup.
        var groupsFromOwnPairs = true
        var groupOfPair = WordMap(capacity: 4096)
        /// The previous record's task name and its handle in `comms`.
        var recentComm = ByteInterner.RecentKey()
        var recentMemcg = ByteInterner.RecentKey()
        /// The PFN run being read (closed into `totals[current].pfnRuns` by `closePFNRun`).
        var run = PFNRun(start: 0, first: 0, last: 0, backs: 0)
        var runOpen = false
        /// Where the record after the run's last one starts if nothing lies between them.
        var runEnd: Int64 = 0
        /// The column of a group key that says which stack a group's records had, when it was an
        /// unresolved handle: the `.stack` key, or a hidden last column that holds the
        /// unresolved-handle entry (`.max` for any other stack). A handle that a later input (or
        /// another worker's) resolves is re-keyed by `resolveLateHandles`, whatever the keys, so
        /// the result does not depend on input order or on which worker saw what. nil when
        /// nothing needs the stack.
        let stackColumn: Int?
        let hiddenStackColumn: Bool
        /// Whether `resolveLateHandles` has run (the hidden column is gone).
        var resolved = false
        /// Handles that no input resolved, of the records counted (after `resolveLateHandles`).
        var unresolvedHandles: Set<UInt32> = []
        /// Whether this aggregator groups as the compatible mode (`init(keys:compat:)`): every
        /// record then goes to `addCompat` (see `CompatGrouping`), and `keys` is empty.
        let isCompat: Bool
        /// The compatible mode's grouping state (empty unless `isCompat`).
        var compat: CompatGrouping
        var pendingPair: PendingPair?
        var pendingAdd: PendingAdd?

        init(
            keys: [GroupKey], filters: Filters, allocatorFunctions: AllocatorFunctions,
            compat: CompatOptions?
        ) {
            precondition(compat == nil || keys.isEmpty, "the compatible mode groups by its own keys")
            precondition(compat == nil || !(filters.needsRecord || filters.needsStack), "the compatible mode's filters are in its options")
            self.keys = keys
            let filters = compat?.filters ?? filters
            filterBox = FilterBox(filters)
            isCompat = compat != nil
            self.compat = CompatGrouping(options: compat ?? CompatOptions(), filters: filters, active: compat != nil)
            stacks = StackTable(
                allocatorFunctions: allocatorFunctions, reading: compat.map { .kernelToolText(modules: $0.wantsModule) } ?? .frames)
            // The compatible mode has its own stacks (`addCompat`).
            needStack = compat == nil && (keys.contains { $0.needsStack } || filters.needsStack)
            hiddenStackColumn = needStack && !keys.contains(.stack)
            stackColumn = !needStack ? nil : (keys.firstIndex(of: .stack) ?? keys.count)
            packed = [UInt64](repeating: 0, count: keys.count + (hiddenStackColumn ? 1 : 0))
            groups = PackedKeyTable(width: compat != nil ? CompatGrouping.keyWidth : packed.count, capacity: 4096)
            groupIsStackFunction = !keys.isEmpty && keys.allSatisfy { $0 == .stack || $0 == .caller }
            stackKeyed = compat == nil && keys == [.stack]
            let twoLevel = keys.contains(.stack) && !groupIsStackFunction
            restPositions = twoLevel ? keys.indices.filter { keys[$0] != .stack && keys[$0] != .caller } : []
            restKeys = restPositions.map { keys[$0] }
            precondition(restKeys.count <= Core.maxRestKeys, "at most \(Core.maxRestKeys) keys besides the stack")
            rests = PackedKeyTable(width: restKeys.count, capacity: 256)
            restMemo = RestMemo(keys: restKeys)
            pairsAreGroups = twoLevel && !restKeys.contains(.allocator)
            hasRecordFilters = filters.needsRecord
            filtersNeedStack = filters.needsStack
        }
    }

    var core: Core

    /// `Core.filters`, by reference.
    final class FilterBox {
        let filters: Filters
        init(_ f: Filters) { filters = f }
    }

    public var keys: [GroupKey] { core.keys }
    public var filters: Filters { core.filterBox.filters }
    public internal(set) var stacks: StackTable {
        get { core.stacks }
        set { core.stacks = newValue }
        _modify { yield &core.stacks }
    }
    public internal(set) var comms: ByteInterner {
        get { core.comms }
        set { core.comms = newValue }
        _modify { yield &core.comms }
    }
    public internal(set) var memcgs: ByteInterner {
        get { core.memcgs }
        set { core.memcgs = newValue }
        _modify { yield &core.memcgs }
    }
    public internal(set) var gfpNames: ByteInterner {
        get { core.gfpNames }
        set { core.gfpNames = newValue }
        _modify { yield &core.gfpNames }
    }
    var gfpNameOf: [UInt64: Int32] {
        get { core.gfpNameOf }
        set { core.gfpNameOf = newValue }
        _modify { yield &core.gfpNameOf }
    }
    public var handleStacks: [UInt32: Int32] {
        get { core.handleStacks }
        set { core.handleStacks = newValue }
        _modify { yield &core.handleStacks }
    }
    var earlyBootHandles: [UInt32: Int32] {
        get { core.earlyBootHandles }
        set { core.earlyBootHandles = newValue }
        _modify { yield &core.earlyBootHandles }
    }
    var unresolvedHandle: [Int32: UInt32] {
        get { core.unresolvedHandle }
        set { core.unresolvedHandle = newValue }
        _modify { yield &core.unresolvedHandle }
    }
    public internal(set) var groups: PackedKeyTable {
        get { core.groups }
        set { core.groups = newValue }
        _modify { yield &core.groups }
    }
    public internal(set) var metrics: [SnapshotMetrics] {
        get { core.metrics }
        set { core.metrics = newValue }
        _modify { yield &core.metrics }
    }
    public internal(set) var totals: [SnapshotTotals] {
        get { core.totals }
        set { core.totals = newValue }
        _modify { yield &core.totals }
    }
    var cache: FilterCache {
        get { core.cache }
        set { core.cache = newValue }
        _modify { yield &core.cache }
    }
    var packed: [UInt64] {
        get { core.packed }
        set { core.packed = newValue }
        _modify { yield &core.packed }
    }
    var needStack: Bool { core.needStack }
    public var countDistinctStacks: Bool {
        get { core.countDistinctStacks }
        set { core.countDistinctStacks = newValue }
        _modify { yield &core.countDistinctStacks }
    }
    public var ignoreOffsets: Bool {
        get { core.ignoreOffsets }
        set { core.ignoreOffsets = newValue }
        _modify { yield &core.ignoreOffsets }
    }
    var current: Int {
        get { core.current }
        set { core.current = newValue }
        _modify { yield &core.current }
    }
    var snapshotBase: Int {
        get { core.snapshotBase }
        set { core.snapshotBase = newValue }
        _modify { yield &core.snapshotBase }
    }
    var hasRecordFilters: Bool { core.hasRecordFilters }
    var filtersNeedStack: Bool { core.filtersNeedStack }
    var groupIsStackFunction: Bool { core.groupIsStackFunction }
    var stackKeyed: Bool { core.stackKeyed }
    var groupOfStack: HandleMap {
        get { core.groupOfStack }
        set { core.groupOfStack = newValue }
        _modify { yield &core.groupOfStack }
    }
    var restKeys: [GroupKey] { core.restKeys }
    var restPositions: [Int] { core.restPositions }
    var rests: PackedKeyTable {
        get { core.rests }
        set { core.rests = newValue }
        _modify { yield &core.rests }
    }
    var groupOfPair: WordMap {
        get { core.groupOfPair }
        set { core.groupOfPair = newValue }
        _modify { yield &core.groupOfPair }
    }
    var recentComm: ByteInterner.RecentKey {
        get { core.recentComm }
        set { core.recentComm = newValue }
        _modify { yield &core.recentComm }
    }
    var recentMemcg: ByteInterner.RecentKey {
        get { core.recentMemcg }
        set { core.recentMemcg = newValue }
        _modify { yield &core.recentMemcg }
    }
    var run: PFNRun {
        get { core.run }
        set { core.run = newValue }
        _modify { yield &core.run }
    }
    var runOpen: Bool {
        get { core.runOpen }
        set { core.runOpen = newValue }
        _modify { yield &core.runOpen }
    }
    var runEnd: Int64 {
        get { core.runEnd }
        set { core.runEnd = newValue }
        _modify { yield &core.runEnd }
    }
    var stackColumn: Int? { core.stackColumn }
    var hiddenStackColumn: Bool { core.hiddenStackColumn }
    public private(set) var resolved: Bool {
        get { core.resolved }
        set { core.resolved = newValue }
        _modify { yield &core.resolved }
    }
    public private(set) var unresolvedHandles: Set<UInt32> {
        get { core.unresolvedHandles }
        set { core.unresolvedHandles = newValue }
        _modify { yield &core.unresolvedHandles }
    }
    public var isCompat: Bool { core.isCompat }
    public internal(set) var compat: CompatGrouping {
        get { core.compat }
        set { core.compat = newValue }
        _modify { yield &core.compat }
    }

    /// An aggregator grouping by `keys`, or, given `compat`, as the kernel tool culls
    /// (`keys` must then be empty, and the filters are `compat.filters`: `filters` must
    /// have none).
    public init(
        keys: [GroupKey], filters: Filters = Filters(), allocatorFunctions: AllocatorFunctions = AllocatorFunctions(),
        compat: CompatOptions? = nil
    ) {
        core = Core(keys: keys, filters: filters, allocatorFunctions: allocatorFunctions, compat: compat)
    }

    /// Starts a new snapshot; later records count in it.
    @discardableResult
    public func beginSnapshot(name: String) -> Int { core.beginSnapshot(name: name) }

    public var snapshotCount: Int { core.totals.count }

    /// Adds one record to the current snapshot.
    public func add(_ r: inout Record) { core.add(&r, late: false) }

    /// Adds one record as `add` does, except that with a two-level key (`restKeys`) its
    /// group is looked up one record later and its metrics added one record after that:
    /// the (stack, rest) map and the metrics of 10^5 groups are larger than the caches, so
    /// each lookup starts loading its slot here and reads it while the next record is
    /// parsed; with any other key, its metrics are added one record later. Groups are
    /// numbered in record order as `add` numbers them. `finish` (the end of a parsed range)
    /// settles what is pending.
    public func consume(_ r: inout Record) { core.add(&r, late: true) }

    public func finish() { core.settlePending() }

    /// Hashes the record's stack and starts loading the stored stack it will be compared with.
    public func prepare(_ r: inout Record) { core.prepare(&r) }

    /// The parse loop of a range, run inside one access to `core` (see
    /// `RecordConsumer.consumeRange`): no dynamic exclusivity check a record.
    public func consumeRange(_ loop: (_ step: ConsumeStep) throws -> Void) throws {
        try core.consumeRange(shift: 0, late: true, loop)
    }

    /// `consumeRange` adding each record as `add` does (`late: false`) or `consume` does,
    /// its offset moved by `shift` first (`CompatRun.Shifted`).
    func consumeRange(shift: Int64, late: Bool, _ loop: (_ step: ConsumeStep) throws -> Void) throws {
        try core.consumeRange(shift: shift, late: late, loop)
    }

    /// Settles every record `consume` left pending.
    func settlePending() { core.settlePending() }

    /// Files the open PFN run with the current snapshot.
    func closePFNRun() { core.closePFNRun() }

    /// How often the PFNs of snapshot `s` went back or repeated, in input order: 0 for
    /// one dump, at least 1 when dumps were joined.
    public func pfnRestarts(_ s: Int) -> Int { core.pfnRestarts(s) }

    /// Records a parsed input's format for the current snapshot.
    public func noteFormat(_ f: InputFormat?) { core.noteFormat(f) }

    /// The stack handle of a record (see `Core.stackHandle`).
    func stackHandle(_ r: Record) -> Int32 { core.stackHandle(r) }

    /// Metrics of every group summed over `snapshots` (`groups.count` entries).
    public func summed(_ snapshots: [Int]) -> [Metrics] {
        settlePending()
        if snapshots.count == 1 && !metrics[snapshots[0]].isCompacted && metrics[snapshots[0]].count == groups.count {
            return metrics[snapshots[0]].dense
        }
        var out = [Metrics](repeating: Metrics(), count: groups.count)
        for s in snapshots {
            metrics[s].forEachEntry { g, x in out[g].add(x) }
        }
        return out
    }

    /// Snapshot `s`'s metrics of group `g` (zero when its records never reached it).
    @inline(__always)
    public func metrics(_ s: Int, _ g: Int) -> Metrics {
        settlePending()
        return g < metrics[s].count ? metrics[s][g] : Metrics()
    }

    /// Frees the per-group metrics of snapshot `s`, which no result will count (`report`
    /// keeps the latest snapshot of an archive); its totals stay.
    public func releaseMetrics(_ s: Int) {
        settlePending()
        metrics[s] = []
    }

    /// Adds snapshot `s`'s per-group metrics to snapshot `into`'s and frees them: the sum
    /// over any set of snapshots that holds both is unchanged (`report --sum`, `diff`).
    public func foldMetrics(_ s: Int, into t: Int) {
        settlePending()
        guard s != t else { return }
        if metrics[t].count < metrics[s].count {
            metrics[t].append(contentsOf: repeatElement(Metrics(), count: metrics[s].count - metrics[t].count))
        }
        metrics[s].forEachEntry { g, x in metrics[t][g].add(x) }
        metrics[s] = []
    }

    /// Keeps only snapshot `s`'s non-zero groups when they are few (`SnapshotMetrics.compact`):
    /// `series` over an archive of many small members holds each member's own groups.
    public func compactMetrics(_ s: Int) {
        settlePending()
        metrics[s].compact()
    }

    /// Per-group metric entries held, over all snapshots: what the snapshots cost in memory.
    public var metricEntries: Int { metrics.reduce(0) { $0 + $1.entriesHeld } }

    /// Re-keys groups whose stack was an unresolved handle that some input resolved (a
    /// show_handles sample read before its show_stacks_handles, or a handle one worker saw
    /// before the stacks another worker read): every key that follows from the stack
    /// (stack, caller, module, allocator) and the stack filters are taken from the resolved
    /// stack. Drops the hidden stack column and notes the handles left unresolved. Call it
    /// once, after the last input; no record may be added after it.
    public func resolveLateHandles() {
        settlePending()
        guard !resolved else { return }
        resolved = true
        // No record comes after this: what only adding records looks up is freed (the
        // stack index and the group caches; a later lookup rebuilds an index).
        defer {
            core.stacks.releaseLookups()
            core.groupOfStack = HandleMap()
            core.groupOfPair = WordMap(capacity: 16)
        }
        var remap: [Int32: Int32] = [:]
        for (u, handle) in unresolvedHandle {
            if let s = handleStacks[handle] { remap[u] = s }
        }
        for si in 0..<totals.count where !totals[si].distinctStacks.isEmpty {
            totals[si].distinctStacks = Set(totals[si].distinctStacks.map { remap[$0] ?? $0 })
        }
        guard let sp = stackColumn else { return }
        // No group holds an unresolved handle and there is no hidden column to drop: the
        // groups stay as they are (rebuilding them costs a pass over every group).
        if unresolvedHandle.isEmpty && !hiddenStackColumn { return }
        let old = groups
        let oldMetrics = metrics
        groups = PackedKeyTable(width: keys.count, capacity: old.count)
        groupOfStack = HandleMap()
        groupOfPair.removeAll()
        // Each old group's new group (-1: dropped by a stack filter), then every snapshot's
        // metrics moved over: time in groups plus the entries held, whatever the snapshots.
        var newGroup = [Int32](repeating: -1, count: old.count)
        var left = Set<UInt32>()
        for g in 0..<Int32(old.count) {
            var v = old.withBytes(g) { Array($0.bindMemory(to: UInt64.self)) }
            let sv = v[sp]
            let u = sv == .max ? -1 : Int32(bitPattern: UInt32(truncatingIfNeeded: sv))
            var stack = u
            if u >= 0, stacks.info[Int(u)].kind == .unresolvedHandle {
                if let s = remap[u] {
                    stack = s
                    let info = stacks.info[Int(s)]
                    for (i, k) in keys.enumerated() {
                        switch k {
                        case .stack: v[i] = UInt64(UInt32(bitPattern: s))
                        case .caller: v[i] = UInt64(UInt32(bitPattern: info.caller))
                        case .module:
                            // A record's own module line wins; the unresolved entry had none.
                            if v[i] == UInt64(UInt32(bitPattern: -1)) { v[i] = UInt64(UInt32(bitPattern: info.module)) }
                        case .allocator:
                            // The unresolved entry's class is `unknown`: `slab` here is what the record said.
                            let saidSlab = v[i] == UInt64(AllocationClass.slab.rawValue)
                            v[i] = UInt64(AllocatorRule.pageClass(stack: info.allocationClass, pageSaysSlab: saidSlab).rawValue)
                        default: break
                        }
                    }
                }
                if filtersNeedStack, !cache.stackPasses(stack, filters, stacks) { continue }
                if stack == u, let h = unresolvedHandle[u] { left.insert(h) }
            }
            newGroup[Int(g)] = v.withUnsafeBytes { groups.intern(ByteView($0).slice(0, keys.count * 8)) }
        }
        for si in 0..<oldMetrics.count {
            var m: [Metrics] = []
            oldMetrics[si].forEachEntry { g, x in
                let ng = Int(newGroup[g])
                if ng < 0 {
                    totals[si].records &-= x.records
                    totals[si].pages &-= x.pages
                    return
                }
                if m.count <= ng { m.append(contentsOf: repeatElement(Metrics(), count: ng + 1 - m.count)) }
                m[ng].add(x)
            }
            metrics[si] = SnapshotMetrics(m)
            if oldMetrics[si].isCompacted { metrics[si].compact() }
        }
        unresolvedHandles = left
    }

    /// The packed key values of group `g`.
    /// Key `pos` of group `g`.
    @inline(__always)
    public func keyValue(_ g: Int32, _ pos: Int) -> UInt64 {
        groups.value(g, pos)
    }

    public func keyValues(_ g: Int32) -> [UInt64] {
        groups.withBytes(g) { b in Array(b.bindMemory(to: UInt64.self).prefix(keys.count)) }
    }

    /// The gfp names printed for a mask value.
    public func gfpText(_ mask: UInt64) -> String? {
        gfpNameOf[mask].map { gfpNames.string($0) }
    }
}

extension Aggregator.Core {

    /// Starts a new snapshot; later records count in it.
    @discardableResult
    mutating func beginSnapshot(name: String) -> Int {
        settlePending()
        precondition(!resolved, "records added after resolveLateHandles (a report was made)")
        closePFNRun()
        totals.append(SnapshotTotals(name: name))
        // Grown as its records reach new groups (`add`): a snapshot of a few records costs
        // a few entries, not one per group of every snapshot before it.
        metrics.append([])
        current = totals.count - 1
        return current
    }

    /// The stack handle of a record: its frames, or the stack its handle resolves to.
    mutating func stackHandle(_ r: Record) -> Int32 {
        if r.hasStack {
            let h = r.withBytes(r.stack) { b in
                ignoreOffsets
                    ? stacks.internIgnoringOffsets(b)
                    : stacks.intern(b, crlf: r.fields.contains(.crlf), hash: r.stackHash)
            }
            if r.fields.contains(.handle), handleStacks[r.handle] == nil { handleStacks[r.handle] = h }
            return h
        }
        if r.fields.contains(.handle) {
            if let h = handleStacks[r.handle] { return h }
            if let e = earlyBootHandles[r.handle] { return e }
            if isEarlyBoot(r) {
                // Not a handle→stack map entry: the warnings tell a map given from none.
                let e = stacks.earlyBootHandle(r.handle)
                earlyBootHandles[r.handle] = e
                return e
            }
            let u = stacks.unresolved(handle: r.handle)
            unresolvedHandle[u] = r.handle
            return u
        }
        return stacks.noStack()
    }

    /// Whether a record of an unresolved handle is one of the pages page_owner found
    /// allocated when it started (`init_early_allocated_pages`): order 0, gfp mask 0, the
    /// boot task named exactly `swapper` (real early allocations of the boot CPU's idle
    /// task print `swapper/0`). Those pages share the early-boot handle, which no
    /// show_stacks_handles lists (the kernel keeps placeholder stacks off its stack list).
    /// Handle-only dumps exist only on kernels that print it this way (2026 and later).
    func isEarlyBoot(_ r: Record) -> Bool {
        guard r.fields.contains(.mask), r.gfp == 0, r.order == 0, r.fields.contains(.comm) else { return false }
        return r.withBytes(r.comm) { $0.equals("swapper") }
    }

    @inline(__always)
    mutating func add(_ r: inout Record, late: Bool) { add(record: r, late: late) }

    /// `add(_:late:)` of a record borrowed, not `inout`: the record is copied once here,
    /// not once for each method below that reads it.
    mutating func add(record r: Record, late: Bool) {
        if current < 0 { beginSnapshot(name: "input") }
        if isCompat { return addCompat(r) }
        let s = current
        totals[s].recordsRead += 1
        totals[s].pagesRead +|= r.pages
        totals[s].fields.formUnion(r.fields)
        if r.fields.contains(.ts) && r.ts > totals[s].maxTs { totals[s].maxTs = r.ts }
        if r.kind == .pageOwner && r.fields.contains(.pfnLine) { notePFN(r) }
        if r.kind == .stackHandle {
            // show_stacks_handles: a handle→stack map, no counts.
            if r.hasStack, r.fields.contains(.handle) {
                handleStacks[r.handle] = r.withBytes(r.stack) { stacks.intern($0, crlf: r.fields.contains(.crlf)) }
            }
            return
        }
        // Filters.
        if hasRecordFilters && !passesRecordFilters(r) { return }
        var stack: Int32 = -1
        if needStack || countDistinctStacks {
            stack = stackHandle(r)
            // An unresolved handle's stack filters are decided when it is resolved.
            if filtersNeedStack, stacks.info[Int(stack)].kind != .unresolvedHandle, !cache.stackPasses(stack, filterBox.filters, stacks) {
                return
            }
            if countDistinctStacks { totals[s].distinctStacks.insert(stack) }
        }
        let delta = Delta(times: r.times, pages: r.pages, ts: r.ts, hasTs: r.fields.contains(.ts))
        if late && !restKeys.isEmpty {
            let rest = restHandle(r)
            let pair = Self.pairKey(stack, rest)
            groupOfPair.prefetch(pair)
            if let p = pendingPair { settle(p) }
            pendingPair = PendingPair(s: s, pair: pair, stack: stack, rest: rest, delta: delta)
        } else if late {
            // The group now, its metrics (a cache miss at 10^5 groups) added a record later.
            let g = group(r, stack)
            metrics[s].prefetch(g)
            if pendingPair != nil { settlePending() }
            if let a = pendingAdd { accumulate(a.s, a.group, a.delta) }
            pendingAdd = PendingAdd(s: s, group: g, delta: delta)
        } else {
            if pendingPair != nil || pendingAdd != nil { settlePending() }
            accumulate(s, group(r, stack), delta)
        }
        totals[s].records &+= r.times
        totals[s].pages +|= r.pages
        // Early-boot pages all have gfp mask 0 and order 0: the cheap test goes first.
        if r.gfp == 0 && r.order == 0 && isEarlyBootRecord(r, stack) { totals[s].earlyBootPages &+= r.pages }
    }

    /// What one record adds to its group's metrics.
    struct Delta {
        var times: Int64
        var pages: Int64
        var ts: UInt64
        var hasTs: Bool
    }

    /// A record whose group is not looked up yet (`consume`).
    struct PendingPair {
        var s: Int
        var pair: UInt64
        var stack: Int32
        var rest: Int32
        var delta: Delta
    }

    /// A record whose group is known and whose metrics are not added yet.
    struct PendingAdd {
        var s: Int
        var group: Int
        var delta: Delta
    }

    /// Looks `p`'s group up (its slot was asked for a record ago), starts loading the
    /// group's metrics, and adds the metrics of the record before it.
    @inline(__always)
    mutating func settle(_ p: PendingPair) {
        let g = Int(pairGroup(p.pair, p.stack, p.rest))
        metrics[p.s].prefetch(g)
        if let a = pendingAdd { accumulate(a.s, a.group, a.delta) }
        pendingAdd = PendingAdd(s: p.s, group: g, delta: p.delta)
    }

    /// Settles every record `consume` left pending: after it, groups and metrics hold every
    /// record added.
    mutating func settlePending() {
        if let p = pendingPair {
            pendingPair = nil
            settle(p)
        }
        if let a = pendingAdd {
            pendingAdd = nil
            accumulate(a.s, a.group, a.delta)
        }
    }

    /// Adds a record's counts to group `gi` of snapshot `s`.
    @inline(__always)
    mutating func accumulate(_ s: Int, _ gi: Int, _ d: Delta) {
        metrics[s].add(gi, times: d.times, pages: d.pages, ts: d.hasTs ? d.ts : nil)
    }

    /// The group of a counted record, looked up now.
    @inline(__always)
    mutating func group(_ r: Record, _ stack: Int32) -> Int {
        let gi: Int
        if groupIsStackFunction {
            // Every key follows from the stack: look its group up by stack handle.
            let known = groupOfStack[stack]
            if known >= 0 {
                gi = Int(known)
            } else {
                gi = Int(internGroup(r, stack))
                groupOfStack[stack] = Int32(gi)
            }
        } else {
            gi = Int(internGroup(r, stack))
        }
        return gi
    }

    /// Whether a record is one of the early-boot placeholder's: by its stack when it was
    /// interned, else by its first frame, else (handle only) by `isEarlyBoot`.
    /// Inlined: called out of line, a non-mutating method of `Core` copied the whole
    /// struct (1.3 KB) for each call, two records in three.
    @inline(__always)
    func isEarlyBootRecord(_ r: Record, _ stack: Int32) -> Bool {
        if stack >= 0 { return stacks.isEarlyPlaceholder(stack) }
        if r.hasStack {
            return r.withBytes(r.stack) { p in
                let (fs, fe) = StackTable.frameText(p, 0, Bytes.find(10, p, 0, p.count))
                return Bytes.hasPrefix("register_early_stack", p, fs, fe)
            }
        }
        return r.fields.contains(.handle) && isEarlyBoot(r)
    }

    /// Follows the PFNs of page_owner records. A worker sees its parts of the input one
    /// after another: a record that does not start right after the previous one (a gap of
    /// more than a few blank lines: another worker's part, a skipped record) starts a new
    /// run, and `pfnRestarts` compares the runs' ends in input order, so the count is the
    /// same on any number of workers.
    @inline(__always)
    mutating func notePFN(_ r: Record) {
        let pfn = r.pfn
        if runOpen && r.offset >= runEnd && r.offset &- runEnd <= 16 {
            if pfn <= run.last { run.backs += 1 }
            run.last = pfn
        } else {
            closePFNRun()
            run = PFNRun(start: r.offset, first: pfn, last: pfn, backs: 0)
            runOpen = true
        }
        runEnd = r.offset &+ Int64(r.whole.count)
        if r.order >= 0 && r.order < 32 {
            let end = pfn.addingReportingOverflow(UInt64(1) << UInt64(r.order))
            if !end.overflow && end.partialValue > totals[current].pfnEnd { totals[current].pfnEnd = end.partialValue }
        }
    }

    /// Files the open PFN run with the current snapshot.
    mutating func closePFNRun() {
        if runOpen && current >= 0 { totals[current].pfnRuns.append(run) }
        runOpen = false
    }

    /// How often the PFNs of snapshot `s` went back or repeated, in input order: 0 for
    /// one dump, at least 1 when dumps were joined.
    mutating func pfnRestarts(_ s: Int) -> Int {
        if s == current { closePFNRun() }
        let runs = totals[s].pfnRuns.sorted { $0.start < $1.start }
        var n = 0
        for (i, r) in runs.enumerated() {
            n += r.backs
            if i > 0 && r.first <= runs[i - 1].last { n += 1 }
        }
        return n
    }

    /// Runs the parse loop of a range (`Aggregator.consumeRange`): its steps work on `self`
    /// in place, which the caller holds for the whole loop.
    mutating func consumeRange(shift: Int64, late: Bool, _ loop: (_ step: ConsumeStep) throws -> Void) throws {
        // Each record's stack lookup is started in steps as it moves through the ring
        // (`StackTable.prefetch(hash:step:)`: its slot, the stored stack's start, its frame
        // ids), so that by the time it is added, the lookup waits on none of the three.
        try loop { ring in
            if prepareHash(&ring[back: 0]) { stacks.prefetch(hash: ring.stackHash(back: 0), step: 0) }
            let h1 = ring.stackHash(back: 1)
            if h1 != 0 { stacks.prefetch(hash: h1, step: 1) }
            let h2 = ring.stackHash(back: 2)
            if h2 != 0 {
                let c = stacks.prefetch(hash: h2, step: 2)
                // With the stack's ids, the group it likely maps to (a cache miss at 10^5 stacks).
                if c >= 0 && groupIsStackFunction { groupOfStack.prefetch(c) }
            }
            if ring.oldestIsDue {
                ring[back: RecordRing.depth - 1].offset += shift
                add(&ring[back: RecordRing.depth - 1], late: late)
            }
        }
    }

    /// Hashes the record's stack and starts loading the stored stack it will be compared with.
    mutating func prepare(_ r: inout Record) {
        if prepareHash(&r) { stacks.prefetch(hash: r.stackHash) }
    }

    /// Hashes the record's stack (into `stackHash`) when it will be looked up by its bytes;
    /// whether it did.
    @inline(__always)
    mutating func prepareHash(_ r: inout Record) -> Bool {
        if isCompat { return prepareCompatHash(&r) }
        guard needStack || countDistinctStacks, r.hasStack, r.kind != .stackHandle, !ignoreOffsets, !r.fields.contains(.crlf)
        else { return false }
        r.stackHash = r.withBytes(r.stack) { StackTable.hash($0) }
        return true
    }

    /// The group of a record: its key values, packed and interned.
    @inline(__always)
    mutating func internGroup(_ r: Record, _ stack: Int32) -> Int32 {
        if !restKeys.isEmpty { return internGroupByPair(r, stack) }
        for (i, k) in keys.enumerated() {
            packed[i] = value(k, r, stack)
        }
        if hiddenStackColumn {
            packed[keys.count] = stacks.info[Int(stack)].kind == .unresolvedHandle ? UInt64(UInt32(bitPattern: stack)) : .max
        }
        // Called only for a stack `groupOfStack` has no group for: its group is new.
        if stackKeyed && !resolved { return packed.withUnsafeBytes { groups.append(new: $0) } }
        return packed.withUnsafeBytes { groups.intern($0) }
    }

    /// `internGroup` through the record's own keys and the (stack, rest) cache.
    @inline(__always)
    mutating func internGroupByPair(_ r: Record, _ stack: Int32) -> Int32 {
        let rest = restHandle(r)
        return pairGroup(Self.pairKey(stack, rest), stack, rest)
    }

    /// The handle of the record's own keys (`restKeys`) in `rests`: what the record adds to
    /// its stack (`restValue`), so a rest is a function of the record's fields alone and
    /// there are as few rests as combinations of those fields (not one a stack and module).
    @inline(__always)
    mutating func restHandle(_ r: Record) -> Int32 {
        guard let sig = restMemo.signature(r) else { return internRest(r) }
        let h = sig.hash
        let known = restMemo.find(sig, h)
        if known >= 0 { return known }
        let rest = internRest(r)
        restMemo.store(sig, h, rest)
        return rest
    }

    /// `restHandle` the full way: the values interned (`restValue`), then the key.
    @inline(never)
    mutating func internRest(_ r: Record) -> Int32 {
        // A record's own module line can name the module another record's stack gives: two
        // pairs may then make one group, which only a lookup finds.
        if r.fields.contains(.module) && restKeys.contains(.module) { groupsFromOwnPairs = false }
        let had = rests.count
        let n = restKeys.count
        for i in 0..<n { restWords[i] = restValue(restKeys[i], r) }
        // `&restWords`: the words by address, not a copy of the array.
        let rest = withUnsafeBytes(of: &restWords) { rests.intern(ByteView($0).slice(0, n * 8)) }
        if rests.count != had, r.fields.contains(.mask), restKeys.contains(.gfp), gfpNameOf[r.gfp] == nil {
            // A gfp mask seen for the first time is a new rest key: name it then.
            gfpNameOf[r.gfp] = r.withBytes(r.gfpNames) { gfpNames.intern($0) }
        }
        return rest
    }

    @inline(__always)
    static func pairKey(_ stack: Int32, _ rest: Int32) -> UInt64 {
        UInt64(UInt32(bitPattern: stack)) << 32 | UInt64(UInt32(bitPattern: rest))
    }

    /// The group of (stack, rest), interned the first time: every key follows from the
    /// stack (stack, caller) or is one of the rest's.
    @inline(__always)
    mutating func pairGroup(_ pair: UInt64, _ stack: Int32, _ rest: Int32) -> Int32 {
        let known = groupOfPair.get(pair)
        if known >= 0 { return known }
        for (i, k) in keys.enumerated() {
            switch k {
            case .stack: packed[i] = UInt64(UInt32(bitPattern: stack))
            case .caller: packed[i] = UInt64(UInt32(bitPattern: stacks.info[Int(stack)].caller))
            default: break
            }
        }
        for (j, i) in restPositions.enumerated() { packed[i] = keyValue(restKeys[j], rest: rests.value(rest, j), stack) }
        let g =
            pairsAreGroups && groupsFromOwnPairs && !resolved
            ? packed.withUnsafeBytes { groups.append(new: $0) } : packed.withUnsafeBytes { groups.intern($0) }
        groupOfPair.set(pair, g)
        return g
    }

    /// The per-record filters (pid, tgid, comm, time, order, migratetype, gfp, memcg).
    mutating func passesRecordFilters(_ r: Record) -> Bool {
        if !r.withBytes(r.comm, { filterBox.filters.passesTask(pid: r.pid, tgid: r.tgid, comm: $0) }) { return false }
        if let t = filterBox.filters.since, r.ts < t { return false }
        if let t = filterBox.filters.until, r.ts > t { return false }
        if let o = filterBox.filters.orders, !o.contains(r.order) { return false }
        if let m = filterBox.filters.migratetypes, !m.contains(r.pageType) { return false }
        if !filterBox.filters.gfpFlags.isEmpty, !cache.gfpPasses(r, filterBox.filters) { return false }
        if let m = filterBox.filters.memcgs, !m.contains(r.withBytes(r.memcg) { $0.array }) { return false }
        return true
    }

    /// Records a parsed input's format for the current snapshot.
    mutating func noteFormat(_ f: InputFormat?) {
        if current >= 0, totals[current].format == nil { totals[current].format = f }
    }

    /// What a record gives key `k` of its rest (`restHandle`): its value, except for the
    /// keys its stack has a say in: `.module` is the record's module line or
    /// `Self.moduleOfStack`, `.allocator` whether the record says its page is a slab page.
    /// `keyValue(_:rest:_:)` makes the key value of it and the stack.
    @inline(__always)
    mutating func restValue(_ k: GroupKey, _ r: Record) -> UInt64 {
        switch k {
        case .pid: return UInt64(UInt32(bitPattern: r.pid))
        case .tgid: return UInt64(UInt32(bitPattern: r.tgid))
        case .comm: return UInt64(UInt32(bitPattern: r.withBytes(r.comm) { comms.intern($0, recent: &recentComm) }))
        case .gfp: return r.fields.contains(.mask) ? r.gfp : .max
        case .migratetype: return UInt64(r.pageType.rawValue)
        case .blocktype: return UInt64(r.blockType.rawValue)
        case .order: return UInt64(UInt32(bitPattern: r.order))
        case .memcg:
            if r.memcgState == .none { return .max }
            let h = r.withBytes(r.memcg) { memcgs.intern($0, recent: &recentMemcg) }
            return UInt64(h) | (UInt64(r.memcgState.rawValue) << 32)
        case .node: return UInt64(UInt16(bitPattern: r.node))
        case .zone: return UInt64(UInt16(bitPattern: r.zone))
        case .swapped: return r.swapped || r.kind == .swap ? 1 : 0
        case .handle: return r.fields.contains(.handle) ? UInt64(r.handle) : .max
        case .module:
            if r.fields.contains(.module) { return UInt64(UInt32(bitPattern: r.withBytes(r.moduleLine) { stacks.internName($0) })) }
            return Self.moduleOfStack
        case .allocator: return r.pfnSaysSlab || r.slabCache ? 1 : 0
        case .stack, .caller: preconditionFailure("the stack's keys are not in the rest")
        }
    }

    /// A rest's `.module` when the record has no module line: the stack's module.
    static let moduleOfStack = UInt64.max - 1

    /// Key `k`'s value for a record of `stack` whose rest holds `v` for it (`restValue`).
    /// Inlined, as `isEarlyBootRecord`: out of line it copied `Core` a call.
    @inline(__always)
    func keyValue(_ k: GroupKey, rest v: UInt64, _ stack: Int32) -> UInt64 {
        switch k {
        case .module:
            return v == Self.moduleOfStack ? UInt64(UInt32(bitPattern: stacks.info[Int(stack)].module)) : v
        case .allocator:
            let c = AllocatorRule.pageClass(stack: stacks.info[Int(stack)].allocationClass, pageSaysSlab: v != 0)
            return UInt64(c.rawValue)
        default: return v
        }
    }

    /// Key `k`'s value for record `r` of `stack`; with `nameGfp`, a gfp mask seen for the
    /// first time is named.
    @inline(__always)
    mutating func value(_ k: GroupKey, _ r: Record, _ stack: Int32, nameGfp: Bool = true) -> UInt64 {
        switch k {
        case .stack: return UInt64(UInt32(bitPattern: stack))
        case .caller: return UInt64(UInt32(bitPattern: stacks.info[Int(stack)].caller))
        case .allocator, .module:
            // The value first: `keyValue(k, rest: restValue(k, r), stack)` evaluates its
            // receiver before the mutating argument, which copies all of `Core`.
            let v = restValue(k, r)
            return keyValue(k, rest: v, stack)
        case .gfp:
            if nameGfp, r.fields.contains(.mask), gfpNameOf[r.gfp] == nil { gfpNameOf[r.gfp] = r.withBytes(r.gfpNames) { gfpNames.intern($0) } }
            return restValue(k, r)
        default: return restValue(k, r)
        }
    }

}

extension StackTable {
    /// Interns a name (module, caller) into the table's name store.
    mutating func internName(_ b: ByteView) -> Int32 { names.intern(b) }
}
