//! The experiment's tables: `runs.csv` rows (written as runs finish, read back
//! for resume, merge and statistics), `summary.csv` and `effects.csv`.
//!
//! Statistics are always computed from the text of `runs.csv`, parsed back:
//! floats are written in Rust's shortest round-trip form, so a single run, a
//! resumed one and a merge of shards all give byte-identical files.

use crate::error::Error;
use crate::metrics::registry::{
    METRICS, SITE_METRICS, THREAT_METRICS, lower_is_better, site_column, site_metric,
};
use crate::metrics::{SiteTotals, Summary, ThreatSummary};
use crate::outputs::files::csv_field;
use crate::scenario::ThreatKind;
use crate::stats::paired;
use rayon::prelude::*;
use std::fmt::Write as _;
use std::io::BufRead;
use std::path::Path;

/// Metric column names: the scalar metrics, `<kind>.<field>` per threat
/// kind, then `site.<id>.<field>` per site.
pub fn metric_names(kinds: &[ThreatKind], sites: &[String]) -> Vec<String> {
    let mut v: Vec<String> = METRICS.iter().map(|m| m.name.to_string()).collect();
    for k in kinds {
        for f in THREAT_METRICS {
            v.push(format!("{}.{}", k.name(), f.name));
        }
    }
    for site in sites {
        for f in SITE_METRICS {
            v.push(site_column(site, f));
        }
    }
    v
}

/// Metric values in the order of [`metric_names`] (`sites`: the run's
/// per-site totals, as many as the names list).
pub fn metric_values(s: &Summary, kinds: &[ThreatKind], sites: &[SiteTotals]) -> Vec<f64> {
    let mut v: Vec<f64> = s.scalars().into_iter().map(|(_, x)| x).collect();
    let empty = ThreatSummary::default();
    for k in kinds {
        let t = s.by_threat.get(k.name()).unwrap_or(&empty);
        for f in THREAT_METRICS {
            v.push((f.read)(t) as f64);
        }
    }
    for t in sites {
        for f in SITE_METRICS {
            v.push((f.read)(t) as f64);
        }
    }
    v
}

/// A number as written in the tables: shortest round-trip form, `NA` for undefined.
pub fn num(x: f64) -> String {
    let mut s = String::new();
    push_num(&mut s, x);
    s
}

/// Appends [`num`]`(x)` to `s`.
pub fn push_num(s: &mut String, x: f64) {
    if x.is_finite() {
        let _ = write!(s, "{x}");
    } else if x.is_nan() {
        s.push_str("NA");
    } else if x > 0.0 {
        s.push_str("Inf");
    } else {
        s.push_str("-Inf");
    }
}

/// A number in `digits` significant figures for people to read ("-" when
/// undefined).
pub fn significant(x: f64, digits: i32) -> String {
    if !x.is_finite() {
        return "-".into();
    }
    if x == 0.0 {
        return "0".into();
    }
    let d = (digits - 1 - x.abs().log10().floor() as i32).max(0) as usize;
    format!("{x:.d$}")
}

pub fn parse_num(s: &str) -> Option<f64> {
    match s {
        "NA" => Some(f64::NAN),
        "Inf" => Some(f64::INFINITY),
        "-Inf" => Some(f64::NEG_INFINITY),
        _ => s.parse().ok(),
    }
}

/// The header of `runs.csv`.
pub fn header(inputs: &[String], metrics: &[String]) -> String {
    let fields = ["variant", "replication", "seed_stream"]
        .into_iter()
        .map(str::to_string)
        .chain(inputs.iter().chain(metrics).cloned());
    record(fields)
}

/// One record of a table, written by the `csv` crate (RFC 4180: a field is
/// quoted only when it must be), ending in a newline.
fn record(fields: impl IntoIterator<Item = String>) -> String {
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::Any(b'\n'))
        .buffer_capacity(1024)
        .from_writer(Vec::new());
    w.write_record(fields.into_iter().collect::<Vec<_>>())
        .expect("writing to memory");
    let bytes = w.into_inner().expect("writing to memory");
    String::from_utf8(bytes).expect("fields are text")
}

