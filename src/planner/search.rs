//! The search: NSGA-II (Deb et al. 2002) over discrete levers, with Deb's
//! constrained domination, for the front of cost against protection.
//!
//! A candidate is one value index per lever. Each generation breeds children
//! from the population by binary tournament (rank, then crowding), uniform
//! crossover and mutation (a step to a neighbouring value of an ordered lever,
//! another value of a list), never a candidate already evaluated. Parents and
//! children are ranked together and the best fill the next population.
//!
//! Domination: a candidate that meets the targets beats one that does not; of
//! two that do not, the smaller shortfall wins; of two that do (or fall
//! equally short), the usual Pareto order on (cost, objective), both minimised.
//!
//! The first population holds the extremes and the cheap end of the space,
//! then a balanced design (every value of a lever about equally often), so
//! that an additive model of the levers' effects (`surrogate`) can be fitted.
//! From then on two thirds of each generation are the untried deployments
//! that model, refitted to every evaluation so far, predicts on the
//! cost–protection front, spread over the range of cost; the rest are the
//! evolution's children, which keep exploring where the model is wrong.
//!
//! Two thirds of the budget go to the evolution; the rest refines the front
//! (`refine`) with the untried one-step neighbours of its members, where
//! lever steps are small against the noise of the estimates: in turn, one
//! cheaper than the cheapest candidate meeting the targets (cheapest first:
//! it could lower the answer) and one the model predicts would improve the
//! evaluated front (largest predicted gain first: it fills gaps higher up the
//! front). A deployment's cost needs no simulation.
//!
//! The search stops when the budget of distinct candidates is spent, when no
//! new candidate can be bred (the space is exhausted), when the archive's
//! front has not changed for `stall` generations, or on an interrupt. It is a
//! pure function of the seed and of the evaluations.

use super::surrogate::{Additive, layers, spread};
use crate::error::Error;
use crate::rng::{Mechanic, Seed, Stream, uniform};
use rand::RngExt;
use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, Ordering};

/// A candidate's score.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Score {
    /// US$ a year.
    pub cost: f64,
    /// The protection objective, minimised (lower is better).
    pub objective: f64,
    /// How far the targets are from being met (0: met).
    pub violation: f64,
}

/// The search's settings.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Values per lever.
    pub sizes: Vec<usize>,
    /// Whether each lever's values are ordered.
    pub ordinal: Vec<bool>,
    pub population: usize,
    /// Distinct candidates to evaluate at most.
    pub budget: usize,
    /// Generations without a change of the front before stopping.
    pub stall: usize,
    pub seed: u64,
}

/// Why the search stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stop {
    Budget,
    Exhausted,
    Stalled,
    /// Every neighbour of the front was evaluated.
    Refined,
    Interrupted,
}

impl Stop {
    pub fn words(self, s: &Settings) -> String {
        match self {
            Stop::Budget => format!("the budget of {} candidates was spent", s.budget),
            Stop::Exhausted => "every deployment the levers allow was evaluated".into(),
            Stop::Stalled => format!("the front did not change for {} generations", s.stall),
            Stop::Refined => "every one-step neighbour of the front was evaluated".into(),
            Stop::Interrupted => "interrupted".into(),
        }
    }
}

/// What the search evaluated.
#[derive(Debug, Clone)]
pub struct Archive {
    /// Every candidate in the order evaluated, with its generation.
    pub candidates: Vec<(Vec<usize>, Score, usize)>,
    pub generations: usize,
    pub stop: Option<Stop>,
}

/// Does `a` dominate `b` (constrained domination, both objectives minimised)?
pub fn dominates(a: &Score, b: &Score) -> bool {
    if (a.violation > 0.0 || b.violation > 0.0) && a.violation != b.violation {
        return a.violation < b.violation;
    }
    a.cost <= b.cost && a.objective <= b.objective && (a.cost < b.cost || a.objective < b.objective)
}

