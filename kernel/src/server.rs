//! The Jupyter side of the kernel: binds the five sockets of the connection
//! file and serves them on a runtime of their own. Heartbeat, control and
//! IOPub each have a task, so interrupt and shutdown work while a cell runs;
//! shell requests are served in order and wrapped in busy/idle.

use std::path::Path;
use std::sync::Arc;

use anyhow::Context;
use jupyter_protocol::{
    CodeMirrorMode, CommInfoReply, ConnectionInfo, ExecuteInput, ExecuteReply, ExecutionCount, HelpLink,
    InterruptReply, JupyterMessage, JupyterMessageContent, KernelInfoReply,
    LanguageInfo, ReplyError, ReplyStatus, ShutdownReply, Status,
};
use runtimelib::{
    create_kernel_control_connection, create_kernel_heartbeat_connection, create_kernel_iopub_xpub_connection,
    create_kernel_shell_connection, create_kernel_stdin_connection, RouterSendConnection,
};
use tokio::sync::{mpsc, Mutex};

use crate::controller::{Controller, ExecuteOutcome};
use crate::history::History;
use crate::iopub::{self, IoPubSender, Outbox};
use crate::stdin;

pub fn run(connection_file: &Path) -> anyhow::Result<()> {
    let text = std::fs::read_to_string(connection_file)
        .with_context(|| format!("cannot read connection file {}", connection_file.display()))?;
    let info: ConnectionInfo = serde_json::from_str(&text)
        .with_context(|| format!("connection file {} is not valid JSON of a connection", connection_file.display()))?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("vnetos-wire")
        .enable_all()
        .build()?;
    runtime.block_on(serve(info))
}

async fn serve(info: ConnectionInfo) -> anyhow::Result<()> {
    let session_id = uuid::Uuid::new_v4().to_string();
    let mut heartbeat = create_kernel_heartbeat_connection(&info).await?;
    let shell = create_kernel_shell_connection(&info, &session_id).await?;
    let mut control = create_kernel_control_connection(&info, &session_id).await?;
    let stdin_socket = create_kernel_stdin_connection(&info, &session_id).await?;
    let iopub_socket = create_kernel_iopub_xpub_connection(&info, &session_id).await?;
    tracing::info!(ip = %info.ip, shell = info.shell_port, "kernel listening");

    let (iopub_sender, iopub_receiver) = mpsc::unbounded_channel();
    tokio::spawn(iopub::run(iopub_socket, iopub_receiver));
    let (stdin_sender, stdin_receiver) = mpsc::unbounded_channel();
    tokio::spawn(stdin::run(stdin_socket, stdin_receiver));
    tokio::spawn(async move {
        while heartbeat.single_heartbeat().await.is_ok() {}
        tracing::warn!("heartbeat socket closed");
    });

    let controller = Controller::spawn(stdin_sender)?;
    let (shell_writer, mut shell_reader) = shell.split();
    let shell_writer = Arc::new(Mutex::new(shell_writer));

    let control_controller = controller.clone();
    let control_iopub = iopub_sender.clone();
    let control_task = tokio::spawn(async move {
        loop {
            let message = match control.read().await {
                Ok(message) => message,
                Err(error) => {
                    tracing::warn!(cause = %error, "unreadable control message");
                    continue;
                }
            };
            let reply: JupyterMessage = match &message.content {
                JupyterMessageContent::KernelInfoRequest(_) => kernel_info().as_child_of(&message),
                JupyterMessageContent::InterruptRequest(_) => {
                    tracing::info!("interrupt requested");
                    control_controller.interrupt();
                    InterruptReply::new().as_child_of(&message)
                }
                JupyterMessageContent::ShutdownRequest(request) => {
                    let reply = shutdown_reply(request.restart).as_child_of(&message);
                    if let Err(error) = control.send(reply).await {
                        tracing::error!(cause = %error, "shutdown_reply send failed");
                    }
                    tracing::info!(restart = request.restart, "shutdown requested");
                    Outbox::new(control_iopub.clone(), message.clone()).send(Status::other("dead"));
                    return;
                }
                other => {
                    tracing::warn!(msg_type = other.message_type(), "unhandled control message");
                    continue;
                }
            };
            if let Err(error) = control.send(reply).await {
                tracing::error!(cause = %error, "control reply send failed");
            }
        }
    });

    let mut shell_state = ShellState {
        controller,
        iopub: iopub_sender.clone(),
        writer: shell_writer,
        execution_count: 0,
        history: History::default(),
    };
    tokio::select! {
        _ = control_task => {}
        _ = async {
            loop {
                match shell_reader.read().await {
                    Ok(message) => {
                        if !shell_state.handle(message).await {
                            break;
                        }
                    }
                    // NOTE: jupyter-protocol 2.0.3 rejects some valid requests, such as a
                    // history search without `n` or `unique`; they get no reply.
                    Err(error) => tracing::warn!(cause = %error, "unreadable shell message"),
                }
            }
        } => {}
    }
    tracing::info!("kernel shutting down");
    Ok(())
}

