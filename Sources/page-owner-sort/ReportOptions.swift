import ArgumentParser
import Foundation
import PageOwnerKit

/// Options shared by `report`, `diff` and `series`: same names, same meaning.
struct ReportOptions: ParsableArguments {
    @Option(
        name: .customLong("group-by"),
        help:
            "Group by these keys, comma-separated: stack, caller, pid, tgid, comm, gfp, migratetype, blocktype, order, allocator, module, memcg, node, zone, swapped, handle (default: stack; for pprof, the stack labelled with every key the input carries).",
        completion: .list(GroupKey.allCases.map(\.rawValue))
    )
    var groupBy: String?

    @Option(
        name: .customLong("format"),
        help: "Output format: text, csv, json, jsonl, folded, svg, pprof (report only), html (an interactive page).",
        completion: .list(ReportFormat.allCases.map(\.rawValue)))
    var format: String = "text"

    @Option(
        name: .customLong("pprof-labels"),
        help: "Also label pprof samples with these keys (comma-separated: pid, tgid); left out by default, they explode label cardinality.")
    var pprofLabels: String?
    @Option(name: .customLong("label"), help: "Add KEY=VALUE to every pprof sample and as a column of every CSV/JSON row (repeatable).")
    var label: [String] = []

    @Option(
        name: [.customShort("o"), .customLong("output")],
        help:
            "Write here instead of stdout (written atomically; an existing dump only with --force). With report --format pprof, a folder (DIR/) gets one profile per snapshot.",
        completion: .file())
    var output: String = "-"

    @Option(help: "Show only the first N groups.") var top: Int?
    @Option(name: .customLong("min-pages"), help: "Show only groups with at least this many pages.") var minPages: Int64?
    @Option(name: .customLong("min-percent"), help: "Show only groups with at least this share of the pages.") var minPercent: Double?
    @Option(
        help: "Sort by metrics or keys: records, pages, bytes, first_ts, last_ts or a group key, each with :asc or :desc.",
        completion: .list(Report.SortField.names))
    var sort: String?
    @Option(name: .customLong("page-size"), help: "Bytes per base page.") var pageSize: Int64 = 4096

    @Option(help: "Keep only these pids (comma-separated).") var pid: String?
    @Option(help: "Keep only these tgids (comma-separated).") var tgid: String?
    @Option(help: "Keep only these command names (comma-separated).") var comm: String?
    @Option(help: "Keep records with a frame whose symbol matches this regular expression.") var frame: String?
    @Option(name: .customLong("exclude-frame"), help: "Drop records with a frame whose symbol matches this regular expression.")
    var excludeFrame: String?
    @Option(help: "Keep records allocated at or after this time (ns, or with s/ms/us/ns).") var since: String?
    @Option(help: "Keep records allocated at or before this time (ns, or with s/ms/us/ns).") var until: String?
    @Option(name: .customLong("gfp-flag"), help: "Keep records whose gfp mask includes this flag (repeatable).") var gfpFlag: [String] = []
    @Option(help: "Keep only these orders (comma-separated).") var order: String?
    @Option(help: "Keep only these page migratetypes (comma-separated names).") var migratetype: String?
    @Option(help: "Keep records with a frame in this module (comma-separated).") var module: String?
    @Option(help: "Keep records charged to this memcg (comma-separated names).") var memcg: String?
    @Flag(
        name: .customLong("exclude-placeholders"),
        help: "Drop pages whose stack is a page_owner placeholder: early boot, dummy, stack depot failure.")
    var excludePlaceholders = false

    @Option(
        name: .customLong("stacks"),
        help: "A show_stacks_handles file (or a dump with stacks and handle: lines) that resolves handles to stacks.", completion: .file())
    var stacks: [String] = []
    @Option(
        name: .customLong("allocator-function"),
        help: "Treat symbols matching this (a trailing * matches a prefix) as allocator functions when finding the caller.")
    var allocatorFunction: [String] = []
    @Option(
        name: .customLong("input-format"),
        help: "Skip detection: page_owner, swap_page_owner, show_stacks, show_handles, show_stacks_handles.",
        completion: .list(InputFormat.allCases.map(\.rawValue)))
    var inputFormat: String?
    @OptionGroup var input: InputOptionGroup
    @Flag(name: .customLong("keep-offsets"), help: "Keep +0xoff/0xsize in folded and svg frames.") var keepOffsets = false
    @Flag(help: "Overwrite the -o file even when it is a page_owner dump (it is never allowed to be an input).") var force = false

    /// The output format; pprof and `--label` only for `report`.
    func parsedFormat(report: Bool = false) throws -> ReportFormat {
        guard let f = ReportFormat(rawValue: format) else {
            throw ValidationError(
                "unknown format '\(format)'\(Suggestion.hint(format, among: ReportFormat.allCases.map(\.rawValue))); formats are: \(ReportFormat.allCases.map(\.rawValue).joined(separator: ", "))"
            )
        }
        if f == .pprof && !report { throw ValidationError(DiffFormatter.pprofUsage(.commandLine)) }
        if !label.isEmpty && !report { throw ValidationError("--label is an option of report") }
        return f
    }

    /// Checks `-o` against `inputs` and the other files read (see `guardOutput`).
    func checkOutput(inputs: [String]) throws {
        try guardOutput(output, inputs: inputs + stacks + input.otherReads, force: force)
    }