/// Fronts of non-domination: `rank[i]` (0 is the first front).
pub fn ranks(scores: &[Score]) -> Vec<usize> {
    let n = scores.len();
    let mut dominated_by = vec![0usize; n];
    let mut dominates_list: Vec<Vec<usize>> = vec![Vec::new(); n];
    for i in 0..n {
        for j in 0..n {
            if i != j && dominates(&scores[i], &scores[j]) {
                dominates_list[i].push(j);
            } else if i != j && dominates(&scores[j], &scores[i]) {
                dominated_by[i] += 1;
            }
        }
    }
    let mut rank = vec![usize::MAX; n];
    let mut current: Vec<usize> = (0..n).filter(|&i| dominated_by[i] == 0).collect();
    let mut r = 0;
    while !current.is_empty() {
        let mut next = Vec::new();
        for &i in &current {
            rank[i] = r;
            for &j in &dominates_list[i] {
                dominated_by[j] -= 1;
                if dominated_by[j] == 0 {
                    next.push(j);
                }
            }
        }
        next.sort_unstable();
        current = next;
        r += 1;
    }
    rank
}

/// Crowding distance of each member of one front (`idx` into `scores`).
fn crowding(scores: &[Score], idx: &[usize]) -> Vec<f64> {
    let mut d = vec![0.0; idx.len()];
    if idx.len() <= 2 {
        return vec![f64::INFINITY; idx.len()];
    }
    for key in [|s: &Score| s.cost, |s: &Score| s.objective] {
        let mut order: Vec<usize> = (0..idx.len()).collect();
        order.sort_by(|&a, &b| {
            key(&scores[idx[a]])
                .total_cmp(&key(&scores[idx[b]]))
                .then(a.cmp(&b))
        });
        let lo = key(&scores[idx[order[0]]]);
        let hi = key(&scores[idx[*order.last().expect("not empty")]]);
        d[order[0]] = f64::INFINITY;
        d[*order.last().expect("not empty")] = f64::INFINITY;
        if hi > lo {
            for k in 1..order.len() - 1 {
                let gap = key(&scores[idx[order[k + 1]]]) - key(&scores[idx[order[k - 1]]]);
                d[order[k]] += gap / (hi - lo);
            }
        }
    }
    d
}

/// Rank and crowding of every score: (rank, crowding).
fn rank_and_crowding(scores: &[Score]) -> Vec<(usize, f64)> {
    let rank = ranks(scores);
    let mut out = vec![(0, 0.0); scores.len()];
    let max_rank = rank.iter().copied().max().unwrap_or(0);
    for r in 0..=max_rank {
        let idx: Vec<usize> = (0..scores.len()).filter(|&i| rank[i] == r).collect();
        for (k, c) in crowding(scores, &idx).into_iter().enumerate() {
            out[idx[k]] = (r, c);
        }
    }
    out
}

/// Is `a` better than `b` in a tournament: lower rank, then more crowding.
fn better(a: (usize, f64), b: (usize, f64)) -> bool {
    a.0 < b.0 || (a.0 == b.0 && a.1 > b.1)
}

/// The indices of `scores` that survive into a population of `n`.
fn select(scores: &[Score], n: usize) -> Vec<usize> {
    let rc = rank_and_crowding(scores);
    let mut order: Vec<usize> = (0..scores.len()).collect();
    order.sort_by(|&a, &b| {
        rc[a]
            .0
            .cmp(&rc[b].0)
            .then(rc[b].1.total_cmp(&rc[a].1))
            .then(a.cmp(&b))
    });
    order.truncate(n);
    order.sort_unstable();
    order
}

/// The first front of the archive (indices into it, in archive order).
pub fn front(scores: &[Score]) -> Vec<usize> {
    let rank = ranks(scores);
    (0..scores.len()).filter(|&i| rank[i] == 0).collect()
}

