//! The embedded backend: [`LocalStore`] keeps SOAR's tables and the Security Hub findings in one SQLite
//! database, e-mails in an outbox folder and planned AWS calls in a JSON Lines file:
//!
//! ```text
//! dir/soar.sqlite3    tables (WAL mode; schema migrations by PRAGMA user_version)
//! dir/outbox/*.eml    e-mails, one RFC 5322 file each, names sortable by time
//! dir/plan.jsonl      the dry-run plan, one planned AWS call per line
//! dir/accounts.json   account data, loaded into the database at open (optional)
//! ```
//!
//! One connection behind a mutex serves every caller; statements are prepared once and cached. Every
//! operation is atomic, and the partial unique indexes (one open ticket per finding, one open incident
//! per finding and kind) hold even when several processes share the file.
//!
//! By default every operation is its own transaction. With [`LocalStore::with_group_commit`] (what
//! `soar process` uses) operations are savepoints inside a transaction that is committed every
//! [`GroupCommit::max_writes`] operations or [`GroupCommit::max_delay`], on [`LocalStore::flush`] and
//! when the store is dropped: a commit writes each changed page to the WAL once for many findings
//! instead of once per operation. Each operation still succeeds or fails as a whole; what a crash can
//! lose is at most the last uncommitted group, and the store is consistent either way.

mod accounts;
mod events;
mod findings;
mod incidents;
mod schema;
mod stored;
mod suppressions;
mod tickets;

use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use rusqlite::{Connection, TransactionBehavior};

use crate::Clock;
use crate::error::{Result, StoreError};
use crate::outbox::{Email, FileOutbox, Mailer, MemoryOutbox, SentEmail};
use crate::plan::{ActionRecorder, JsonlPlan, MemoryPlan, PlannedCall};
use stored::db;

/// The database file in a store folder.
pub const DATABASE_FILE: &str = "soar.sqlite3";
/// The outbox folder in a store folder.
pub const OUTBOX_DIR: &str = "outbox";
/// The dry-run plan file in a store folder.
pub const PLAN_FILE: &str = "plan.jsonl";
/// The accounts file a store folder may hold.
pub const ACCOUNTS_FILE: &str = "accounts.json";

enum Outbox {
    Files(FileOutbox),
    Memory(MemoryOutbox),
}

enum Plan {
    File(JsonlPlan),
    Memory(MemoryPlan),
}

/// When grouped operations are committed (see the module docs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GroupCommit {
    /// Commit after this many write operations.
    pub max_writes: usize,
    /// Commit once the open group is this old (checked at each operation).
    pub max_delay: Duration,
}

impl Default for GroupCommit {
    /// 512 operations or 50 ms, whichever comes first.
    fn default() -> Self {
        GroupCommit {
            max_writes: 512,
            max_delay: Duration::from_millis(50),
        }
    }
}

/// The connection and the group of operations not yet committed.
struct Db {
    conn: Connection,
    grouping: Option<GroupCommit>,
    /// When the open group began and how many operations it holds.
    open_group: Option<(Instant, usize)>,
}

impl Db {
    fn new(conn: Connection) -> Db {
        Db {
            conn,
            grouping: None,
            open_group: None,
        }
    }

    /// Commits the open group, if any. A failed commit rolls the whole group back.
    fn commit_group(&mut self) -> rusqlite::Result<()> {
        if self.open_group.take().is_some()
            && !self.conn.is_autocommit()
            && let Err(e) = self
                .conn
                .prepare_cached("COMMIT")
                .and_then(|mut c| c.execute([]))
        {
            let _ = self.conn.execute_batch("ROLLBACK");
            return Err(e);
        }
        Ok(())
    }

    /// Whether the open group is due for its commit.
    fn group_due(&self) -> bool {
        match (self.grouping, self.open_group) {
            (Some(policy), Some((opened, writes))) => {
                writes >= policy.max_writes || opened.elapsed() >= policy.max_delay
            }
            _ => false,
        }
    }
}

/// The embedded backend: every store trait of this crate over SQLite and files (see the module docs).
pub struct LocalStore {
    conn: Mutex<Db>,
    dir: Option<PathBuf>,
    outbox: Outbox,
    plan: Plan,
    clock: Clock,
}

impl std::fmt::Debug for LocalStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LocalStore")
            .field("dir", &self.dir)
            .finish_non_exhaustive()
    }
}

