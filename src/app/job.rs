//! One-shot background jobs on named threads, waking the UI with a repaint when done.

use std::sync::mpsc;

use eframe::egui;

/// A one-shot background job with its result channel.
pub(crate) struct Job<T> {
    rx: mpsc::Receiver<T>,
    started: std::time::Instant,
}

impl<T: Send + 'static> Job<T> {
    pub(crate) fn spawn(
        name: &str,
        ctx: &egui::Context,
        f: impl FnOnce() -> T + Send + 'static,
    ) -> Result<Job<T>, String> {
        let (tx, rx) = mpsc::channel();
        let ctx = ctx.clone();
        std::thread::Builder::new()
            .name(name.to_owned())
            .spawn(move || {
                tx.send(f()).ok();
                ctx.request_repaint();
            })
            .map_err(|e| format!("cannot start {name}: {e}"))?;
        Ok(Job {
            rx,
            started: std::time::Instant::now(),
        })
    }

    /// Time since the job was started.
    pub(crate) fn age(&self) -> std::time::Duration {
        self.started.elapsed()
    }

    pub(crate) fn poll(&mut self) -> Option<Result<T, String>> {
        match self.rx.try_recv() {
            Ok(v) => Some(Ok(v)),
            Err(mpsc::TryRecvError::Empty) => None,
            Err(mpsc::TryRecvError::Disconnected) => Some(Err(
                "a background job ended without a result (it panicked)".into(),
            )),
        }
    }
}
