//! Distributions of uncertain inputs, by their quantile function: a design
//! (Latin hypercube, Sobol, Morris) produces points in the unit cube and each
//! input maps its coordinate through its quantile function, so every method
//! shares one sampler.

use super::types::{Dist, Uncertain};

/// A drawn value: a number, or one of a choice's values (any TOML value).
#[derive(Debug, Clone, PartialEq)]
pub enum Drawn {
    Number(f64),
    Value(toml::Value),
}

impl Drawn {
    /// As `--set` takes it: a number (rounded for integer fields) or a TOML value.
    pub fn text(&self, integer: bool) -> String {
        match self {
            Drawn::Number(x) if integer => format!("{}", x.round() as i64),
            Drawn::Number(x) => format!("{x}"),
            Drawn::Value(v) => v.to_string(),
        }
    }
}

impl Uncertain {
    /// The value at quantile `u` in [0, 1) (a design's coordinate).
    pub fn quantile(&self, u: f64) -> Drawn {
        let u = u.clamp(0.0, 1.0);
        let trunc = |cdf_lo: f64, cdf_hi: f64| cdf_lo + u * (cdf_hi - cdf_lo);
        match self.dist {
            Dist::Uniform => {
                let (lo, hi) = (self.low.unwrap_or(0.0), self.high.unwrap_or(1.0));
                Drawn::Number(lo + u * (hi - lo))
            }
            Dist::Triangular => Drawn::Number(triangular_quantile(
                u,
                self.low.unwrap_or(0.0),
                self.mode.unwrap_or(0.5),
                self.high.unwrap_or(1.0),
            )),
            Dist::Normal => {
                let (m, s) = (self.mean.unwrap_or(0.0), self.sd.unwrap_or(1.0));
                let lo = self.low.map_or(0.0, |l| normal_cdf((l - m) / s));
                let hi = self.high.map_or(1.0, |h| normal_cdf((h - m) / s));
                let p = trunc(lo, hi).clamp(1e-12, 1.0 - 1e-12);
                Drawn::Number(m + s * normal_quantile(p))
            }
            Dist::Lognormal => {
                let (m, s) = (self.mean.unwrap_or(1.0), self.sd.unwrap_or(1.0));
                let s2 = (1.0 + (s / m).powi(2)).ln();
                let (mu, sigma) = (m.ln() - s2 / 2.0, s2.sqrt());
                let lo = self
                    .low
                    .filter(|l| *l > 0.0)
                    .map_or(0.0, |l| normal_cdf((l.ln() - mu) / sigma));
                let hi = self.high.map_or(1.0, |h| normal_cdf((h.ln() - mu) / sigma));
                let p = trunc(lo, hi).clamp(1e-12, 1.0 - 1e-12);
                Drawn::Number((mu + sigma * normal_quantile(p)).exp())
            }
            Dist::Beta => {
                let (lo, hi) = (self.low.unwrap_or(0.0), self.high.unwrap_or(1.0));
                let x = beta_quantile(u, self.alpha.unwrap_or(1.0), self.beta.unwrap_or(1.0));
                Drawn::Number(lo + x * (hi - lo))
            }
            Dist::Choice => {
                let n = self.values.len().max(1);
                let k = ((u * n as f64) as usize).min(n - 1);
                match self.values.get(k) {
                    Some(toml::Value::Integer(i)) => Drawn::Number(*i as f64),
                    Some(toml::Value::Float(f)) => Drawn::Number(*f),
                    Some(v) => Drawn::Value(v.clone()),
                    None => Drawn::Number(f64::NAN),
                }
            }
        }
    }

    /// Values that bound what the distribution draws (checked when it loads).
    pub fn probes(&self) -> Vec<Drawn> {
        match self.dist {
            Dist::Choice => (0..self.values.len())
                .map(|k| self.quantile((k as f64 + 0.5) / self.values.len() as f64))
                .collect(),
            _ => vec![self.quantile(0.0005), self.quantile(0.9995)],
        }
    }
}

