//! Real `mariadbd` processes on 127.0.0.1, driven with the `mariadb` client.
//!
//! Every server gets its own data directory (a copy of one template initialized once, which
//! already holds `playground.kv` and the replication user, so no statement of the setup
//! reaches a binary log) and its own port. Every PID started is appended to the file named by
//! `RPLAY_CONFORMANCE_PIDS`, so the shell's trap can stop it even if this process dies;
//! `Drop` stops the ones still running.
// Real servers run on the wall clock: waiting for them and timing a blocked commit is what
// this side measures (the simulator's side never reads a clock).
#![allow(clippy::disallowed_methods)]

use super::side::{Answer, Side, Topo, UseGtid, WaitPoint, Waited};
use replication_playground::engine::config::ClusterConfig;
use replication_playground::engine::export::{self, AddressPlan, Flavor};
use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::thread::sleep;
use std::time::{Duration, Instant};

/// Where the binaries and the scratch space are.
pub struct Env {
    pub scratch: PathBuf,
    pub template: PathBuf,
    /// Straight from mariadb-install-db: no schema, no replication user (the export's setup
    /// scripts make them).
    pub empty: PathBuf,
    next_port: u16,
}

impl Env {
    /// Initializes the template data directory once (mariadb-install-db, then one boot
    /// without a binary log to create the table and the replication user).
    pub fn new(scratch: PathBuf) -> Result<Env, String> {
        let template = scratch.join("template");
        let empty = scratch.join("empty");
        for d in [&template, &empty] {
            let _ = std::fs::remove_dir_all(d);
        }
        std::fs::create_dir_all(&empty).map_err(|e| e.to_string())?;
        let out = Command::new("mariadb-install-db")
            .args(["--no-defaults", "--user=root", "--skip-test-db"])
            .args([
                "--skip-name-resolve",
                "--auth-root-authentication-method=normal",
            ])
            .arg(format!("--datadir={}", empty.display()))
            .arg("--innodb-log-file-size=4M")
            .output()
            .map_err(|e| format!("mariadb-install-db: {e}"))?;
        if !out.status.success() {
            return Err(String::from_utf8_lossy(&out.stderr).into_owned());
        }
        copy_dir(&empty, &template);
        let mut env = Env {
            scratch,
            template,
            empty,
            // Ports of their own per run, so two runs on one machine do not collide.
            next_port: 20_000 + (std::process::id() % 400) as u16 * 100,
        };
        let mut boot = Server::new(&env.scratch.join("boot"), 0, env.port());
        boot.data = env.template.clone();
        boot.start(&[]);
        let setup = "CREATE DATABASE playground; \
             CREATE TABLE playground.kv (id BIGINT UNSIGNED PRIMARY KEY, val BIGINT UNSIGNED) ENGINE=InnoDB; \
             CREATE USER 'repl'@'127.0.0.1' IDENTIFIED BY 'repl'; \
             GRANT REPLICATION SLAVE, REPLICATION SLAVE ADMIN ON *.* TO 'repl'@'127.0.0.1'";
        boot.client(setup)
            .map_err(|e| format!("template setup: {e}"))?;
        boot.shutdown();
        Ok(env)
    }

    fn port(&mut self) -> u16 {
        self.next_port += 1;
        self.next_port
    }
}

/// One mariadbd: its directory, port, options and (while running) its process.
struct Server {
    dir: PathBuf,
    data: PathBuf,
    server_id: u32,
    port: u16,
    child: Option<Child>,
    extra: Vec<String>,
    /// An exported option file: read instead of the conformance options.
    defaults: Option<PathBuf>,
}

impl Server {
    fn new(dir: &Path, server_id: u32, port: u16) -> Server {
        std::fs::create_dir_all(dir).expect("a server directory");
        Server {
            dir: dir.to_path_buf(),
            data: dir.join("data"),
            server_id,
            port,
            child: None,
            extra: Vec::new(),
            defaults: None,
        }
    }

    fn sock(&self) -> PathBuf {
        self.dir.join("sock")
    }