    /// The keys of a report: `--group-by`, or for pprof the stack and its labels.
    func groupKeys() throws -> [GroupKey] {
        do {
            guard format == ReportFormat.pprof.rawValue else {
                if pprofLabels != nil { throw ValidationError("--pprof-labels needs --format pprof") }
                return try GroupKey.parseList(groupBy ?? "stack", spelling: .commandLine)
            }
            var extra: [GroupKey] = []
            if let pprofLabels {
                extra = try GroupKey.parseList(pprofLabels, spelling: .commandLine)
                if let bad = extra.first(where: { !PprofFormatter.optionalLabels.contains($0) }) {
                    throw ValidationError("--pprof-labels takes pid and tgid, not '\(bad.rawValue)' (use --group-by for other keys)")
                }
            }
            guard let groupBy else { return PprofFormatter.defaultKeys(extra: extra) }
            var keys = try GroupKey.parseList(groupBy, spelling: .commandLine)
            if !keys.contains(.stack) { keys.insert(.stack, at: 0) }
            for e in extra where !keys.contains(e) { keys.append(e) }
            return keys
        } catch let e as UsageError {
            throw ValidationError(e.description)
        }
    }

    /// `--label KEY=VALUE` pairs; a key is a name no report column has.
    func labels(keys: [GroupKey]) throws -> [(key: String, value: String)] {
        var out: [(key: String, value: String)] = []
        let taken = Set(keys.map(\.rawValue) + ["records", "pages", "bytes", "percent", "first_ts", "last_ts", "stack_label"])
        for l in label {
            guard let eq = l.firstIndex(of: "=") else { throw ValidationError("bad --label '\(l)': use KEY=VALUE") }
            let k = String(l[..<eq])
            let v = String(l[l.index(after: eq)...])
            let nameOK =
                k.first.map { $0.isASCII && ($0.isLetter || $0 == "_") } == true
                && k.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == "." || $0 == "-") }
            guard nameOK else { throw ValidationError("bad --label key '\(k)': use letters, digits, _ . - (a letter or _ first)") }
            guard !taken.contains(k) else { throw ValidationError("--label \(k) is already a column of the report") }
            guard !out.contains(where: { $0.key == k }) else { throw ValidationError("--label \(k) given twice") }
            out.append((k, v))
        }
        return out
    }

    func intList(_ s: String, _ name: String) throws -> Set<Int32> {
        var out = Set<Int32>()
        for w in s.split(separator: ",") {
            guard let v = Int32(w.trimmingCharacters(in: .whitespaces)) else { throw ValidationError("bad --\(name) value '\(w)'") }
            out.insert(v)
        }
        return out
    }

    func makeRun() throws -> (ReportRun, ReportContext) {
        var run = ReportRun()
        var ctx = ReportContext()
        ctx.spelling = .commandLine
        run.keys = try groupKeys()
        ctx.labels = try labels(keys: run.keys)
        var f = Filters()
        if let pid {
            f.pids = try intList(pid, "pid")
            ctx.filters["pid"] = pid
        }
        if let tgid {
            f.tgids = try intList(tgid, "tgid")
            ctx.filters["tgid"] = tgid
        }
        if let comm {
            f.comms = Set(comm.split(separator: ",").map { Array($0.utf8) })
            ctx.filters["comm"] = comm
        }
        if let frame {
            do { f.frame = try Regex(frame) } catch { throw ValidationError("bad --frame regular expression: \(error)") }
            ctx.filters["frame"] = frame
        }
        if let excludeFrame {
            do { f.excludeFrame = try Regex(excludeFrame) } catch {
                throw ValidationError("bad --exclude-frame regular expression: \(error)")
            }
            ctx.filters["exclude_frame"] = excludeFrame
        }
        do {
            if let since {
                f.since = try Filters.parseTime(since)
                ctx.filters["since"] = since
            }
            if let until {
                f.until = try Filters.parseTime(until)
                ctx.filters["until"] = until
            }
        } catch let e as UsageError { throw ValidationError(e.description) }
        if !gfpFlag.isEmpty {
            f.gfpFlags = gfpFlag
            ctx.filters["gfp_flag"] = gfpFlag.joined(separator: ",")
        }
        if let order {
            f.orders = try intList(order, "order")
            ctx.filters["order"] = order
        }
        if let migratetype {
            var s = Set<MigrateType>()
            for w in migratetype.split(separator: ",") {
                guard let t = MigrateType(name: String(w)) else { throw ValidationError("unknown migratetype '\(w)'") }
                s.insert(t)
            }
            f.migratetypes = s
            ctx.filters["migratetype"] = migratetype
        }
        if let module {
            f.modules = Set(module.split(separator: ",").map(String.init))
            ctx.filters["module"] = module
        }
        if let memcg {
            f.memcgs = Set(memcg.split(separator: ",").map { Array($0.utf8) })
            ctx.filters["memcg"] = memcg
        }
        if excludePlaceholders {
            f.excludePlaceholders = true
            ctx.filters["exclude_placeholders"] = "yes"
        }
        run.filters = f
        run.input = input.options()
        ctx.threads = run.input.threads
        run.stacksFiles = stacks
        run.allocatorFunctions = AllocatorFunctions(extra: allocatorFunction)
        if let inputFormat {
            guard let fm = InputFormat(rawValue: inputFormat) else {
                throw ValidationError(
                    "unknown input format '\(inputFormat)'\(Suggestion.hint(inputFormat, among: InputFormat.allCases.map(\.rawValue))); formats are: \(InputFormat.allCases.map(\.rawValue).joined(separator: ", "))"
                )
            }
            run.inputFormat = fm
        }
        ctx.foldedKeepOffsets = keepOffsets
        ctx.sort = sort ?? "pages:desc"
        return (run, ctx)
    }

    func selection(defaultSort: [Report.SortField]) throws -> Report.Selection {
        var s = Report.Selection()
        s.top = top
        s.minPages = minPages
        s.minPercent = minPercent
        if let sort {
            do { s.sort = try Report.SortField.parseList(sort) } catch let e as UsageError { throw ValidationError(e.description) }
        } else {
            s.sort = defaultSort
        }
        return s
    }
}
