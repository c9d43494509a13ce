//! Parsing one magic line into a typed command. Every error names the column
//! (1-based, in characters) and the token that was expected there.

use crate::catalog::{self, MAGICS};
use crate::command::{CellMagic, LineMagic, PlotKind, WaitMode};
use crate::error::ParseError;
use crate::selector::{is_name_char, Selector};

/// A word of a magic line and the column where it starts.
#[derive(Debug, Clone)]
struct Token {
    text: String,
    column: usize,
}

/// The words of a magic line after its name: positional words in order and
/// `--option [value]` pairs.
struct Arguments {
    name: String,
    /// Column just past the last character, for "found the end of the line".
    end_column: usize,
    positional: Vec<Token>,
    options: Vec<(Token, Option<Token>)>,
}

impl Arguments {
    fn positional(&self, index: usize, expected: &str) -> Result<&Token, ParseError> {
        self.positional
            .get(index)
            .ok_or_else(|| ParseError::new(self.end_column, expected, "").for_magic(&self.name))
    }

    fn no_more_positional(&self, count: usize) -> Result<(), ParseError> {
        match self.positional.get(count) {
            Some(extra) => Err(ParseError::new(extra.column, "an option or the end of the line", &extra.text)
                .for_magic(&self.name)),
            None => Ok(()),
        }
    }

    fn option(&self, name: &str) -> Option<&(Token, Option<Token>)> {
        self.options.iter().find(|(option, _)| option.text == name)
    }
}

/// Options that take no value.
const FLAGS: &[&str] = &["--torus", "--bg"];

fn tokenize(line: &str) -> Vec<Token> {
    let mut tokens = Vec::new();
    let mut current = String::new();
    let mut start = 0;
    for (index, c) in line.chars().enumerate() {
        if c.is_whitespace() {
            if !current.is_empty() {
                tokens.push(Token {
                    text: std::mem::take(&mut current),
                    column: start + 1,
                });
            }
        } else {
            if current.is_empty() {
                start = index;
            }
            current.push(c);
        }
    }
    if !current.is_empty() {
        tokens.push(Token {
            text: current,
            column: start + 1,
        });
    }
    tokens
}

/// Splits a magic line into its name and arguments, checking that the name is
/// a known magic of the right kind and that every option belongs to it.
fn split(line: &str, sigil: &str) -> Result<Arguments, ParseError> {
    let tokens = tokenize(line);
    let end_column = line.chars().count() + 1;
    let first = tokens
        .first()
        .ok_or_else(|| ParseError::new(1, format!("`{sigil}` and a magic name"), ""))?;
    let name = first.text.strip_prefix(sigil).unwrap_or(&first.text).to_string();
    let spec = MAGICS
        .iter()
        .find(|spec| spec.name == name && spec.cell == (sigil == "%%"))
        .ok_or_else(|| unknown_magic(first, &name, sigil))?;

    let mut arguments = Arguments {
        name: name.clone(),
        end_column,
        positional: Vec::new(),
        options: Vec::new(),
    };
    let mut rest = tokens[1..].iter().peekable();
    while let Some(token) = rest.next() {
        if !token.text.starts_with("--") {
            arguments.positional.push(token.clone());
            continue;
        }
        let (option_name, inline_value) = match token.text.split_once('=') {
            Some((option_name, value)) => (
                option_name.to_string(),
                Some(Token {
                    text: value.to_string(),
                    column: token.column + option_name.chars().count() + 1,
                }),
            ),
            None => (token.text.clone(), None),
        };
        if !spec.options.contains(&option_name.as_str()) {
            let expected = if spec.options.is_empty() {
                format!("no options for %{name}")
            } else {
                format!("one of {}", spec.options.join(", "))
            };
            return Err(ParseError::new(token.column, expected, &option_name).for_magic(&name));
        }
        if arguments.option(&option_name).is_some() {
            return Err(ParseError::new(token.column, format!("{option_name} at most once"), &option_name).for_magic(&name));
        }
        let option = Token {
            text: option_name.clone(),
            column: token.column,
        };
        if FLAGS.contains(&option_name.as_str()) {
            if let Some(value) = inline_value {
                return Err(ParseError::new(value.column, format!("no value after {option_name}"), &value.text)
                    .for_magic(&name));
            }
            arguments.options.push((option, None));
            continue;
        }
        let value = match inline_value {
            Some(value) => value,
            None => match rest.next() {
                Some(value) if !value.text.starts_with("--") => value.clone(),
                other => {
                    let (column, found) = other.map_or((end_column, ""), |t| (t.column, t.text.as_str()));
                    return Err(ParseError::new(column, format!("a value after {option_name}"), found)
                        .for_magic(&name));
                }
            },
        };
        arguments.options.push((option, Some(value)));
    }
    Ok(arguments)
}

