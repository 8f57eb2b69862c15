//! Appending an experiment's rows to its table in order while every core
//! computes them.
//!
//! Each worker takes the next few work items from a shared counter, computes
//! their rows and hands them to one writer thread, which puts them back in
//! order and appends the completed prefix to the file; no worker runs more
//! than a few blocks ahead of what is on disk. No core waits for
//! another between batches (a batch barrier idled the cores about 4% of the
//! time on two threads), the file is always a prefix of the final table, and
//! its bytes do not depend on the thread count or on which core ran what.

use super::ExecOptions;
use crate::error::Error;
use std::collections::BTreeMap;
use std::io::Write;
use std::ops::Range;
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc::{Receiver, sync_channel};
use std::time::Instant;

/// Work a worker takes at once, in seconds: long enough that the shared
/// counter and the writer are touched rarely, short enough that an
/// interrupt or the last items leave no core idle for long.
const BLOCK_S: f64 = 0.002;
/// At most this many items a block.
const MAX_BLOCK: usize = 64;
/// At most this many blocks per thread are taken and not yet on disk: one
/// slow item holds back the others instead of leaving their rows in memory.
const AHEAD_BLOCKS: usize = 4;
/// Rows reach the disk at most this many seconds after they are written.
const SYNC_S: f64 = 1.0;

/// Consecutive items `first..end` computed by one worker: their rows, and
/// the error that stopped it at `end`, if one did.
struct Block {
    first: usize,
    end: usize,
    rows: String,
    error: Option<Error>,
}

/// Evaluates work items `items` (of `of` in all) on every thread of the
/// current pool and appends their rows, in item order, to `file` (at
/// `path`), synced at least once a second and at the end. Returns how many
/// items are done and whether all are (false: stopped by `opts.stop`); an
/// item's error is returned after the rows before it are written.
pub(crate) fn append_rows(
    file: &mut std::fs::File,
    path: &Path,
    items: Range<usize>,
    of: usize,
    what: &str,
    opts: &ExecOptions,
    row: impl Fn(usize) -> Result<String, Error> + Sync,
) -> Result<(usize, bool), Error> {
    let (start, total) = (items.start, items.end);
    if start >= total {
        return Ok((start, true));
    }
    let next = AtomicUsize::new(start);
    // Blocks taken by the workers, and blocks the writer has put on disk.
    let taken = AtomicUsize::new(0);
    let on_disk = AtomicUsize::new(0);
    // Set when no more items should be taken: an item's error, the file's,
    // or a worker's panic.
    let halt = AtomicBool::new(false);
    let threads = rayon::current_num_threads();
    let (written, result) = std::thread::scope(|scope| {
        let (tx, rx) = sync_channel::<Block>(4 * threads);
        let (halt, on_disk) = (&halt, &on_disk);
        let writer = scope.spawn(move || {
            write_in_order(
                file,
                path,
                rx,
                start..total,
                of,
                what,
                opts.progress,
                halt,
                on_disk,
            )
        });
        rayon::broadcast(|_| {
            let tx = tx.clone();
            let _panic = HaltOnPanic(halt);
            // Seconds an item takes on this worker, once measured.
            let mut per_item: Option<f64> = None;
            while !opts.stop.load(Ordering::SeqCst) && !halt.load(Ordering::Relaxed) {
                let n = per_item.map_or(1, |s| {
                    ((BLOCK_S / s.max(1e-9)) as usize).clamp(1, MAX_BLOCK)
                });
                if next.load(Ordering::Relaxed) >= total {
                    break;
                }
                if taken.load(Ordering::Relaxed)
                    >= on_disk.load(Ordering::Acquire) + AHEAD_BLOCKS * threads
                {
                    std::thread::sleep(std::time::Duration::from_millis(1));
                    continue;
                }
                taken.fetch_add(1, Ordering::Relaxed);
                let first = next.fetch_add(n, Ordering::Relaxed);
                if first >= total {
                    break;
                }
                let last = (first + n).min(total);
                let t = Instant::now();
                let mut block = Block {
                    first,
                    end: first,
                    rows: String::new(),
                    error: None,
                };
                for i in first..last {
                    match row(i) {
                        Ok(r) => {
                            block.rows.push_str(&r);
                            block.end = i + 1;
                        }
                        Err(e) => {
                            block.error = Some(e);
                            break;
                        }
                    }
                }
                let done = block.end - first;
                if done > 0 {
                    per_item = Some(t.elapsed().as_secs_f64() / done as f64);
                }
                let failed = block.error.is_some();
                if tx.send(block).is_err() || failed {
                    break;
                }
            }
        });
        drop(tx);
        writer.join().expect("the writer thread does not panic")
    });
    result?;
    Ok((written, written == total))
}

