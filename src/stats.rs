//! Summary statistics for experiments: means, standard deviations, R type-7
//! quantiles, Student-t confidence intervals and paired differences.
//!
//! Every sum is taken sequentially over values in a fixed order, so results are
//! bit-identical whatever the thread count that produced the values.

pub use crate::metrics::quantile_sorted;

/// Descriptive statistics of one metric for one variant.
#[derive(Debug, Clone, PartialEq)]
pub struct Describe {
    pub n: usize,
    pub mean: f64,
    pub sd: f64,
    pub min: f64,
    pub p5: f64,
    pub p25: f64,
    pub median: f64,
    pub p75: f64,
    pub p95: f64,
    pub max: f64,
    /// 95% confidence interval of the mean (Student t).
    pub ci_low: f64,
    pub ci_high: f64,
}

/// Describes the finite values of `xs` (NaN marks "not defined in that run").
pub fn describe(xs: &[f64]) -> Describe {
    let mut v: Vec<f64> = xs.iter().copied().filter(|x| x.is_finite()).collect();
    v.sort_by(f64::total_cmp);
    let n = v.len();
    let mean = mean(&v);
    let sd = sd(&v, mean);
    let half = half_width(sd, n);
    let q = |p| quantile_sorted(&v, p);
    Describe {
        n,
        mean,
        sd,
        min: v.first().copied().unwrap_or(f64::NAN),
        p5: q(0.05),
        p25: q(0.25),
        median: q(0.5),
        p75: q(0.75),
        p95: q(0.95),
        max: v.last().copied().unwrap_or(f64::NAN),
        ci_low: mean - half,
        ci_high: mean + half,
    }
}

/// A pooled ratio Σnum / Σden over replications (a share whose denominator
/// varies from run to run), with a 95% interval by the delta method; only
/// `n`, `mean`, `ci_low` and `ci_high` are meaningful.
pub fn pooled_ratio(num: &[f64], den: &[f64]) -> Describe {
    let (sy, sx): (f64, f64) = num
        .iter()
        .zip(den)
        .fold((0.0, 0.0), |a, (y, x)| (a.0 + y, a.1 + x));
    let n = num.len();
    let r = if sx > 0.0 { sy / sx } else { f64::NAN };
    let xbar = sx / n.max(1) as f64;
    let ss: f64 = num.iter().zip(den).map(|(y, x)| (y - r * x).powi(2)).sum();
    let se = if n > 1 && xbar > 0.0 {
        (ss / (n as f64 * (n - 1) as f64)).sqrt() / xbar
    } else {
        f64::NAN
    };
    let half = t_quantile(0.975, (n.max(2) - 1) as f64) * se;
    Describe {
        n,
        mean: r,
        sd: f64::NAN,
        min: f64::NAN,
        p5: f64::NAN,
        p25: f64::NAN,
        median: f64::NAN,
        p75: f64::NAN,
        p95: f64::NAN,
        max: f64::NAN,
        ci_low: r - half,
        ci_high: r + half,
    }
}

pub fn mean(v: &[f64]) -> f64 {
    if v.is_empty() {
        return f64::NAN;
    }
    v.iter().sum::<f64>() / v.len() as f64
}

/// Sample standard deviation (n - 1); NaN below two values.
pub fn sd(v: &[f64], mean: f64) -> f64 {
    if v.len() < 2 {
        return f64::NAN;
    }
    (v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (v.len() - 1) as f64).sqrt()
}

/// Half-width of the 95% t interval of a mean.
pub fn half_width(sd: f64, n: usize) -> f64 {
    if n < 2 {
        return f64::NAN;
    }
    t_quantile(0.975, (n - 1) as f64) * sd / (n as f64).sqrt()
}

/// Paired comparison of a variant with the baseline on one metric.
#[derive(Debug, Clone, PartialEq)]
pub struct Paired {
    pub n: usize,
    pub baseline_mean: f64,
    pub variant_mean: f64,
    pub mean_diff: f64,
    pub ci_low: f64,
    pub ci_high: f64,
    /// mean_diff / baseline_mean (NaN if the baseline mean is 0).
    pub relative: f64,
    /// Share of pairs in which the variant did strictly better.
    pub share_better: f64,
}