/// One row of `runs.csv`.
pub fn row(
    variant: &str,
    replication: u64,
    master: u64,
    inputs: &[String],
    values: &[f64],
) -> String {
    let fields = [
        variant.to_string(),
        replication.to_string(),
        format!("{master}:{replication}"),
    ]
    .into_iter()
    .chain(inputs.iter().cloned());
    let mut s = record(fields);
    // A number as written never needs quoting (digits, sign, point, `NA`,
    // `Inf`): appended as the csv writer would, without a string each.
    s.pop();
    s.reserve(values.len() * 8);
    for &v in values {
        s.push(',');
        push_num(&mut s, v);
    }
    s.push('\n');
    s
}

/// Splits one CSV line (RFC 4180 quoting).
pub fn split_csv(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut chars = line.chars().peekable();
    let mut quoted = false;
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                cur.push('"');
                chars.next();
            }
            (true, '"') => quoted = false,
            (false, '"') if cur.is_empty() => quoted = true,
            (false, ',') => out.push(std::mem::take(&mut cur)),
            (_, c) => cur.push(c),
        }
    }
    out.push(cur);
    out
}

/// A parsed row: variant name, replication, metric values.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub variant: String,
    pub replication: u64,
    /// The first input column (the point, in experiments over plausible worlds).
    pub point: Option<String>,
    pub values: Vec<f64>,
}

/// Parses a complete row given the header's column count; None if malformed.
pub fn parse_row(line: &str, n_inputs: usize, n_metrics: usize) -> Option<Row> {
    let f = split_csv(line.strip_suffix('\n')?);
    if f.len() != 3 + n_inputs + n_metrics {
        return None;
    }
    let replication = f[1].parse().ok()?;
    let values = f[3 + n_inputs..]
        .iter()
        .map(|s| parse_num(s))
        .collect::<Option<Vec<f64>>>()?;
    Some(Row {
        variant: f[0].clone(),
        replication,
        point: (n_inputs > 0).then(|| f[3].clone()),
        values,
    })
}

/// The metric columns of `runs.csv` (names after the input columns).
pub fn read_metric_names(path: &Path, n_inputs: usize) -> Result<Vec<String>, Error> {
    let f = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    let mut head = String::new();
    std::io::BufReader::new(f)
        .read_line(&mut head)
        .map_err(|e| Error::io(path, e))?;
    Ok(split_csv(head.trim_end_matches('\n'))
        .into_iter()
        .skip(3 + n_inputs)
        .collect())
}

/// Bytes of a table read by one task: large enough that tasks are few,
/// small enough that a few in flight take little memory.
const BLOCK_BYTES: u64 = 2 << 20;

/// Byte ranges of a table's rows after its header, about [`BLOCK_BYTES`]
/// each, cut only at a newline outside quotes (a quoted field may hold
/// one), so that the rows can be read on all cores and put back in order.
pub fn row_blocks(path: &Path) -> Result<Vec<std::ops::Range<u64>>, Error> {
    row_blocks_of(path, BLOCK_BYTES)
}

/// [`row_blocks`] of about `size` bytes each.
fn row_blocks_of(path: &Path, size: u64) -> Result<Vec<std::ops::Range<u64>>, Error> {
    let f = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    let mut r = std::io::BufReader::with_capacity(1 << 20, f);
    let (mut pos, mut quoted) = (0u64, false);
    // Where the current block starts (after the header), and the offset past
    // which its first row end outside quotes closes it.
    let mut start: Option<u64> = None;
    let mut cut_after = 0u64;
    let mut blocks = Vec::new();
    loop {
        let buf = r.fill_buf().map_err(|e| Error::io(path, e))?;
        if buf.is_empty() {
            break;
        }
        let mut i = 0usize;
        while i < buf.len() {
            // Far from a cut only the quotes matter: count them at once.
            let skip = (cut_after.saturating_sub(pos + i as u64) as usize).min(buf.len() - i);
            if skip > 0 {
                let quotes = buf[i..i + skip].iter().filter(|&&b| b == b'"').count();
                quoted ^= quotes % 2 == 1;
                i += skip;
                continue;
            }
            let b = buf[i];
            if b == b'"' {
                quoted = !quoted;
            } else if b == b'\n' && !quoted {
                let end = pos + i as u64 + 1;
                if let Some(s) = start {
                    blocks.push(s..end);
                }
                start = Some(end);
                cut_after = end.saturating_add(size - 1);
            }
            i += 1;
        }
        let n = buf.len();
        pos += n as u64;
        r.consume(n);
    }
    if let Some(s) = start
        && pos > s
    {
        blocks.push(s..pos);
    }
    Ok(blocks)
}

