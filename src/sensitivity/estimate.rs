//! Estimators of sensitivity indices, with bootstrap confidence intervals:
//! Morris elementary effects (mu, mu*, sigma) and Sobol first-order and total
//! indices (Saltelli 2010 for S1, Jansen 1999 for ST) and second-order
//! indices (Saltelli 2002), as SALib computes them.

use crate::rng::{Mechanic, Seed};
use rand::Rng;

/// Morris statistics of one input.
#[derive(Debug, Clone, PartialEq)]
pub struct MorrisIndex {
    pub mu: f64,
    pub mu_star: f64,
    pub sigma: f64,
    /// Half-width of the 95% bootstrap interval of mu*.
    pub mu_star_conf: f64,
}

/// Elementary effects from trajectories: `ys[t][j]` is the output at point j
/// of trajectory t, `order[t][j]` the input moved at step j, `delta` the step.
pub fn morris(
    ys: &[Vec<f64>],
    order: &[Vec<usize>],
    k: usize,
    delta: f64,
    seed: u64,
) -> Vec<MorrisIndex> {
    let mut ee: Vec<Vec<f64>> = vec![Vec::new(); k];
    for (y, ord) in ys.iter().zip(order) {
        for (j, &i) in ord.iter().enumerate() {
            let d = (y[j + 1] - y[j]) / delta;
            if d.is_finite() {
                ee[i].push(d);
            }
        }
    }
    ee.iter()
        .enumerate()
        .map(|(i, e)| {
            let n = e.len().max(1) as f64;
            let mu = e.iter().sum::<f64>() / n;
            let mu_star = e.iter().map(|x| x.abs()).sum::<f64>() / n;
            let sigma = if e.len() > 1 {
                (e.iter().map(|x| (x - mu).powi(2)).sum::<f64>() / (n - 1.0)).sqrt()
            } else {
                f64::NAN
            };
            let boot = bootstrap(e.len(), seed ^ i as u64, |idx| {
                idx.iter().map(|&j| e[j].abs()).sum::<f64>() / idx.len().max(1) as f64
            });
            MorrisIndex {
                mu,
                mu_star,
                sigma,
                mu_star_conf: 1.96 * sd(&boot),
            }
        })
        .collect()
}

/// Sobol indices of one input.
#[derive(Debug, Clone, PartialEq)]
pub struct SobolIndex {
    pub s1: f64,
    pub s1_conf: f64,
    pub st: f64,
    pub st_conf: f64,
}

/// Sobol indices from outputs in Saltelli order: f(A) (`n`), f(B) (`n`),
/// then f(AB_i) for each input (`n` each).
pub fn sobol(y: &[f64], n: usize, k: usize, seed: u64) -> Vec<SobolIndex> {
    let fa = &y[..n];
    let fb = &y[n..2 * n];
    (0..k)
        .map(|i| {
            let fab = &y[(2 + i) * n..(3 + i) * n];
            let s1 = |idx: &[usize]| first_order(fa, fb, fab, idx);
            let st = |idx: &[usize]| total(fa, fb, fab, idx);
            let all: Vec<usize> = (0..n).collect();
            let b1 = bootstrap(n, seed ^ (2 * i) as u64, s1);
            let bt = bootstrap(n, seed ^ (2 * i + 1) as u64, st);
            SobolIndex {
                s1: s1(&all),
                s1_conf: 1.96 * sd(&b1),
                st: st(&all),
                st_conf: 1.96 * sd(&bt),
            }
        })
        .collect()
}

/// The second-order index of a pair of inputs.
#[derive(Debug, Clone, PartialEq)]
pub struct SobolPair {
    pub i: usize,
    pub j: usize,
    pub s2: f64,
    pub s2_conf: f64,
}

/// Second-order indices from outputs in Saltelli order with the BA block:
/// f(A), f(B), f(AB_1..k), f(BA_1..k) (`n` each). Saltelli (2002):
/// V_ij = mean(f(BA_i) f(AB_j) − f(A) f(B)) / Var, S2_ij = V_ij − S1_i − S1_j.
pub fn sobol_second_order(y: &[f64], n: usize, k: usize, seed: u64) -> Vec<SobolPair> {
    let fa = &y[..n];
    let fb = &y[n..2 * n];
    let ab = |i: usize| &y[(2 + i) * n..(3 + i) * n];
    let ba = |i: usize| &y[(2 + k + i) * n..(3 + k + i) * n];
    let mut out = Vec::new();
    for i in 0..k {
        for j in i + 1..k {
            let s2 = |idx: &[usize]| {
                let v = idx
                    .iter()
                    .map(|&r| ba(i)[r] * ab(j)[r] - fa[r] * fb[r])
                    .sum::<f64>()
                    / idx.len().max(1) as f64;
                v / variance(fa, fb, idx)
                    - first_order(fa, fb, ab(i), idx)
                    - first_order(fa, fb, ab(j), idx)
            };
            let all: Vec<usize> = (0..n).collect();
            let boot = bootstrap(n, seed ^ (1000 + i * k + j) as u64, s2);
            out.push(SobolPair {
                i,
                j,
                s2: s2(&all),
                s2_conf: 1.96 * sd(&boot),
            });
        }
    }
    out
}

fn variance(fa: &[f64], fb: &[f64], idx: &[usize]) -> f64 {
    let vals: Vec<f64> = idx.iter().flat_map(|&j| [fa[j], fb[j]]).collect();
    let m = vals.iter().sum::<f64>() / vals.len().max(1) as f64;
    vals.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (vals.len().max(2) - 1) as f64
}

