//! A node's inbox: messages that arrived on any of its ports, in arrival
//! order. `recv(port)` takes the oldest message of that port and keeps the
//! others for later calls.

use std::collections::VecDeque;

use serde_json::Value as Json;
use tokio::sync::{mpsc, Mutex};

/// One message as delivered: the value and the port it arrived on.
#[derive(Debug, Clone)]
pub(crate) struct Envelope {
    pub port: String,
    pub value: Json,
}

// TODO: inboxes are unbounded; a bounded inbox with a stated overflow policy
// (block the sender, or drop and count) is still to come.
pub(crate) struct Inbox {
    sender: mpsc::UnboundedSender<Envelope>,
    reader: Mutex<Reader>,
}

struct Reader {
    receiver: mpsc::UnboundedReceiver<Envelope>,
    /// Messages taken from the channel while looking for another port.
    pending: VecDeque<Envelope>,
}

impl Inbox {
    pub(crate) fn new() -> Self {
        let (sender, receiver) = mpsc::unbounded_channel();
        Inbox {
            sender,
            reader: Mutex::new(Reader {
                receiver,
                pending: VecDeque::new(),
            }),
        }
    }

    pub(crate) fn deliver(&self, envelope: Envelope) {
        // The receiver lives as long as the inbox, so sending cannot fail.
        let _ = self.sender.send(envelope);
    }

    /// Waits for the next message, from `port` only when one is given. The
    /// future may be dropped at any await point without losing a message.
    pub(crate) async fn recv(&self, port: Option<&str>) -> Envelope {
        let mut reader = self.reader.lock().await;
        let wanted = |envelope: &Envelope| port.is_none_or(|port| envelope.port == port);
        if let Some(index) = reader.pending.iter().position(wanted) {
            return reader.pending.remove(index).expect("index is in range");
        }
        loop {
            let envelope = reader
                .receiver
                .recv()
                .await
                .expect("the inbox holds its own sender");
            if wanted(&envelope) {
                return envelope;
            }
            reader.pending.push_back(envelope);
        }
    }
}
