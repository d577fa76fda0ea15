//! SIGINT / SIGTERM during a run: no new case starts, running cases finish, the reports are
//! written; a second signal aborts at once. Broken pipes end the process quietly.
use std::sync::Arc;

/// The stop flag a signal handler sets: the running cases finish, no new one starts.
#[derive(Debug, Clone, Default)]
pub struct Stop(Arc<std::sync::OnceLock<&'static str>>);

impl Stop {
    /// Records why the run must stop (the first reason wins).
    pub fn request(&self, signal: &'static str) {
        let _ = self.0.set(signal);
    }

    pub fn reason(&self) -> Option<&'static str> {
        self.0.get().copied()
    }
}

/// Watches for SIGINT and SIGTERM on a thread of its own and sets `stop` on the first.
pub fn watch(stop: Stop) {
    let _ = std::thread::Builder::new().name("signals".into()).spawn(move || {
        let Ok(rt) = tokio::runtime::Builder::new_current_thread().enable_all().build() else { return };
        rt.block_on(async move {
            #[cfg(unix)]
            {
                use tokio::signal::unix::{SignalKind, signal};
                let (Ok(mut int), Ok(mut term)) = (signal(SignalKind::interrupt()), signal(SignalKind::terminate())) else { return };
                loop {
                    let (name, code) = tokio::select! {
                        _ = int.recv() => ("SIGINT", 130),
                        _ = term.recv() => ("SIGTERM", 143),
                    };
                    if stop.reason().is_some() {
                        eprintln!("{name} again: aborting without reports");
                        std::process::exit(code);
                    }
                    eprintln!("{name}: no new case starts; running cases finish, then the reports are written ({name} again to abort)");
                    stop.request(name);
                }
            }
        });
    });
}

/// `list | head`: a closed stdout ends the process quietly, as it does every Unix tool, instead
/// of a panic with a backtrace.
pub fn quiet_broken_pipe() {
    #[cfg(unix)]
    // SAFETY: restoring the default disposition of SIGPIPE at start-up, before any thread runs.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}

/// Blocks until SIGINT or SIGTERM (the sandbox server's lifetime).
pub fn wait_for_termination() -> std::io::Result<()> {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    rt.block_on(async {
        #[cfg(unix)]
        {
            let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
            tokio::select! {
                r = tokio::signal::ctrl_c() => r,
                _ = term.recv() => Ok(()),
            }
        }
        #[cfg(not(unix))]
        tokio::signal::ctrl_c().await
    })
}
