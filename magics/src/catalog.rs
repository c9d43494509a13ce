//! The catalog of magics: names, options, help text and a worked example for
//! each. `%lsmagic`, `%help`, completion and inspection all read it, so a
//! magic documented here is documented everywhere.

/// The description of one magic: name, usage, options, help and example.
#[derive(Debug)]
pub struct MagicSpec {
    pub name: &'static str,
    /// True for a cell magic (`%%name`), false for a line magic (`%name`).
    pub cell: bool,
    pub usage: &'static str,
    pub summary: &'static str,
    /// Long options the magic takes, with their leading `--`.
    pub options: &'static [&'static str],
    /// Words that may follow the name, for completion (`add`, `rm`).
    pub subcommands: &'static [&'static str],
    pub details: &'static str,
    /// A worked example: one entry per cell, each runnable as written after
    /// the cells before it.
    pub example: &'static [&'static str],
}

impl MagicSpec {
    /// Returns the name as typed in a cell, with its `%` or `%%`.
    pub fn invocation(&self) -> String {
        let sigil = if self.cell { "%%" } else { "%" };
        format!("{sigil}{}", self.name)
    }

    /// Builds the full help text of `%help NAME`.
    pub fn help(&self) -> String {
        let mut text = format!("{}\n\n{}\n", self.usage, self.summary);
        if !self.details.is_empty() {
            text.push('\n');
            text.push_str(self.details);
            text.push('\n');
        }
        for (index, cell) in self.example.iter().enumerate() {
            if self.example.len() == 1 {
                text.push_str("\nExample:\n");
            } else {
                text.push_str(&format!("\nExample, cell {}:\n", index + 1));
            }
            for line in cell.lines() {
                text.push_str("    ");
                text.push_str(line);
                text.push('\n');
            }
        }
        text
    }
}

/// Finds a magic by name, with or without its `%` or `%%`.
pub fn find(name: &str) -> Option<&'static MagicSpec> {
    let bare = name.trim_start_matches('%');
    MAGICS.iter().find(|spec| spec.name == bare)
}