impl LocalStore {
    /// Opens (creating if needed) the store in `dir`: the database with its schema up to date, the outbox
    /// folder and the plan file. Loads `dir/accounts.json` when it exists; otherwise an empty account
    /// table gets the built-in accounts.
    pub fn open(dir: impl AsRef<Path>) -> Result<Self> {
        Self::open_with_clock(dir, Clock::system())
    }

    /// [`LocalStore::open`] with a clock for every timestamp the store writes.
    pub fn open_with_clock(dir: impl AsRef<Path>, clock: Clock) -> Result<Self> {
        let dir = dir.as_ref();
        std::fs::create_dir_all(dir).map_err(StoreError::io("create store folder", dir))?;
        let path = dir.join(DATABASE_FILE);
        let key = path.display().to_string();
        let mut conn = Connection::open(&path).map_err(db("open database", &key))?;
        configure(&conn, true).map_err(db("configure database", &key))?;
        migrate(&mut conn, &path)?;
        let store = LocalStore {
            conn: Mutex::new(Db::new(conn)),
            dir: Some(dir.to_owned()),
            outbox: Outbox::Files(FileOutbox::with_clock(dir.join(OUTBOX_DIR), clock.clone())?),
            plan: Plan::File(JsonlPlan::create(dir.join(PLAN_FILE))?),
            clock,
        };
        let accounts_file = dir.join(ACCOUNTS_FILE);
        if accounts_file.exists() {
            store.load_accounts_file(&accounts_file)?;
        } else {
            store.seed_default_accounts()?;
        }
        Ok(store)
    }

    /// A store that lives in memory only (database, outbox and plan), with the built-in accounts.
    pub fn in_memory() -> Result<Self> {
        Self::in_memory_with_clock(Clock::system())
    }

    /// [`LocalStore::in_memory`] with a clock.
    pub fn in_memory_with_clock(clock: Clock) -> Result<Self> {
        let mut conn = Connection::open_in_memory().map_err(db("open database", ":memory:"))?;
        configure(&conn, false).map_err(db("configure database", ":memory:"))?;
        migrate(&mut conn, Path::new(":memory:"))?;
        let store = LocalStore {
            conn: Mutex::new(Db::new(conn)),
            dir: None,
            outbox: Outbox::Memory(MemoryOutbox::with_clock(clock.clone())),
            plan: Plan::Memory(MemoryPlan::new()),
            clock,
        };
        store.seed_default_accounts()?;
        Ok(store)
    }

    /// The store folder (`None` in memory).
    pub fn dir(&self) -> Option<&Path> {
        self.dir.as_deref()
    }

    /// The outbox folder, for a store on disk.
    pub fn file_outbox(&self) -> Option<&FileOutbox> {
        match &self.outbox {
            Outbox::Files(outbox) => Some(outbox),
            Outbox::Memory(_) => None,
        }
    }

    /// The in-memory outbox, for a store in memory.
    pub fn memory_outbox(&self) -> Option<&MemoryOutbox> {
        match &self.outbox {
            Outbox::Memory(outbox) => Some(outbox),
            Outbox::Files(_) => None,
        }
    }

    /// The plan file, for a store on disk.
    pub fn plan_path(&self) -> Option<&Path> {
        match &self.plan {
            Plan::File(plan) => Some(plan.path()),
            Plan::Memory(_) => None,
        }
    }

    /// The schema version this build writes.
    pub fn schema_version() -> i64 {
        schema::MIGRATIONS.len() as i64
    }

    pub(crate) fn now(&self) -> time::OffsetDateTime {
        self.clock.now()
    }

    fn lock(&self) -> MutexGuard<'_, Db> {
        // A panic inside a transaction rolled it back when the transaction was dropped: the connection is
        // consistent, so a poisoned lock is safe to take over.
        self.conn.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Groups write operations into shared commits (see the module docs).
    pub fn with_group_commit(self, policy: GroupCommit) -> Self {
        self.lock().grouping = Some(policy);
        self
    }

    /// Commits the operations grouped so far.
    pub fn flush(&self) -> Result<()> {
        self.lock()
            .commit_group()
            .map_err(db("commit", "grouped operations"))
    }