/// The bytes of `range` of the file at `path`.
fn read_range(path: &Path, range: &std::ops::Range<u64>) -> Result<Vec<u8>, Error> {
    use std::io::{Read, Seek};
    let mut f = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    f.seek(std::io::SeekFrom::Start(range.start))
        .map_err(|e| Error::io(path, e))?;
    let mut bytes = vec![0u8; (range.end - range.start) as usize];
    f.read_exact(&mut bytes).map_err(|e| Error::io(path, e))?;
    Ok(bytes)
}

/// A CSV reader over a block of whole rows (no header; rows of any length).
fn block_reader(bytes: &[u8]) -> csv::Reader<&[u8]> {
    csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(bytes)
}

/// Values of some metric columns of `runs.csv`: `cols[variant][k]` for the
/// k-th requested column, replications in file order.
pub fn read_columns(
    path: &Path,
    variants: &[String],
    n_inputs: usize,
    n_metrics: usize,
    which: &[usize],
) -> Result<Vec<Vec<Vec<f64>>>, Error> {
    let blocks = row_blocks(path)?;
    read_columns_in(path, &blocks, variants, n_inputs, n_metrics, which)
}

/// [`read_columns`] over the table's [`row_blocks`], read on all cores.
pub fn read_columns_in(
    path: &Path,
    blocks: &[std::ops::Range<u64>],
    variants: &[String],
    n_inputs: usize,
    n_metrics: usize,
    which: &[usize],
) -> Result<Vec<Vec<Vec<f64>>>, Error> {
    let file = path.display().to_string();
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .from_path(path)
        .map_err(|e| Error::input(&file, format!("cannot be read: {e}")))?;
    // Over plausible worlds rows are keyed by variant and point (`label@point`).
    let pointed = rdr
        .byte_headers()
        .map_err(|e| Error::input(&file, format!("cannot be read: {e}")))?
        .get(3)
        == Some(b"point".as_slice());
    drop(rdr);
    let index: std::collections::HashMap<&str, usize> = variants
        .iter()
        .enumerate()
        .map(|(i, v)| (v.as_str(), i))
        .collect();
    let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    // Each block: its columns and rows, or the row (counted in the block)
    // that cannot be read and what is wrong with it.
    type Block = Result<(Vec<Vec<Vec<f64>>>, usize), (usize, String)>;
    let read_block = |range: &std::ops::Range<u64>| -> Result<Block, Error> {
        let bytes = read_range(path, range)?;
        let mut rdr = block_reader(&bytes);
        let mut cols = vec![vec![Vec::new(); which.len()]; variants.len()];
        let mut rec = csv::ByteRecord::new();
        let mut i = 0usize;
        loop {
            match rdr.read_byte_record(&mut rec) {
                Ok(true) => {}
                Ok(false) => break,
                Err(e) => return Ok(Err((i, format!("cannot be read: {e}")))),
            }
            if rec.len() != 3 + n_inputs + n_metrics {
                return Ok(Err((i, "is malformed".into())));
            }
            let variant = std::str::from_utf8(&rec[0]).unwrap_or("");
            // A row belongs to its variant at its point, or, when the variants
            // are named without points, to its variant pooled over points.
            let at_point;
            let key = if pointed {
                at_point = format!("{variant}@{}", text(&rec[3]));
                at_point.as_str()
            } else {
                variant
            };
            let Some(v) = index.get(key).or_else(|| index.get(variant)).copied() else {
                return Ok(Err((i, format!(": unknown variant `{key}`"))));
            };
            for (k, &m) in which.iter().enumerate() {
                let field = &rec[3 + n_inputs + m];
                let Some(x) = std::str::from_utf8(field).ok().and_then(parse_num) else {
                    return Ok(Err((i, format!(": `{}` is not a number", text(field)))));
                };
                cols[v][k].push(x);
            }
            i += 1;
        }
        Ok(Ok((cols, i)))
    };
    let parts: Vec<Block> = blocks
        .par_iter()
        .map(read_block)
        .collect::<Result<_, _>>()?;
    let mut cols = vec![vec![Vec::new(); which.len()]; variants.len()];
    let mut rows = 0usize;
    for part in parts {
        match part {
            Ok((c, n)) => {
                for (all, mine) in cols.iter_mut().zip(c) {
                    for (a, m) in all.iter_mut().zip(mine) {
                        if a.is_empty() {
                            *a = m;
                        } else {
                            a.extend_from_slice(&m);
                        }
                    }
                }
                rows += n;
            }
            Err((i, what)) => {
                let sep = if what.starts_with(':') { "" } else { " " };
                return Err(Error::input(
                    &file,
                    format!("row {}{sep}{what}", rows + i + 2),
                ));
            }
        }
    }
    Ok(cols)
}

