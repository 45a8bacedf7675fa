//! System tests (issue 7): the real `portal` binary run as separate processes against real
//! databases, with faults injected from outside — two instances on one PostgreSQL, the SMTP
//! server down then up, a SIGKILL in a storm of issues, PostgreSQL restarted under load.
//!
//! The tests that need the shared PostgreSQL use `TEST_DATABASE_URL` (each in a fresh
//! schema); without it they print why and pass, except under `CI=true`, where they fail
//! (the SQLite pass of `.ci/run` says `TEST_BACKEND=sqlite` to skip them; its PostgreSQL
//! pass runs them). The PostgreSQL restart runs a private server of its own, in a temporary
//! folder on a free port, from the installed server programs (`initdb`, `pg_ctl`).

// A test fails by panicking: unwrap and expect say where (clippy.toml allows them in unit
// tests; these integration-test crates say it here).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod api;
mod backup;
mod books;
mod catalogue_index;
mod disk_full;
mod faults;
mod operators;
mod pg;
mod process;
mod smtp;
mod two_instances;
