//! Errors pocsim reports to its users, and how they are shown.
//!
//! Every failure a user can cause (a bad scenario, a bad override, an
//! unwritable output directory) is an [`Error`] with a message that names the
//! file, the line and column where known, the field path and what was
//! expected. The binary prints it on one line per problem and exits with
//! code 2.

use std::fmt;

/// One problem in an input file, located as precisely as we can.
#[derive(Debug, Clone, PartialEq)]
pub struct Located {
    pub file: String,
    /// 1-based line and column, when the problem maps to a place in the file.
    pub line_col: Option<(usize, usize)>,
    /// Dotted field path (`forces.fpus[0].vehicles`), when known.
    pub path: Option<String>,
    pub message: String,
}

impl fmt::Display for Located {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some((l, c)) = self.line_col {
            write!(f, ":{l}:{c}")?;
        }
        if let Some(p) = &self.path {
            write!(f, ": {p}")?;
        }
        write!(f, ": {}", self.message)
    }
}

/// Everything that can go wrong for a user.
#[derive(Debug)]
pub enum Error {
    /// The scenario (or another input file) is invalid; one entry per problem.
    Input(Vec<Located>),
    /// A command-line value is wrong (an override path, a flag value).
    Usage(String),
    /// Reading or writing a file failed.
    Io {
        path: String,
        source: std::io::Error,
    },
}

impl Error {
    pub fn input(file: &str, message: impl Into<String>) -> Self {
        Error::Input(vec![Located {
            file: file.to_string(),
            line_col: None,
            path: None,
            message: message.into(),
        }])
    }
    pub fn io(path: impl AsRef<std::path::Path>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.as_ref().display().to_string(),
            source,
        }
    }
    /// Process exit code for this error: 2 for everything a user can fix.
    pub fn exit_code(&self) -> i32 {
        2
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Input(list) => {
                for (i, l) in list.iter().enumerate() {
                    if i > 0 {
                        writeln!(f)?;
                    }
                    write!(f, "error: {l}")?;
                }
                Ok(())
            }
            Error::Usage(m) => write!(f, "error: {m}"),
            Error::Io { path, source } => write!(f, "error: {path}: {source}"),
        }
    }
}

impl std::error::Error for Error {}