fn unknown_magic(token: &Token, name: &str, sigil: &str) -> ParseError {
    let same_kind: Vec<String> = MAGICS
        .iter()
        .filter(|spec| spec.cell == (sigil == "%%"))
        .map(|spec| spec.invocation())
        .collect();
    let mut error = ParseError::new(token.column, format!("one of {}", same_kind.join(", ")), &token.text);
    if let Some(other) = catalog::find(name) {
        error.expected = format!("{} (it is written with {})", error.expected, other.invocation());
    }
    error.magic = Some("lsmagic".into());
    error
}

/// Parses a line that starts with `%`.
pub fn parse_line_magic(line: &str) -> Result<LineMagic, ParseError> {
    match line.split_whitespace().next() {
        Some("%eval") => return parse_eval(line),
        Some(magic @ ("%save" | "%load")) => return parse_file_magic(line, &magic[1..]),
        _ => {}
    }
    let arguments = split(line, "%")?;
    match arguments.name.as_str() {
        "lsmagic" => no_arguments(&arguments, LineMagic::LsMagic),
        "nodes" => no_arguments(&arguments, LineMagic::Nodes),
        "reset" => no_arguments(&arguments, LineMagic::Reset),
        "topology" => no_arguments(&arguments, LineMagic::Topology),
        "help" => {
            arguments.no_more_positional(1)?;
            Ok(LineMagic::Help {
                name: arguments.positional.first().map(|token| token.text.clone()),
            })
        }
        "mesh" => parse_mesh(&arguments),
        "ring" => parse_ring(&arguments),
        "star" | "line" => {
            let count = parse_count(&arguments, 2)?;
            let prefix = parse_prefix(&arguments)?;
            Ok(if arguments.name == "star" {
                LineMagic::Star { count, prefix }
            } else {
                LineMagic::Line { count, prefix }
            })
        }
        "random" => {
            let count = parse_count(&arguments, 2)?;
            let degree = match arguments.option("--degree") {
                Some((_, Some(value))) => value
                    .text
                    .parse::<usize>()
                    .ok()
                    .filter(|degree| (1..count).contains(degree))
                    .ok_or_else(|| {
                        ParseError::new(value.column, format!("a degree from 1 to {}", count - 1), &value.text)
                            .for_magic("random")
                    })?,
                _ => return Err(ParseError::new(arguments.end_column, "--degree K", "").for_magic("random")),
            };
            Ok(LineMagic::Random {
                count,
                degree,
                prefix: parse_prefix(&arguments)?,
            })
        }
        "plot" => {
            const EXPECTED: &str = "`messages`, `latency` or `series KEY`";
            let what = arguments.positional(0, EXPECTED)?;
            let kind = match what.text.as_str() {
                "messages" => {
                    arguments.no_more_positional(1)?;
                    PlotKind::Messages
                }
                "latency" => {
                    arguments.no_more_positional(1)?;
                    PlotKind::Latency
                }
                "series" => {
                    let key = arguments.positional(1, "the KEY that programs passed to emit(KEY, value)")?;
                    arguments.no_more_positional(2)?;
                    PlotKind::Series(key.text.clone())
                }
                _ => return Err(ParseError::new(what.column, EXPECTED, &what.text).for_magic("plot")),
            };
            Ok(LineMagic::Plot { what: kind })
        }
        "ps" => no_arguments(&arguments, LineMagic::Ps),
        "stats" => no_arguments(&arguments, LineMagic::Stats),
        "node" => parse_node(&arguments),
        "link" => parse_link(&arguments),
        "unlink" => {
            let (node, port) = parse_endpoint(&arguments, 0)?;
            arguments.no_more_positional(1)?;
            Ok(LineMagic::Unlink { node, port })
        }
        "stop" => {
            let targets = arguments.positional(0, "TARGETS such as `n*`, `n1,n3`, `n[0-15]` or `all`")?;
            let targets = Selector::parse(&targets.text, targets.column).map_err(|e| e.for_magic("stop"))?;
            arguments.no_more_positional(1)?;
            Ok(LineMagic::Stop { targets })
        }
        "log" => parse_log(&arguments),
        other => unreachable!("catalog magic `{other}` has no parser"),
    }
}

