//! Input history of this kernel process, for history_request: every cell run
//! with `store_history`, numbered by execution count, with the text of its
//! result. History is kept in memory and ends with the process.

use jupyter_protocol::{HistoryEntry, HistoryReply, HistoryRequest};

/// The session number of this process's entries; 0 in a request also means
/// the current session, as in IPython.
const SESSION: usize = 1;

struct Entry {
    line: usize,
    input: String,
    output: String,
}

#[derive(Default)]
pub struct History {
    entries: Vec<Entry>,
}

impl History {
    pub fn record(&mut self, line: usize, input: &str, output: Option<String>) {
        self.entries.push(Entry {
            line,
            input: input.to_string(),
            output: output.unwrap_or_default(),
        });
    }

    pub fn reply(&self, request: &HistoryRequest) -> HistoryReply {
        let (selected, output): (Vec<&Entry>, bool) = match request {
            HistoryRequest::Tail { n, output, .. } => (last(self.entries.iter().collect(), *n), *output),
            HistoryRequest::Range {
                session,
                start,
                stop,
                output,
                ..
            } => {
                let current = matches!(session, None | Some(0)) || *session == Some(SESSION as i32);
                let picked = if current {
                    self.entries
                        .iter()
                        .filter(|entry| entry.line as i32 >= *start && (*stop <= 0 || (entry.line as i32) < *stop))
                        .collect()
                } else {
                    Vec::new()
                };
                (picked, *output)
            }
            HistoryRequest::Search {
                pattern,
                unique,
                output,
                n,
                ..
            } => {
                let mut picked: Vec<&Entry> = self.entries.iter().filter(|entry| glob(pattern, &entry.input)).collect();
                if *unique {
                    let mut seen = std::collections::HashSet::new();
                    let mut kept: Vec<&Entry> = picked.into_iter().rev().filter(|e| seen.insert(&e.input)).collect();
                    kept.reverse();
                    picked = kept;
                }
                (last(picked, *n), *output)
            }
        };
        let history = selected
            .into_iter()
            .map(|entry| {
                if output {
                    HistoryEntry::InputOutput(SESSION, entry.line, (entry.input.clone(), entry.output.clone()))
                } else {
                    HistoryEntry::Input(SESSION, entry.line, entry.input.clone())
                }
            })
            .collect();
        HistoryReply::new(history)
    }
}

fn last(entries: Vec<&Entry>, count: i32) -> Vec<&Entry> {
    if count <= 0 {
        return entries;
    }
    let skip = entries.len().saturating_sub(count as usize);
    entries.into_iter().skip(skip).collect()
}

/// Matches a history search pattern: `*` is any run, `?` one character.
fn glob(pattern: &str, text: &str) -> bool {
    fn matches(pattern: &[char], text: &[char]) -> bool {
        match (pattern.first(), text.first()) {
            (None, None) => true,
            (Some('*'), _) => matches(&pattern[1..], text) || (!text.is_empty() && matches(pattern, &text[1..])),
            (Some('?'), Some(_)) => matches(&pattern[1..], &text[1..]),
            (Some(p), Some(t)) if p == t => matches(&pattern[1..], &text[1..]),
            _ => false,
        }
    }
    let pattern: Vec<char> = pattern.chars().collect();
    let text: Vec<char> = text.chars().collect();
    matches(&pattern, &text)
}
