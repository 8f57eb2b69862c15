//! Maps a field path back to a line and column of the TOML source.
//!
//! Semantic errors (a road naming a missing site, a negative rate) are found
//! after parsing, on plain data that no longer knows where it came from. We
//! re-parse the source with spans and walk the same path; where the field is
//! missing we point at the table that should hold it.

use super::overrides::{PathSeg, parse_path};
use toml_edit::{Document, Item, Table, Value};

/// 1-based (line, column) of a byte offset.
pub fn line_col(src: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(src.len());
    let before = &src[..offset];
    let line = before.matches('\n').count() + 1;
    let col = before
        .rfind('\n')
        .map(|i| before[i + 1..].chars().count())
        .unwrap_or_else(|| before.chars().count())
        + 1;
    (line, col)
}

/// Where the field at `path` (or its nearest existing ancestor) starts.
pub fn locate(src: &str, path: &str) -> Option<(usize, usize)> {
    let segs = parse_path(path).ok()?;
    let doc = Document::parse(src).ok()?;
    let span = walk_table(doc.as_table(), &segs)?;
    Some(line_col(src, span))
}

fn walk_table(t: &Table, segs: &[PathSeg]) -> Option<usize> {
    let here = t.span().map(|s| s.start);
    let Some((PathSeg::Key(k), rest)) = segs.split_first() else {
        return here;
    };
    let Some(item) = t.get(k) else {
        return here;
    };
    let key_span = t.key(k).and_then(|key| key.span()).map(|s| s.start);
    walk_item(item, rest).or(key_span).or(here)
}

fn walk_item(item: &Item, segs: &[PathSeg]) -> Option<usize> {
    match item {
        Item::Table(t) => walk_table(t, segs),
        Item::Value(v) => walk_value(v, segs),
        Item::ArrayOfTables(a) => {
            let Some((sel, rest)) = segs.split_first() else {
                return a.span().map(|s| s.start);
            };
            let idx = match sel {
                PathSeg::Index(i) => Some(*i),
                PathSeg::Id(id) => a
                    .iter()
                    .position(|t| t.get("id").and_then(Item::as_str) == Some(id.as_str())),
                PathSeg::Key(_) => None,
            };
            match idx.and_then(|i| a.get(i)) {
                Some(t) => walk_table(t, rest),
                None => a.span().map(|s| s.start),
            }
        }
        Item::None => None,
    }
}

fn walk_value(v: &Value, segs: &[PathSeg]) -> Option<usize> {
    let here = v.span().map(|s| s.start);
    let Some((seg, rest)) = segs.split_first() else {
        return here;
    };
    match (v, seg) {
        (Value::InlineTable(t), PathSeg::Key(k)) => match t.get(k) {
            Some(inner) => walk_value(inner, rest).or(here),
            None => here,
        },
        (Value::Array(a), PathSeg::Index(i)) => match a.get(*i) {
            Some(inner) => walk_value(inner, rest).or(here),
            None => here,
        },
        _ => here,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_nested_array_fields() {
        let src = "[a]\nx = 1\n\n[[b.c]]\nid = \"p\"\ny = 2\n\n[[b.c]]\nid = \"q\"\ny = [1, 2]\n";
        assert_eq!(locate(src, "a.x"), Some((2, 5)));
        assert_eq!(locate(src, "b.c[0].y"), Some((6, 5)));
        assert_eq!(locate(src, "b.c[q].y"), Some((10, 5)));
        assert_eq!(locate(src, "b.c[1].y[1]"), Some((10, 9)));
        // A missing field points at its table.
        assert_eq!(locate(src, "a.missing").map(|p| p.0), Some(1));
    }
}

/// The TOML text of the value at `path` in `src`, if there is one.
pub fn value_at(src: &str, path: &str) -> Option<String> {
    let doc = Document::parse(src).ok()?;
    value_in(doc.as_table(), path)
}

/// As [`value_at`], in a document parsed once for many lookups.
pub fn value_in(table: &Table, path: &str) -> Option<String> {
    let segs = parse_path(path).ok()?;
    let mut node = Node::Table(table);
    for seg in &segs {
        node = node.child(seg)?;
    }
    let Node::Value(v) = node else {
        return None;
    };
    let mut v = v.clone();
    v.decor_mut().clear();
    Some(v.to_string().trim().to_string())
}

/// A place in a parsed document: a table, an array of tables, or a value.
#[derive(Clone, Copy)]
enum Node<'a> {
    Table(&'a Table),
    Tables(&'a toml_edit::ArrayOfTables),
    Value(&'a Value),
}

impl<'a> Node<'a> {
    fn from_item(item: &'a Item) -> Option<Node<'a>> {
        match item {
            Item::Table(t) => Some(Node::Table(t)),
            Item::ArrayOfTables(a) => Some(Node::Tables(a)),
            Item::Value(v) => Some(Node::Value(v)),
            Item::None => None,
        }
    }

    fn child(self, seg: &PathSeg) -> Option<Node<'a>> {
        let by_id =
            |id: &str, t: &toml_edit::InlineTable| t.get("id").and_then(Value::as_str) == Some(id);
        match (self, seg) {
            (Node::Table(t), PathSeg::Key(k)) => Node::from_item(t.get(k)?),
            (Node::Tables(a), PathSeg::Index(i)) => a.get(*i).map(Node::Table),
            (Node::Tables(a), PathSeg::Id(id)) => a
                .iter()
                .find(|t| t.get("id").and_then(Item::as_str) == Some(id.as_str()))
                .map(Node::Table),
            (Node::Value(Value::InlineTable(t)), PathSeg::Key(k)) => t.get(k).map(Node::Value),
            (Node::Value(Value::Array(a)), PathSeg::Index(i)) => a.get(*i).map(Node::Value),
            (Node::Value(Value::Array(a)), PathSeg::Id(id)) => a
                .iter()
                .find(|v| v.as_inline_table().is_some_and(|t| by_id(id, t)))
                .map(Node::Value),
            _ => None,
        }
    }
}
