//! Issue 13, for operators: a log without colour codes when it is not a terminal, JSON lines
//! on request, an unreachable PostgreSQL named by host and port (never its password), and
//! `portal user add` naming the roles when given a wrong one.

use crate::process::free_port;
use std::process::{Command, Output, Stdio};

const BINARY: &str = env!("CARGO_BIN_EXE_portal");

/// `portal <args>` with its output captured (pipes: not a terminal) and colour not refused
/// by `NO_COLOR`, so only the portal's own check keeps escape codes out.
fn portal(dir: &std::path::Path, env: &[(&str, &str)], args: &[&str]) -> Output {
    let mut c = Command::new(BINARY);
    for (key, _) in std::env::vars_os() {
        if key.to_string_lossy().starts_with("PORTAL_") {
            c.env_remove(key);
        }
    }
    c.arg("--data-dir")
        .arg(dir)
        .args(args)
        .current_dir(dir)
        .env("PORTAL_CONFIG", dir.join("no-such-portal.toml"))
        .env("DATABASE_URL", "")
        .env("PORTAL_RUN_JOBS", "false")
        .env_remove("NO_COLOR")
        .envs(env.iter().copied())
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("starting {BINARY}: {e}"))
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

#[test]
fn the_log_has_no_colour_codes_in_a_file_and_is_json_lines_when_asked() {
    let dir = tempfile::tempdir().unwrap();
    let plain = portal(dir.path(), &[("PORTAL_LOG", "debug")], &["migrate"]);
    assert!(plain.status.success(), "{}", text(&plain));
    let out = String::from_utf8_lossy(&plain.stdout);
    assert!(out.lines().count() > 1, "some log lines: {out}");
    assert!(
        !out.contains('\u{1b}'),
        "escape codes in a piped log:\n{out}"
    );

    let dir = tempfile::tempdir().unwrap();
    let json = portal(
        dir.path(),
        &[("PORTAL_LOG", "debug"), ("PORTAL_LOG_FORMAT", "json")],
        &["migrate"],
    );
    assert!(json.status.success(), "{}", text(&json));
    let out = String::from_utf8_lossy(&json.stdout);
    let logged: Vec<&str> = out.lines().filter(|l| l.starts_with('{')).collect();
    assert!(!logged.is_empty(), "no JSON lines:\n{out}");
    for line in logged {
        let v: serde_json::Value =
            serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}"));
        assert!(
            v["level"].is_string() && v["timestamp"].is_string(),
            "{line}"
        );
    }
}

#[test]
fn an_unreachable_postgresql_is_named_by_host_and_port_never_by_its_password() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let url = format!("postgres://portal:not-to-be-shown@127.0.0.1:{port}/portal");
    let o = portal(dir.path(), &[("DATABASE_URL", &url)], &["migrate"]);
    let all = text(&o);
    assert!(!o.status.success(), "{all}");
    assert!(
        all.contains(&format!("127.0.0.1:{port}/portal")),
        "the server is named:\n{all}"
    );
    assert!(
        !all.contains("not-to-be-shown"),
        "the password shown:\n{all}"
    );
}

#[test]
fn adding_a_user_with_a_wrong_role_lists_the_roles() {
    let dir = tempfile::tempdir().unwrap();
    let o = portal(
        dir.path(),
        &[("PORTAL_NEW_PASSWORD", "long-enough-pw")],
        &["user", "add", "--email", "x@example.test", "--role", "boss"],
    );
    let all = text(&o);
    assert!(!o.status.success(), "{all}");
    for role in ["supplier", "site_manager", "warehouse_keeper", "admin"] {
        assert!(all.contains(role), "{role} not listed:\n{all}");
    }
}

#[test]
fn the_sealing_key_is_made_beside_the_data_folder_kept_apart_and_rotated_by_the_operator() {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("data");
    std::fs::create_dir_all(&dir).unwrap();
    // The first start makes the key beside the data folder and says so; the demo seals a bid.
    let demo = portal(&dir, &[], &["demo"]);
    assert!(demo.status.success(), "{}", text(&demo));
    assert!(
        text(&demo).contains("Generated a new bid-sealing key"),
        "{}",
        text(&demo)
    );
    let key_file = root.path().join("data.seal.key");
    let key = std::fs::read_to_string(&key_file).unwrap();

    // The key moved away (a copy of the data folder alone): the portal does not start.
    let kept = root.path().join("kept.key");
    std::fs::rename(&key_file, &kept).unwrap();
    let refused = portal(&dir, &[], &["migrate"]);
    assert!(!refused.status.success());
    assert!(
        text(&refused).contains("not here") && text(&refused).contains("data.seal.key"),
        "{}",
        text(&refused)
    );
    assert!(!key_file.exists(), "no other key is made up");
    // Given in the environment, it does.
    let given = [("PORTAL_SEAL_KEY", key.trim())];
    let ok = portal(&dir, &given, &["migrate"]);
    assert!(ok.status.success(), "{}", text(&ok));

    // Rotation: a new key file, every bid re-sealed with it; the old key is refused after.
    let next = root.path().join("next.key");
    let next_arg = next.to_string_lossy().to_string();
    let made = portal(&dir, &given, &["seal-key", "generate", "--file", &next_arg]);
    assert!(made.status.success(), "{}", text(&made));
    let rotated = portal(
        &dir,
        &given,
        &["seal-key", "rotate", "--new-key-file", &next_arg],
    );
    assert!(rotated.status.success(), "{}", text(&rotated));
    assert!(text(&rotated).contains("re-sealed"), "{}", text(&rotated));
    let old = portal(&dir, &given, &["migrate"]);
    assert!(!old.status.success());
    assert!(text(&old).contains("is not the one"), "{}", text(&old));
    let new = portal(
        &dir,
        &[],
        &["--seal-key-file", &next_arg, "audit", "verify"],
    );
    assert!(new.status.success(), "{}", text(&new));
}
