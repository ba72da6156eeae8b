/// Writes one self-contained page: the template's markup, style and script around a page's
/// JSON data (in a `<script type="application/json">` block the script parses).
enum HtmlWriter {
    static func write(title: String, json: [UInt8], to out: OutputSink) throws {
        try out.write(HtmlTemplate.head)
        try out.write("<title>" + FlameGraphSVG.xml(title) + "</title>\n<style>\n" + HtmlTemplate.style + "</style>\n</head>\n<body>\n")
        try out.write(HtmlTemplate.body)
        try out.write("<script type=\"application/json\" id=\"data\">")
        try out.write(json)
        try out.write("</script>\n<script>\n" + HtmlTemplate.script + "</script>\n</body>\n</html>\n")
    }
}