/// Runs the search. `eval` scores a batch of new candidates (in order).
pub fn search(
    s: &Settings,
    stop: &AtomicBool,
    cost: impl Fn(&[usize]) -> Result<f64, Error>,
    mut eval: impl FnMut(&[Vec<usize>]) -> Result<Vec<Score>, Error>,
) -> Result<Archive, Error> {
    let mut rng: Stream = Seed::new(s.seed, 0).stream(Mechanic::Design, 0x504c_414e);
    let space: f64 = s.sizes.iter().map(|&k| k as f64).product();
    let mut seen: HashSet<Vec<usize>> = HashSet::new();
    let mut archive = Archive {
        candidates: Vec::new(),
        generations: 0,
        stop: None,
    };
    let p = s.population.max(2);
    // The first population: the first and the last values of every lever,
    // then draws.
    let mut first: Vec<Vec<usize>> = Vec::new();
    let add = |g: Vec<usize>, first: &mut Vec<Vec<usize>>, seen: &mut HashSet<Vec<usize>>| {
        if seen.insert(g.clone()) {
            first.push(g);
        }
    };
    add(vec![0; s.sizes.len()], &mut first, &mut seen);
    add(
        s.sizes.iter().map(|&k| k - 1).collect(),
        &mut first,
        &mut seen,
    );
    // The first value of every lever but one, that one at its last: the
    // cheap end of the space, where the cheapest deployment is sought.
    for (j, &k) in s.sizes.iter().enumerate() {
        let mut g = vec![0; s.sizes.len()];
        g[j] = k - 1;
        add(g, &mut first, &mut seen);
    }
    // Enough points to fit the model, in a balanced design: each lever's
    // values in shuffled rounds, so that every value appears about equally.
    let want = p
        .max(Additive::parameters(&s.sizes) + 2)
        .min(s.budget / 2)
        .max(p.min(s.budget))
        .min(space as usize);
    let rounds: Vec<Vec<usize>> = s
        .sizes
        .iter()
        .map(|&k| {
            let mut seq = Vec::with_capacity(want + k);
            while seq.len() < want {
                let mut perm: Vec<usize> = (0..k).collect();
                for i in (1..k).rev() {
                    perm.swap(i, rng.random_range(0..=i));
                }
                seq.extend(perm);
            }
            seq
        })
        .collect();
    for i in 0..want {
        if first.len() >= want {
            break;
        }
        add(
            rounds.iter().map(|seq| seq[i]).collect(),
            &mut first,
            &mut seen,
        );
    }
    let mut tries = 0;
    while first.len() < want && tries < 100 * p {
        tries += 1;
        let g: Vec<usize> = s
            .sizes
            .iter()
            .map(|&k| (uniform(&mut rng) * k as f64) as usize % k)
            .collect();
        add(g, &mut first, &mut seen);
    }
    first.truncate(want.max(1));
    let scores = eval(&first)?;
    for (g, sc) in first.iter().zip(scores) {
        archive.candidates.push((g.clone(), sc, 0));
    }
    let mut pop: Vec<usize> = (0..archive.candidates.len()).collect();
    let mut last_front = front_genes(&archive);
    let mut stalled = 0;
    let mut costs: HashMap<Vec<usize>, f64> = HashMap::new();
    // Two thirds of the budget for the evolution, the rest to refine the front.
    let ga_budget = s.budget - s.budget / 3;
    loop {
        if archive.candidates.len() >= ga_budget {
            archive.stop = Some(Stop::Budget);
            break;
        }
        if stop.load(Ordering::SeqCst) {
            archive.stop = Some(Stop::Interrupted);
            break;
        }
        let pop_scores: Vec<Score> = pop.iter().map(|&i| archive.candidates[i].1).collect();
        let rc = rank_and_crowding(&pop_scores);
        let room = (ga_budget - archive.candidates.len()).min(p);
        let mut children: Vec<Vec<usize>> = proposals(
            s,
            &archive,
            &seen,
            &mut costs,
            &cost,
            &mut rng,
            room - room / 3,
        )?;
        for c in &children {
            seen.insert(c.clone());
        }
        let mut attempts = 0;
        while children.len() < room && attempts < 50 * p {
            attempts += 1;
            let mut pick = || {
                let a = rng.random_range(0..pop.len());
                let b = rng.random_range(0..pop.len());
                if better(rc[b], rc[a]) { b } else { a }
            };
            let (a, b) = (pick(), pick());
            let (ga, gb) = (&archive.candidates[pop[a]].0, &archive.candidates[pop[b]].0);
            let mut child: Vec<usize> = if uniform(&mut rng) < 0.9 {
                ga.iter()
                    .zip(gb)
                    .map(|(&x, &y)| if uniform(&mut rng) < 0.5 { x } else { y })
                    .collect()
            } else {
                ga.clone()
            };
            let rate = (1.0 / s.sizes.len() as f64).max(0.2);
            let mut mutated = false;
            for (j, g) in child.iter_mut().enumerate() {
                if s.sizes[j] > 1 && uniform(&mut rng) < rate {
                    *g = mutate(*g, s.sizes[j], s.ordinal[j], &mut rng);
                    mutated = true;
                }
            }
            // A copy of an evaluated candidate is pushed one step further.
            let mut nudges = 0;
            while seen.contains(&child) && nudges < 8 {
                let j = rng.random_range(0..child.len());
                if s.sizes[j] > 1 {
                    child[j] = mutate(child[j], s.sizes[j], s.ordinal[j], &mut rng);
                    mutated = true;
                }
                nudges += 1;
            }
            let _ = mutated;
            if seen.insert(child.clone()) {
                children.push(child);
            }
        }
        if children.is_empty() {
            archive.stop = Some(if seen.len() as f64 >= space {
                Stop::Exhausted
            } else {
                Stop::Stalled
            });
            break;
        }
        archive.generations += 1;
        let scores = eval(&children)?;
        let start = archive.candidates.len();
        for (g, sc) in children.into_iter().zip(scores) {
            archive.candidates.push((g, sc, archive.generations));
        }
        let mut pool: Vec<usize> = pop.clone();
        pool.extend(start..archive.candidates.len());
        let pool_scores: Vec<Score> = pool.iter().map(|&i| archive.candidates[i].1).collect();
        pop = select(&pool_scores, p)
            .into_iter()
            .map(|k| pool[k])
            .collect();
        let f = front_genes(&archive);
        if f == last_front {
            stalled += 1;
            if stalled >= s.stall {
                archive.stop = Some(Stop::Stalled);
                break;
            }
        } else {
            stalled = 0;
            last_front = f;
        }
    }
    if archive.stop != Some(Stop::Interrupted) {
        refine(
            s,
            stop,
            &mut archive,
            &mut seen,
            (&mut costs, &cost, &mut rng),
            &mut eval,
        )?;
    }
    Ok(archive)
}