    /// Runs `f` atomically: in one immediate (write-locking) transaction, or in a savepoint of the open
    /// group when commits are grouped. Rolls back if `f` fails or panics. `BEGIN`, `SAVEPOINT` and
    /// their ends are cached statements, so an operation costs no parsing.
    pub(crate) fn write<T>(
        &self,
        op: &'static str,
        key: &str,
        f: impl FnOnce(&Connection) -> Result<T>,
    ) -> Result<T> {
        let mut guard = self.lock();
        let db_state = &mut *guard;
        if db_state.grouping.is_none() {
            let conn = &db_state.conn;
            conn.prepare_cached("BEGIN IMMEDIATE")
                .and_then(|mut begin| begin.execute([]))
                .map_err(db(op, key))?;
            let mut transaction = OpenTransaction {
                conn,
                committed: false,
            };
            let value = f(conn)?;
            conn.prepare_cached("COMMIT")
                .and_then(|mut commit| commit.execute([]))
                .map_err(db(op, key))?;
            transaction.committed = true;
            return Ok(value);
        }
        if db_state.open_group.is_none() || db_state.conn.is_autocommit() {
            db_state
                .conn
                .prepare_cached("BEGIN IMMEDIATE")
                .and_then(|mut begin| begin.execute([]))
                .map_err(db(op, key))?;
            db_state.open_group = Some((Instant::now(), 0));
        }
        let value = {
            let conn = &db_state.conn;
            conn.prepare_cached("SAVEPOINT soar_operation")
                .and_then(|mut s| s.execute([]))
                .map_err(db(op, key))?;
            let mut savepoint = OpenSavepoint {
                conn,
                released: false,
            };
            let value = f(conn)?;
            conn.prepare_cached("RELEASE soar_operation")
                .and_then(|mut s| s.execute([]))
                .map_err(db(op, key))?;
            savepoint.released = true;
            value
        };
        if let Some((_, writes)) = &mut db_state.open_group {
            *writes += 1;
        }
        if db_state.group_due() {
            db_state.commit_group().map_err(db(op, key))?;
        }
        Ok(value)
    }

    /// Runs `f` on the connection (reads; a single statement is atomic on its own). A group of writes
    /// that is due is committed first, so a process that stops writing still commits.
    pub(crate) fn read<T>(&self, f: impl FnOnce(&Connection) -> Result<T>) -> Result<T> {
        let mut guard = self.lock();
        if guard.group_due() {
            guard
                .commit_group()
                .map_err(db("commit", "grouped operations"))?;
        }
        f(&guard.conn)
    }
}

impl Drop for LocalStore {
    fn drop(&mut self) {
        // Callers that must know whether the last group was committed call `flush` first; a drop has
        // no one to report to.
        let _ = self.lock().commit_group();
    }
}

/// Undoes an operation of a group when dropped before it was released (an error or a panic in
/// between); the group's earlier operations stay.
struct OpenSavepoint<'a> {
    conn: &'a Connection,
    released: bool,
}

impl Drop for OpenSavepoint<'_> {
    fn drop(&mut self) {
        if !self.released && !self.conn.is_autocommit() {
            let _ = self
                .conn
                .execute_batch("ROLLBACK TO soar_operation; RELEASE soar_operation");
        }
    }
}

/// Rolls the transaction back when dropped before it was committed (an error or a panic in between).
struct OpenTransaction<'a> {
    conn: &'a Connection,
    committed: bool,
}

impl Drop for OpenTransaction<'_> {
    fn drop(&mut self) {
        if !self.committed && !self.conn.is_autocommit() {
            // Nothing to report to: the caller already gets the error (or the panic) that led here.
            let _ = self.conn.execute_batch("ROLLBACK");
        }
    }
}

fn configure(conn: &Connection, on_disk: bool) -> rusqlite::Result<()> {
    if on_disk {
        let mode: String = conn.query_row("PRAGMA journal_mode = WAL", [], |row| row.get(0))?;
        debug_assert_eq!(mode.to_ascii_lowercase(), "wal");
        // In WAL mode, NORMAL loses no committed transaction on a crash of the process, only on a power
        // failure, and makes commits far cheaper.
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        // 64 MiB of page cache (the default is 2 MiB): the findings and their change feed outgrow the
        // default within a few thousand findings, and every miss is a read system call.
        conn.pragma_update(None, "cache_size", -65536)?;
    }
    conn.pragma_update(None, "foreign_keys", "ON")?;
    conn.busy_timeout(Duration::from_secs(10))?;
    conn.set_prepared_statement_cache_capacity(64);
    Ok(())
}