/// Saltelli et al. (2010): V_i = mean(f(B) (f(AB_i) − f(A))).
fn first_order(fa: &[f64], fb: &[f64], fab: &[f64], idx: &[usize]) -> f64 {
    let v = idx.iter().map(|&j| fb[j] * (fab[j] - fa[j])).sum::<f64>() / idx.len().max(1) as f64;
    v / variance(fa, fb, idx)
}

/// Jansen (1999): VT_i = mean((f(A) − f(AB_i))²) / 2.
fn total(fa: &[f64], fb: &[f64], fab: &[f64], idx: &[usize]) -> f64 {
    let v = idx.iter().map(|&j| (fa[j] - fab[j]).powi(2)).sum::<f64>()
        / (2.0 * idx.len().max(1) as f64);
    v / variance(fa, fb, idx)
}

/// 200 bootstrap replicates of a statistic of `n` rows (resampled with
/// replacement, from the seed).
fn bootstrap(n: usize, seed: u64, stat: impl Fn(&[usize]) -> f64) -> Vec<f64> {
    if n == 0 {
        return Vec::new();
    }
    let mut rng = Seed::new(seed, 0).stream(Mechanic::Design, 0x626f_6f74);
    let mut idx = vec![0usize; n];
    (0..200)
        .map(|_| {
            for x in idx.iter_mut() {
                *x = (rng.next_u64() % n as u64) as usize;
            }
            stat(&idx)
        })
        .collect()
}

fn sd(v: &[f64]) -> f64 {
    let v: Vec<f64> = v.iter().copied().filter(|x| x.is_finite()).collect();
    let m = crate::stats::mean(&v);
    crate::stats::sd(&v, m)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::{Dist, Uncertain};
    use crate::sensitivity::design;

    fn input(low: f64, high: f64) -> Uncertain {
        Uncertain {
            path: String::new(),
            dist: Dist::Uniform,
            low: Some(low),
            mode: None,
            high: Some(high),
            mean: None,
            sd: None,
            alpha: None,
            beta: None,
            values: Vec::new(),
            note: String::new(),
        }
    }

    fn value(u: &Uncertain, x: f64) -> f64 {
        match u.quantile(x) {
            crate::scenario::uncertain::Drawn::Number(v) => v,
            _ => unreachable!(),
        }
    }

    #[test]
    fn sobol_recovers_the_ishigami_indices() {
        // Ishigami, a = 7, b = 0.1, inputs uniform on [-pi, pi]: S1 = 0.314,
        // 0.442, 0.000; ST = 0.558, 0.442, 0.244 (SALib's test values).
        let pi = std::f64::consts::PI;
        let inputs = [input(-pi, pi), input(-pi, pi), input(-pi, pi)];
        let n = 4096;
        let rows = design::saltelli(n, 3, true, 11);
        let y: Vec<f64> = rows
            .iter()
            .map(|r| {
                let x: Vec<f64> = r.iter().zip(&inputs).map(|(&u, d)| value(d, u)).collect();
                x[0].sin() + 7.0 * x[1].sin().powi(2) + 0.1 * x[2].powi(4) * x[0].sin()
            })
            .collect();
        let s = sobol(&y, n, 3, 5);
        // Only x1 and x3 interact: S2 = 0.244 for (1, 3), 0 for the others.
        let s2 = sobol_second_order(&y, n, 3, 5);
        for (p, want) in s2.iter().zip([0.0, 0.244, 0.0]) {
            assert!(
                (p.s2 - want).abs() <= p.s2_conf.max(0.05),
                "S2[{},{}] = {:.3} ± {:.3}, want {want}",
                p.i,
                p.j,
                p.s2,
                p.s2_conf
            );
        }
        let want = [(0.314, 0.558), (0.442, 0.442), (0.0, 0.244)];
        for (i, (si, (s1, st))) in s.iter().zip(want).enumerate() {
            assert!(
                (si.s1 - s1).abs() <= si.s1_conf.max(0.03),
                "S1[{i}] = {:.3} ± {:.3}, want {s1}",
                si.s1,
                si.s1_conf
            );
            assert!(
                (si.st - st).abs() <= si.st_conf.max(0.03),
                "ST[{i}] = {:.3} ± {:.3}, want {st}",
                si.st,
                si.st_conf
            );
        }
    }

    #[test]
    fn morris_ranks_the_g_function_inputs_by_their_coefficients() {
        // Sobol's g-function: the smaller a_i, the more input i matters.
        let a = [0.0, 1.0, 4.5, 9.0, 99.0, 99.0];
        let k = a.len();
        let levels = 4;
        let traj = design::morris(40, k, levels, 3);
        let delta = levels as f64 / (2.0 * (levels as f64 - 1.0));
        let g = |x: &[f64]| -> f64 {
            x.iter()
                .zip(&a)
                .map(|(&xi, &ai)| ((4.0 * xi - 2.0).abs() + ai) / (1.0 + ai))
                .product()
        };
        let ys: Vec<Vec<f64>> = traj
            .iter()
            .map(|(pts, _)| pts.iter().map(|p| g(p)).collect())
            .collect();
        let order: Vec<Vec<usize>> = traj.iter().map(|(_, o)| o.clone()).collect();
        let m = morris(&ys, &order, k, delta, 9);
        for i in 0..3 {
            assert!(
                m[i].mu_star > m[i + 1].mu_star,
                "mu* should fall with a: {:?}",
                m.iter().map(|x| x.mu_star).collect::<Vec<_>>()
            );
        }
        assert!(m[4].mu_star < 0.1 * m[0].mu_star);
    }
}
