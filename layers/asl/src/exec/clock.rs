//! The clock every wait goes through: Wait states, Retry back-off, TimeoutSeconds, heartbeats and
//! `$$.State.EnteredTime`. Nothing in the engine reads the system time or sleeps directly.

use std::pin::Pin;
use std::time::Duration;

use time::OffsetDateTime;

/// A boxed future that can cross threads.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// A source of time and a way to wait for it.
pub trait Clock: Send + Sync {
    /// The current time.
    fn now(&self) -> OffsetDateTime;
    /// Completes at `deadline` (at once if it has passed).
    fn sleep_until(&self, deadline: OffsetDateTime) -> BoxFuture<'static, ()>;
}

/// Time from Tokio's timer, anchored to a wall-clock start.
///
/// On a normal runtime this is the real clock. On a current-thread runtime with paused time
/// (`tokio::runtime::Builder::start_paused(true)`, `#[tokio::test(start_paused = true)]`) it is a virtual
/// clock that jumps straight to the next timer whenever the execution has nothing else to do: Wait states and
/// back-offs take no real time, yet timeouts still race the work they guard in the right order. This is
/// what `soar exec --fast-wait` uses.
#[derive(Debug, Clone)]
pub struct TokioClock {
    wall: OffsetDateTime,
    instant: tokio::time::Instant,
}

impl TokioClock {
    /// A clock that starts at the current wall-clock time.
    pub fn new() -> TokioClock {
        TokioClock::starting_at(OffsetDateTime::now_utc())
    }

    /// A clock whose `now()` starts at `start` (for reproducible timestamps).
    pub fn starting_at(start: OffsetDateTime) -> TokioClock {
        TokioClock {
            wall: start,
            instant: tokio::time::Instant::now(),
        }
    }
}

impl Default for TokioClock {
    fn default() -> TokioClock {
        TokioClock::new()
    }
}

impl Clock for TokioClock {
    fn now(&self) -> OffsetDateTime {
        self.wall + tokio::time::Instant::now().saturating_duration_since(self.instant)
    }

    fn sleep_until(&self, deadline: OffsetDateTime) -> BoxFuture<'static, ()> {
        let offset = deadline - self.wall;
        let at = if offset.is_negative() {
            self.instant
        } else {
            self.instant + Duration::try_from(offset).unwrap_or(Duration::MAX / 4)
        };
        Box::pin(tokio::time::sleep_until(at))
    }
}