/// Untried deployments that the additive model, fitted to every evaluation
/// so far, predicts on the front of cost against the objective (then the
/// next layers), at most `n`, spread over the range of cost. None until the
/// model can be fitted.
fn proposals(
    s: &Settings,
    archive: &Archive,
    seen: &HashSet<Vec<usize>>,
    costs: &mut HashMap<Vec<usize>, f64>,
    cost: &impl Fn(&[usize]) -> Result<f64, Error>,
    rng: &mut Stream,
    n: usize,
) -> Result<Vec<Vec<usize>>, Error> {
    if n == 0 {
        return Ok(Vec::new());
    }
    let points: Vec<(&[usize], f64)> = archive
        .candidates
        .iter()
        .map(|c| (&c.0[..], c.1.objective))
        .collect();
    let Some(model) = Additive::fit(&s.sizes, &points) else {
        return Ok(Vec::new());
    };
    // Every deployment of a small space; of a large one, draws and the
    // neighbours of the evaluated front.
    let space: f64 = s.sizes.iter().map(|&k| k as f64).product();
    let mut pool: Vec<Vec<usize>> = Vec::new();
    if space <= ENUMERATE as f64 {
        let mut g = vec![0; s.sizes.len()];
        'all: loop {
            pool.push(g.clone());
            for (v, &k) in g.iter_mut().zip(&s.sizes) {
                *v += 1;
                if *v < k {
                    continue 'all;
                }
                *v = 0;
            }
            break;
        }
    } else {
        let mut inpool: HashSet<Vec<usize>> = HashSet::new();
        let scores: Vec<Score> = archive.candidates.iter().map(|c| c.1).collect();
        for i in front(&scores) {
            let g = &archive.candidates[i].0;
            for j in 0..g.len() {
                for v in steps(g[j], s.sizes[j], s.ordinal[j]) {
                    let mut x = g.clone();
                    x[j] = v;
                    if inpool.insert(x.clone()) {
                        pool.push(x);
                    }
                }
            }
        }
        for _ in 0..ENUMERATE {
            let g: Vec<usize> = s.sizes.iter().map(|&k| rng.random_range(0..k)).collect();
            if inpool.insert(g.clone()) {
                pool.push(g);
            }
        }
    }
    let mut predicted = Vec::with_capacity(pool.len());
    for g in &pool {
        let c = match costs.get(g) {
            Some(&c) => c,
            None => {
                let c = cost(g)?;
                costs.insert(g.clone(), c);
                c
            }
        };
        predicted.push((c, model.predict(g)));
    }
    let layer = layers(&predicted);
    let mut out: Vec<Vec<usize>> = Vec::new();
    let deepest = layer.iter().copied().max().unwrap_or(0);
    for l in 0..=deepest {
        if out.len() >= n {
            break;
        }
        let mut members: Vec<usize> = (0..pool.len())
            .filter(|&i| layer[i] == l && !seen.contains(&pool[i]))
            .collect();
        members.sort_by(|&a, &b| {
            predicted[a]
                .0
                .total_cmp(&predicted[b].0)
                .then(pool[a].cmp(&pool[b]))
        });
        for i in spread(&members, n - out.len()) {
            out.push(pool[i].clone());
        }
    }
    Ok(out)
}

