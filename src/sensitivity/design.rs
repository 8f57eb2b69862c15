//! Designs in the unit cube for sensitivity analysis: Morris trajectories and
//! the Saltelli cross-sampling scheme for Sobol indices. Inputs map each
//! coordinate through their quantile function (`Uncertain::quantile`), so the
//! simulator and the known-answer tests share one sampler.

use crate::rng::{Mechanic, Seed, uniform};
use rand::Rng;

/// Morris (1991) trajectories on a grid of `levels` levels: each starts at a
/// random grid point and moves one input at a time, in random order, by
/// Δ = levels / (2 (levels − 1)). Returns `r` trajectories of `k + 1` points,
/// and for each step the input that moved (in trajectory order).
pub fn morris(r: usize, k: usize, levels: usize, seed: u64) -> Vec<(Vec<Vec<f64>>, Vec<usize>)> {
    let p = levels.max(2) as f64;
    let delta = p / (2.0 * (p - 1.0));
    // Start levels keep x + Δ inside [0, 1]: the lower half of the grid.
    let starts = (levels.max(2) / 2).max(1);
    (0..r)
        .map(|t| {
            let mut rng = Seed::new(seed, t as u64).stream(Mechanic::Design, 0x6d6f_7272);
            let mut x: Vec<f64> = (0..k)
                .map(|_| (rng.next_u64() % starts as u64) as f64 / (p - 1.0))
                .collect();
            let mut order: Vec<usize> = (0..k).collect();
            for i in (1..k).rev() {
                let j = (rng.next_u64() % (i as u64 + 1)) as usize;
                order.swap(i, j);
            }
            let mut pts = vec![x.clone()];
            for &i in &order {
                x[i] += delta;
                pts.push(x.clone());
            }
            (pts, order)
        })
        .collect()
}

/// Saltelli's scheme: base matrices A and B (`n` × `k`, independent uniforms
/// from the seed), and for each input i the matrix AB_i: A with column i
/// taken from B. Rows in evaluation order: A, B, AB_1 … AB_k (n (k + 2)
/// points); with `second_order`, then BA_1 … BA_k (B with column i from A;
/// n (2k + 2) points).
pub fn saltelli(n: usize, k: usize, second_order: bool, seed: u64) -> Vec<Vec<f64>> {
    let mut rng = Seed::new(seed, 0).stream(Mechanic::Design, 0x736f_626f);
    let a: Vec<Vec<f64>> = (0..n)
        .map(|_| (0..k).map(|_| uniform(&mut rng)).collect())
        .collect();
    let b: Vec<Vec<f64>> = (0..n)
        .map(|_| (0..k).map(|_| uniform(&mut rng)).collect())
        .collect();
    let mut rows = Vec::with_capacity(n * (k + 2));
    rows.extend(a.iter().cloned());
    rows.extend(b.iter().cloned());
    for i in 0..k {
        for (ra, rb) in a.iter().zip(&b) {
            let mut x = ra.clone();
            x[i] = rb[i];
            rows.push(x);
        }
    }
    if second_order {
        for i in 0..k {
            for (ra, rb) in a.iter().zip(&b) {
                let mut x = rb.clone();
                x[i] = ra[i];
                rows.push(x);
            }
        }
    }
    rows
}
