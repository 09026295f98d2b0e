//! A private PostgreSQL cluster run from the installed server binaries, for machines where
//! `DATABASE_URL` is not set. It listens only on a Unix socket inside its own directory, so it
//! never collides with another server, and is stopped by whoever started it.

use std::{
    path::{Path, PathBuf},
    process::Command,
};

use anyhow::{Context, bail};
use sha2::{Digest, Sha256};
use sqlx::postgres::PgConnectOptions;

const SOCKET_PORT: u16 = 5432;
/// Unix socket paths are limited to ~107 bytes; leave room for `/.s.PGSQL.5432`.
const MAX_SOCKET_DIR_LEN: usize = 90;

pub struct ManagedPostgres {
    cluster_dir: PathBuf,
    bin_dir: PathBuf,
    run_as: Option<&'static str>,
    started_here: bool,
}

/// How much a cluster may trade safety for speed: test clusters skip fsync.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Durability {
    Durable,
    Disposable,
}

impl ManagedPostgres {
    /// Initialises (once) and starts the cluster under `dir`, or joins it if it already runs.
    pub fn start(dir: &Path, durability: Durability) -> anyhow::Result<Self> {
        let bin_dir =
            find_server_binaries().ok_or_else(|| anyhow::anyhow!(no_database_message()))?;
        // initdb and postgres refuse to run as root: run them as the `postgres` system user.
        let run_as = if unsafe { libc::geteuid() } == 0 {
            if !user_exists("postgres") {
                bail!(
                    "running as root, and there is no `postgres` system user to run the private PostgreSQL cluster as. {}",
                    no_database_message()
                );
            }
            Some("postgres")
        } else {
            None
        };
        let mut cluster = Self {
            cluster_dir: absolute(dir)?,
            bin_dir,
            run_as,
            started_here: false,
        };
        if !cluster.usable_location() {
            let fallback = fallback_dir(&cluster.cluster_dir);
            tracing::warn!(
                wanted = %cluster.cluster_dir.display(),
                using = %fallback.display(),
                "the PostgreSQL server user cannot use the data directory (or its socket path is too long); using another"
            );
            cluster.cluster_dir = fallback;
        }
        cluster.init(durability)?;
        cluster.start_server()?;
        Ok(cluster)
    }

    pub fn connect_options(&self, database: &str) -> PgConnectOptions {
        PgConnectOptions::new()
            .socket(&self.cluster_dir)
            .port(SOCKET_PORT)
            .username("postgres")
            .database(database)
    }

    /// Where `psql -h` or `pgbench -h` reach this cluster.
    pub fn socket_dir(&self) -> &Path {
        &self.cluster_dir
    }

    /// Stops the server if this process started it; a server someone else started is left running.
    pub fn stop(&mut self) {
        if !self.started_here {
            return;
        }
        self.started_here = false;
        let dir = self.cluster_dir.display().to_string();
        match self.run(
            self.bin("pg_ctl"),
            &["stop", "-D", &dir, "-m", "fast", "-w"],
        ) {
            Ok(out) if out.status.success() => {
                tracing::info!("stopped the private PostgreSQL cluster")
            }
            Ok(out) => {
                tracing::warn!(stderr = %String::from_utf8_lossy(&out.stderr), "pg_ctl stop failed")
            }
            Err(e) => tracing::warn!(error = %e, "pg_ctl stop failed"),
        }
    }

    fn usable_location(&self) -> bool {
        if self.cluster_dir.as_os_str().len() > MAX_SOCKET_DIR_LEN {
            return false;
        }
        if std::fs::create_dir_all(&self.cluster_dir).is_err() {
            return false;
        }
        let Some(user) = self.run_as else { return true };
        let dir = self.cluster_dir.display().to_string();
        let _ = Command::new("chown").args(["-R", user, &dir]).status();
        Command::new("runuser")
            .args(["-u", user, "--", "test", "-w", &dir, "-a", "-x", &dir])
            .status()
            .map(|s| s.success())
            .unwrap_or(false)
    }