/// Paired differences variant - baseline over replications where both are defined.
pub fn paired(baseline: &[f64], variant: &[f64], lower_is_better: bool) -> Paired {
    let mut b = Vec::with_capacity(baseline.len());
    let mut v = Vec::with_capacity(baseline.len());
    for (&x, &y) in baseline.iter().zip(variant) {
        if x.is_finite() && y.is_finite() {
            b.push(x);
            v.push(y);
        }
    }
    let d: Vec<f64> = v.iter().zip(&b).map(|(y, x)| y - x).collect();
    let n = d.len();
    let md = mean(&d);
    let half = half_width(sd(&d, md), n);
    let bm = mean(&b);
    let better = d
        .iter()
        .filter(|&&x| if lower_is_better { x < 0.0 } else { x > 0.0 })
        .count();
    Paired {
        n,
        baseline_mean: bm,
        variant_mean: mean(&v),
        mean_diff: md,
        // Identical pairs give a zero-width interval, not NaN.
        ci_low: if half.is_nan() && n >= 2 {
            md
        } else {
            md - half
        },
        ci_high: if half.is_nan() && n >= 2 {
            md
        } else {
            md + half
        },
        relative: if bm != 0.0 { md / bm } else { f64::NAN },
        share_better: if n > 0 {
            better as f64 / n as f64
        } else {
            f64::NAN
        },
    }
}

/// Quantile of Student's t distribution with `df` degrees of freedom.
///
/// A summary asks for the same quantile (0.975, one df) for every metric and
/// variant: the last answer is kept per thread, the same bits as computing it.
pub fn t_quantile(p: f64, df: f64) -> f64 {
    thread_local! {
        static LAST: std::cell::Cell<(u64, u64, f64)> = const { std::cell::Cell::new((0, 0, f64::NAN)) };
    }
    let key = (p.to_bits(), df.to_bits());
    let (kp, kd, last) = LAST.with(std::cell::Cell::get);
    if (kp, kd) == key && !last.is_nan() {
        return last;
    }
    let q = t_quantile_of(p, df);
    LAST.with(|c| c.set((key.0, key.1, q)));
    q
}

/// [`t_quantile`], computed.
fn t_quantile_of(p: f64, df: f64) -> f64 {
    if p == 0.5 {
        return 0.0;
    }
    if p < 0.5 {
        return -t_quantile_of(1.0 - p, df);
    }
    // Bisection on the CDF: monotone, robust, and fast enough for summaries.
    let (mut lo, mut hi) = (0.0, 1.0);
    while t_cdf(hi, df) < p {
        hi *= 2.0;
        if hi > 1e12 {
            return f64::INFINITY;
        }
    }
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        if t_cdf(mid, df) < p {
            lo = mid;
        } else {
            hi = mid;
        }
        if hi - lo < 1e-13 * hi.max(1.0) {
            break;
        }
    }
    0.5 * (lo + hi)
}

/// CDF of Student's t.
pub fn t_cdf(t: f64, df: f64) -> f64 {
    let x = df / (df + t * t);
    let tail = 0.5 * inc_beta(df / 2.0, 0.5, x);
    if t >= 0.0 { 1.0 - tail } else { tail }
}

/// Regularised incomplete beta I_x(a, b) by Lentz's continued fraction.
pub(crate) fn inc_beta(a: f64, b: f64, x: f64) -> f64 {
    if x <= 0.0 {
        return 0.0;
    }
    if x >= 1.0 {
        return 1.0;
    }
    let ln_front = ln_gamma(a + b) - ln_gamma(a) - ln_gamma(b) + a * x.ln() + b * (1.0 - x).ln();
    if x > (a + 1.0) / (a + b + 2.0) {
        return 1.0 - inc_beta(b, a, 1.0 - x);
    }
    let front = ln_front.exp() / a;
    let tiny = 1e-300;
    let (mut f, mut c, mut d) = (1.0, 1.0, 0.0);
    for i in 0..=400 {
        let m = (i / 2) as f64;
        let num = if i == 0 {
            1.0
        } else if i % 2 == 0 {
            m * (b - m) * x / ((a + 2.0 * m - 1.0) * (a + 2.0 * m))
        } else {
            -((a + m) * (a + b + m) * x) / ((a + 2.0 * m) * (a + 2.0 * m + 1.0))
        };
        d = 1.0 + num * d;
        if d.abs() < tiny {
            d = tiny;
        }
        d = 1.0 / d;
        c = 1.0 + num / c;
        if c.abs() < tiny {
            c = tiny;
        }
        let cd = c * d;
        f *= cd;
        if (1.0 - cd).abs() < 1e-15 {
            break;
        }
    }
    front * (f - 1.0)
}