fn migrate(conn: &mut Connection, path: &Path) -> Result<()> {
    let key = path.display().to_string();
    let supported = schema::MIGRATIONS.len() as i64;
    loop {
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(db("migrate database", &key))?;
        // Read the version inside the write lock: another process may have migrated meanwhile.
        let version: i64 = tx
            .query_row("PRAGMA user_version", [], |row| row.get(0))
            .map_err(db("migrate database", &key))?;
        if version > supported {
            return Err(StoreError::SchemaTooNew {
                path: path.to_owned(),
                found: version,
                supported,
            });
        }
        let Some(sql) = schema::MIGRATIONS.get(version as usize) else {
            return Ok(());
        };
        tx.execute_batch(sql)
            .map_err(db("migrate database", &key))?;
        tx.pragma_update(None, "user_version", version + 1)
            .map_err(db("migrate database", &key))?;
        tx.commit().map_err(db("migrate database", &key))?;
    }
}

impl Mailer for LocalStore {
    fn send(&self, email: &Email) -> Result<SentEmail> {
        match &self.outbox {
            Outbox::Files(outbox) => outbox.send(email),
            Outbox::Memory(outbox) => outbox.send(email),
        }
    }
}

impl ActionRecorder for LocalStore {
    fn record(&self, call: &PlannedCall) -> Result<()> {
        match &self.plan {
            Plan::File(plan) => plan.record(call),
            Plan::Memory(plan) => plan.record(call),
        }
    }

    fn recorded(&self) -> Result<Vec<PlannedCall>> {
        match &self.plan {
            Plan::File(plan) => plan.recorded(),
            Plan::Memory(plan) => plan.recorded(),
        }
    }
}