/// One line of the effects table.
#[derive(Debug, Clone)]
pub struct Effect {
    pub variant: String,
    pub metric: String,
    pub lower_is_better: bool,
    pub p: crate::stats::Paired,
}

/// Statistics of an experiment, computed from its `runs.csv`.
#[derive(Debug, Clone)]
pub struct Stats {
    pub variants: Vec<String>,
    /// The metrics summarised (all, or those chosen).
    pub metrics: Vec<String>,
    /// `describe[variant][metric]`.
    pub describe: Vec<Vec<crate::stats::Describe>>,
    /// Paired effects against the first variant (compare only).
    pub effects: Vec<Effect>,
}

/// Memory for the metric columns read in one pass over `runs.csv`: as many
/// columns per pass as fit, so that a table of usual size is read once and
/// memory stays bounded however many replications there are.
const BATCH_BYTES: usize = 32 << 20;

/// Metric columns to read per pass over the table at `path`, which has
/// `n_metrics` metric columns: its rows are at most its bytes over two per
/// value, each value read takes eight bytes, and a pass may take
/// [`BATCH_BYTES`].
pub fn columns_per_pass(path: &Path, n_metrics: usize) -> usize {
    let bytes = std::fs::metadata(path).map_or(0, |m| m.len() as usize);
    let rows = (bytes / (2 * n_metrics.max(1))).max(1);
    (BATCH_BYTES / (8 * rows)).max(8)
}

/// Computes the statistics from `runs.csv`, a few metric columns at a time.
pub fn compute(
    path: &Path,
    variants: &[String],
    n_inputs: usize,
    wanted: &[String],
    paired_effects: bool,
) -> Result<Stats, Error> {
    let all = read_metric_names(path, n_inputs)?;
    let chosen: Vec<usize> = (0..all.len())
        .filter(|&m| wanted.is_empty() || wanted.iter().any(|w| *w == all[m]))
        .collect();
    let mut describe = vec![Vec::with_capacity(chosen.len()); variants.len()];
    let mut by_metric: Vec<Vec<Effect>> = Vec::new();
    let blocks = row_blocks(path)?;
    for batch in chosen.chunks(columns_per_pass(path, all.len())) {
        let cols = read_columns_in(path, &blocks, variants, n_inputs, all.len(), batch)?;
        // Each metric's statistics are independent of the others': computed
        // on all cores, collected in column order.
        let per_metric: Vec<(Vec<crate::stats::Describe>, Vec<Effect>)> = batch
            .par_iter()
            .enumerate()
            .map(|(k, &m)| {
                let d = (0..variants.len())
                    .map(|vi| crate::stats::describe(&cols[vi][k]))
                    .collect();
                let lower = lower_is_better(&all[m]);
                let e = if paired_effects {
                    (1..variants.len())
                        .map(|vi| Effect {
                            variant: variants[vi].clone(),
                            metric: all[m].clone(),
                            lower_is_better: lower,
                            p: paired(&cols[0][k], &cols[vi][k], lower),
                        })
                        .collect()
                } else {
                    Vec::new()
                };
                (d, e)
            })
            .collect();
        for (d, e) in per_metric {
            for (vi, x) in d.into_iter().enumerate() {
                describe[vi].push(x);
            }
            if paired_effects {
                by_metric.push(e);
            }
        }
    }
    // Effects are listed variant by variant, metrics in column order.
    let mut effects = Vec::new();
    for vi in 0..variants.len().saturating_sub(1) {
        for m in &by_metric {
            effects.push(m[vi].clone());
        }
    }
    Ok(Stats {
        variants: variants.to_vec(),
        metrics: chosen.iter().map(|&m| all[m].clone()).collect(),
        describe,
        effects,
    })
}