/// Deployments the model predicts for at most (all of a smaller space).
const ENUMERATE: usize = 4096;

/// Local refinement, in batches until the budget is spent or nothing is
/// left to try: half of each batch the model's predicted front (spread over
/// the range of cost, so that no part of the front is left to luck), the
/// rest the untried one-step neighbours of the front's members, taken in
/// turn from two lists: those cheaper than the cheapest candidate meeting
/// the targets, cheapest first (the cheap end is where the answer is), and
/// all of them by the gain over the evaluated front the model predicts
/// ([`by_predicted_gain`]). Evolution finds the front's region; this fills
/// it in, where lever steps are small against the noise.
fn refine(
    s: &Settings,
    stop: &AtomicBool,
    archive: &mut Archive,
    seen: &mut HashSet<Vec<usize>>,
    model: (
        &mut HashMap<Vec<usize>, f64>,
        &impl Fn(&[usize]) -> Result<f64, Error>,
        &mut Stream,
    ),
    eval: &mut impl FnMut(&[Vec<usize>]) -> Result<Vec<Score>, Error>,
) -> Result<(), Error> {
    let (costs, cost, rng) = model;
    let space: f64 = s.sizes.iter().map(|&k| k as f64).product();
    loop {
        if archive.candidates.len() >= s.budget {
            archive.stop = Some(Stop::Budget);
            return Ok(());
        }
        if stop.load(Ordering::SeqCst) {
            archive.stop = Some(Stop::Interrupted);
            return Ok(());
        }
        let scores: Vec<Score> = archive.candidates.iter().map(|c| c.1).collect();
        let mut members = front(&scores);
        members.sort_by(|&a, &b| scores[a].cost.total_cmp(&scores[b].cost).then(a.cmp(&b)));
        let room = (s.budget - archive.candidates.len()).min(s.population.max(2));
        let mut batch = proposals(s, archive, seen, costs, cost, rng, room / 2)?;
        // The untried neighbours of every member, cheapest first (cost needs
        // no simulation): the cheap end of the front is where the answer is.
        let mut pool: Vec<(f64, Vec<usize>)> = Vec::new();
        for &m in &members {
            let g = &archive.candidates[m].0;
            for j in 0..g.len() {
                for v in steps(g[j], s.sizes[j], s.ordinal[j]) {
                    let mut n = g.clone();
                    n[j] = v;
                    if !seen.contains(&n) && !batch.contains(&n) && !pool.iter().any(|x| x.1 == n) {
                        pool.push((cost(&n)?, n));
                    }
                }
            }
        }
        pool.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        let evaluated: Vec<(f64, f64)> = scores.iter().map(|c| (c.cost, c.objective)).collect();
        let points: Vec<(&[usize], f64)> = archive
            .candidates
            .iter()
            .map(|c| (&c.0[..], c.1.objective))
            .collect();
        let model = Additive::fit(&s.sizes, &points);
        let pool: Vec<(f64, f64, Vec<usize>)> = pool
            .into_iter()
            .map(|(c, g)| {
                let predicted = model.as_ref().map_or(f64::INFINITY, |m| m.predict(&g));
                (c, predicted, g)
            })
            .collect();
        // Half of the neighbours could lower the answer (cheaper than the
        // cheapest candidate meeting the targets), cheapest first; the other
        // half are those the model predicts would improve the front.
        let cheapest_met = scores
            .iter()
            .filter(|c| c.violation == 0.0)
            .map(|c| c.cost)
            .fold(f64::INFINITY, f64::min);
        let mut cheaper: Vec<Vec<usize>> = pool
            .iter()
            .filter(|x| x.0 < cheapest_met)
            .map(|x| x.2.clone())
            .collect();
        cheaper.reverse();
        let mut gaining = by_predicted_gain(&evaluated, pool);
        gaining.reverse();
        let mut turn = 0;
        while batch.len() < room && (!cheaper.is_empty() || !gaining.is_empty()) {
            let next = if turn % 2 == 0 {
                cheaper.pop().or_else(|| gaining.pop())
            } else {
                gaining.pop().or_else(|| cheaper.pop())
            };
            turn += 1;
            if let Some(n) = next.filter(|n| !batch.contains(n)) {
                batch.push(n);
            }
        }
        for n in &batch {
            seen.insert(n.clone());
        }
        if batch.is_empty() {
            if archive.stop == Some(Stop::Budget) {
                archive.stop = Some(if seen.len() as f64 >= space {
                    Stop::Exhausted
                } else {
                    Stop::Refined
                });
            }
            return Ok(());
        }
        archive.generations += 1;
        let scores = eval(&batch)?;
        for (g, sc) in batch.into_iter().zip(scores) {
            archive.candidates.push((g, sc, archive.generations));
        }
    }
}

