//! IOPub: one task owns the socket and publishes every message it receives
//! on a channel, in order. Anything that produces output (the shell loop, the
//! controller, node consoles) sends through an [`Outbox`], never the socket, so
//! output order is the order of production.

use jupyter_protocol::{
    ClearOutput, DisplayData, ErrorOutput, ExecuteResult, ExecutionCount, IoPubWelcome, JupyterMessage,
    JupyterMessageContent, Media, StreamContent, Transient, UpdateDisplayData,
};
use runtimelib::{KernelIoPubXPubConnection, SubscriptionEvent};
use serde_json::{Map, Value as Json};
use tokio::sync::mpsc;

pub type IoPubSender = mpsc::UnboundedSender<JupyterMessage>;

/// Runs until every sender is gone. Replies to each new subscription with
/// `iopub_welcome`, so clients can tell when output will reach them.
pub async fn run(mut socket: KernelIoPubXPubConnection, mut messages: mpsc::UnboundedReceiver<JupyterMessage>) {
    loop {
        tokio::select! {
            message = messages.recv() => {
                let Some(message) = message else { break };
                if let Err(error) = socket.send(message).await {
                    tracing::error!(cause = %error, "iopub send failed");
                }
            }
            event = socket.recv_subscription() => match event {
                Ok(SubscriptionEvent::Subscribe(topic)) => {
                    let welcome: JupyterMessage = IoPubWelcome::new(topic).into();
                    if let Err(error) = socket.send(welcome).await {
                        tracing::error!(cause = %error, "iopub_welcome send failed");
                    }
                }
                Ok(SubscriptionEvent::Unsubscribe(_)) => {}
                Err(error) => tracing::warn!(cause = %error, "unreadable iopub subscription"),
            },
        }
    }
    tracing::debug!("iopub task ended");
}

/// Publishes output as children of one request.
#[derive(Clone)]
pub struct Outbox {
    sender: IoPubSender,
    parent: JupyterMessage,
}

impl Outbox {
    pub fn new(sender: IoPubSender, parent: JupyterMessage) -> Self {
        Outbox { sender, parent }
    }

    pub fn parent(&self) -> &JupyterMessage {
        &self.parent
    }

    pub fn send(&self, content: impl Into<JupyterMessageContent>) {
        let message = JupyterMessage::new(content.into(), Some(&self.parent));
        // The IOPub task lives as long as the kernel; a failed send means it
        // is shutting down and the output has nowhere to go.
        let _ = self.sender.send(message);
    }

    pub fn stdout(&self, text: &str) {
        self.send(StreamContent::stdout(text));
    }

    pub fn stderr(&self, text: &str) {
        self.send(StreamContent::stderr(text));
    }

    pub fn display(&self, data: Media, display_id: Option<&str>) {
        let mut display = DisplayData::new(data);
        display.transient = display_id.map(|id| Transient {
            display_id: Some(id.to_string()),
        });
        self.send(display);
    }

    pub fn update_display(&self, data: Media, display_id: &str) {
        self.send(UpdateDisplayData::new(data, display_id));
    }

    pub fn clear_output(&self, wait: bool) {
        self.send(ClearOutput { wait });
    }

    pub fn execute_result(&self, count: usize, data: Media) {
        let mut result = ExecuteResult::new(ExecutionCount::new(count), data);
        // The message schema wants an object here, never null.
        result.transient = Some(Transient::default());
        self.send(result);
    }

    pub fn error(&self, error: &ErrorOutput) {
        self.send(error.clone());
    }
}

/// Builds a `Media` bundle from MIME type and content pairs.
pub fn media(entries: impl IntoIterator<Item = (String, Json)>) -> Media {
    let map: Map<String, Json> = entries.into_iter().collect();
    serde_json::from_value(Json::Object(map)).unwrap_or_default()
}

/// Builds a bundle with only `text/plain`.
pub fn plain(text: &str) -> Media {
    media([("text/plain".to_string(), Json::String(text.to_string()))])
}
