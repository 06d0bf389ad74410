//! The `flowlens` binary: see [`flowlens::cli`].

fn main() -> std::process::ExitCode {
    flowlens::cli::main()
}