/// Untried deployments `(cost, predicted objective, genes)` in the order the
/// refinement tries them: first those the model predicts would improve the
/// evaluated front (less harmful than every evaluated candidate at most as
/// costly; any cheaper than all of them), the largest predicted gain first;
/// then the rest, cheapest first. Ranking neighbours by cost alone spends
/// the budget at the cheap end and leaves gaps higher up the front (the
/// cheapest deployment of a larger force, say) that the model can see.
fn by_predicted_gain(
    evaluated: &[(f64, f64)],
    pool: Vec<(f64, f64, Vec<usize>)>,
) -> Vec<Vec<usize>> {
    let mut by_cost: Vec<(f64, f64)> = evaluated.to_vec();
    by_cost.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.total_cmp(&b.1)));
    // The best objective at each cost and below, for a binary search.
    let mut best = f64::INFINITY;
    let steps: Vec<(f64, f64)> = by_cost
        .iter()
        .map(|&(c, o)| {
            best = best.min(o);
            (c, best)
        })
        .collect();
    let best_at = |c: f64| {
        let k = steps.partition_point(|x| x.0 <= c);
        if k == 0 {
            f64::INFINITY
        } else {
            steps[k - 1].1
        }
    };
    let mut ranked: Vec<(f64, f64, Vec<usize>)> = pool
        .into_iter()
        .map(|(c, predicted, g)| {
            let gain = best_at(c) - predicted;
            (if gain > 0.0 { gain } else { 0.0 }, c, g)
        })
        .collect();
    ranked.sort_by(|a, b| {
        b.0.total_cmp(&a.0)
            .then(a.1.total_cmp(&b.1))
            .then(a.2.cmp(&b.2))
    });
    ranked.into_iter().map(|x| x.2).collect()
}

/// The front's candidates (sorted), to tell whether it changed.
fn front_genes(a: &Archive) -> Vec<Vec<usize>> {
    let scores: Vec<Score> = a.candidates.iter().map(|c| c.1).collect();
    let mut f: Vec<Vec<usize>> = front(&scores)
        .into_iter()
        .map(|i| a.candidates[i].0.clone())
        .collect();
    f.sort();
    f
}

/// The values one step from `g` of a lever with `size` values: its
/// neighbours if ordered, every other value of a list.
pub fn steps(g: usize, size: usize, ordinal: bool) -> Vec<usize> {
    if ordinal {
        [g.checked_sub(1), Some(g + 1)]
            .into_iter()
            .flatten()
            .filter(|&v| v < size)
            .collect()
    } else {
        (0..size).filter(|&v| v != g).collect()
    }
}

