/// The tool's version: printed by `--version` and written into JSON output metadata.
public enum ToolVersion {
    public static let current = "0.9.0"
}
