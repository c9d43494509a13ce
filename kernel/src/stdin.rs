//! The stdin channel: the controller requests a line of input and the task
//! that owns the socket sends input_request and waits for input_reply.

use std::sync::mpsc;

use jupyter_protocol::{InputRequest, JupyterMessage, JupyterMessageContent};
use runtimelib::KernelStdinConnection;
use tokio::sync::mpsc::UnboundedReceiver;

/// One request for input; the reply carries the line or why it failed.
pub struct InputAsk {
    /// The execute_request that wants input; the reply goes to its client.
    pub parent: JupyterMessage,
    pub prompt: String,
    pub password: bool,
    pub reply: mpsc::Sender<Result<String, String>>,
}

pub async fn run(mut socket: KernelStdinConnection, mut asks: UnboundedReceiver<InputAsk>) {
    while let Some(ask) = asks.recv().await {
        let request = JupyterMessage::new(
            InputRequest {
                prompt: ask.prompt.clone(),
                password: ask.password,
            },
            Some(&ask.parent),
        );
        if let Err(error) = socket.send(request).await {
            tracing::error!(cause = %error, "input_request send failed");
            let _ = ask.reply.send(Err(format!("the front end could not be asked for input: {error}")));
            continue;
        }
        let answer = loop {
            match socket.read().await {
                Ok(message) => match message.content {
                    JupyterMessageContent::InputReply(reply) => break Ok(reply.value),
                    other => tracing::warn!(msg_type = other.message_type(), "unexpected message on stdin"),
                },
                Err(error) => {
                    tracing::error!(cause = %error, "stdin read failed");
                    break Err(format!("the front end's reply could not be read: {error}"));
                }
            }
        };
        let _ = ask.reply.send(answer);
    }
}