    /// Starts mariadbd with the conformance options (the TOOLCHAIN's set) plus `opts`, and
    /// waits until its socket answers.
    fn start(&mut self, opts: &[String]) {
        let d = |k: &str, p: &Path| format!("--{k}={}", p.display());
        let mut cmd = Command::new("mariadbd");
        match &self.defaults {
            Some(file) => cmd.arg(d("defaults-file", file)),
            None => cmd.arg("--no-defaults"),
        };
        cmd.args(["--user=root", "--bind-address=127.0.0.1"])
            .arg(d("datadir", &self.data))
            .arg(d("socket", &self.sock()))
            .arg(d("pid-file", &self.dir.join("pid")))
            .arg(d("log-error", &self.dir.join("error.log")))
            .arg(format!("--port={}", self.port))
            .args(["--skip-name-resolve", "--innodb-log-file-size=4M"])
            .args(["--innodb-buffer-pool-size=32M", "--performance-schema=OFF"]);
        if self.server_id > 0 && self.defaults.is_none() {
            cmd.arg(format!("--server-id={}", self.server_id))
                .args([
                    "--log-bin=binlog",
                    "--relay-log=relay",
                    "--log-slave-updates",
                ])
                .args(["--gtid-strict-mode=ON", "--binlog-format=ROW"]);
        }
        cmd.args(&self.extra).args(opts);
        let child = cmd
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("mariadbd starts");
        record_pid(child.id());
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(60);
        while self.client("SELECT 1").is_err() {
            assert!(
                Instant::now() < deadline,
                "mariadbd on {} did not start",
                self.port
            );
            sleep(Duration::from_millis(50));
        }
    }

    /// Runs statements in one client session; rows as tab-separated fields, or the error.
    fn client(&self, sql: &str) -> Answer {
        let out = Command::new("mariadb")
            .args(["--no-defaults", "-uroot", "-N", "-B"])
            .arg(format!("--socket={}", self.sock().display()))
            .args(["-e", sql])
            .output()
            .expect("the mariadb client runs");
        parse_client(&out.stdout, &out.stderr, out.status.success())
    }

    /// The same, started in the background (a commit that will wait).
    fn client_bg(&self, sql: &str) -> Child {
        Command::new("mariadb")
            .args(["--no-defaults", "-uroot", "-N", "-B"])
            .arg(format!("--socket={}", self.sock().display()))
            .args(["-e", sql])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the mariadb client runs")
    }

    fn kill9(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// A clean shutdown: SIGTERM, then wait for the process to exit.
    fn shutdown(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = Command::new("kill")
                .args(["-TERM", &c.id().to_string()])
                .status();
            let deadline = Instant::now() + Duration::from_secs(60);
            while c.try_wait().ok().flatten().is_none() {
                if Instant::now() > deadline {
                    let _ = c.kill();
                }
                sleep(Duration::from_millis(20));
            }
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill9();
    }
}

fn record_pid(pid: u32) {
    if let Ok(file) = std::env::var("RPLAY_CONFORMANCE_PIDS")
        && let Ok(mut f) = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(file)
    {
        let _ = writeln!(f, "{pid}");
    }
}

/// `ERROR 1062 (23000) at line 1: …` → 1062. The client may echo the failed statement
/// between `--------------` lines first (it did for 1198 on SET GLOBAL gtid_slave_pos), so
/// the number is the word after `ERROR`, wherever that is.
fn parse_client(stdout: &[u8], stderr: &[u8], ok: bool) -> Answer {
    if !ok {
        let err = String::from_utf8_lossy(stderr);
        let mut words = err.split_whitespace();
        let code = (words.by_ref().find(|w| *w == "ERROR"))
            .and_then(|_| words.next())
            .and_then(|c| c.parse().ok())
            .unwrap_or(9999);
        return Err(code);
    }
    Ok(String::from_utf8_lossy(stdout)
        .lines()
        .map(|l| l.split('\t').map(str::to_string).collect())
        .collect())
}

/// A case's servers.
pub struct Real {
    servers: BTreeMap<String, Server>,
    case_dir: PathBuf,
}

impl Real {
    /// Copies the template for each node of the topology and starts them all (replication
    /// is attached by the case, with `attach`).
    pub fn build(env: &mut Env, case: &str, topo: &Topo) -> Real {
        let case_dir = env.scratch.join(case);
        let _ = std::fs::remove_dir_all(&case_dir);
        let mut servers = BTreeMap::new();
        for (i, name) in topo.nodes.iter().enumerate() {
            let id = i as u32 + 1;
            let mut s = Server::new(&case_dir.join(name), id, env.port());
            copy_dir(&env.template, &s.data);
            if topo.domain_per_node {
                s.extra.push(format!("--gtid-domain-id={id}"));
            }
            s.extra.push("--slave-net-timeout=4".into());
            s.start(&[]);
            servers.insert(name.to_string(), s);
        }
        Real { servers, case_dir }
    }