/// `summary.csv`: per variant and metric, descriptive statistics and a 95% CI of the mean.
pub fn summary_csv(st: &Stats) -> String {
    let mut s =
        String::from("variant,metric,n,mean,sd,min,p5,p25,median,p75,p95,max,ci95_low,ci95_high\n");
    for (vi, name) in st.variants.iter().enumerate() {
        for (m, metric) in st.metrics.iter().enumerate() {
            let d = &st.describe[vi][m];
            let _ = writeln!(
                s,
                "{},{},{},{},{},{},{},{},{},{},{},{},{},{}",
                csv_field(name),
                metric,
                d.n,
                num(d.mean),
                num(d.sd),
                num(d.min),
                num(d.p5),
                num(d.p25),
                num(d.median),
                num(d.p75),
                num(d.p95),
                num(d.max),
                num(d.ci_low),
                num(d.ci_high)
            );
        }
    }
    s
}

/// `effects.csv`.
pub fn effects_csv(effects: &[Effect]) -> String {
    let mut s = String::from(
        "variant,metric,better,n,baseline_mean,variant_mean,mean_diff,ci95_low,ci95_high,relative_change,share_better\n",
    );
    for e in effects {
        let p = &e.p;
        let _ = writeln!(
            s,
            "{},{},{},{},{},{},{},{},{},{},{}",
            csv_field(&e.variant),
            e.metric,
            if e.lower_is_better { "lower" } else { "higher" },
            p.n,
            num(p.baseline_mean),
            num(p.variant_mean),
            num(p.mean_diff),
            num(p.ci_low),
            num(p.ci_high),
            num(p.relative),
            num(p.share_better)
        );
    }
    s
}

