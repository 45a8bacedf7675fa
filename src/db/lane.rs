//! The writer's lane: on SQLite, write transactions run on a thread of their own.
//!
//! SQLite has one writer, so a write transaction holds the whole database from `BEGIN` to
//! the connection's return, and each of its statements is a hand-off to the driver's thread
//! and back. Run on an actix worker, the transaction's task waits behind whatever else that
//! worker has queued (parsing, searches, templates) at every hand-off, with the writer held
//! all along. On the lane, a thread that does nothing else, each answer from the driver is
//! taken up at once.

use std::future::Future;
use std::sync::Arc;

/// A thread running a single-threaded runtime for write transactions; it stops when the
/// last handle to it is dropped (a task running on it holds one).
#[derive(Debug)]
pub struct Lane {
    handle: tokio::runtime::Handle,
    _stop: tokio::sync::oneshot::Sender<()>,
}

impl Lane {
    pub fn start() -> std::io::Result<Arc<Lane>> {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        let handle = rt.handle().clone();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        std::thread::Builder::new()
            .name("sqlite-writer-lane".into())
            .spawn(move || {
                let _ = rt.block_on(stopped);
            })?;
        Ok(Arc::new(Lane {
            handle,
            _stop: stop,
        }))
    }

    /// Runs `work` on the lane and answers what it answers. A panic in `work` is raised
    /// again here, as if it had run in place.
    pub async fn run<T, F>(self: &Arc<Self>, work: F) -> T
    where
        F: Future<Output = T> + Send + 'static,
        T: Send + 'static,
    {
        use tracing::Instrument;
        let keep = Arc::clone(self);
        // The request's span goes along, so what the work logs still names its request.
        let task = self.handle.spawn(
            async move {
                let out = work.await;
                drop(keep);
                out
            }
            .instrument(tracing::Span::current()),
        );
        match task.await {
            Ok(out) => out,
            Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
            // The lane stops only once no handle is left, and the task holds one.
            Err(e) => panic!("the writer's lane dropped a task: {e}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn work_runs_on_the_lanes_thread_and_answers_there() {
        let lane = Lane::start().unwrap();
        let name = lane
            .run(async { std::thread::current().name().map(str::to_string) })
            .await;
        assert_eq!(name.as_deref(), Some("sqlite-writer-lane"));
        assert_ne!(
            std::thread::current().name(),
            Some("sqlite-writer-lane"),
            "the caller is elsewhere"
        );
    }

    #[tokio::test]
    async fn a_panic_in_the_work_is_raised_in_the_caller() {
        let lane = Lane::start().unwrap();
        let caught = tokio::spawn(async move {
            lane.run(async {
                if true {
                    panic!("boom in the lane");
                }
            })
            .await
        })
        .await;
        let e = caught.expect_err("the caller's task panicked");
        assert!(e.is_panic());
        let msg = e.into_panic();
        assert_eq!(msg.downcast_ref::<&str>(), Some(&"boom in the lane"));
    }

    #[tokio::test]
    async fn the_thread_stops_once_no_handle_is_left() {
        let lane = Lane::start().unwrap();
        let runtime = lane.handle.clone();
        assert_eq!(lane.run(async { 2 + 2 }).await, 4);
        drop(lane);
        // The runtime shuts down with its thread; a task given to it afterwards never runs.
        let mut stopped = false;
        for _ in 0..200 {
            if runtime
                .spawn(async {})
                .await
                .is_err_and(|e| e.is_cancelled())
            {
                stopped = true;
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
        assert!(stopped, "the lane's runtime still takes work");
    }
}