/// Parses the first line of a cell that starts with `%%`.
pub fn parse_cell_magic(line: &str) -> Result<CellMagic, ParseError> {
    let arguments = split(line, "%%")?;
    match arguments.name.as_str() {
        "lua" => {
            let targets = arguments.positional(0, "TARGETS such as `n*`, `n1,n3`, `n[0-15]` or `all`")?;
            let targets = Selector::parse(&targets.text, targets.column).map_err(|e| e.for_magic("lua"))?;
            arguments.no_more_positional(1)?;
            let wait = parse_wait(&arguments)?;
            Ok(CellMagic::Lua { targets, wait })
        }
        "shell" => {
            let node = arguments.positional(0, "a node name")?;
            check_name(node, "a node name of letters, digits, `_`, `-` or `.`", "shell")?;
            arguments.no_more_positional(1)?;
            Ok(CellMagic::Shell {
                node: node.text.clone(),
            })
        }
        other => unreachable!("catalog magic `{other}` has no parser"),
    }
}

/// `%save FILE` and `%load FILE` take the rest of the line as the file
/// name, so names with spaces work, with or without quotes around them.
fn parse_file_magic(line: &str, name: &str) -> Result<LineMagic, ParseError> {
    let rest = line.trim_start()[name.len() + 1..].trim();
    let path = rest
        .strip_prefix('"')
        .and_then(|inner| inner.strip_suffix('"'))
        .or_else(|| rest.strip_prefix('\'').and_then(|inner| inner.strip_suffix('\'')))
        .unwrap_or(rest);
    if path.is_empty() {
        return Err(ParseError::new(line.chars().count() + 1, "a file name such as `network.toml`", "").for_magic(name));
    }
    let path = path.to_string();
    Ok(if name == "save" { LineMagic::Save { path } } else { LineMagic::Load { path } })
}

/// `%eval NODE EXPR` keeps EXPR exactly as typed, spaces and all.
fn parse_eval(line: &str) -> Result<LineMagic, ParseError> {
    let after_name = line.trim_start()["%eval".len()..].trim_start();
    let node_column = line.chars().count() - after_name.chars().count() + 1;
    let node: String = after_name.chars().take_while(|c| !c.is_whitespace()).collect();
    if node.is_empty() {
        return Err(ParseError::new(node_column, "a node name", "").for_magic("eval"));
    }
    check_name(
        &Token {
            text: node.clone(),
            column: node_column,
        },
        "a node name of letters, digits, `_`, `-` or `.`",
        "eval",
    )?;
    let code = after_name[node.len()..].trim().to_string();
    if code.is_empty() {
        return Err(ParseError::new(line.chars().count() + 1, "a Lua expression or statement after the node name", "")
            .for_magic("eval"));
    }
    Ok(LineMagic::Eval { node, code })
}

fn no_arguments(arguments: &Arguments, magic: LineMagic) -> Result<LineMagic, ParseError> {
    arguments.no_more_positional(0)?;
    Ok(magic)
}

