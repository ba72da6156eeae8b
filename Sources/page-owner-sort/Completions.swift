import ArgumentParser
import Foundation

/// `--generate-completion-script bash|zsh|fish`: the scripts swift-argument-parser writes, made
/// to offer file names where the default subcommand (`compat`, `page-owner-sort <in> <out>`)
/// takes them: at the first words, beside the subcommand names the generated scripts offer alone.
enum Completions {
    /// The shell of `--generate-completion-script SHELL` (or `=SHELL`) when that is the whole command line.
    static func requestedShell(_ args: [String]) -> String? {
        let flag = "--generate-completion-script"
        if args.count == 2 && args[0] == flag { return args[1] }
        if args.count == 1 && args[0].hasPrefix(flag + "=") { return String(args[0].dropFirst(flag.count + 1)) }
        return nil
    }

    /// The script for `shell`, or nil for a shell the parser does not know.
    static func script(_ shell: String) -> String? {
        guard let s = CompletionShell(rawValue: shell) else { return nil }
        let names = PageOwnerSort.configuration.subcommands.compactMap { $0.configuration.commandName } + ["help"]
        var text = PageOwnerSort.completionScript(for: s)
        switch s {
        case .bash:
            // The fallback branch (no subcommand word yet) offers subcommands; add files.
            let offer = "COMPREPLY+=($(compgen -W '\(names.joined(separator: " "))' -- \"${cur}\"))"
            text = text.replacingFirst(offer, with: offer + "\n        __page-owner-sort_add_completions -f")
        case .zsh:
            text = text.replacingFirst(
                "_describe -V subcommand subcommands && ret=0",
                with: "_describe -V subcommand subcommands && ret=0\n        _files && ret=0")
            let dispatch = "\"_page-owner-sort_${words[1]}\" && ret=0\n            ;;"
            text = text.replacingFirst(dispatch, with: dispatch + "\n        *)\n            _files && ret=0\n            ;;")
        case .fish:
            text += "complete -c 'page-owner-sort' -n 'not __fish_seen_subcommand_from \(names.joined(separator: " "))' -F\n"
        default:
            break
        }
        return text
    }
}

extension String {
    fileprivate func replacingFirst(_ a: String, with b: String) -> String {
        guard let r = range(of: a) else { return self }
        return replacingCharacters(in: r, with: b)
    }
}
