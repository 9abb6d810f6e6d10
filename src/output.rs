//! Writing to stdout: buffered, and quiet when the reader goes away.

use std::io::{self, BufWriter, Write};

/// Buffered standard output.
pub type Stdout = BufWriter<io::StdoutLock<'static>>;

/// A large buffer on stdout: generation writes millions of short lines.
pub fn stdout() -> Stdout {
    BufWriter::with_capacity(1 << 20, io::stdout().lock())
}

/// Whether `error` comes from writing to a closed pipe (`cautery ... | head`).
pub fn is_broken_pipe(error: &anyhow::Error) -> bool {
    error
        .chain()
        .filter_map(|cause| cause.downcast_ref::<io::Error>())
        .any(|e| e.kind() == io::ErrorKind::BrokenPipe)
}

/// Writes `text` as a JSON string, escaped.
pub fn json_string(out: &mut impl Write, text: &str) -> io::Result<()> {
    serde_json::to_writer(&mut *out, text).map_err(io::Error::from)
}
