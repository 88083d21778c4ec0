// broker: one executable, one subcommand per role.
import Foundation

let usage = """
usage: broker <command> [options]

  up        run the broker: starts mint, then gate, restarts either if it dies
  gate      run only the IdP-facing process (deploy/ runs it under systemd)
  mint      run only the token-exchange process
  admin     manage admin keys, SAML providers and roles through the running broker
  explain   run the SAML validation pipeline offline on a saved response
  dev-idp   a development IdP: `init` creates it, `assert` prints a signed response
  bench     measure the running system (see README)

Run `broker <command> --help` for the options of one command.
"""

var argv = Array(CommandLine.arguments.dropFirst())
guard let command = argv.first else {
    FileHandle.standardError.write(Data((usage + "\n").utf8)); exit(2)
}
argv.removeFirst()
if argv.contains("--help") || argv.contains("-h") {
    print(helpText(for: command)); exit(0)
}

// mint keeps freed heap instead of handing it back: glibc trims a thread's arena with
// madvise as soon as its top is free, and the next exchange faults the pages in again,
// zeroed — ~6,000 page faults and ~800 madvise calls a second under AssumeRoleWithSAML
// load (`perf stat -e page-faults`), ~850 with this. RSS does not move: the heap is a
// few MiB, bounded by the request limits. (mallopt is looked up at run time: malloc.h
// is not part of Swift's Glibc module; M_TRIM_THRESHOLD is -1.)
if command == "gate" || command == "mint", let mallopt = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "mallopt") {
    typealias Mallopt = @convention(c) (Int32, Int32) -> Int32
    _ = unsafeBitCast(mallopt, to: Mallopt.self)(-1, 64 << 20)
}

do {
    switch command {
    case "up": try UpCommand.run(argv)
    case "gate": try GateCommand.run(argv)
    case "mint": try MintCommand.run(argv)
    case "admin": try AdminCommand.run(argv)
    case "explain": try ExplainCommand.run(argv)
    case "dev-idp": try DevIdPCommand.run(argv)
    case "bench": try BenchCommand.run(argv)
    case "help", "--help", "-h": print(usage)
    default:
        FileHandle.standardError.write(Data("broker: unknown command '\(command)'\n\n\(usage)\n".utf8)); exit(2)
    }
} catch let e as UsageError {
    FileHandle.standardError.write(Data("broker \(command): \(e.description)\n".utf8)); exit(2)
} catch {
    FileHandle.standardError.write(Data("broker \(command): \(error)\n".utf8)); exit(1)
}
