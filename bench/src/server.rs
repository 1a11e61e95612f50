//! A big row's process, kept running: touching the memory costs seconds,
//! so it is touched once and then measures one block when asked.

use crate::row::failure;
use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};

/// A big bindloop kept running (`run ... 0`): one block per request.
pub struct Server {
    child: Child,
    stdin: Option<ChildStdin>,
    stdout: BufReader<ChildStdout>,
}

impl Server {
    pub fn start(cmd: &mut Command) -> Result<Server, String> {
        let mut child = cmd
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| format!("cannot run: {e}"))?;
        let stdin = child.stdin.take();
        let stdout = BufReader::new(child.stdout.take().expect("piped"));
        Ok(Server { child, stdin, stdout })
    }

    fn line(&mut self) -> Option<String> {
        let mut l = String::new();
        match self.stdout.read_line(&mut l) {
            Ok(n) if n > 0 => Some(l.trim_end().to_string()),
            _ => None,
        }
    }

    /// Ends the process and describes why it failed.
    fn fail(&mut self, line: Option<String>) -> String {
        drop(self.stdin.take());
        // After an error line or end of output it is exiting by itself.
        if line.as_deref().is_some_and(|l| !l.starts_with("error ")) {
            let _ = self.child.kill();
        }
        let status = self.child.wait().map_or("?".to_string(), |s| s.to_string());
        let mut err = Vec::new();
        if let Some(mut e) = self.child.stderr.take() {
            let _ = e.read_to_end(&mut err);
        }
        failure(line.as_deref(), &status, &err)
    }

    pub fn wait_ready(&mut self) -> Result<(), String> {
        match self.line() {
            Some(l) if l == "ready" => Ok(()),
            other => Err(self.fail(other)),
        }
    }

    /// Measures one block; returns its "ok ..." line.
    pub fn block(&mut self) -> Result<String, String> {
        let sent = self
            .stdin
            .as_mut()
            .map(|i| i.write_all(b"go\n").and_then(|_| i.flush()));
        if !matches!(sent, Some(Ok(()))) {
            return Err(self.fail(None));
        }
        match self.line() {
            Some(l) if l.starts_with("ok ") => Ok(l),
            other => Err(self.fail(other)),
        }
    }

    pub fn finish(mut self) {
        drop(self.stdin.take());
        let _ = self.child.wait();
    }
}