/// `sites.csv` from `runs.csv`: one row per variant, replication and site,
/// with each per-site outcome as a column.
pub fn sites_csv(path: &Path, n_inputs: usize) -> Result<String, Error> {
    let names = read_metric_names(path, n_inputs)?;
    // (site, per-site metric index, column) for every per-site column.
    let mut sites: Vec<String> = Vec::new();
    let mut cols: Vec<(usize, usize, usize)> = Vec::new();
    for (c, n) in names.iter().enumerate() {
        if let Some((site, m)) = site_metric(n) {
            let si = match sites.iter().position(|x| x == site) {
                Some(i) => i,
                None => {
                    sites.push(site.to_string());
                    sites.len() - 1
                }
            };
            let mi = SITE_METRICS
                .iter()
                .position(|x| x.name == m.name)
                .expect("registered");
            cols.push((si, mi, 3 + n_inputs + c));
        }
    }
    let mut out = String::from("variant,replication,site");
    for m in SITE_METRICS {
        out.push(',');
        out.push_str(m.name);
    }
    out.push('\n');
    let sites_field: Vec<String> = sites.iter().map(|x| csv_field(x)).collect();
    let file = path.display().to_string();
    // Blocks of rows on all cores, put back in order.
    let block = |range: &std::ops::Range<u64>| -> Result<String, Error> {
        let bytes = read_range(path, range)?;
        let mut rdr = block_reader(&bytes);
        let mut out = String::with_capacity(bytes.len());
        let mut rec = csv::StringRecord::new();
        loop {
            match rdr.read_record(&mut rec) {
                Ok(true) => {}
                Ok(false) => break,
                Err(e) => {
                    return Err(if let csv::ErrorKind::Utf8 { .. } = e.kind() {
                        Error::io(
                            path,
                            std::io::Error::new(
                                std::io::ErrorKind::InvalidData,
                                "stream did not contain valid UTF-8",
                            ),
                        )
                    } else {
                        Error::input(&file, format!("cannot be read: {e}"))
                    });
                }
            }
            let mut cells = vec![vec![""; SITE_METRICS.len()]; sites.len()];
            for &(si, mi, c) in &cols {
                cells[si][mi] = rec.get(c).unwrap_or_default();
            }
            let variant = csv_field(rec.get(0).unwrap_or_default());
            let replication = rec.get(1).unwrap_or_default();
            for (si, site) in sites_field.iter().enumerate() {
                let _ = write!(out, "{variant},{replication},{site}");
                for v in &cells[si] {
                    out.push(',');
                    out.push_str(v);
                }
                out.push('\n');
            }
        }
        Ok(out)
    };
    // A few blocks per core at a time, so that the parts and the whole are
    // not held at once.
    let blocks = row_blocks(path)?;
    for group in blocks.chunks(2 * rayon::current_num_threads()) {
        let parts: Vec<String> = group.par_iter().map(block).collect::<Result<_, _>>()?;
        for part in parts {
            out.push_str(&part);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_read_in_blocks_as_in_one_pass() {
        let p = std::env::temp_dir().join(format!("pocsim-blocks-{}.csv", std::process::id()));
        let names = ["plain".to_string(), "two\nlines, \"quoted\"".to_string()];
        let mut text = header(&[], &["a".into(), "b".into()]);
        for r in 0..300u64 {
            let v = &names[(r % 2) as usize];
            text.push_str(&row(v, r, 1, &[], &[r as f64 * 0.5, -(r as f64)]));
        }
        std::fs::write(&p, &text).unwrap();
        let whole = row_blocks_of(&p, u64::MAX).unwrap();
        assert_eq!(whole.len(), 1);
        let small = row_blocks_of(&p, 100).unwrap();
        assert!(small.len() > 20);
        // Contiguous, from the header's end to the file's, each cut after a row.
        assert_eq!(small[0].start, whole[0].start);
        assert_eq!(small.last().unwrap().end, text.len() as u64);
        for w in small.windows(2) {
            assert_eq!(w[0].end, w[1].start);
            let cut = &text[..w[0].end as usize];
            assert!(cut.ends_with('\n') && cut.matches('"').count().is_multiple_of(2));
        }
        let one = read_columns_in(&p, &whole, &names, 0, 2, &[0, 1]).unwrap();
        let many = read_columns_in(&p, &small, &names, 0, 2, &[0, 1]).unwrap();
        assert_eq!(one, many);
        assert_eq!(one[1][1].len(), 150);
        assert_eq!(one[1][1][3], -7.0);
        // A bad value is named by its row in the file, whichever block holds it.
        std::fs::write(&p, text.replacen(",-77\n", ",x\n", 1)).unwrap();
        let small = row_blocks_of(&p, 100).unwrap();
        let err = read_columns_in(&p, &small, &names, 0, 2, &[0, 1]).unwrap_err();
        let _ = std::fs::remove_file(&p);
        assert!(
            format!("{err:?}").contains("row 79: `x` is not a number"),
            "{err:?}"
        );
    }

    #[test]
    fn rows_are_the_records_the_csv_writer_makes() {
        let vals = [
            0.1 + 0.2,
            f64::NAN,
            1e-300,
            -12345.678901234567,
            0.0,
            f64::INFINITY,
        ];
        for (variant, inputs) in [
            (
                "a, \"b\"",
                vec!["\"suspend\"".to_string(), "[1, 2]".to_string()],
            ),
            ("plain", vec![]),
            ("", vec![String::new()]),
        ] {
            let all = [variant.to_string(), "7".into(), "42:7".into()]
                .into_iter()
                .chain(inputs.iter().cloned())
                .chain(vals.iter().map(|&v| num(v)));
            assert_eq!(row(variant, 7, 42, &inputs, &vals), record(all));
        }
    }

    #[test]
    fn rows_round_trip_exactly() {
        let vals = [0.1 + 0.2, f64::NAN, 1e-300, 12345.678901234567, 0.0];
        let line = row("a, \"b\"", 7, 42, &["\"suspend\"".into()], &vals);
        let r = parse_row(&line, 1, vals.len()).unwrap();
        assert_eq!(r.variant, "a, \"b\"");
        assert_eq!(r.replication, 7);
        for (a, b) in r.values.iter().zip(vals) {
            assert!(a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan()));
        }
        // A half-written line (no newline) is not a row.
        assert!(parse_row(&line[..line.len() - 3], 1, vals.len()).is_none());
    }
}