    fn init(&self, durability: Durability) -> anyhow::Result<()> {
        if self.cluster_dir.join("PG_VERSION").exists() {
            return Ok(());
        }
        std::fs::create_dir_all(&self.cluster_dir)?;
        if let Some(user) = self.run_as {
            Command::new("chown")
                .args([user, &self.cluster_dir.display().to_string()])
                .status()?;
        }
        let dir = self.cluster_dir.display().to_string();
        let out = self.run(
            self.bin("initdb"),
            &[
                "-D",
                &dir,
                "-U",
                "postgres",
                "-A",
                "trust",
                "-E",
                "UTF8",
                "--no-locale",
                "--no-instructions",
            ],
        )?;
        if !out.status.success() {
            bail!("initdb failed: {}", String::from_utf8_lossy(&out.stderr));
        }
        let mut settings = format!(
            "\n# deskd private cluster\nlisten_addresses = ''\nunix_socket_directories = '{}'\nport = {SOCKET_PORT}\nmax_connections = 300\nsynchronous_commit = off\n",
            dir.replace('\'', "''")
        );
        if durability == Durability::Disposable {
            settings.push_str("fsync = off\nfull_page_writes = off\n");
        } else {
            // Room for a busy tenant's tickets and their search index (the default is 128MB).
            settings.push_str("shared_buffers = 1GB\n");
        }
        use std::io::Write;
        std::fs::OpenOptions::new()
            .append(true)
            .open(self.cluster_dir.join("postgresql.conf"))?
            .write_all(settings.as_bytes())?;
        Ok(())
    }

    fn is_running(&self) -> bool {
        let dir = self.cluster_dir.display().to_string();
        self.run(self.bin("pg_ctl"), &["status", "-D", &dir])
            .map(|o| o.status.success())
            .unwrap_or(false)
    }

    fn start_server(&mut self) -> anyhow::Result<()> {
        if self.is_running() {
            return Ok(());
        }
        let dir = self.cluster_dir.display().to_string();
        let log = self.cluster_dir.join("postgres.log").display().to_string();
        let out = self.run(
            self.bin("pg_ctl"),
            &["start", "-w", "-t", "60", "-D", &dir, "-l", &log],
        )?;
        if out.status.success() {
            self.started_here = true;
            tracing::info!(dir = %dir, "started the private PostgreSQL cluster");
            return Ok(());
        }
        // Another process may have started it at the same moment.
        if self.is_running() {
            return Ok(());
        }
        let tail = std::fs::read_to_string(&log).unwrap_or_default();
        let tail: String = tail.lines().rev().take(5).collect::<Vec<_>>().join("\n");
        bail!(
            "pg_ctl start failed: {}\n{tail}",
            String::from_utf8_lossy(&out.stderr)
        )
    }

    fn bin(&self, name: &str) -> PathBuf {
        self.bin_dir.join(name)
    }

    fn run(&self, program: PathBuf, args: &[&str]) -> std::io::Result<std::process::Output> {
        let mut command = match self.run_as {
            Some(user) => {
                let mut c = Command::new("runuser");
                c.args(["-u", user, "--"]).arg(program);
                c
            }
            None => Command::new(program),
        };
        // The server must not inherit our stdout/stderr: it outlives commands and would hold pipes open.
        command
            .args(args)
            .stdin(std::process::Stdio::null())
            .current_dir("/")
            .output()
    }
}

impl Drop for ManagedPostgres {
    fn drop(&mut self) {
        self.stop();
    }
}

pub fn no_database_message() -> String {
    "no PostgreSQL to use. Either set DATABASE_URL to a PostgreSQL 15+ server \
     (e.g. postgres://postgres@127.0.0.1:5432/deskd), or install the PostgreSQL server binaries \
     (initdb and pg_ctl on PATH or under /usr/lib/postgresql/*/bin, e.g. `apt-get install postgresql`) \
     so deskd can run a private cluster in DESKD_DATA_DIR"
        .to_string()
}

/// `initdb` and `pg_ctl` from PATH, else from the newest `/usr/lib/postgresql/*/bin`.
pub fn find_server_binaries() -> Option<PathBuf> {
    let has_both = |dir: &Path| dir.join("initdb").is_file() && dir.join("pg_ctl").is_file();
    if let Some(path) = std::env::var_os("PATH") {
        for dir in std::env::split_paths(&path) {
            if has_both(&dir) {
                // Follow symlinks so pg_ctl finds its `postgres` beside the real binary.
                let real = std::fs::canonicalize(dir.join("pg_ctl")).ok()?;
                return real.parent().map(Path::to_path_buf);
            }
        }
    }
    let mut candidates: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            let version = e.file_name().to_string_lossy().parse::<u32>().ok()?;
            let bin = e.path().join("bin");
            has_both(&bin).then_some((version, bin))
        })
        .collect();
    candidates.sort();
    candidates.pop().map(|(_, bin)| bin)
}

fn user_exists(name: &str) -> bool {
    let name = std::ffi::CString::new(name).expect("static user name");
    !unsafe { libc::getpwnam(name.as_ptr()) }.is_null()
}

fn absolute(dir: &Path) -> anyhow::Result<PathBuf> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    Ok(std::fs::canonicalize(dir)?)
}

fn fallback_dir(wanted: &Path) -> PathBuf {
    let digest = Sha256::digest(wanted.as_os_str().as_encoded_bytes());
    std::env::temp_dir().join(format!("deskd-pg-{}", &hex::encode(digest)[..12]))
}