pub const MAGICS: &[MagicSpec] = &[
    MagicSpec {
        name: "lsmagic",
        cell: false,
        usage: "%lsmagic",
        summary: "List every magic with a one-line summary.",
        options: &[],
        subcommands: &[],
        details: "",
        example: &["%lsmagic"],
    },
    MagicSpec {
        name: "help",
        cell: false,
        usage: "%help [NAME]",
        summary: "Show the help of one magic, or an overview without NAME.",
        options: &[],
        subcommands: &[],
        details: "NAME may be written with or without its `%` or `%%`.",
        example: &["%help mesh"],
    },
    MagicSpec {
        name: "mesh",
        cell: false,
        usage: "%mesh RxC [--prefix P] [--torus] [--vm lua]",
        summary: "Add a grid of R rows and C columns of Lua i-nodes, linked to their neighbours.",
        options: &["--prefix", "--torus", "--vm"],
        subcommands: &[],
        details: "Nodes are named P<row>_<col> (prefix `n` by default) and placed at x = col, y = row.\n\
                  Each node has the ports north, east, south and west; a port on the border stays\n\
                  unlinked unless --torus wraps the grid around.",
        example: &["%reset\n%mesh 4x4\n%topology"],
    },
    MagicSpec {
        name: "ring",
        cell: false,
        usage: "%ring N [--prefix P] [--vm lua]",
        summary: "Add N Lua i-nodes in a circle, each linked to the next.",
        options: &["--prefix", "--vm"],
        subcommands: &[],
        details: "Nodes are named P<i> (prefix `n` by default). Port `next` of each node is linked\n\
                  to port `prev` of the following one, and the last node closes the ring.",
        example: &["%reset\n%ring 8\n%nodes"],
    },
    MagicSpec {
        name: "star",
        cell: false,
        usage: "%star N [--prefix P] [--vm lua]",
        summary: "Add a hub P0 and N-1 leaves P1..P(N-1), each linked to the hub.",
        options: &["--prefix", "--vm"],
        subcommands: &[],
        details: "The hub has the ports p1..p(N-1); each leaf has the port `hub`.",
        example: &["%reset\n%star 6\n%topology"],
    },
    MagicSpec {
        name: "line",
        cell: false,
        usage: "%line N [--prefix P] [--vm lua]",
        summary: "Add N nodes in a row, port `next` of each linked to port `prev` of the next.",
        options: &["--prefix", "--vm"],
        subcommands: &[],
        details: "The two end nodes keep one port unlinked.",
        example: &["%reset\n%line 5\n%topology"],
    },
    MagicSpec {
        name: "random",
        cell: false,
        usage: "%random N --degree K [--prefix P] [--vm lua]",
        summary: "Add a connected random network of N nodes with an average degree of about K.",
        options: &["--degree", "--prefix", "--vm"],
        subcommands: &[],
        details: "A random spanning tree keeps the network connected; random extra links raise the\n\
                  degree. The network seed (net.seed(N)) decides the graph. Ports are p0, p1, ...",
        example: &["%reset\nnet.seed(7)\n%random 12 --degree 3\n%topology"],
    },
    MagicSpec {
        name: "save",
        cell: false,
        usage: "%save FILE",
        summary: "Write the network to FILE as TOML: nodes, positions, ports, limits, programs, links, seed.",
        options: &[],
        subcommands: &[],
        details: "A relative FILE is relative to the kernel's working directory, which Jupyter sets to\n\
                  the notebook's folder. Running programs keep running; their source is saved.",
        example: &["%reset\n%ring 3\n%save ring.toml"],
    },
    MagicSpec {
        name: "load",
        cell: false,
        usage: "%load FILE",
        summary: "Replace the network with the one described in FILE (written by %save).",
        options: &[],
        subcommands: &[],
        details: "The whole file is checked first: a syntax error names its line and column, and any\n\
                  error leaves the current network untouched. Saved programs are loaded but not\n\
                  started; net.rerun(\"all\") starts them.",
        example: &["%reset\n%ring 3\n%save ring.toml", "%load ring.toml\n%nodes"],
    },
    MagicSpec {
        name: "plot",
        cell: false,
        usage: "%plot messages | latency | series KEY",
        summary: "Draw messages per node, a histogram of one-way latency, or values programs emitted.",
        options: &[],
        subcommands: &["messages", "latency", "series"],
        details: "`messages` shows bars of messages sent and received per node. `latency` is a\n\
                  histogram of the one-way latency (ms) of the last messages that reached each inbox.\n\
                  `series KEY` draws, per node, the values its program recorded with emit(KEY, value),\n\
                  over time in seconds; each node keeps its last 10,000 samples per key.",
        example: &[
            "%reset\n%ring 4",
            "%%lua all\nfor i = 1, 10 do emit(\"temperature\", 20 + me().id + math.sin(i)) sleep(5) end",
            "%plot series temperature",
            "%plot messages",
        ],
    },
    MagicSpec {
        name: "ps",
        cell: false,
        usage: "%ps",
        summary: "Show a table of programs: state, processes, memory, inbox and message counts.",
        options: &[],
        subcommands: &[],
        details: "Memory is the Lua heap of the node's VM when it was last seen.",
        example: &["%reset\n%ring 3", "%%lua all --bg\nsleep(500)", "%ps"],
    },
    MagicSpec {
        name: "stats",
        cell: false,
        usage: "%stats",
        summary: "Show message statistics: per node and per link direction.",
        options: &[],
        subcommands: &[],
        details: "Dropped counts messages lost to link loss, a port with no link, a full inbox or a\n\
                  missing route. Latency is the median one-way time of the last messages that reached\n\
                  each node's inbox.",
        example: &["%reset\n%ring 3", "%%lua all\nbroadcast(me().id)\nrecv(100)", "%stats"],
    },
    MagicSpec {
        name: "node",
        cell: false,
        usage: "%node add NAME [--vm lua] [--at X,Y] [--ports a,b]\n%node rm NAME",
        summary: "Add or remove one Lua i-node.",
        options: &["--vm", "--at", "--ports"],
        subcommands: &["add", "rm"],
        details: "--vm chooses the interpreter; only `lua` exists so far.\n\
                  --at sets the position used by %topology (default: next free place on a line).\n\
                  --ports lists the port names, comma-separated (default: p0).\n\
                  Removing a node also removes its links and stops its program.",
        example: &["%node add sink --at 2,0 --ports p0,p1\n%node rm sink"],
    },
    MagicSpec {
        name: "link",
        cell: false,
        usage: "%link A:PORT B:PORT [--latency MS] [--jitter MS] [--loss P]",
        summary: "Connect port PORT of node A with port PORT of node B.",
        options: &["--latency", "--jitter", "--loss"],
        subcommands: &[],
        details: "A link is bidirectional. A port has at most one link; `%unlink A:PORT` frees it.\n\
                  --latency delays every message by MS milliseconds, --jitter spreads that delay\n\
                  uniformly by up to MS either way, and --loss drops each message with probability P.\n\
                  Loss and jitter draw from a seeded generator (net.seed(N) sets the seed), so the\n\
                  same seed drops the same messages.",
        example: &["%reset\n%node add a --ports p0\n%node add b --ports p0\n%link a:p0 b:p0 --latency 5 --loss 0.1"],
    },
    MagicSpec {
        name: "nodes",
        cell: false,
        usage: "%nodes",
        summary: "Show a table of the nodes: name, id, position, ports, links and state.",
        options: &[],
        subcommands: &[],
        details: "",
        example: &["%reset\n%ring 3\n%nodes"],
    },
    MagicSpec {
        name: "reset",
        cell: false,
        usage: "%reset",
        summary: "Stop every program and remove every node and link.",
        options: &[],
        subcommands: &[],
        details: "",
        example: &["%reset"],
    },
    MagicSpec {
        name: "topology",
        cell: false,
        usage: "%topology",
        summary: "Draw the network as an SVG picture: nodes with their names and states, and links.",
        options: &[],
        subcommands: &[],
        details: "Node colours: grey idle, blue running, light blue waiting, green done, red failed, amber stopped.",
        example: &["%reset\n%mesh 3x3\n%topology"],
    },
    MagicSpec {
        name: "unlink",
        cell: false,
        usage: "%unlink A:PORT",
        summary: "Remove the link at port PORT of node A, from both ends.",
        options: &[],
        subcommands: &[],
        details: "Routes for `sendto` and `rpc.call` are recomputed on the next message.",
        example: &["%reset\n%node add a --ports p0\n%node add b --ports p0\n%link a:p0 b:p0\n%unlink a:p0"],
    },
    MagicSpec {
        name: "stop",
        cell: false,
        usage: "%stop TARGETS",
        summary: "Stop the programs of the target nodes, such as programs started with --bg.",
        options: &[],
        subcommands: &[],
        details: "Interrupting a cell stops the programs that cell started; %stop reaches programs\n\
                  that run in the background. Stopped nodes show the state `stopped`.",
        example: &["%reset\n%ring 2", "%%lua all --bg\nwhile true do sleep(100) end", "%stop all"],
    },
    MagicSpec {
        name: "log",
        cell: false,
        usage: "%log NODE [--tail N]",
        summary: "Show the console of a node: the last N lines it printed (default 20).",
        options: &["--tail"],
        subcommands: &[],
        details: "Each console keeps its last 1000 lines, including output printed while no cell\n\
                  was waiting, such as that of programs started with --bg.",
        example: &["%reset\n%node add a", "%%lua a\nprint(\"hello\")", "%log a --tail 5"],
    },
    MagicSpec {
        name: "eval",
        cell: false,
        usage: "%eval NODE EXPR",
        summary: "Evaluate EXPR (or a statement) in the running VM of NODE and show its values.",
        options: &[],
        subcommands: &[],
        details: "EXPR can read and change the program's globals. It runs as one more process of the\n\
                  node, between the program's own steps, and is stopped after 10 s or on interrupt.\n\
                  It needs a program that is running or waiting.",
        example: &[
            "%reset\n%node add sensor",
            "%%lua sensor --bg\nreadings = 0\nwhile true do readings = readings + 1 sleep(10) end",
            "%eval sensor readings > 0",
            "%stop sensor",
        ],
    },
    MagicSpec {
        name: "shell",
        cell: true,
        usage: "%%shell NODE",
        summary: "Run the rest of the cell in the running VM of NODE (the monitor shell).",
        options: &[],
        subcommands: &[],
        details: "The cell may hold several statements; the values of a final `return` are shown.\n\
                  Like %eval it needs a program that is running or waiting.",
        example: &[
            "%reset\n%node add sensor",
            "%%lua sensor --bg\nthreshold = 5\nrpc.serve()",
            "%%shell sensor\nthreshold = threshold * 2\nreturn threshold",
            "%stop sensor",
        ],
    },
    MagicSpec {
        name: "lua",
        cell: true,
        usage: "%%lua TARGETS [--wait SECONDS | --bg]",
        summary: "Load the rest of the cell as the Lua program of each target node and start it.",
        options: &["--wait", "--bg"],
        subcommands: &[],
        details: "TARGETS selects nodes: n1, n1,n3, the glob n*, the range n[0-15], or all.\n\
                  The cell waits until every program ends; --wait SECONDS waits at most that long\n\
                  and leaves the rest running; --bg returns at once. While the cell waits, each\n\
                  console line appears prefixed with its node name. A program that raises an error\n\
                  marks its node failed; the other nodes carry on.\n\
                  The cell magic must be the first line of its own cell. Starting a program empties\n\
                  the node's inbox, so messages of an earlier run cannot reach the new one.\n\
                  Node API: print, me(), ports([linked]), send(port, value), broadcast(value),\n\
                  sendto(node, value), hops(), recv([port], [timeout_ms]), sleep(ms), now() (ms since\n\
                  the network started), spawn(fn, ...), chan([capacity]), select(cases, [timeout_ms]),\n\
                  after(ms), rpc.expose(name, fn), rpc.call(node, name, ...), rpc.serve(),\n\
                  rpc.timeout(ms), emit(key, value) (a sample for %plot series KEY). The value a\n\
                  program returns is kept as the node's result\n\
                  (net.result(NAME) in a Lua cell).",
        example: &[
            "%reset\n%ring 4",
            "%%lua all --wait 5\nsend(\"next\", me().id)\nlocal value, port = recv(\"prev\", 1000)\nprint(\"got\", value, \"on\", port)",
        ],
    },
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalog_names_are_unique() {
        for (index, spec) in MAGICS.iter().enumerate() {
            assert!(
                MAGICS[index + 1..].iter().all(|other| other.name != spec.name),
                "{} appears twice",
                spec.name
            );
        }
    }

    #[test]
    fn catalog_find_accepts_sigils() {
        assert_eq!(find("%%lua").unwrap().name, "lua");
        assert_eq!(find("%mesh").unwrap().name, "mesh");
        assert!(find("nosuch").is_none());
    }

    #[test]
    fn catalog_help_contains_example() {
        let help = find("mesh").unwrap().help();
        assert!(help.starts_with("%mesh RxC"));
        assert!(help.contains("Example:\n    %reset\n    %mesh 4x4"));
        let lua = find("lua").unwrap().help();
        assert!(lua.contains("Example, cell 2:\n    %%lua all --wait 5"));
    }
}