/// ln Γ(x) by the Lanczos approximation (g = 7, n = 9).
fn ln_gamma(x: f64) -> f64 {
    const G: [f64; 9] = [
        0.999_999_999_999_809_9,
        676.520_368_121_885_1,
        -1_259.139_216_722_402_8,
        771.323_428_777_653_1,
        -176.615_029_162_140_6,
        12.507_343_278_686_905,
        -0.138_571_095_265_720_12,
        9.984_369_578_019_572e-6,
        1.505_632_735_149_311_6e-7,
    ];
    if x < 0.5 {
        let pi = std::f64::consts::PI;
        return (pi / (pi * x).sin()).ln() - ln_gamma(1.0 - x);
    }
    let x = x - 1.0;
    let mut a = G[0];
    let t = x + 7.5;
    for (i, g) in G.iter().enumerate().skip(1) {
        a += g / (x + i as f64);
    }
    0.5 * (2.0 * std::f64::consts::PI).ln() + (x + 0.5) * t.ln() - t + a.ln()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64, tol: f64) -> bool {
        (a - b).abs() <= tol
    }

    #[test]
    fn t_quantiles_match_r() {
        // R: qt(0.975, c(1, 2, 9, 29, 1000)); SciPy: t.ppf(0.975, df)
        assert!(close(t_quantile(0.975, 1.0), 12.706_204_736, 1e-6));
        assert!(close(t_quantile(0.975, 2.0), 4.302_652_730, 1e-7));
        assert!(close(t_quantile(0.975, 9.0), 2.262_157_163, 1e-8));
        assert!(close(t_quantile(0.975, 29.0), 2.045_229_642, 1e-8));
        assert!(close(t_quantile(0.975, 1000.0), 1.962_339_08, 1e-7));
        assert!(close(t_quantile(0.025, 9.0), -2.262_157_163, 1e-8));
    }

    #[test]
    fn describe_matches_r() {
        // x <- c(3, 1, 4, 1, 5, 9, 2, 6, 5, 3)
        // mean 3.9, sd 2.469818, quantile(x, c(.05,.25,.5,.75,.95)) type 7:
        // 1.00 2.25 3.50 5.00 7.65; t.test(x)$conf.int (= SciPy t.interval): 2.1331988 5.6668012
        let x = [3.0, 1.0, 4.0, 1.0, 5.0, 9.0, 2.0, 6.0, 5.0, 3.0];
        let d = describe(&x);
        assert_eq!(d.n, 10);
        assert!(close(d.mean, 3.9, 1e-12));
        assert!(close(d.sd, 2.469_817_807, 1e-8));
        assert!(close(d.p5, 1.0, 1e-12));
        assert!(close(d.p25, 2.25, 1e-12));
        assert!(close(d.median, 3.5, 1e-12));
        assert!(close(d.p75, 5.0, 1e-12));
        assert!(close(d.p95, 7.65, 1e-12));
        assert!(close(d.ci_low, 2.133_198_775, 1e-8));
        assert!(close(d.ci_high, 5.666_801_225, 1e-8));
    }

    #[test]
    fn paired_differences_match_r() {
        // b <- c(10, 12, 9, 14, 11); v <- c(8, 11, 9, 10, 12)
        // t.test(v, b, paired = TRUE) (= SciPy): mean diff -1.2, CI -3.5883884 1.1883884
        let b = [10.0, 12.0, 9.0, 14.0, 11.0];
        let v = [8.0, 11.0, 9.0, 10.0, 12.0];
        let p = paired(&b, &v, true);
        assert_eq!(p.n, 5);
        assert!(close(p.mean_diff, -1.2, 1e-12));
        assert!(close(p.ci_low, -3.588_388_388, 1e-8));
        assert!(close(p.ci_high, 1.188_388_388, 1e-8));
        assert!(close(p.share_better, 0.6, 1e-12));
        assert!(close(p.relative, -1.2 / 11.2, 1e-12));
        // Identical variants: exactly zero.
        let z = paired(&b, &b, true);
        assert_eq!(
            (z.mean_diff, z.ci_low, z.ci_high, z.share_better),
            (0.0, 0.0, 0.0, 0.0)
        );
    }
}