#[cfg(test)]
pub(crate) mod test_support {
    use super::*;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicI64, Ordering};
    use time::OffsetDateTime;
    use time::macros::datetime;

    /// A clock that starts at 2026-11-23 12:00 UTC and moves one second per reading, and a handle to
    /// move it further.
    pub(crate) fn ticking_clock() -> (Clock, Arc<AtomicI64>) {
        let seconds = Arc::new(AtomicI64::new(0));
        let handle = seconds.clone();
        let start = datetime!(2026-11-23 12:00 UTC);
        let clock = Clock::from_fn(move || {
            start + time::Duration::seconds(seconds.fetch_add(1, Ordering::SeqCst))
        });
        (clock, handle)
    }

    /// An in-memory store whose clock reads `at(0)`, `at(1)`, ... from the first operation of a test on.
    pub(crate) fn store() -> LocalStore {
        let (clock, seconds) = ticking_clock();
        let store = LocalStore::in_memory_with_clock(clock).unwrap();
        seconds.store(0, Ordering::SeqCst);
        store
    }

    pub(crate) fn at(seconds: i64) -> OffsetDateTime {
        datetime!(2026-11-23 12:00 UTC) + time::Duration::seconds(seconds)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::accounts::AccountDirectory;
    use crate::tickets::{NewTicket, TicketStore};
    use serde_json::json;

    fn ticket_for(finding_id: &str) -> NewTicket {
        NewTicket {
            finding_id: finding_id.into(),
            account: "111122223333".into(),
            control_id: Some("S3.8".into()),
            title: "t".into(),
            severity: "HIGH".into(),
            note: "n".into(),
        }
    }

    /// Grouped writes are the writer's at once, another connection's after the group's commit, and
    /// the drop of the store commits what is left.
    #[test]
    fn grouped_commits_become_visible_at_flush_and_drop() {
        let dir = tempfile::tempdir().unwrap();
        let store = LocalStore::open(dir.path())
            .unwrap()
            .with_group_commit(GroupCommit {
                max_writes: 1000,
                max_delay: Duration::from_secs(3600),
            });
        let other = LocalStore::open(dir.path()).unwrap();
        store.open_for(&ticket_for("f-1")).unwrap();
        assert!(
            store.get_open("f-1").unwrap().is_some(),
            "the writer sees its own"
        );
        assert!(
            other.get_open("f-1").unwrap().is_none(),
            "not committed yet"
        );
        store.flush().unwrap();
        assert!(other.get_open("f-1").unwrap().is_some());

        store.open_for(&ticket_for("f-2")).unwrap();
        drop(store);
        assert!(other.get_open("f-2").unwrap().is_some(), "dropping commits");
    }

    /// A group commits by itself once it holds `max_writes` operations.
    #[test]
    fn a_full_group_commits() {
        let dir = tempfile::tempdir().unwrap();
        let store = LocalStore::open(dir.path())
            .unwrap()
            .with_group_commit(GroupCommit {
                max_writes: 2,
                max_delay: Duration::from_secs(3600),
            });
        let other = LocalStore::open(dir.path()).unwrap();
        store.open_for(&ticket_for("f-1")).unwrap();
        assert!(other.get_open("f-1").unwrap().is_none());
        store.open_for(&ticket_for("f-2")).unwrap();
        assert!(other.get_open("f-1").unwrap().is_some());
        assert!(other.get_open("f-2").unwrap().is_some());
    }

    /// A failed operation inside a group is undone alone: the group's earlier operations stay.
    #[test]
    fn a_failed_operation_in_a_group_is_undone_alone() {
        let store = LocalStore::in_memory()
            .unwrap()
            .with_group_commit(GroupCommit::default());
        store.open_for(&ticket_for("kept")).unwrap();
        let err = store
            .write("test", "lost", |conn| {
                conn.execute(
                    "INSERT INTO accounts (id, doc, cached_at) VALUES ('999999999999', '{}', 'now')",
                    [],
                )
                .unwrap();
                Err::<(), _>(StoreError::not_found("thing", "lost"))
            })
            .unwrap_err();
        assert!(matches!(err, StoreError::NotFound { .. }));
        store.flush().unwrap();
        assert!(store.get_open("kept").unwrap().is_some());
        assert!(store.get("999999999999").unwrap().is_none(), "rolled back");
    }

    #[test]
    fn open_creates_the_layout_and_reopens() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("store");
        {
            let store = LocalStore::open(&root).unwrap();
            assert!(root.join(DATABASE_FILE).exists());
            assert!(root.join(OUTBOX_DIR).is_dir());
            assert_eq!(store.plan_path(), Some(root.join(PLAN_FILE).as_path()));
            assert!(root.join(PLAN_FILE).is_file());
            assert_eq!(store.dir(), Some(root.as_path()));
            let journal: String = store
                .read(|c| {
                    Ok(c.query_row("PRAGMA journal_mode", [], |r| r.get(0))
                        .unwrap())
                })
                .unwrap();
            assert_eq!(journal, "wal");
            store
                .open_for(&NewTicket {
                    finding_id: "f-1".into(),
                    account: "111122223333".into(),
                    ..Default::default()
                })
                .unwrap();
            assert!(
                store.get("111122223333").unwrap().is_some(),
                "built-in accounts"
            );
        }
        let store = LocalStore::open(&root).unwrap();
        assert!(
            store.get_open("f-1").unwrap().is_some(),
            "data survives reopening"
        );
        let version: i64 = store
            .read(|c| {
                Ok(c.query_row("PRAGMA user_version", [], |r| r.get(0))
                    .unwrap())
            })
            .unwrap();
        assert_eq!(version, LocalStore::schema_version());
    }

    /// SQLite re-prepares a cached statement whose plan depends on a bound parameter every time rusqlite
    /// takes it back (see `tickets.rs`); the hot path's statements must be prepared once.
    #[test]
    fn hot_statements_are_prepared_once() {
        use crate::events::EventLedger;
        let store = test_support::store();
        for i in 0..20 {
            let finding_id = format!("f-{i}");
            let new = NewTicket {
                finding_id: finding_id.clone(),
                ..Default::default()
            };
            store.open_for(&new).unwrap();
            store.get_open(&finding_id).unwrap();
            store.close(&finding_id, "fixed").unwrap();
            store.open_for(&new).unwrap();
            store
                .record_if_newer(&finding_id, test_support::at(i), "a")
                .unwrap();
            store
                .record_if_newer(&finding_id, test_support::at(i + 1), "b")
                .unwrap();
        }
        store
            .read(|conn| {
                for sql in [
                    tickets::OPEN_TICKET,
                    tickets::TICKET_BY_ID,
                    tickets::HISTORY,
                    tickets::LATEST_TICKET,
                    tickets::APPEND_EVENT,
                    events::NEWEST,
                    events::RECORD,
                    events::PRUNE,
                ] {
                    let statement = conn.prepare_cached(sql).unwrap();
                    assert!(
                        statement.get_status(rusqlite::StatementStatus::Run) >= 20,
                        "{sql}"
                    );
                    assert_eq!(
                        statement.get_status(rusqlite::StatementStatus::RePrepare),
                        0,
                        "{sql}"
                    );
                }
                Ok(())
            })
            .unwrap();
    }

    #[test]
    fn a_failed_write_changes_nothing() {
        let store = test_support::store();
        let result: Result<()> = store.write("test", "k", |conn| {
            conn.execute(
                "INSERT INTO accounts (id, doc, cached_at) VALUES ('x', '{}', 'now')",
                [],
            )
            .unwrap();
            Err(StoreError::invalid("test", "k", "abort"))
        });
        assert!(result.is_err());
        let panicked = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let _ = store.write("test", "k", |conn| -> Result<()> {
                conn.execute(
                    "INSERT INTO accounts (id, doc, cached_at) VALUES ('y', '{}', 'now')",
                    [],
                )
                .unwrap();
                panic!("boom")
            });
        }));
        assert!(panicked.is_err());
        let ids: Vec<String> = store
            .read(|conn| {
                Ok(conn
                    .prepare("SELECT id FROM accounts WHERE id IN ('x', 'y')")
                    .unwrap()
                    .query_map([], |row| row.get(0))
                    .unwrap()
                    .collect::<rusqlite::Result<_>>()
                    .unwrap())
            })
            .unwrap();
        assert!(ids.is_empty(), "{ids:?}");
        // The connection is usable again.
        assert!(store.get("111122223333").unwrap().is_some());
    }

    #[test]
    fn refuses_a_newer_schema() {
        let dir = tempfile::tempdir().unwrap();
        drop(LocalStore::open(dir.path()).unwrap());
        let conn = Connection::open(dir.path().join(DATABASE_FILE)).unwrap();
        conn.pragma_update(None, "user_version", 99).unwrap();
        drop(conn);
        let err = LocalStore::open(dir.path()).unwrap_err();
        assert!(
            matches!(err, StoreError::SchemaTooNew { found: 99, .. }),
            "{err}"
        );
        assert!(err.to_string().contains(DATABASE_FILE));
    }

    #[test]
    fn accounts_file_in_the_folder_is_loaded() {
        let dir = tempfile::tempdir().unwrap();
        let accounts = json!([{"id": "123456789012", "name": "solo", "email": "solo@example.com", "ou_path": "Root",
            "environment": "prod", "team": "solo", "team_email": "solo@example.com", "created_at": "2026-01-01T00:00:00Z"}]);
        std::fs::write(dir.path().join(ACCOUNTS_FILE), accounts.to_string()).unwrap();
        let store = LocalStore::open(dir.path()).unwrap();
        assert_eq!(store.list_accounts().unwrap().len(), 1);
        assert_eq!(store.get("123456789012").unwrap().unwrap().team, "solo");
        assert!(store.get("111122223333").unwrap().is_none());
    }

    #[test]
    fn mail_and_plan_go_to_files_on_disk_and_to_memory_otherwise() {
        let email = Email {
            from: "soar@example.com".into(),
            to: vec!["team@example.com".into()],
            subject: "s".into(),
            text: "t".into(),
            ..Default::default()
        };
        let call = PlannedCall {
            at: test_support::at(0),
            service: "ec2".into(),
            operation: "TerminateInstances".into(),
            account: None,
            region: None,
            parameters: json!({"InstanceIds": ["i-1"]}),
            reason: "r".into(),
        };
        let dir = tempfile::tempdir().unwrap();
        let store = LocalStore::open(dir.path()).unwrap();
        let sent = store.send(&email).unwrap();
        assert_eq!(
            store.file_outbox().unwrap().messages().unwrap(),
            [sent.location.unwrap()]
        );
        store.record(&call).unwrap();
        assert_eq!(store.recorded().unwrap(), std::slice::from_ref(&call));
        assert!(dir.path().join(PLAN_FILE).exists());

        let memory = LocalStore::in_memory().unwrap();
        memory.send(&email).unwrap();
        memory.record(&call).unwrap();
        assert_eq!(memory.memory_outbox().unwrap().sent().len(), 1);
        assert_eq!(memory.recorded().unwrap().len(), 1);
        assert!(memory.file_outbox().is_none() && memory.plan_path().is_none());
    }
}