fn parse_mesh(arguments: &Arguments) -> Result<LineMagic, ParseError> {
    const EXPECTED: &str = "rows x columns such as `4x4`";
    check_vm(arguments)?;
    let size = arguments.positional(0, EXPECTED)?;
    let (rows, cols) = size
        .text
        .split_once(['x', 'X'])
        .and_then(|(rows, cols)| Some((rows.parse::<usize>().ok()?, cols.parse::<usize>().ok()?)))
        .filter(|(rows, cols)| *rows > 0 && *cols > 0)
        .ok_or_else(|| ParseError::new(size.column, EXPECTED, &size.text).for_magic("mesh"))?;
    arguments.no_more_positional(1)?;
    Ok(LineMagic::Mesh {
        rows,
        cols,
        prefix: parse_prefix(arguments)?,
        torus: arguments.option("--torus").is_some(),
    })
}

fn parse_ring(arguments: &Arguments) -> Result<LineMagic, ParseError> {
    const EXPECTED: &str = "a node count of at least 2";
    check_vm(arguments)?;
    let count = arguments.positional(0, EXPECTED)?;
    let count_value = count
        .text
        .parse::<usize>()
        .ok()
        .filter(|count| *count >= 2)
        .ok_or_else(|| ParseError::new(count.column, EXPECTED, &count.text).for_magic("ring"))?;
    arguments.no_more_positional(1)?;
    Ok(LineMagic::Ring {
        count: count_value,
        prefix: parse_prefix(arguments)?,
    })
}

/// Accepts `--vm lua`, the only VM kind built so far.
fn check_vm(arguments: &Arguments) -> Result<(), ParseError> {
    match arguments.option("--vm") {
        Some((_, Some(vm))) if vm.text != "lua" => Err(ParseError::new(
            vm.column,
            "`lua` (JavaScript VMs are not built yet)",
            &vm.text,
        )
        .for_magic(&arguments.name)),
        _ => Ok(()),
    }
}

/// Reads the node count of a generator: at least `minimum`.
fn parse_count(arguments: &Arguments, minimum: usize) -> Result<usize, ParseError> {
    check_vm(arguments)?;
    let expected = format!("a node count of at least {minimum}");
    let count = arguments.positional(0, &expected)?;
    let value = count
        .text
        .parse::<usize>()
        .ok()
        .filter(|count| *count >= minimum)
        .ok_or_else(|| ParseError::new(count.column, expected.as_str(), &count.text).for_magic(&arguments.name))?;
    arguments.no_more_positional(1)?;
    Ok(value)
}

fn parse_prefix(arguments: &Arguments) -> Result<String, ParseError> {
    match arguments.option("--prefix") {
        Some((_, Some(value))) => {
            check_name(value, "a name prefix of letters, digits, `_`, `-` or `.`", &arguments.name)?;
            Ok(value.text.clone())
        }
        _ => Ok("n".to_string()),
    }
}

fn parse_log(arguments: &Arguments) -> Result<LineMagic, ParseError> {
    let node = arguments.positional(0, "a node name")?;
    check_name(node, "a node name of letters, digits, `_`, `-` or `.`", "log")?;
    arguments.no_more_positional(1)?;
    let tail = match arguments.option("--tail") {
        Some((_, Some(value))) => value
            .text
            .parse::<usize>()
            .ok()
            .filter(|count| *count > 0)
            .ok_or_else(|| ParseError::new(value.column, "a line count of at least 1", &value.text).for_magic("log"))?,
        _ => 20,
    };
    Ok(LineMagic::Log {
        node: node.text.clone(),
        tail,
    })
}

fn parse_node(arguments: &Arguments) -> Result<LineMagic, ParseError> {
    let action = arguments.positional(0, "`add` or `rm`")?;
    if action.text != "add" && action.text != "rm" {
        return Err(ParseError::new(action.column, "`add` or `rm`", &action.text).for_magic("node"));
    }
    let name = arguments.positional(1, "a node name")?;
    check_name(name, "a node name of letters, digits, `_`, `-` or `.`", "node")?;
    if name.text == "all" && action.text == "add" {
        return Err(ParseError::new(name.column, "a node name other than `all`, which selects every node", "all")
            .for_magic("node"));
    }
    arguments.no_more_positional(2)?;
    check_vm(arguments)?;
    match action.text.as_str() {
        "add" => Ok(LineMagic::NodeAdd {
            name: name.text.clone(),
            at: parse_position(arguments)?,
            ports: parse_ports(arguments)?,
        }),
        "rm" => {
            if let Some((option, _)) = arguments.options.first() {
                return Err(ParseError::new(option.column, "no options for `%node rm`", &option.text)
                    .for_magic("node"));
            }
            Ok(LineMagic::NodeRemove {
                name: name.text.clone(),
            })
        }
        _ => Err(ParseError::new(action.column, "`add` or `rm`", &action.text).for_magic("node")),
    }
}

