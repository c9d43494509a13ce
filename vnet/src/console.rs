//! Node consoles. Every line a program prints is kept in its node's bounded
//! ring buffer and, while a cell is waiting, handed to the sink the kernel
//! installed, which streams it into that cell.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

/// Lines kept per node console; older lines are dropped first.
pub const CONSOLE_CAPACITY: usize = 1000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stream {
    Stdout,
    Stderr,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ConsoleLine {
    pub node: String,
    pub stream: Stream,
    pub text: String,
}

/// Receives console lines while a cell waits on the network.
pub type ConsoleSink = Arc<dyn Fn(&ConsoleLine) + Send + Sync>;

#[derive(Default)]
pub(crate) struct Console {
    lines: Mutex<VecDeque<ConsoleLine>>,
}

impl Console {
    pub(crate) fn push(&self, line: ConsoleLine) {
        let mut lines = self.lines.lock().expect("console lock");
        if lines.len() == CONSOLE_CAPACITY {
            lines.pop_front();
        }
        lines.push_back(line);
    }

    pub(crate) fn tail(&self, count: usize) -> Vec<ConsoleLine> {
        let lines = self.lines.lock().expect("console lock");
        lines.iter().skip(lines.len().saturating_sub(count)).cloned().collect()
    }
}

/// The one place where node output leaves the runtime. The sink is called
/// with the lock held, so once `clear` returns no line reaches the old sink:
/// output of a finished cell can never land in it.
#[derive(Default)]
pub(crate) struct ConsoleRouter {
    sink: Mutex<Option<ConsoleSink>>,
}

impl ConsoleRouter {
    pub(crate) fn set(&self, sink: Option<ConsoleSink>) {
        *self.sink.lock().expect("sink lock") = sink;
    }

    pub(crate) fn publish(&self, console: &Console, line: ConsoleLine) {
        let sink = self.sink.lock().expect("sink lock");
        if let Some(sink) = sink.as_ref() {
            sink(&line);
        }
        console.push(line);
    }
}