struct ShellState {
    controller: Controller,
    iopub: IoPubSender,
    writer: Arc<Mutex<RouterSendConnection>>,
    execution_count: usize,
    history: History,
}

impl ShellState {
    /// Serves one shell request; returns false when the kernel should exit.
    async fn handle(&mut self, message: JupyterMessage) -> bool {
        let outbox = Outbox::new(self.iopub.clone(), message.clone());
        outbox.send(Status::busy());
        let mut keep_running = true;
        let reply: Option<JupyterMessage> = match &message.content {
            JupyterMessageContent::KernelInfoRequest(_) => Some(kernel_info().as_child_of(&message)),
            JupyterMessageContent::ExecuteRequest(request) => {
                if request.store_history && !request.silent {
                    self.execution_count += 1;
                }
                let count = self.execution_count;
                outbox.send(ExecuteInput {
                    code: request.code.clone(),
                    execution_count: ExecutionCount::new(count),
                });
                let outcome = self
                    .controller
                    .execute(request.code.clone(), outbox.clone(), count, request.allow_stdin)
                    .await;
                if request.store_history && !request.silent {
                    let result = match &outcome {
                        ExecuteOutcome::Ok { result } => result.clone(),
                        ExecuteOutcome::Error(_) => None,
                    };
                    self.history.record(count, &request.code, result);
                }
                Some(execute_reply(outcome, count).as_child_of(&message))
            }
            JupyterMessageContent::CompleteRequest(request) => Some(
                self.controller
                    .complete(request.code.clone(), request.cursor_pos)
                    .await
                    .as_child_of(&message),
            ),
            JupyterMessageContent::InspectRequest(request) => Some(
                self.controller
                    .inspect(request.code.clone(), request.cursor_pos)
                    .await
                    .as_child_of(&message),
            ),
            JupyterMessageContent::IsCompleteRequest(request) => {
                Some(crate::complete::is_complete(&request.code).as_child_of(&message))
            }
            JupyterMessageContent::HistoryRequest(request) => Some(self.history.reply(request).as_child_of(&message)),
            JupyterMessageContent::CommInfoRequest(_) => Some(CommInfoReply::default().as_child_of(&message)),
            JupyterMessageContent::ShutdownRequest(request) => {
                keep_running = false;
                Some(shutdown_reply(request.restart).as_child_of(&message))
            }
            other => {
                tracing::warn!(msg_type = other.message_type(), "unhandled shell message");
                None
            }
        };
        if let Some(reply) = reply {
            if let Err(error) = self.writer.lock().await.send(reply).await {
                tracing::error!(cause = %error, "shell reply send failed");
            }
        }
        outbox.send(Status::idle());
        keep_running
    }
}

fn execute_reply(outcome: ExecuteOutcome, count: usize) -> ExecuteReply {
    match outcome {
        ExecuteOutcome::Ok { .. } => ExecuteReply {
            status: ReplyStatus::Ok,
            execution_count: ExecutionCount::new(count),
            user_expressions: Some(Default::default()),
            ..Default::default()
        },
        ExecuteOutcome::Error(error) => ExecuteReply {
            status: ReplyStatus::Error,
            execution_count: ExecutionCount::new(count),
            user_expressions: Some(Default::default()),
            error: Some(Box::new(ReplyError {
                ename: error.ename,
                evalue: error.evalue,
                traceback: error.traceback,
            })),
            ..Default::default()
        },
    }
}

fn shutdown_reply(restart: bool) -> ShutdownReply {
    ShutdownReply {
        restart,
        status: ReplyStatus::Ok,
        error: None,
    }
}

fn kernel_info() -> KernelInfoReply {
    KernelInfoReply {
        status: ReplyStatus::Ok,
        protocol_version: "5.3".to_string(),
        implementation: "vnetos".to_string(),
        implementation_version: env!("CARGO_PKG_VERSION").to_string(),
        language_info: LanguageInfo {
            name: "lua".to_string(),
            version: "5.4".to_string(),
            mimetype: Some("text/x-lua".to_string()),
            file_extension: Some(".lua".to_string()),
            pygments_lexer: Some("lua".to_string()),
            codemirror_mode: Some(CodeMirrorMode::Simple("lua".to_string())),
            nbconvert_exporter: None,
        },
        banner: "VNetOS: build, program and measure sensor networks in Lua. Try %help.".to_string(),
        help_links: vec![HelpLink {
            text: "Lua 5.4 manual".to_string(),
            url: "https://www.lua.org/manual/5.4/".to_string(),
        }],
        debugger: false,
        error: None,
    }
}
