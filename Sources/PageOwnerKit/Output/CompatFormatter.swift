/// The compatible mode's output: the groups of a compatible-mode `Aggregator` (see
/// `CompatGrouping`) in the kernel tool's order (`Aggregator.compatOrder`), written as
/// `tools/mm/page_owner_sort` writes them (formats.md §5.2 step 10):
///
/// - no cull rule: `N times, P pages, allocated by LABELS :` then the block's text and a
///   blank line;
/// - with rules: `N times, P pages`, then `, PID`, `, TGID`, `, task_comm_name:`,
///   `, module:` (each when culled or filtered by), the allocator labels (culled by), and
///   `:` and the stacktrace (culled by), then a newline.
///
/// Groups are rendered in ranges on `threads` threads and written in order
/// (`ParallelParts.render`): the default mode writes about as many bytes as it reads.
public enum CompatFormatter {
    public static func write(_ agg: Aggregator, threads: Int = 1, to out: OutputSink) throws {
        precondition(agg.isCompat, "a compatible-mode aggregator")
        guard agg.snapshotCount > 0 else { return }
        let options = agg.compat.options
        let firsts = agg.compat.firsts
        let noCull = options.cull.isEmpty
        let cull = options.cull
        let counts = agg.summed([agg.snapshotCount - 1])
        // The tables read once, not once a group (each read of the aggregator's state is a
        // dynamic exclusivity check).
        let headers = agg.compat.headers
        let stacks = agg.stacks
        let comms = agg.comms
        let order = agg.compatOrder(threads: threads)
        try ParallelParts.render(order.count, threads: threads) { range, line in
            for gi in order[range] {
                let g = firsts[Int(gi)]
                let m = counts[Int(gi)]
                line.appendDecimal(m.records)
                line.append(" times, ")
                line.appendDecimal(m.pages)
                line.append(" pages")
                if noCull {
                    line.append(", ")
                    g.allocator.appendLabel(to: &line)
                    line.append(":\n")
                    headers.withBytes(g.header) { line.append($0) }
                    stacks.stacks.appendBytes(g.stack, to: &line)
                    line.append(10)
                } else {
                    if cull.contains(.pid) || options.pids != nil {
                        line.append(", PID ")
                        line.appendDecimal(g.pid)
                    }
                    if cull.contains(.tgid) || options.tgids != nil {
                        line.append(", TGID ")
                        line.appendDecimal(g.tgid)
                    }
                    if cull.contains(.comm) || options.comms != nil {
                        line.append(", task_comm_name: ")
                        comms.withBytes(g.comm) { line.append($0) }
                    }
                    if cull.contains(.module) || options.modules != nil {
                        line.append(", module: ")
                        stacks.names.withBytes(g.module) { line.append($0) }
                    }
                    if cull.contains(.allocator) {
                        line.append(", ")
                        g.allocator.appendLabel(to: &line)
                    }
                    if cull.contains(.stacktrace) {
                        line.append(":\n")
                        stacks.stacks.appendBytes(g.stack, to: &line)
                    }
                    line.append(10)
                }
            }
        } write: {
            try out.write($0)
        }
    }
}
