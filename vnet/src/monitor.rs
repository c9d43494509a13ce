//! The monitor shell: Lua code evaluated inside a node's running VM, for
//! `%eval NODE EXPR` and `%%shell NODE`. The code runs as one more process
//! of the node, so it can read the program's globals and never runs at the same
//! time as the program's own Lua code.

use std::sync::{mpsc as std_mpsc, Arc};
use std::time::{Duration, Instant};

use mlua::{Lua, MultiValue};

use crate::api::NodeContext;
use crate::error::Error;
use crate::network::Network;
use crate::process::ProcessEnd;
use crate::stop::StopSignal;

/// Code to run and where its printed result goes.
pub(crate) struct EvalRequest {
    pub code: String,
    pub reply: std_mpsc::Sender<Result<String, String>>,
    /// Stops the evaluation when the caller gives up on it.
    pub cancel: StopSignal,
}

/// Compiles `code` as an expression when it is one, else as statements.
fn compile(lua: &Lua, code: &str) -> mlua::Result<mlua::Function> {
    lua.load(format!("return {code}"))
        .set_name("=eval")
        .into_function()
        .or_else(|_| lua.load(code).set_name("=eval").into_function())
}

pub(crate) fn serve(lua: &Lua, context: &Arc<NodeContext>, request: EvalRequest) {
    let function = match compile(lua, &request.code) {
        Ok(function) => function,
        Err(error) => {
            let _ = request.reply.send(Err(crate::program::describe_error(&error, context)));
            return;
        }
    };
    let lua_for_text = lua.clone();
    let reply = request.reply.clone();
    let cancel = Some(request.cancel.clone());
    let started = crate::process::drive_function(lua, context, function, MultiValue::new(), cancel, move |ctx, result| {
        let text = match result {
            Ok(values) => show(&lua_for_text, values),
            Err(error) => Err(crate::program::describe_error(&error, ctx)),
        };
        let _ = request.reply.send(text);
        ProcessEnd {
            main: false,
            label: "eval".to_string(),
            result: Ok(MultiValue::new()),
        }
    });
    if let Err(error) = started {
        let _ = reply.send(Err(error.to_string()));
    }
}

/// Joins the values with tabs, as `print` shows them.
fn show(lua: &Lua, values: MultiValue) -> Result<String, String> {
    let tostring: mlua::Function = lua.globals().get("tostring").map_err(|error| error.to_string())?;
    let mut parts = Vec::new();
    for value in values {
        // Tables show their contents, as JSON, rather than an address.
        let text = match &value {
            mlua::Value::Table(_) => match crate::value::lua_to_json(&value) {
                Ok(json) => json.to_string(),
                Err(_) => tostring.call::<String>(value).map_err(|error| error.to_string())?,
            },
            _ => tostring.call::<String>(value).map_err(|error| error.to_string())?,
        };
        parts.push(text);
    }
    Ok(parts.join("\t"))
}

impl Network {
    /// Evaluates `code` in the running VM of `name` and returns its values
    /// as text. Fails when the node runs no program or `timeout` passes.
    pub fn eval(&self, name: &str, code: &str, timeout: Duration, abort: &dyn Fn() -> bool) -> Result<String, Error> {
        let info = self.node(name)?;
        let (reply, answer) = std_mpsc::channel();
        let cancel = StopSignal::new();
        let request = EvalRequest {
            code: code.to_string(),
            reply,
            cancel: cancel.clone(),
        };
        let sent = self.with_run(name, |run| run.evals.send(request).is_ok());
        if sent != Some(true) {
            return Err(Error::Eval(format!(
                "node `{name}` runs no program (state {}); %eval reaches the VM of a running or waiting program",
                info.state.as_str()
            )));
        }
        let deadline = Instant::now() + timeout;
        loop {
            match answer.recv_timeout(Duration::from_millis(20)) {
                Ok(Ok(text)) => return Ok(text),
                Ok(Err(message)) => return Err(Error::Eval(message)),
                Err(std_mpsc::RecvTimeoutError::Disconnected) => {
                    return Err(Error::Eval(format!("node `{name}` ended its program before the code finished")))
                }
                Err(std_mpsc::RecvTimeoutError::Timeout) => {}
            }
            if abort() {
                cancel.stop();
                return Err(Error::Eval("interrupted; the evaluation was stopped".to_string()));
            }
            if Instant::now() >= deadline {
                cancel.stop();
                return Err(Error::Eval(format!(
                    "the code did not finish within {} s and was stopped; %eval suits short expressions",
                    timeout.as_secs_f64()
                )));
            }
        }
    }
}
