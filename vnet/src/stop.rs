//! The stop signal of one program run. The VM's instruction hook polls the
//! flag while Lua code runs; the task that drives the program awaits the
//! channel while the program waits in `recv` or `sleep`.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use tokio::sync::watch;

#[derive(Clone)]
pub(crate) struct StopSignal {
    flag: Arc<AtomicBool>,
    sender: Arc<watch::Sender<bool>>,
}

impl StopSignal {
    pub(crate) fn new() -> Self {
        let (sender, _) = watch::channel(false);
        StopSignal {
            flag: Arc::new(AtomicBool::new(false)),
            sender: Arc::new(sender),
        }
    }

    pub(crate) fn stop(&self) {
        self.flag.store(true, Ordering::Release);
        self.sender.send_replace(true);
    }

    pub(crate) fn is_stopped(&self) -> bool {
        self.flag.load(Ordering::Acquire)
    }

    /// True when both handles belong to the same program run.
    pub(crate) fn same_run(&self, other: &StopSignal) -> bool {
        Arc::ptr_eq(&self.flag, &other.flag)
    }

    /// Completes once `stop` has been called.
    pub(crate) async fn stopped(&self) {
        let mut receiver = self.sender.subscribe();
        let _ = receiver.wait_for(|stopped| *stopped).await;
    }
}
