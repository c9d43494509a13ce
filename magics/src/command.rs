//! Typed magic commands, as the kernel executes them. Parsing has already
//! checked every value, so the kernel only has to act on them.

use crate::selector::Selector;

/// A line magic: one line of a cell that starts with `%`.
#[derive(Debug, Clone, PartialEq)]
pub enum LineMagic {
    /// `%lsmagic`
    LsMagic,
    /// `%help [NAME]`
    Help { name: Option<String> },
    /// `%mesh RxC [--prefix P] [--torus]`
    Mesh {
        rows: usize,
        cols: usize,
        prefix: String,
        torus: bool,
    },
    /// `%ring N [--prefix P]`
    Ring { count: usize, prefix: String },
    /// `%star N [--prefix P]`
    Star { count: usize, prefix: String },
    /// `%line N [--prefix P]`
    Line { count: usize, prefix: String },
    /// `%random N --degree K [--prefix P]`
    Random { count: usize, degree: usize, prefix: String },
    /// `%save FILE`
    Save { path: String },
    /// `%load FILE`
    Load { path: String },
    /// `%plot messages | latency | series KEY`
    Plot { what: PlotKind },
    /// `%eval NODE EXPR`: EXPR is the rest of the line, as typed.
    Eval { node: String, code: String },
    /// `%ps`
    Ps,
    /// `%stats`
    Stats,
    /// `%node add NAME [--at X,Y] [--ports a,b]`
    NodeAdd {
        name: String,
        at: Option<(f64, f64)>,
        ports: Vec<String>,
    },
    /// `%node rm NAME`
    NodeRemove { name: String },
    /// `%link A:PORT B:PORT`
    Link {
        a: (String, String),
        b: (String, String),
        /// Milliseconds added to every message.
        latency_ms: f64,
        /// Milliseconds of uniform spread around the latency.
        jitter_ms: f64,
        /// Probability in [0, 1] that a message is lost.
        loss: f64,
    },
    /// `%unlink A:PORT`
    Unlink { node: String, port: String },
    /// `%stop TARGETS`
    Stop { targets: Selector },
    /// `%log NODE [--tail N]`
    Log { node: String, tail: usize },
    /// `%nodes`
    Nodes,
    /// `%reset`
    Reset,
    /// `%topology`
    Topology,
}

/// How long a cell that starts programs waits for them.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum WaitMode {
    /// Wait until every started program ends (or the cell is interrupted).
    UntilDone,
    /// Wait at most this many seconds; programs still running go on in the
    /// background and their output goes to the node consoles.
    Seconds(f64),
    /// Return at once (`--bg`).
    Background,
}

/// A cell magic: the first line of a cell that starts with `%%`; the rest of
/// the cell is its body.
#[derive(Debug, Clone, PartialEq)]
pub enum CellMagic {
    /// `%%lua TARGETS [--wait SECONDS | --bg]`
    Lua { targets: Selector, wait: WaitMode },
    /// `%%shell NODE`: run the body in the node's running VM.
    Shell { node: String },
}

/// The chart `%plot` draws.
#[derive(Debug, Clone, PartialEq)]
pub enum PlotKind {
    Messages,
    Latency,
    Series(String),
}
