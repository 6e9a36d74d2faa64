//! The `vigie` command: argument parsing and output formatting over the
//! library. Exit status: 0 success, 2 when a record failed (all others were
//! processed), 1 on a fatal error.

mod cli;

// The scoring path allocates many small, short-lived strings and vectors per
// record (evidence, spans, JSON); with mimalloc the 10 MB benchmark input
// scores 5 % faster on one thread and 10 % faster on two than with glibc's
// allocator (scripts/BENCHMARKS.md). The library leaves the choice of
// allocator to its embedders.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    // Die quietly when the reader of our output goes away (`vigie … | head`),
    // as command-line tools do, instead of panicking on a broken pipe.
    #[cfg(unix)]
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    let code = match cli::run() {
        Ok(code) => code,
        Err(e) => {
            eprintln!("vigie: error: {e:#}");
            1
        }
    };
    std::process::exit(code);
}
