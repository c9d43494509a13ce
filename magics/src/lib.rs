//! The VNetOS cell language: a cell is Lua, line magics (`%mesh 4x4`) or one
//! cell magic (`%%lua n*`). This crate turns cell text into typed commands,
//! provides the help text and lists the names that completion offers. It
//! depends on neither the network runtime nor Jupyter.

mod catalog;
mod cell;
mod command;
mod error;
mod parse;
mod selector;

pub use catalog::{find as find_magic, MagicSpec, MAGICS};
pub use cell::{parse_cell, Cell, Segment};
pub use command::{CellMagic, LineMagic, PlotKind, WaitMode};
pub use error::ParseError;
pub use parse::{parse_cell_magic, parse_line_magic};
pub use selector::Selector;
