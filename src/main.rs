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
static GLOBAL: Allocator = Allocator;

/// mimalloc, asked for alignment only when a type needs more than every
/// mimalloc block has. `mimalloc::MiMalloc` sends every request through
/// `mi_malloc_aligned`, whose extra checks cost some 30 instructions per
/// allocation (about 90 allocations per scored record); nearly all of ours
/// are strings and vectors of 1-, 4- or 8-byte values.
struct Allocator;

/// Alignment of every mimalloc block: block sizes are multiples of the
/// machine word and pages start their blocks at 16-byte boundaries.
const BLOCK_ALIGN: usize = std::mem::size_of::<usize>();

// SAFETY: each method forwards to the mimalloc function of the same
// contract; the unaligned ones are only used when `layout.align()` is at
// most `BLOCK_ALIGN`, which every block mimalloc returns satisfies, and
// memory from either kind is freed and resized by the same functions.
unsafe impl std::alloc::GlobalAlloc for Allocator {
    #[inline]
    unsafe fn alloc(&self, layout: std::alloc::Layout) -> *mut u8 {
        if layout.align() <= BLOCK_ALIGN {
            libmimalloc_sys::mi_malloc(layout.size()).cast()
        } else {
            libmimalloc_sys::mi_malloc_aligned(layout.size(), layout.align()).cast()
        }
    }

    #[inline]
    unsafe fn alloc_zeroed(&self, layout: std::alloc::Layout) -> *mut u8 {
        if layout.align() <= BLOCK_ALIGN {
            libmimalloc_sys::mi_zalloc(layout.size()).cast()
        } else {
            libmimalloc_sys::mi_zalloc_aligned(layout.size(), layout.align()).cast()
        }
    }

    #[inline]
    unsafe fn dealloc(&self, ptr: *mut u8, _layout: std::alloc::Layout) {
        libmimalloc_sys::mi_free(ptr.cast());
    }

    #[inline]
    unsafe fn realloc(&self, ptr: *mut u8, layout: std::alloc::Layout, new_size: usize) -> *mut u8 {
        if layout.align() <= BLOCK_ALIGN {
            libmimalloc_sys::mi_realloc(ptr.cast(), new_size).cast()
        } else {
            libmimalloc_sys::mi_realloc_aligned(ptr.cast(), new_size, layout.align()).cast()
        }
    }
}

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

#[cfg(test)]
mod tests {
    use std::alloc::{GlobalAlloc, Layout};

    #[test]
    fn every_allocation_honours_its_alignment_and_keeps_its_bytes_when_resized() {
        let a = super::Allocator;
        for align in [1, 2, 4, 8, 16, 32, 64, 4096] {
            for size in [1, 3, 7, 8, 9, 24, 40, 100, 1000, 70_000] {
                let layout = Layout::from_size_align(size, align).expect("valid layout");
                // SAFETY: non-zero sizes; each block is freed with the layout
                // it was allocated or resized with.
                unsafe {
                    let p = a.alloc(layout);
                    assert!(!p.is_null());
                    assert_eq!(p as usize % align, 0, "alloc size {size} align {align}");
                    for i in 0..size {
                        p.add(i).write(i as u8);
                    }
                    let q = a.realloc(p, layout, size * 3);
                    assert_eq!(q as usize % align, 0, "realloc size {size} align {align}");
                    assert!((0..size).all(|i| q.add(i).read() == i as u8));
                    a.dealloc(q, Layout::from_size_align(size * 3, align).expect("valid layout"));
                    let z = a.alloc_zeroed(layout);
                    assert_eq!(z as usize % align, 0, "alloc_zeroed size {size} align {align}");
                    assert!((0..size).all(|i| z.add(i).read() == 0));
                    a.dealloc(z, layout);
                }
            }
        }
    }
}
