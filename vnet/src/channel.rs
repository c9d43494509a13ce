//! Channels between the processes of one node (`chan([capacity])` with
//! `put`, `get`, `close`), `select` over channels, ports and a timeout, and
//! timer channels from `after(ms)`. A full channel blocks `put`, which is
//! the CSP rendezvous the processes rely on; values stay Lua values, since a
//! channel never leaves its VM.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use mlua::{AnyUserData, Lua, MultiValue, UserData, UserDataMethods, Value};
use tokio::sync::Notify;

use crate::api::{api_error, wait_duration, NodeContext, Waiting};
use crate::value::json_to_lua;

/// Capacity of a channel made with `chan()`.
const DEFAULT_CAPACITY: usize = 1;

pub(crate) struct Channel {
    queue: Mutex<VecDeque<Value>>,
    capacity: usize,
    closed: AtomicBool,
    /// Notified when a value is put or the channel closes.
    readable: Notify,
    /// Notified when a value is taken or the channel closes.
    writable: Notify,
    /// The node's wake-up for `select`, shared by all its channels.
    activity: Arc<Notify>,
}

impl Channel {
    fn new(capacity: usize, activity: Arc<Notify>) -> Channel {
        Channel {
            queue: Mutex::new(VecDeque::new()),
            capacity: capacity.max(1),
            closed: AtomicBool::new(false),
            readable: Notify::new(),
            writable: Notify::new(),
            activity,
        }
    }

    fn try_put(&self, value: Value) -> Result<(), Value> {
        let mut queue = self.queue.lock().expect("channel lock");
        if queue.len() >= self.capacity {
            return Err(value);
        }
        queue.push_back(value);
        drop(queue);
        self.readable.notify_waiters();
        self.activity.notify_waiters();
        Ok(())
    }

    fn try_get(&self) -> Option<Value> {
        let value = self.queue.lock().expect("channel lock").pop_front()?;
        self.writable.notify_waiters();
        Some(value)
    }

    fn close(&self) {
        self.closed.store(true, Ordering::Release);
        self.readable.notify_waiters();
        self.writable.notify_waiters();
        self.activity.notify_waiters();
    }

    fn is_closed(&self) -> bool {
        self.closed.load(Ordering::Acquire)
    }
}

/// The Lua handle of a channel.
#[derive(Clone)]
pub(crate) struct ChannelHandle {
    channel: Arc<Channel>,
    context: Arc<NodeContext>,
}

impl UserData for ChannelHandle {
    fn add_methods<M: UserDataMethods<Self>>(methods: &mut M) {
        methods.add_async_method("put", |lua, this, value: Value| async move {
            let channel = &this.channel;
            this.context.touch(&lua);
            let mut value = value;
            let mut waiting = None;
            loop {
                if channel.is_closed() {
                    return Err(api_error(&lua, &this.context.node.name, "put on a closed channel"));
                }
                let writable = channel.writable.notified();
                tokio::pin!(writable);
                writable.as_mut().enable();
                match channel.try_put(value) {
                    Ok(()) => return Ok(()),
                    Err(rejected) => value = rejected,
                }
                waiting.get_or_insert_with(|| Waiting::new(&this.context));
                writable.await;
            }
        });

        methods.add_async_method("get", |lua, this, timeout: Option<f64>| async move {
            let channel = &this.channel;
            this.context.touch(&lua);
            let limit = match timeout {
                Some(ms) => wait_duration("get", ms).map_err(|message| api_error(&lua, &this.context.node.name, message))?,
                None => None,
            };
            let deadline = limit.map(|limit| tokio::time::Instant::now() + limit);
            let mut waiting = None;
            loop {
                let readable = channel.readable.notified();
                tokio::pin!(readable);
                readable.as_mut().enable();
                if let Some(value) = channel.try_get() {
                    return Ok(value);
                }
                if channel.is_closed() {
                    return Ok(Value::Nil);
                }
                waiting.get_or_insert_with(|| Waiting::new(&this.context));
                match deadline {
                    Some(deadline) => {
                        if tokio::time::timeout_at(deadline, readable).await.is_err() {
                            return Ok(Value::Nil);
                        }
                    }
                    None => readable.await,
                }
            }
        });

        methods.add_method("close", |_, this, ()| {
            this.channel.close();
            Ok(())
        });

        methods.add_method("len", |_, this, ()| Ok(this.channel.queue.lock().expect("channel lock").len()));
    }
}

/// One case of `select`: a channel or a port name.
enum Case {
    Channel(Arc<Channel>),
    Port(String),
}

