//! Random streams: one per mechanic and entity, derived from (seed, replication).
//!
//! Common random numbers need two things. Replication *i* of every variant
//! must start from the same state, so the root is a pure function of (master
//! seed, replication index), never of threads or time. And each mechanic must
//! draw from its own stream, keyed by stable names (a site's id and a threat
//! kind, not a row number), so that changing one mechanic's parameters does
//! not shift every other draw. Streams are Xoshiro256++ (portable and fast),
//! seeded through SplitMix64 mixing of the key.

use rand::rngs::Xoshiro256PlusPlus;
use rand::{Rng, SeedableRng};

/// The generator every stream uses.
pub type Stream = Xoshiro256PlusPlus;

/// Which mechanic a stream serves (part of its key).
#[derive(Debug, Clone, Copy)]
#[repr(u64)]
pub enum Mechanic {
    Threat = 1,
    HostAbuse = 2,
    Patrol = 3,
    Escort = 4,
    Inject = 5,
    /// The capital's answers to approval and waiver requests.
    Approval = 6,
    /// Whether and when an unreported incident becomes known afterwards.
    Learning = 7,
    /// Experimental designs over uncertain inputs (not a mechanic of a run).
    Design = 8,
    /// Whether host authorities carry out the conditions the mission sets on
    /// its support (HRDDP's mitigating measures).
    Conditions = 9,
}

/// A replication's identity: the master seed and the replication index.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Seed {
    pub master: u64,
    pub replication: u64,
}

impl Seed {
    pub fn new(master: u64, replication: u64) -> Self {
        Seed {
            master,
            replication,
        }
    }

    /// The stream of one mechanic for one entity key.
    pub fn stream(&self, mechanic: Mechanic, key: u64) -> Stream {
        let mut h = mix(self.master ^ 0x9e37_79b9_7f4a_7c15);
        h = mix(h ^ self.replication);
        h = mix(h ^ mechanic as u64);
        h = mix(h ^ key);
        Stream::seed_from_u64(h)
    }
}

/// SplitMix64 finaliser: a bijective mix of 64 bits.
pub fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// FNV-1a of a name: a stable key for a site, unit or threat.
pub fn name_key(parts: &[&str]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for p in parts {
        for b in p.bytes().chain(std::iter::once(0xff)) {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    }
    h
}

/// A uniform number in [0, 1) from 53 random bits.
#[inline]
pub fn uniform<R: Rng + ?Sized>(r: &mut R) -> f64 {
    (r.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
}

/// An exponential waiting time with the given rate (infinite if rate is 0).
#[inline]
pub fn exponential<R: Rng + ?Sized>(r: &mut R, rate: f64) -> f64 {
    if rate <= 0.0 {
        return f64::INFINITY;
    }
    -(1.0 - uniform(r)).ln() / rate
}

/// Rounds `x >= 0` up or down at random so that the mean is `x`.
#[inline]
pub fn stochastic_round(x: f64, u: f64) -> u64 {
    let f = x.floor();
    f as u64 + u64::from(u < x - f)
}

/// Binomial draw by summing Bernoullis (n is small here: perpetrators).
pub fn binomial<R: Rng + ?Sized>(r: &mut R, n: u32, p: f64) -> u32 {
    if p <= 0.0 {
        return 0;
    }
    if p >= 1.0 {
        return n;
    }
    (0..n).filter(|_| uniform(r) < p).count() as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streams_are_pure_functions_of_their_key() {
        let s = Seed::new(7, 3);
        let a: Vec<u64> = (0..4)
            .map(|_| 0)
            .scan(s.stream(Mechanic::Threat, 11), |r, _| Some(r.next_u64()))
            .collect();
        let b: Vec<u64> = (0..4)
            .map(|_| 0)
            .scan(s.stream(Mechanic::Threat, 11), |r, _| Some(r.next_u64()))
            .collect();
        assert_eq!(a, b);
        let mut c = Seed::new(7, 4).stream(Mechanic::Threat, 11);
        assert_ne!(a[0], c.next_u64());
        let mut d = s.stream(Mechanic::Patrol, 11);
        assert_ne!(a[0], d.next_u64());
    }

    #[test]
    fn uniform_and_rounding_have_the_right_means() {
        let mut r = Seed::new(1, 1).stream(Mechanic::Patrol, 0);
        let n = 100_000;
        let mean: f64 = (0..n).map(|_| uniform(&mut r)).sum::<f64>() / n as f64;
        assert!((mean - 0.5).abs() < 0.01);
        let m: f64 = (0..n)
            .map(|_| stochastic_round(2.3, uniform(&mut r)) as f64)
            .sum::<f64>()
            / n as f64;
        assert!((m - 2.3).abs() < 0.01);
    }
}