/// Stops the other workers taking items when a worker panics (the panic
/// reaches the caller once every worker has returned).
struct HaltOnPanic<'a>(&'a AtomicBool);

impl Drop for HaltOnPanic<'_> {
    fn drop(&mut self) {
        if std::thread::panicking() {
            self.0.store(true, Ordering::Relaxed);
        }
    }
}

/// The writer: puts blocks back in item order and appends the completed
/// prefix of `items` to `file`. Returns the end of the prefix written and
/// the first error (an item's, or the file's).
#[allow(clippy::too_many_arguments)]
fn write_in_order(
    file: &mut std::fs::File,
    path: &Path,
    rx: Receiver<Block>,
    items: Range<usize>,
    of: usize,
    what: &str,
    progress: bool,
    halt: &AtomicBool,
    on_disk: &AtomicUsize,
) -> (usize, Result<(), Error>) {
    let t0 = Instant::now();
    let (mut synced, mut shown) = (t0, t0);
    let mut written = items.start;
    let mut blocks = 0usize;
    let mut waiting: BTreeMap<usize, Block> = BTreeMap::new();
    let mut error: Option<Error> = None;
    let mut out: Vec<u8> = Vec::new();
    for block in rx {
        if error.is_some() {
            continue; // drain, so that no worker waits on a full channel
        }
        waiting.insert(block.first, block);
        while let Some(b) = waiting.remove(&written) {
            out.extend_from_slice(b.rows.as_bytes());
            written = b.end;
            blocks += 1;
            if let Some(e) = b.error {
                error = Some(e);
                break;
            }
        }
        if !out.is_empty() {
            if let Err(e) = file.write_all(&out) {
                error.get_or_insert(Error::io(path, e));
            }
            out.clear();
            on_disk.store(blocks, Ordering::Release);
            if synced.elapsed().as_secs_f64() >= SYNC_S {
                if let Err(e) = file.sync_data() {
                    error.get_or_insert(Error::io(path, e));
                }
                synced = Instant::now();
            }
        }
        if error.is_some() {
            halt.store(true, Ordering::Relaxed);
        }
        if progress && shown.elapsed().as_secs_f64() >= 0.2 {
            shown = Instant::now();
            let rate = (written - items.start) as f64 / t0.elapsed().as_secs_f64().max(1e-9);
            let left = (of - written) as f64 / rate.max(1e-9);
            eprint!("\r  {written}/{of} {what}  {rate:.1} {what}/s  about {left:.0} s left   ");
        }
    }
    // The rows written are kept, whatever stopped the rest.
    if let Err(e) = file.sync_data() {
        error.get_or_insert(Error::io(path, e));
    }
    if progress {
        let rate = (written - items.start) as f64 / t0.elapsed().as_secs_f64().max(1e-9);
        eprintln!("\r  {written}/{of} {what}  {rate:.1} {what}/s                    ");
    }
    (written, error.map_or(Ok(()), Err))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opts<'a>(stop: &'a AtomicBool) -> ExecOptions<'a> {
        ExecOptions {
            out: std::env::temp_dir(),
            shard: super::super::Shard::ALL,
            resume: false,
            force: false,
            progress: false,
            stop,
            command: String::new(),
        }
    }

    fn pool_of(threads: usize) -> rayon::ThreadPool {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap()
    }

    fn scratch(name: &str) -> (std::path::PathBuf, std::fs::File) {
        let p = std::env::temp_dir().join(format!("pocsim-append-{name}-{}", std::process::id()));
        let f = std::fs::File::create(&p).unwrap();
        (p, f)
    }

    #[test]
    fn rows_arrive_in_item_order_whatever_the_threads() {
        let stop = AtomicBool::new(false);
        let mut files = Vec::new();
        for threads in [1, 2, 3] {
            let (p, mut f) = scratch(&format!("order{threads}"));
            let pool = pool_of(threads);
            let got = pool.install(|| {
                append_rows(&mut f, &p, 5..900, 900, "rows", &opts(&stop), |i| {
                    // Uneven work, so that workers overtake each other.
                    let spin = (i * 7919) % 13 * 200;
                    let x: u64 = (0..spin as u64).map(std::hint::black_box).sum();
                    Ok(format!("{i},{}\n", x % 2))
                })
            });
            assert_eq!(got.unwrap(), (900, true));
            files.push(std::fs::read_to_string(&p).unwrap());
            let _ = std::fs::remove_file(&p);
        }
        let want: Vec<usize> = (5..900).collect();
        let seen: Vec<usize> = files[0]
            .lines()
            .map(|l| l.split(',').next().unwrap().parse().unwrap())
            .collect();
        assert_eq!(seen, want);
        assert_eq!(files[0], files[1]);
        assert_eq!(files[0], files[2]);
    }

    #[test]
    fn an_error_leaves_the_rows_before_it_and_is_returned() {
        let stop = AtomicBool::new(false);
        let (p, mut f) = scratch("error");
        let pool = pool_of(2);
        let got = pool.install(|| {
            append_rows(&mut f, &p, 0..500, 500, "rows", &opts(&stop), |i| {
                if i == 321 {
                    Err(Error::Usage(format!("item {i} fails")))
                } else {
                    Ok(format!("{i}\n"))
                }
            })
        });
        assert!(matches!(got, Err(Error::Usage(m)) if m == "item 321 fails"));
        let text = std::fs::read_to_string(&p).unwrap();
        let _ = std::fs::remove_file(&p);
        let seen: Vec<usize> = text.lines().map(|l| l.parse().unwrap()).collect();
        assert_eq!(seen, (0..321).collect::<Vec<_>>());
    }

    #[test]
    fn a_slow_item_holds_the_others_back_instead_of_their_rows_piling_up() {
        let stop = AtomicBool::new(false);
        let (p, mut f) = scratch("slow");
        let beyond = AtomicUsize::new(0);
        let slow_done = AtomicBool::new(false);
        let pool = pool_of(2);
        let got = pool.install(|| {
            append_rows(&mut f, &p, 0..100_000, 100_000, "rows", &opts(&stop), |i| {
                if i == 10 {
                    std::thread::sleep(std::time::Duration::from_millis(300));
                    slow_done.store(true, Ordering::SeqCst);
                } else if i > 10 && !slow_done.load(Ordering::SeqCst) {
                    beyond.fetch_add(1, Ordering::SeqCst);
                }
                Ok(format!("{i}\n"))
            })
        });
        let _ = std::fs::remove_file(&p);
        assert_eq!(got.unwrap(), (100_000, true));
        // Without the bound the other worker finishes all 99,989 meanwhile.
        let n = beyond.load(Ordering::SeqCst);
        assert!(
            n <= AHEAD_BLOCKS * 2 * MAX_BLOCK + MAX_BLOCK,
            "{n} rows ran ahead"
        );
    }

    #[test]
    fn a_panic_stops_the_other_workers() {
        let stop = AtomicBool::new(false);
        let (p, mut f) = scratch("panic");
        let ran = AtomicUsize::new(0);
        let pool = pool_of(2);
        let got = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            pool.install(|| {
                append_rows(
                    &mut f,
                    &p,
                    0..1_000_000,
                    1_000_000,
                    "rows",
                    &opts(&stop),
                    |i| {
                        ran.fetch_add(1, Ordering::SeqCst);
                        assert!(i != 50, "item {i} fails");
                        Ok(format!("{i}\n"))
                    },
                )
            })
        }));
        let _ = std::fs::remove_file(&p);
        assert!(got.is_err());
        assert!(ran.load(Ordering::SeqCst) < 10_000);
    }

    #[test]
    fn a_stop_leaves_a_prefix_and_says_it_is_incomplete() {
        let stop = AtomicBool::new(false);
        let (p, mut f) = scratch("stop");
        let pool = pool_of(2);
        let (done, complete) = pool
            .install(|| {
                append_rows(&mut f, &p, 0..100_000, 100_000, "rows", &opts(&stop), |i| {
                    if i == 2000 {
                        stop.store(true, Ordering::SeqCst);
                    }
                    Ok(format!("{i}\n"))
                })
            })
            .unwrap();
        let text = std::fs::read_to_string(&p).unwrap();
        let _ = std::fs::remove_file(&p);
        assert!(!complete);
        assert!((2001..100_000).contains(&done), "{done}");
        let seen: Vec<usize> = text.lines().map(|l| l.parse().unwrap()).collect();
        assert_eq!(seen, (0..done).collect::<Vec<_>>());
    }
}
