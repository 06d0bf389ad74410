//! Local files open no socket: the headless commands run on the sample (logs and context) with
//! `socket()` forbidden by a seccomp filter that kills the process on the first call. The same
//! filter kills a run that does reach for the network (an `s3://` path), so the check is live.
//! An expired IAM Identity Center session is said (with the `aws sso login` to run) before any
//! socket is made.

#![cfg(target_os = "linux")]

use std::os::unix::process::{CommandExt as _, ExitStatusExt as _};
use std::process::{Command, Output};

/// `struct sock_filter`.
#[repr(C)]
struct SockFilter {
    code: u16,
    jt: u8,
    jf: u8,
    k: u32,
}

/// `struct sock_fprog`.
#[repr(C)]
struct SockFprog {
    len: u16,
    filter: *const SockFilter,
}

#[cfg(target_arch = "x86_64")]
const AUDIT_ARCH: u32 = 0xc000_003e;
#[cfg(target_arch = "aarch64")]
const AUDIT_ARCH: u32 = 0xc000_00b7;

/// Installs the filter in the child before it runs flowlens: any `socket()` (and, unless
/// `pairs_allowed`, `socketpair()`) kills the process with SIGSYS. A socket pair is a local
/// channel between two ends in the process (tokio's runtime makes one), never the network.
fn forbid_sockets(cmd: &mut Command, pairs_allowed: bool) {
    const LD_W_ABS: u16 = 0x20;
    const JEQ_K: u16 = 0x15;
    const RET_K: u16 = 0x06;
    const KILL_PROCESS: u32 = 0x8000_0000;
    const ALLOW: u32 = 0x7fff_0000;
    let op = |code, jt, jf, k| SockFilter { code, jt, jf, k };
    let program: Box<[SockFilter]> = Box::new([
        op(LD_W_ABS, 0, 0, 4), // arch
        op(JEQ_K, 1, 0, AUDIT_ARCH),
        op(RET_K, 0, 0, KILL_PROCESS), // another ABI: refuse everything
        op(LD_W_ABS, 0, 0, 0),         // syscall number
        op(JEQ_K, 2, 0, libc::SYS_socket as u32),
        op(
            JEQ_K,
            1,
            0,
            if pairs_allowed {
                u32::MAX
            } else {
                libc::SYS_socketpair as u32
            },
        ),
        op(RET_K, 0, 0, ALLOW),
        op(RET_K, 0, 0, KILL_PROCESS),
    ]);
    // SAFETY: the closure runs in the forked child before exec and only calls prctl, which is
    // async-signal-safe; the program is on the heap, owned by the closure.
    unsafe {
        cmd.pre_exec(move || {
            let prog = SockFprog {
                len: program.len() as u16,
                filter: program.as_ptr(),
            };
            if libc::prctl(libc::PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0
                || libc::prctl(libc::PR_SET_SECCOMP, 2, &prog as *const SockFprog, 0, 0) != 0
            {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
}

fn run_without_sockets(args: &[&str]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_flowlens"));
    cmd.args(args)
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_REGION", "us-east-1");
    forbid_sockets(&mut cmd, false);
    cmd.output().unwrap()
}

#[test]
fn local_files_open_no_socket() {
    let report = tempfile::tempdir().unwrap();
    let out_dir = report.path().join("r");
    let runs: Vec<Vec<&str>> = vec![
        vec!["stats", "assets/sample"],
        vec!["rows", "--format", "jsonl", "assets/sample"],
        vec!["top", "--by", "dst_service", "assets/sample"],
        vec!["explain", "assets/sample"],
        vec!["rules", "assets/sample"],
        vec![
            "report",
            "--out",
            out_dir.to_str().unwrap(),
            "assets/sample",
        ],
        vec!["sql", "--filter", "dstport == 443", "--by", "srcaddr"],
    ];
    for args in runs {
        let out = run_without_sockets(&args);
        assert!(
            out.status.success(),
            "{args:?}: {:?} (signal {:?}): {}",
            out.status,
            out.status.signal(),
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

#[cfg(feature = "cloud")]
#[test]
fn the_filter_catches_a_socket() {
    // An s3:// path reaches for the network (here 127.0.0.1, nothing listening): killed.
    let home = tempfile::tempdir().unwrap();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_flowlens"));
    cmd.args(["stats", "s3://bucket/prefix/"])
        .env("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_REGION", "us-east-1")
        .env("AWS_CONFIG_FILE", home.path().join("none"))
        .env("AWS_SHARED_CREDENTIALS_FILE", home.path().join("none"));
    forbid_sockets(&mut cmd, false);
    let out = cmd.output().unwrap();
    assert_eq!(out.status.signal(), Some(libc::SIGSYS), "{out:?}");
}

#[cfg(feature = "cloud")]
#[test]
fn an_expired_sso_session_is_said_before_any_socket() {
    // A profile of an IAM Identity Center session whose cached token expired (and cannot be
    // refreshed: no refresh token), as after a day without `aws sso login`. The credential
    // chain fails before a connection is made, and the message says what to run.
    let home = tempfile::tempdir().unwrap();
    let config = home.path().join("config");
    std::fs::write(
        &config,
        "[profile expired]\nsso_session = corp\nsso_account_id = 111122223333\n\
         sso_role_name = ReadOnly\nregion = us-east-1\n\n[sso-session corp]\n\
         sso_start_url = https://corp.awsapps.com/start\nsso_region = us-east-1\n",
    )
    .unwrap();
    // The SDK's token cache: ~/.aws/sso/cache/<hex SHA-1 of the session name>.json.
    let cache = home.path().join(".aws/sso/cache");
    std::fs::create_dir_all(&cache).unwrap();
    std::fs::write(
        cache.join("ee0bfd2552fbd840c02cc48b6e823320543c450f.json"),
        r#"{"accessToken":"expired-token","expiresAt":"2020-01-01T00:00:00Z","region":"us-east-1","startUrl":"https://corp.awsapps.com/start"}"#,
    )
    .unwrap();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_flowlens"));
    cmd.args(["stats", "--profile", "expired", "s3://bucket/prefix/"])
        .env_clear()
        .env("HOME", home.path())
        .env("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_CONFIG_FILE", &config)
        .env("AWS_SHARED_CREDENTIALS_FILE", home.path().join("none"));
    forbid_sockets(&mut cmd, true);
    let out = cmd.output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.signal(), None, "reached for a socket: {err}");
    assert!(!out.status.success());
    assert!(
        err.contains("run `aws sso login --profile expired`"),
        "{err}"
    );
}