    /// Starts one server per node of `cfg` from the files `export::bundle_at` writes for
    /// MariaDB 10.11 (its option file as --defaults-file, on an empty data directory), then
    /// runs each node's setup script in the export's order.
    pub fn from_export(env: &mut Env, case: &str, cfg: &ClusterConfig) -> Real {
        let case_dir = env.scratch.join(case);
        let _ = std::fs::remove_dir_all(&case_dir);
        let first_port = env.next_port + 1;
        let plan = AddressPlan::Loopback { first_port };
        let files = export::bundle_at(cfg, Flavor::Mariadb1011, &plan).expect("the export");
        let file = |name: String| files.iter().find(|f| f.path == name).map(|f| &f.text);
        let mut servers = BTreeMap::new();
        for (i, node) in cfg.nodes.iter().enumerate() {
            let mut s = Server::new(&case_dir.join(&node.name), i as u32 + 1, env.port());
            copy_dir(&env.empty, &s.data);
            let cnf = s.dir.join(format!("{}.cnf", node.name));
            std::fs::write(&cnf, file(format!("{}.cnf", node.name)).expect("a .cnf"))
                .expect("option file written");
            s.defaults = Some(cnf);
            s.start(&[]);
            servers.insert(node.name.clone(), s);
        }
        // The .sql files come in the order the README says to run them (sources first).
        for f in files
            .iter()
            .filter(|f| f.path.ends_with(".sql") && f.path != "proxysql.sql")
        {
            let node = f.path.trim_end_matches(".sql");
            let path = case_dir.join(&f.path);
            std::fs::write(&path, &f.text).expect("setup script written");
            let server = servers.get(node).expect("a node's script");
            server
                .client(&format!("source {}", path.display()))
                .unwrap_or_else(|e| panic!("{}: ERROR {e}", f.path));
        }
        Real { servers, case_dir }
    }

    fn s(&mut self, node: &str) -> &mut Server {
        self.servers.get_mut(node).expect("a node of the case")
    }
}

fn copy_dir(from: &Path, to: &Path) {
    let ok = Command::new("cp")
        .arg("-a")
        .arg(from)
        .arg(to)
        .status()
        .is_ok_and(|s| s.success());
    assert!(ok, "copy {} to {}", from.display(), to.display());
}

impl Drop for Real {
    fn drop(&mut self) {
        for s in self.servers.values_mut() {
            s.kill9();
        }
        if std::env::var_os("RPLAY_CONFORMANCE_KEEP").is_none() {
            let _ = std::fs::remove_dir_all(&self.case_dir);
        }
    }
}

impl Side for Real {
    fn sql(&mut self, node: &str, sql: &str) -> Answer {
        self.s(node).client(sql)
    }

    fn replica_status(&mut self, node: &str) -> BTreeMap<String, String> {
        let out = Command::new("mariadb")
            .args(["--no-defaults", "-uroot", "-E"])
            .arg(format!("--socket={}", self.s(node).sock().display()))
            .args(["-e", "SHOW SLAVE STATUS"])
            .output()
            .expect("the mariadb client runs");
        super::side::vertical_fields(&String::from_utf8_lossy(&out.stdout))
    }

    fn kill9(&mut self, node: &str) {
        self.s(node).kill9();
    }

    fn shutdown(&mut self, node: &str) {
        self.s(node).shutdown();
    }

    fn start(&mut self, node: &str) {
        self.s(node).start(&[]);
    }

    fn attach(&mut self, replica: &str, source: &str, use_gtid: UseGtid, delay_s: u32) {
        let port = self.s(source).port;
        let pos = match use_gtid {
            UseGtid::SlavePos => "slave_pos",
            UseGtid::CurrentPos => "current_pos",
        };
        let sql = format!(
            "STOP SLAVE; CHANGE MASTER TO MASTER_HOST='127.0.0.1', MASTER_PORT={port}, \
             MASTER_USER='repl', MASTER_PASSWORD='repl', MASTER_CONNECT_RETRY=1, \
             MASTER_USE_GTID={pos}, MASTER_DELAY={delay_s}; START SLAVE"
        );
        self.s(replica).client(&sql).expect("CHANGE MASTER");
    }

    fn stop_io(&mut self, node: &str) {
        self.s(node)
            .client("STOP SLAVE IO_THREAD")
            .expect("STOP SLAVE IO_THREAD");
    }

    fn start_io(&mut self, node: &str) {
        self.s(node)
            .client("START SLAVE IO_THREAD")
            .expect("START SLAVE IO_THREAD");
    }

    fn stop_replica(&mut self, node: &str) {
        self.s(node).client("STOP SLAVE").expect("STOP SLAVE");
    }

    fn start_replica(&mut self, node: &str) {
        self.s(node).client("START SLAVE").expect("START SLAVE");
    }