/// Standard normal quantile (Acklam's rational approximation: relative error
/// below 1.2e-9).
pub fn normal_quantile(p: f64) -> f64 {
    if p <= 0.0 {
        return f64::NEG_INFINITY;
    }
    if p >= 1.0 {
        return f64::INFINITY;
    }
    const A: [f64; 6] = [
        -3.969_683_028_665_376e1,
        2.209_460_984_245_205e2,
        -2.759_285_104_469_687e2,
        1.383_577_518_672_69e2,
        -3.066_479_806_614_716e1,
        2.506_628_277_459_239,
    ];
    const B: [f64; 5] = [
        -5.447_609_879_822_406e1,
        1.615_858_368_580_409e2,
        -1.556_989_798_598_866e2,
        6.680_131_188_771_972e1,
        -1.328_068_155_288_572e1,
    ];
    const C: [f64; 6] = [
        -7.784_894_002_430_293e-3,
        -3.223_964_580_411_365e-1,
        -2.400_758_277_161_838,
        -2.549_732_539_343_734,
        4.374_664_141_464_968,
        2.938_163_982_698_783,
    ];
    const D: [f64; 4] = [
        7.784_695_709_041_462e-3,
        3.224_671_290_700_398e-1,
        2.445_134_137_142_996,
        3.754_408_661_907_416,
    ];
    let lo = 0.024_25;
    if p < lo {
        let q = (-2.0 * p.ln()).sqrt();
        (((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5])
            / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1.0)
    } else if p <= 1.0 - lo {
        let q = p - 0.5;
        let r = q * q;
        (((((A[0] * r + A[1]) * r + A[2]) * r + A[3]) * r + A[4]) * r + A[5]) * q
            / (((((B[0] * r + B[1]) * r + B[2]) * r + B[3]) * r + B[4]) * r + 1.0)
    } else {
        let q = (-2.0 * (1.0 - p).ln()).sqrt();
        -(((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5])
            / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1.0)
    }
}

/// Standard normal distribution function Φ.
pub fn normal_cdf(x: f64) -> f64 {
    0.5 * erfc(-x / std::f64::consts::SQRT_2)
}

/// Complementary error function (Numerical Recipes' erfcc, Chebyshev fit,
/// relative error below 1.2e-7: enough for truncation bounds).
fn erfc(x: f64) -> f64 {
    let z = x.abs();
    let t = 1.0 / (1.0 + 0.5 * z);
    let r = t
        * (-z * z - 1.265_512_23
            + t * (1.000_023_68
                + t * (0.374_091_96
                    + t * (0.096_784_18
                        + t * (-0.186_288_06
                            + t * (0.278_868_07
                                + t * (-1.135_203_98
                                    + t * (1.488_515_87
                                        + t * (-0.822_152_23 + t * 0.170_872_77)))))))))
            .exp();
    if x >= 0.0 { r } else { 2.0 - r }
}

/// Quantile of Beta(a, b) by bisection on the incomplete beta function.
pub fn beta_quantile(p: f64, a: f64, b: f64) -> f64 {
    let (mut lo, mut hi) = (0.0, 1.0);
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        if crate::stats::inc_beta(a, b, mid) < p {
            lo = mid;
        } else {
            hi = mid;
        }
        if hi - lo < 1e-15 {
            break;
        }
    }
    0.5 * (lo + hi)
}

/// Quantile of the triangular distribution on [low, high] with mode `mode`.
pub fn triangular_quantile(p: f64, low: f64, mode: f64, high: f64) -> f64 {
    let w = high - low;
    if w <= 0.0 {
        return low;
    }
    let fc = (mode - low) / w;
    if p < fc {
        low + (p * w * (mode - low)).sqrt()
    } else {
        high - ((1.0 - p) * w * (high - mode)).sqrt()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_match_reference_values() {
        // R: qnorm(0.975) = 1.959963984540054; qnorm(0.001) = -3.090232306167813
        assert!((normal_quantile(0.975) - 1.959_963_984_540_054).abs() < 1e-8);
        assert!((normal_quantile(0.001) + 3.090_232_306_167_813).abs() < 1e-8);
        assert!((normal_cdf(1.959_963_984_540_054) - 0.975).abs() < 1e-7);
        assert_eq!(normal_quantile(0.5), 0.0);
        // Beta(2, 5): I_x = sum_{j=2..6} C(6, j) x^j (1 - x)^(6 - j) = 0.3 at x =
        // 0.18180347; Beta(0.5, 0.5) is the arcsine law: sin^2(0.45 pi) = 0.9755283
        assert!((beta_quantile(0.3, 2.0, 5.0) - 0.181_803_47).abs() < 1e-6);
        assert!((beta_quantile(0.9, 0.5, 0.5) - 0.975_528_3).abs() < 1e-6);
        assert!((triangular_quantile(0.5, 0.0, 0.5, 1.0) - 0.5).abs() < 1e-12);
        assert_eq!(triangular_quantile(0.0, 1.0, 2.0, 3.0), 1.0);
        assert_eq!(triangular_quantile(1.0, 1.0, 2.0, 3.0), 3.0);
    }
}
