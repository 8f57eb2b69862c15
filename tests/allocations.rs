//! The engine loop does not allocate per event in the steady state: doubling the
//! horizon doubles the events but adds only the few allocations of growing
//! buffers (amortised vector growth), counted by a counting allocator.

use pocsim::engine::RunOptions;
use pocsim::{Doctrine, Model, Seed, load_scenario_str, run};
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicU64, Ordering};

struct Counting;
static ALLOCS: AtomicU64 = AtomicU64::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        ALLOCS.fetch_add(1, Ordering::Relaxed);
        unsafe { System.alloc(l) }
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        unsafe { System.dealloc(p, l) }
    }
    unsafe fn realloc(&self, p: *mut u8, l: Layout, n: usize) -> *mut u8 {
        ALLOCS.fetch_add(1, Ordering::Relaxed);
        unsafe { System.realloc(p, l, n) }
    }
}

#[global_allocator]
static A: Counting = Counting;

/// (allocations, events) of one replication of a generated mission.
fn measure(days: f64) -> (u64, u64) {
    let text = pocsim::synth::mission(30, 15, days);
    let loaded = load_scenario_str(&text, "generated", &[]).unwrap();
    let model = Model::build(&loaded.scenario);
    let before = ALLOCS.load(Ordering::Relaxed);
    let r = run(
        &model,
        Seed::new(1, 0),
        &mut Doctrine::default(),
        RunOptions::default(),
    );
    let after = ALLOCS.load(Ordering::Relaxed);
    (after - before, r.events_processed)
}

#[test]
fn no_allocation_per_event_in_the_steady_state() {
    let (a1, e1) = measure(180.0);
    let (a2, e2) = measure(720.0);
    eprintln!("allocations: {a1} for {e1} events (180 days), {a2} for {e2} events (720 days)");
    assert!(e2 > 3 * e1, "the longer run has more events ({e1} -> {e2})");
    let per_event = (a2 as f64 - a1 as f64) / (e2 - e1) as f64;
    assert!(
        per_event < 0.005,
        "{a1} allocations for {e1} events, {a2} for {e2}: {per_event:.4} per extra event"
    );
}
