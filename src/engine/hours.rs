//! Hours of the day. Shifts, night and daylight ask "what hour is it?" at
//! every patrol slot and response; `f64::rem_euclid` answers through a
//! library remainder call that cost a tenth of a tutorial replication.
//! [`rem24`] gives the same value, bit for bit, by exact arithmetic.

/// `x.rem_euclid(24.0)`, bit for bit.
///
/// For `0 <= x < 24` it is `x`; for `-24 < x < 0`, `x + 24` (one rounding, as
/// `rem_euclid` does). For `24 <= x < 1e15` it is `x - 24k` with `k` the
/// whole number of days: `24k` is exact (k < 2^46), and so is the difference,
/// since `24k <= x < 2 * 24k` (Sterbenz), which is what the remainder is.
/// Anything else takes the library's path.
pub(crate) fn rem24(x: f64) -> f64 {
    if (0.0..24.0).contains(&x) {
        return x;
    }
    if x < 0.0 && x > -24.0 {
        return x + 24.0;
    }
    if (24.0..1e15).contains(&x) {
        let mut k = (x / 24.0).floor();
        let mut r = x - 24.0 * k;
        // The quotient may round across a whole day.
        if r < 0.0 {
            k -= 1.0;
            r = x - 24.0 * k;
        } else if r >= 24.0 {
            k += 1.0;
            r = x - 24.0 * k;
        }
        return r;
    }
    x.rem_euclid(24.0)
}

#[cfg(test)]
mod tests {
    use super::rem24;

    #[test]
    fn the_same_as_rem_euclid_bit_for_bit() {
        let mut r = crate::rng::Seed::new(3, 0).stream(crate::rng::Mechanic::Patrol, 24);
        let mut xs: Vec<f64> = vec![
            0.0,
            -0.0,
            24.0,
            -24.0,
            48.0,
            23.999999999999996,
            24.000000000000004,
            47.99999999999999,
            -1e-300,
            1e-300,
            1e15,
            2e15,
            -1e9,
            f64::MAX,
        ];
        for k in 0..100_000u32 {
            // Whole days and hours near their edges, and arbitrary times.
            let day = f64::from(k % 5000) * 24.0;
            let u = crate::rng::uniform(&mut r);
            xs.push(day + u * 24.0);
            xs.push(day - u * 1e-9);
            xs.push(day + 24.0 - u * 1e-12);
            xs.push((u - 0.5) * 48.0);
            xs.push(u * 1e7);
            xs.push(f64::from_bits(
                day.to_bits().wrapping_add(u64::from(k % 7)).wrapping_sub(3),
            ));
        }
        for x in xs {
            if x.is_finite() {
                assert_eq!(
                    rem24(x).to_bits(),
                    x.rem_euclid(24.0).to_bits(),
                    "x = {x:e}"
                );
            }
        }
    }
}