pub(crate) fn install(lua: &Lua, context: &Arc<NodeContext>) -> mlua::Result<()> {
    let activity = Arc::new(Notify::new());

    let ctx = context.clone();
    let chan_activity = activity.clone();
    lua.globals().set(
        "chan",
        lua.create_function(move |lua, capacity: Option<i64>| {
            let capacity = match capacity {
                None => DEFAULT_CAPACITY,
                Some(capacity) if capacity >= 1 => capacity as usize,
                Some(capacity) => {
                    return Err(api_error(lua, &ctx.node.name, format!("chan capacity must be 1 or more, got {capacity}")))
                }
            };
            Ok(ChannelHandle {
                channel: Arc::new(Channel::new(capacity, chan_activity.clone())),
                context: ctx.clone(),
            })
        })?,
    )?;

    let ctx = context.clone();
    let timer_activity = activity.clone();
    lua.globals().set(
        "after",
        lua.create_function(move |lua, ms: f64| {
            let limit = wait_duration("after", ms).map_err(|message| api_error(lua, &ctx.node.name, message))?;
            let channel = Arc::new(Channel::new(1, timer_activity.clone()));
            let timer = channel.clone();
            let shared = ctx.shared.clone();
            // A timer of "forever" never fires, so it needs no task.
            if let Some(limit) = limit {
                tokio::spawn(async move {
                    tokio::time::sleep(limit).await;
                    let now = shared.epoch.elapsed().as_secs_f64() * 1000.0;
                    let _ = timer.try_put(Value::Number(now));
                });
            }
            Ok(ChannelHandle {
                channel,
                context: ctx.clone(),
            })
        })?,
    )?;

    let ctx = context.clone();
    lua.globals().set(
        "select",
        lua.create_async_function(move |lua, (cases, timeout): (mlua::Table, Option<f64>)| {
            let ctx = ctx.clone();
            let activity = activity.clone();
            async move {
                let cases = read_cases(&lua, &ctx, cases)?;
                ctx.touch(&lua);
                let limit = match timeout {
                    Some(ms) => wait_duration("select", ms).map_err(|message| api_error(&lua, &ctx.node.name, message))?,
                    None => None,
                };
                let deadline = limit.map(|limit| tokio::time::Instant::now() + limit);
                let mut waiting = None;
                loop {
                    let woken = activity.notified();
                    let arrived = ctx.node.inbox.arrival();
                    tokio::pin!(woken, arrived);
                    woken.as_mut().enable();
                    arrived.as_mut().enable();
                    if let Some(ready) = poll_cases(&lua, &ctx, &cases)? {
                        return Ok(ready);
                    }
                    waiting.get_or_insert_with(|| Waiting::new(&ctx));
                    let sleep = async {
                        match deadline {
                            Some(deadline) => tokio::time::sleep_until(deadline).await,
                            None => std::future::pending().await,
                        }
                    };
                    tokio::select! {
                        _ = woken => {}
                        _ = arrived => {}
                        _ = sleep => return Ok(MultiValue::new()),
                    }
                }
            }
        })?,
    )?;
    Ok(())
}

fn read_cases(lua: &Lua, context: &NodeContext, cases: mlua::Table) -> mlua::Result<Vec<Case>> {
    let mut read = Vec::new();
    for (index, case) in cases.sequence_values::<Value>().enumerate() {
        match case? {
            Value::String(port) => {
                let port = port.to_str()?.to_string();
                if !context.node.has_port(&port) {
                    return Err(api_error(lua, &context.node.name, context.node.unknown_port(&port).to_string()));
                }
                read.push(Case::Port(port));
            }
            Value::UserData(data) => read.push(Case::Channel(channel_of(lua, context, &data, index)?)),
            other => {
                return Err(api_error(
                    lua,
                    &context.node.name,
                    format!("select case {} must be a channel or a port name, got a {}", index + 1, other.type_name()),
                ))
            }
        }
    }
    if read.is_empty() {
        return Err(api_error(lua, &context.node.name, "select needs at least one channel or port"));
    }
    Ok(read)
}

fn channel_of(lua: &Lua, context: &NodeContext, data: &AnyUserData, index: usize) -> mlua::Result<Arc<Channel>> {
    data.borrow::<ChannelHandle>()
        .map(|handle| handle.channel.clone())
        .map_err(|_| api_error(lua, &context.node.name, format!("select case {} is not a channel", index + 1)))
}

/// Takes a value from the first ready case: returns its 1-based index, the
/// value, and for a port the port name.
fn poll_cases(lua: &Lua, context: &NodeContext, cases: &[Case]) -> mlua::Result<Option<MultiValue>> {
    for (index, case) in cases.iter().enumerate() {
        let position = Value::Integer(index as i64 + 1);
        match case {
            Case::Channel(channel) => {
                if let Some(value) = channel.try_get() {
                    return Ok(Some(MultiValue::from_vec(vec![position, value])));
                }
                if channel.is_closed() {
                    return Ok(Some(MultiValue::from_vec(vec![position, Value::Nil])));
                }
            }
            Case::Port(port) => {
                if let Some(envelope) = context.node.inbox.take(Some(port)) {
                    context.last_hops.store(envelope.hops, Ordering::Relaxed);
                    let value = json_to_lua(lua, &envelope.value)?;
                    let port = Value::String(lua.create_string(&envelope.port)?);
                    return Ok(Some(MultiValue::from_vec(vec![position, value, port])));
                }
            }
        }
    }
    Ok(None)
}
