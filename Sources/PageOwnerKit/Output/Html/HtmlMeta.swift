/// What every page says besides its picture: the command, title, page size, the inputs with
/// their format and kernel era, the footer lines of the text output, warnings and notes.
enum HtmlMeta {
    /// `"kind":…,"title":…,"pageSize":…,"inputs":[…],"footer":[…],"warnings":[…],"notes":[…],"filters":{…}` and a trailing comma.
    static func write(_ j: inout HtmlJSON, kind: String, context c: ReportContext, pageSize: Int64, footer: [String]) {
        j.key("kind")
        j.string(kind)
        j.raw(",")
        j.key("title")
        j.string(c.title)
        j.raw(",")
        j.key("tool")
        j.string("page-owner-sort " + ToolVersion.current)
        j.raw(",")
        j.key("pageSize")
        j.int(pageSize)
        j.raw(",")
        j.key("inputs")
        j.raw("[")
        for (n, i) in c.inputs.enumerated() {
            if n > 0 { j.raw(",") }
            j.raw("{")
            j.key("name")
            j.string(i.name)
            j.raw(",")
            j.key("format")
            j.string(i.format?.rawValue ?? "unknown")
            j.raw(",")
            j.key("era")
            j.string(i.fields.eraDescription)
            j.raw(",")
            j.key("records")
            j.int(i.records)
            j.raw(",")
            j.key("pages")
            j.int(i.pages)
            j.raw(",")
            j.key("maxTs")
            j.int(Int64(clamping: i.maxTs))
            j.raw("}")
        }
        j.raw("],")
        j.key("footer")
        j.strings(footer)
        j.raw(",")
        j.key("warnings")
        j.strings(c.warnings)
        j.raw(",")
        j.key("notes")
        j.strings(c.notes)
        j.raw(",")
        j.key("filters")
        j.strings(c.filters.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" })
        j.raw(",")
    }

    /// Lines of a text footer, without the trailing newline.
    static func lines(_ s: String) -> [String] { s.split(separator: "\n", omittingEmptySubsequences: true).map(String.init) }
}
