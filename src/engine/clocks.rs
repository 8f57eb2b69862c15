//! The next candidate time of every threat process, kept apart from the event
//! queue. Each process always has exactly one candidate pending (or none once
//! past the horizon), and candidates are the most frequent events, so a winner
//! tree over the processes (one leaf each, replaced in place) is cheaper than
//! popping and pushing them through the general heap, and keeps that heap small.

/// Winner tree over per-process times: the root holds the earliest.
#[derive(Debug, Clone, Default)]
pub struct ProcessClocks {
    /// Node k (1-based; children 2k and 2k+1; leaves from `leaves` on): the
    /// earliest (time, process) below it, ties to the lower process. A leaf
    /// holds its process's pending candidate, infinite if none.
    node: Vec<(f64, u32)>,
    /// Leaves start here (a power of two, at least 1).
    leaves: usize,
    /// Processes with a candidate pending.
    live: usize,
}

impl ProcessClocks {
    /// `n` processes, none pending.
    pub fn new(n: usize) -> Self {
        let leaves = n.next_power_of_two().max(1);
        let mut node = vec![(f64::INFINITY, 0u32); 2 * leaves];
        for p in 0..leaves {
            node[leaves + p].1 = p as u32;
        }
        for k in (1..leaves).rev() {
            node[k] = earlier(node[2 * k], node[2 * k + 1]);
        }
        ProcessClocks {
            node,
            leaves,
            live: 0,
        }
    }

    /// Sets process `p`'s pending candidate (`f64::INFINITY`: none).
    pub fn set(&mut self, p: usize, t: f64) {
        let mut k = self.leaves + p;
        let was = self.node[k].0.is_finite();
        match (was, t.is_finite()) {
            (false, true) => self.live += 1,
            (true, false) => self.live -= 1,
            _ => {}
        }
        self.node[k].0 = t;
        while k > 1 {
            let pair: &[(f64, u32); 2] = self.node[k & !1..(k & !1) + 2]
                .try_into()
                .expect("two children");
            let best = earlier(pair[0], pair[1]);
            k /= 2;
            self.node[k] = best;
        }
    }

    /// The earliest pending candidate: (time, process); infinite time if none.
    pub fn peek(&self) -> (f64, usize) {
        let (t, p) = self.node[1];
        (t, p as usize)
    }

    /// Processes with a candidate pending.
    pub fn live(&self) -> usize {
        self.live
    }
}

/// The earlier of two entries; on a tie the left (lower process) one.
fn earlier(a: (f64, u32), b: (f64, u32)) -> (f64, u32) {
    if b.0 < a.0 { b } else { a }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_root_is_always_the_earliest() {
        let mut r = crate::rng::Seed::new(9, 0).stream(crate::rng::Mechanic::Patrol, 1);
        for n in [1usize, 2, 3, 7, 64, 100] {
            let mut c = ProcessClocks::new(n);
            let mut reference = vec![f64::INFINITY; n];
            assert_eq!(c.peek().0, f64::INFINITY);
            for _ in 0..2000 {
                let p = (crate::rng::uniform(&mut r) * n as f64) as usize % n;
                let t = if crate::rng::uniform(&mut r) < 0.1 {
                    f64::INFINITY
                } else {
                    (crate::rng::uniform(&mut r) * 20.0).floor()
                };
                c.set(p, t);
                reference[p] = t;
                let want = reference
                    .iter()
                    .enumerate()
                    .fold(
                        (f64::INFINITY, 0),
                        |b, (k, &x)| if x < b.0 { (x, k) } else { b },
                    );
                let (t0, p0) = c.peek();
                assert_eq!(t0, want.0);
                if t0.is_finite() {
                    assert_eq!(p0, want.1, "ties go to the lower index");
                }
                assert_eq!(c.live(), reference.iter().filter(|x| x.is_finite()).count());
            }
        }
    }
}
