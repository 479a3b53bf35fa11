fn main() -> std::process::ExitCode {
    hitch::cli::main()
}