fn parse_position(arguments: &Arguments) -> Result<Option<(f64, f64)>, ParseError> {
    let Some((_, Some(value))) = arguments.option("--at") else {
        return Ok(None);
    };
    value
        .text
        .split_once(',')
        .and_then(|(x, y)| Some((x.parse::<f64>().ok()?, y.parse::<f64>().ok()?)))
        .filter(|(x, y)| x.is_finite() && y.is_finite())
        .map(Some)
        .ok_or_else(|| ParseError::new(value.column, "a position X,Y such as `2,0.5`", &value.text).for_magic("node"))
}

fn parse_ports(arguments: &Arguments) -> Result<Vec<String>, ParseError> {
    let Some((_, Some(value))) = arguments.option("--ports") else {
        return Ok(vec!["p0".to_string()]);
    };
    let mut ports: Vec<String> = Vec::new();
    let mut column = value.column;
    for port in value.text.split(',') {
        let token = Token {
            text: port.to_string(),
            column,
        };
        check_name(&token, "a port name of letters, digits, `_`, `-` or `.`", "node")?;
        if ports.iter().any(|existing| existing == port) {
            return Err(ParseError::new(column, "port names that differ", port).for_magic("node"));
        }
        ports.push(port.to_string());
        column += port.chars().count() + 1;
    }
    Ok(ports)
}

fn parse_link(arguments: &Arguments) -> Result<LineMagic, ParseError> {
    let a = parse_endpoint(arguments, 0)?;
    let b = parse_endpoint(arguments, 1)?;
    arguments.no_more_positional(2)?;
    Ok(LineMagic::Link {
        a,
        b,
        latency_ms: parse_number(arguments, "--latency", "milliseconds such as `5` or `0.5`", 0.0, f64::MAX)?,
        jitter_ms: parse_number(arguments, "--jitter", "milliseconds such as `2`", 0.0, f64::MAX)?,
        loss: parse_number(arguments, "--loss", "a probability from 0 to 1 such as `0.1`", 0.0, 1.0)?,
    })
}

/// Reads a numeric option within [low, high]; 0 when it is absent.
fn parse_number(arguments: &Arguments, option: &str, expected: &str, low: f64, high: f64) -> Result<f64, ParseError> {
    let Some((_, Some(value))) = arguments.option(option) else {
        return Ok(0.0);
    };
    value
        .text
        .parse::<f64>()
        .ok()
        .filter(|number| number.is_finite() && (low..=high).contains(number))
        .ok_or_else(|| ParseError::new(value.column, expected, &value.text).for_magic(&arguments.name))
}

fn parse_endpoint(arguments: &Arguments, index: usize) -> Result<(String, String), ParseError> {
    const EXPECTED: &str = "NODE:PORT such as `n0:p0`";
    let token = arguments.positional(index, EXPECTED)?;
    let (node, port) = token
        .text
        .split_once(':')
        .filter(|(node, port)| is_name(node) && is_name(port))
        .ok_or_else(|| ParseError::new(token.column, EXPECTED, &token.text).for_magic(&arguments.name))?;
    Ok((node.to_string(), port.to_string()))
}

