//! The search's model of the outcome: an additive main-effects model (each
//! lever value shifts the protection objective by its own amount), fitted by
//! least squares to every candidate evaluated so far, and the candidates it
//! predicts on the cost–protection front.
//!
//! Why: in pocsim's scenarios a lever step often moves the outcome by less
//! than one candidate's replication noise, so a search that ranks candidates
//! by their own estimates chases luck, and a hand-made sweep that evaluates
//! many near-equal deployments wins some points of the front by luck alone.
//! The model pools every evaluation into each lever value's effect, so its
//! prediction for an untried deployment is far less noisy than any one
//! estimate; the search then spends its budget on the deployments predicted
//! cheapest for their protection, across the whole range of cost (a
//! deployment's cost needs no simulation). Where the effects interact, the
//! evolution's own children and the refinement around the front correct it.

/// An additive model: an intercept and one coefficient per lever value (the
/// first value of each lever is the reference).
#[derive(Debug, Clone)]
pub struct Additive {
    /// Column of each lever's second value in the coefficients.
    offsets: Vec<usize>,
    beta: Vec<f64>,
}

impl Additive {
    /// Coefficients to fit: the intercept and every value but each lever's first.
    pub fn parameters(sizes: &[usize]) -> usize {
        1 + sizes.iter().map(|&k| k.saturating_sub(1)).sum::<usize>()
    }

    fn columns<'a>(&'a self, g: &'a [usize]) -> impl Iterator<Item = usize> + 'a {
        g.iter()
            .zip(&self.offsets)
            .filter(|(v, _)| **v > 0)
            .map(|(v, o)| o + v - 1)
    }

    /// Least squares with a slight ridge (so that a lever value not yet
    /// evaluated gets no effect rather than an arbitrary one). `None` when
    /// fewer points than coefficients have finite outcomes.
    pub fn fit(sizes: &[usize], points: &[(&[usize], f64)]) -> Option<Additive> {
        let p = Self::parameters(sizes);
        let mut offsets = Vec::with_capacity(sizes.len());
        let mut at = 1;
        for &k in sizes {
            offsets.push(at);
            at += k.saturating_sub(1);
        }
        let model = Additive {
            offsets,
            beta: vec![0.0; p],
        };
        let finite: Vec<&(&[usize], f64)> = points.iter().filter(|(_, y)| y.is_finite()).collect();
        if finite.len() < p {
            return None;
        }
        // Normal equations, from the one-hot rows.
        let mut a = vec![vec![0.0; p]; p];
        let mut b = vec![0.0; p];
        for (g, y) in finite.iter().map(|x| (x.0, x.1)) {
            let cols: Vec<usize> = std::iter::once(0).chain(model.columns(g)).collect();
            for &i in &cols {
                b[i] += y;
                for &j in &cols {
                    a[i][j] += 1.0;
                }
            }
        }
        let ridge = 1e-6 * finite.len() as f64;
        for (i, row) in a.iter_mut().enumerate().skip(1) {
            row[i] += ridge;
        }
        let beta = solve(a, b)?;
        Some(Additive { beta, ..model })
    }

    pub fn predict(&self, g: &[usize]) -> f64 {
        self.beta[0] + self.columns(g).map(|c| self.beta[c]).sum::<f64>()
    }
}

/// Gaussian elimination with partial pivoting; `None` if singular.
fn solve(mut a: Vec<Vec<f64>>, mut b: Vec<f64>) -> Option<Vec<f64>> {
    let n = b.len();
    for col in 0..n {
        let pivot = (col..n).max_by(|&i, &j| a[i][col].abs().total_cmp(&a[j][col].abs()))?;
        if a[pivot][col].abs() < 1e-12 {
            return None;
        }
        a.swap(col, pivot);
        b.swap(col, pivot);
        let (top, below) = a.split_at_mut(col + 1);
        let pivot_row = &top[col];
        for (r, row) in below.iter_mut().enumerate() {
            let f = row[col] / pivot_row[col];
            if f != 0.0 {
                for (x, p) in row[col..].iter_mut().zip(&pivot_row[col..]) {
                    *x -= f * p;
                }
                b[col + 1 + r] -= f * b[col];
            }
        }
    }
    let mut x = vec![0.0; n];
    for row in (0..n).rev() {
        let s: f64 = (row + 1..n).map(|k| a[row][k] * x[k]).sum();
        x[row] = (b[row] - s) / a[row][row];
    }
    Some(x)
}

/// The non-dominated layers of (cost, objective) points, both minimised:
/// `layer[i]` (0 is the front). Equal points share a layer.
pub fn layers(points: &[(f64, f64)]) -> Vec<usize> {
    let mut layer = vec![usize::MAX; points.len()];
    let mut left: Vec<usize> = (0..points.len()).collect();
    left.sort_by(|&a, &b| {
        points[a]
            .0
            .total_cmp(&points[b].0)
            .then(points[a].1.total_cmp(&points[b].1))
            .then(a.cmp(&b))
    });
    let mut l = 0;
    while !left.is_empty() {
        let mut rest = Vec::new();
        let mut best = f64::INFINITY;
        let mut last: Option<(f64, f64)> = None;
        for &i in &left {
            let (c, o) = points[i];
            // On the front: better than everything cheaper (or equal to the
            // point just kept).
            if o < best || last == Some((c, o)) {
                layer[i] = l;
                best = best.min(o);
                last = Some((c, o));
            } else {
                rest.push(i);
            }
        }
        left = rest;
        l += 1;
    }
    layer
}

/// Up to `n` of `members` (sorted by cost) spread evenly over the range.
pub fn spread(members: &[usize], n: usize) -> Vec<usize> {
    if members.len() <= n {
        return members.to_vec();
    }
    if n == 1 {
        return vec![members[0]];
    }
    let mut out: Vec<usize> = (0..n)
        .map(|k| members[k * (members.len() - 1) / (n - 1)])
        .collect();
    out.dedup();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_additive_truth_is_recovered_from_noisy_points() {
        // y = 10 + 2*[g0] - 3*[g1 == 2] with noise of +-0.5.
        let sizes = [3, 3];
        let truth = |g: &[usize]| 10.0 + 2.0 * g[0] as f64 - if g[1] == 2 { 3.0 } else { 0.0 };
        let mut pts: Vec<(Vec<usize>, f64)> = Vec::new();
        for a in 0..3 {
            for b in 0..3 {
                let noise = if (a + b) % 2 == 0 { 0.5 } else { -0.5 };
                pts.push((vec![a, b], truth(&[a, b]) + noise));
            }
        }
        let view: Vec<(&[usize], f64)> = pts.iter().map(|(g, y)| (&g[..], *y)).collect();
        let m = Additive::fit(&sizes, &view).unwrap();
        for (g, _) in &pts {
            assert!((m.predict(g) - truth(g)).abs() < 0.5, "{g:?}");
        }
        assert!(Additive::fit(&sizes, &view[..3]).is_none());
    }

    #[test]
    fn layers_and_spread() {
        let pts = [(1.0, 5.0), (2.0, 4.0), (2.0, 6.0), (3.0, 4.0), (4.0, 1.0)];
        assert_eq!(layers(&pts), vec![0, 0, 1, 1, 0]);
        assert_eq!(spread(&[0, 1, 2, 3, 4, 5, 6], 3), vec![0, 3, 6]);
        assert_eq!(spread(&[7, 8], 3), vec![7, 8]);
    }
}