/// A new value for one gene: a neighbour of an ordered lever (now and then a
/// jump anywhere), another value of a list.
fn mutate(g: usize, size: usize, ordinal: bool, rng: &mut Stream) -> usize {
    if ordinal && uniform(rng) < 0.8 {
        let up = uniform(rng) < 0.5;
        match (up, g) {
            (true, g) if g + 1 < size => g + 1,
            (false, g) if g > 0 => g - 1,
            (_, 0) => 1.min(size - 1),
            _ => g - 1,
        }
    } else {
        let other = rng.random_range(0..size - 1);
        if other >= g { other + 1 } else { other }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sc(cost: f64, objective: f64, violation: f64) -> Score {
        Score {
            cost,
            objective,
            violation,
        }
    }

    #[test]
    fn feasible_beats_infeasible_and_pareto_orders_the_feasible() {
        assert!(dominates(&sc(9.0, 9.0, 0.0), &sc(1.0, 1.0, 0.1)));
        assert!(dominates(&sc(9.0, 9.0, 0.05), &sc(1.0, 1.0, 0.1)));
        assert!(dominates(&sc(1.0, 2.0, 0.0), &sc(2.0, 2.0, 0.0)));
        assert!(!dominates(&sc(1.0, 3.0, 0.0), &sc(2.0, 2.0, 0.0)));
        let r = ranks(&[
            sc(1.0, 3.0, 0.0),
            sc(2.0, 2.0, 0.0),
            sc(3.0, 3.0, 0.0),
            sc(0.5, 0.5, 1.0),
        ]);
        assert_eq!(r, vec![0, 0, 1, 2]);
    }

    /// Refinement tries first what the model predicts would enter the front,
    /// largest gain first, and the rest cheapest first.
    #[test]
    fn refinement_tries_predicted_improvements_first() {
        // Evaluated: cost 1 -> 10, cost 3 -> 8, cost 5 -> 6.
        let evaluated = [(1.0, 10.0), (3.0, 8.0), (5.0, 6.0)];
        let pool = vec![
            (2.0, 11.0, vec![0]), // no better than cost 1: no gain
            (4.0, 7.0, vec![1]),  // beats 8 by 1
            (6.0, 3.0, vec![2]),  // beats 6 by 3
            (0.5, 20.0, vec![3]), // cheaper than anything evaluated
            (1.5, 12.0, vec![4]), // no gain, cheaper than [0]
        ];
        assert_eq!(
            by_predicted_gain(&evaluated, pool),
            vec![vec![3], vec![2], vec![1], vec![4], vec![0]]
        );
    }

    /// On a separable problem with a known optimum the search finds the
    /// cheapest candidate that meets the constraint, well within the space.
    #[test]
    fn finds_the_cheapest_feasible_candidate() {
        let s = Settings {
            sizes: vec![8, 8, 3],
            ordinal: vec![true, true, false],
            population: 12,
            budget: 120,
            stall: 10,
            seed: 5,
        };
        // Protection grows with genes 0 and 1; gene 2 = 2 halves the need.
        let score = |g: &[usize]| {
            let cost = 3.0 * g[0] as f64 + 2.0 * g[1] as f64 + [0.0, 1.0, 2.5][g[2]];
            let protection = g[0] as f64 + g[1] as f64 * 0.8 + if g[2] == 2 { 3.0 } else { 0.0 };
            sc(cost, -protection, (7.0 - protection).max(0.0))
        };
        let stop = AtomicBool::new(false);
        let a = search(
            &s,
            &stop,
            |g| Ok(score(g).cost),
            |batch| Ok(batch.iter().map(|g| score(g)).collect()),
        )
        .unwrap();
        let best = a
            .candidates
            .iter()
            .filter(|c| c.1.violation == 0.0)
            .map(|c| c.1.cost)
            .fold(f64::INFINITY, f64::min);
        // Exhaustive answer.
        let mut truth = f64::INFINITY;
        for x in 0..8 {
            for y in 0..8 {
                for z in 0..3 {
                    let v = score(&[x, y, z]);
                    if v.violation == 0.0 {
                        truth = truth.min(v.cost);
                    }
                }
            }
        }
        assert_eq!(best, truth, "{} candidates of 192", a.candidates.len());
        assert!(a.candidates.len() <= 120);
        let distinct: HashSet<_> = a.candidates.iter().map(|c| c.0.clone()).collect();
        assert_eq!(
            distinct.len(),
            a.candidates.len(),
            "a candidate was evaluated twice"
        );
    }
}