fn parse_wait(arguments: &Arguments) -> Result<WaitMode, ParseError> {
    let wait = arguments.option("--wait");
    let background = arguments.option("--bg");
    match (wait, background) {
        (Some(_), Some((bg, _))) => Err(ParseError::new(bg.column, "either --wait or --bg, not both", "--bg")
            .for_magic(&arguments.name)),
        (None, Some(_)) => Ok(WaitMode::Background),
        (None, None) => Ok(WaitMode::UntilDone),
        (Some((_, value)), None) => {
            let value = value.as_ref().expect("--wait takes a value");
            value
                .text
                .parse::<f64>()
                .ok()
                .filter(|seconds| seconds.is_finite() && *seconds >= 0.0)
                .map(WaitMode::Seconds)
                .ok_or_else(|| {
                    ParseError::new(value.column, "a number of seconds such as `5` or `0.5`", &value.text)
                        .for_magic(&arguments.name)
                })
        }
    }
}

fn is_name(text: &str) -> bool {
    !text.is_empty() && text.chars().all(is_name_char)
}

fn check_name(token: &Token, expected: &str, magic: &str) -> Result<(), ParseError> {
    match token.text.chars().position(|c| !is_name_char(c)) {
        _ if token.text.is_empty() => Err(ParseError::new(token.column, expected, "").for_magic(magic)),
        Some(bad) => Err(ParseError::new(token.column + bad, expected, &token.text).for_magic(magic)),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mesh_parses_size_and_options() {
        assert_eq!(
            parse_line_magic("%mesh 4x3 --prefix s --torus").unwrap(),
            LineMagic::Mesh {
                rows: 4,
                cols: 3,
                prefix: "s".into(),
                torus: true
            }
        );
        assert_eq!(
            parse_line_magic("%mesh 2x2 --prefix=m").unwrap(),
            LineMagic::Mesh {
                rows: 2,
                cols: 2,
                prefix: "m".into(),
                torus: false
            }
        );
    }

    #[test]
    fn mesh_malformed_size_names_column() {
        let error = parse_line_magic("%mesh 4by4").unwrap_err();
        assert_eq!(error.column, 7);
        assert_eq!(error.found, "4by4");
        assert!(error.to_string().contains("expected rows x columns such as `4x4`"));
        assert!(error.to_string().contains("%help mesh"));
    }

    #[test]
    fn mesh_missing_size_points_past_end() {
        let error = parse_line_magic("%mesh").unwrap_err();
        assert_eq!(error.column, 6);
        assert!(error.to_string().contains("found the end of the line"));
    }

    #[test]
    fn unknown_option_lists_known_ones() {
        let error = parse_line_magic("%ring 5 --size 3").unwrap_err();
        assert_eq!(error.column, 9);
        assert_eq!(error.expected, "one of --prefix, --vm");
    }

    #[test]
    fn unknown_magic_lists_magics() {
        let error = parse_line_magic("%meshh 4x4").unwrap_err();
        assert_eq!(error.column, 1);
        assert!(error.expected.contains("%mesh"));
        let error = parse_line_magic("%lua n1").unwrap_err();
        assert!(error.expected.contains("written with %%lua"));
    }

    #[test]
    fn node_add_with_position_and_ports() {
        assert_eq!(
            parse_line_magic("%node add sink --at 2,0.5 --ports a,b").unwrap(),
            LineMagic::NodeAdd {
                name: "sink".into(),
                at: Some((2.0, 0.5)),
                ports: vec!["a".into(), "b".into()]
            }
        );
        let error = parse_line_magic("%node add sink --ports a,a").unwrap_err();
        assert_eq!(error.column, 26);
        let error = parse_line_magic("%node move x").unwrap_err();
        assert_eq!(error.column, 7);
        let error = parse_line_magic("%node frob").unwrap_err();
        assert_eq!(error.found, "frob");
        let error = parse_line_magic("%node add all").unwrap_err();
        assert_eq!(error.column, 11);
    }

    #[test]
    fn file_names_may_have_spaces() {
        assert_eq!(
            parse_line_magic("%save my net.toml").unwrap(),
            LineMagic::Save { path: "my net.toml".into() }
        );
        assert_eq!(
            parse_line_magic("%load \"my net.toml\"").unwrap(),
            LineMagic::Load { path: "my net.toml".into() }
        );
        assert_eq!(parse_line_magic("%save").unwrap_err().column, 6);
        assert_eq!(parse_line_magic("%unlink a").unwrap_err().magic.as_deref(), Some("unlink"));
    }

    #[test]
    fn eval_keeps_expression_text() {
        assert_eq!(
            parse_line_magic("%eval n1  count + 1 ").unwrap(),
            LineMagic::Eval {
                node: "n1".into(),
                code: "count + 1".into()
            }
        );
        assert_eq!(parse_line_magic("%eval n1").unwrap_err().column, 9);
        assert_eq!(parse_line_magic("%eval").unwrap_err().column, 6);
        assert_eq!(
            parse_cell_magic("%%shell n2").unwrap(),
            CellMagic::Shell { node: "n2".into() }
        );
    }

    #[test]
    fn generators_accept_only_lua_vm() {
        assert!(parse_line_magic("%mesh 2x2 --vm lua").is_ok());
        assert!(parse_line_magic("%star 3 --vm lua").is_ok());
        let error = parse_line_magic("%ring 3 --vm js").unwrap_err();
        assert_eq!(error.column, 14);
        assert_eq!(error.magic.as_deref(), Some("ring"));
    }

    #[test]
    fn generators_parse() {
        assert_eq!(
            parse_line_magic("%star 5").unwrap(),
            LineMagic::Star {
                count: 5,
                prefix: "n".into()
            }
        );
        assert_eq!(
            parse_line_magic("%random 10 --degree 3 --prefix r").unwrap(),
            LineMagic::Random {
                count: 10,
                degree: 3,
                prefix: "r".into()
            }
        );
        assert_eq!(parse_line_magic("%random 10").unwrap_err().expected, "--degree K");
        assert_eq!(parse_line_magic("%random 4 --degree 4").unwrap_err().column, 20);
        assert_eq!(parse_line_magic("%line 1").unwrap_err().column, 7);
    }

    #[test]
    fn repeated_option_is_rejected() {
        let error = parse_line_magic("%ring 3 --prefix m --prefix k").unwrap_err();
        assert_eq!(error.column, 20);
        assert_eq!(error.expected, "--prefix at most once");
    }

    #[test]
    fn unlink_stop_and_log_parse() {
        assert_eq!(
            parse_line_magic("%unlink a:p0").unwrap(),
            LineMagic::Unlink {
                node: "a".into(),
                port: "p0".into()
            }
        );
        assert!(matches!(parse_line_magic("%stop n*").unwrap(), LineMagic::Stop { .. }));
        assert_eq!(
            parse_line_magic("%log n1 --tail 5").unwrap(),
            LineMagic::Log {
                node: "n1".into(),
                tail: 5
            }
        );
        assert_eq!(parse_line_magic("%log n1 --tail 0").unwrap_err().column, 16);
    }

    #[test]
    fn link_parses_endpoints() {
        assert_eq!(
            parse_line_magic("%link a:p0 b:p1 --latency 5 --loss 0.25").unwrap(),
            LineMagic::Link {
                a: ("a".into(), "p0".into()),
                b: ("b".into(), "p1".into()),
                latency_ms: 5.0,
                jitter_ms: 0.0,
                loss: 0.25,
            }
        );
        let error = parse_line_magic("%link a:p0 b:p1 --loss 2").unwrap_err();
        assert_eq!(error.column, 24);
        let error = parse_line_magic("%link a:p0 bp1").unwrap_err();
        assert_eq!(error.column, 12);
    }

    #[test]
    fn lua_cell_magic_wait_modes() {
        let CellMagic::Lua { wait, targets } = parse_cell_magic("%%lua n* --wait 2.5").unwrap() else {
            panic!("expected %%lua")
        };
        assert_eq!(wait, WaitMode::Seconds(2.5));
        assert!(targets.matches("n3"));
        let CellMagic::Lua { wait, .. } = parse_cell_magic("%%lua all --bg").unwrap() else {
            panic!("expected %%lua")
        };
        assert_eq!(wait, WaitMode::Background);
        let error = parse_cell_magic("%%lua all --wait soon").unwrap_err();
        assert_eq!(error.column, 18);
        let error = parse_cell_magic("%%lua").unwrap_err();
        assert_eq!(error.column, 6);
    }
}
