//! One-shot background jobs on named threads, waking the UI with a repaint when done; a job
//! that panicked is reported as an error, never lost.

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

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn a_panicking_job_is_reported_not_fatal() {
        let ctx = egui::Context::default();
        let mut job: Job<u32> = Job::spawn("flowlens-test-panic", &ctx, || {
            panic!("boom");
        })
        .unwrap();
        let start = std::time::Instant::now();
        let result = loop {
            if let Some(r) = job.poll() {
                break r;
            }
            assert!(start.elapsed() < Duration::from_secs(5));
            std::thread::sleep(Duration::from_millis(5));
        };
        assert!(result.unwrap_err().contains("panicked"));
        let mut ok: Job<u32> = Job::spawn("flowlens-test-ok", &ctx, || 7).unwrap();
        let v = loop {
            if let Some(r) = ok.poll() {
                break r;
            }
            std::thread::sleep(Duration::from_millis(1));
        };
        assert_eq!(v.unwrap(), 7);
    }
}