    fn promote(&mut self, node: &str) {
        self.s(node)
            .client("STOP SLAVE; RESET SLAVE ALL")
            .expect("RESET SLAVE ALL");
    }

    fn skip_failed(&mut self, node: &str) {
        // MariaDB: the skip counter works under GTID replication too (it moves
        // gtid_slave_pos past the skipped group) — sql/sys_vars.cc, sql_slave_skip_counter.
        let sql = "STOP SLAVE; SET GLOBAL sql_slave_skip_counter = 1; START SLAVE";
        self.s(node).client(sql).expect("skip");
    }

    fn semi_sync(&mut self, primary: &str, replica: &str, wait: WaitPoint, timeout_ms: u64) {
        let (p, r) = wait.semi_sync_statements(timeout_ms);
        self.s(primary)
            .client(&p)
            .expect("semi-sync on the primary");
        self.s(replica).client(r).expect("semi-sync on the replica");
    }

    fn semi_sync_on(&mut self, primary: &str) -> bool {
        let rows = self
            .s(primary)
            .client("SHOW GLOBAL STATUS LIKE 'Rpl_semi_sync_master_status'")
            .unwrap_or_default();
        rows.first()
            .and_then(|r| r.get(1))
            .is_some_and(|v| v == "ON")
    }

    fn gtid(&mut self, node: &str) -> String {
        let rows = self.s(node).client("SELECT @@gtid_current_pos");
        rows.ok()
            .and_then(|r| r.first().and_then(|r| r.first()).cloned())
            .unwrap_or_else(|| "down".into())
    }

    fn pass(&mut self, secs: f64) {
        sleep(Duration::from_secs_f64(secs));
    }

    fn waiting_write(&mut self, node: &str, sql: &str, key: u64, peek_s: f64) -> Waited {
        let began = Instant::now();
        let child = self.s(node).client_bg(sql);
        sleep(Duration::from_secs_f64(peek_s));
        let peek = format!("SELECT val FROM playground.kv WHERE id = {key}");
        let visible = self
            .s(node)
            .client(&peek)
            .is_ok_and(|rows| !rows.is_empty());
        let out = child.wait_with_output().expect("the writing client ends");
        let blocked_ms = began.elapsed().as_millis() as u64;
        let answer = parse_client(&out.stdout, &out.stderr, out.status.success());
        Waited {
            visible_while_waiting: visible,
            blocked_ms,
            errno: answer.err(),
        }
    }

    fn backup_restore(&mut self, from: &str, to: &str) {
        // mariadb-dump --single-transaction --gtid --master-data=2: the dump carries the
        // GTID position as a commented `SET GLOBAL gtid_slave_pos='…'` (client/mysqldump.c).
        let out = Command::new("mariadb-dump")
            .args(["--no-defaults", "-uroot", "--single-transaction", "--gtid"])
            .args(["--master-data=2", "--databases", "playground"])
            .arg(format!("--socket={}", self.s(from).sock().display()))
            .output()
            .expect("mariadb-dump runs");
        assert!(out.status.success(), "mariadb-dump failed");
        let dump = String::from_utf8_lossy(&out.stdout).into_owned();
        let pos = dump
            .lines()
            .find_map(|l| l.split("gtid_slave_pos='").nth(1))
            .and_then(|t| t.split('\'').next())
            .unwrap_or_default()
            .to_string();
        let file = self.case_dir.join("backup.sql");
        std::fs::write(&file, format!("SET sql_log_bin = 0;\n{dump}")).expect("dump written");
        let load = format!(
            "source {}; SET GLOBAL gtid_slave_pos = '{pos}'",
            file.display()
        );
        self.s(to).client(&load).expect("restore");
    }

    fn purge_to_current(&mut self, node: &str) {
        let s = self.s(node);
        s.client("FLUSH BINARY LOGS").expect("FLUSH BINARY LOGS");
        let status = s.client("SHOW MASTER STATUS").expect("SHOW MASTER STATUS");
        let file = status[0][0].clone();
        // MariaDB keeps a file it may still need for crash recovery until InnoDB has
        // checkpointed past it (a warning, not an error): retry until only `file` is left.
        for _ in 0..100 {
            s.client(&format!("PURGE BINARY LOGS TO '{file}'"))
                .expect("PURGE");
            if s.client("SHOW BINARY LOGS")
                .is_ok_and(|logs| logs.len() == 1)
            {
                return;
            }
            sleep(Duration::from_millis(100));
        }
        panic!("{node} kept its old binary logs");
    }

    fn flavor(&self) -> &'static str {
        "mariadb"
    }
}
